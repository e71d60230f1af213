import { readGates } from '@/lib/recipes';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';
import { describeDatabaseError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

/** The iu_core gates as committed data shows them; polled by the gate-leak banner (viewers and up). */
export async function GET(req: Request) {
  try {
    const who = await apiUser(req, 'viewer');
    if ('response' in who) return who.response;
    const gates = await readGates(await getDb());
    return Response.json({ gates, leaked: gates.filter((g) => g.open).map((g) => g.key) });
  } catch (err) {
    return Response.json({ error: describeDatabaseError(err) }, { status: 503 });
  }
}
