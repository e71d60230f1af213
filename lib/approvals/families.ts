// The template families the substrate knows, with their critical mark, for the policy page.
import { sql } from 'drizzle-orm';
import { rowsOf } from '@/db/client';
import type { Reader } from './policy';

export async function listFamilyMarks(db: Reader): Promise<{ family: string; critical: boolean }[]> {
  return rowsOf<{ family: string; critical: boolean }>(
    await db.execute(sql`
      SELECT f.family, COALESCE(m.critical, false) AS critical
        FROM (SELECT DISTINCT template_family AS family FROM iu_template_version
               UNION SELECT family FROM console_family_mark) f
        LEFT JOIN console_family_mark m ON m.family = f.family
       ORDER BY f.family`),
  );
}
