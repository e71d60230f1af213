import 'server-only';
import { getAutoInstantiateState } from '@/lib/queries/overview';
import { getDb } from '@/lib/server/db';
import type { Database } from '@/db/client';
import { describeDatabaseError } from '@/lib/errors';

export type Loaded<T> = { ok: true; data: T } | { ok: false; title: string; message: string };

/**
 * Opens the database and runs a page's reads, turning failures into sentences (production
 * Next.js hides a thrown message). Pages over the event log say so when 033 is not applied.
 */
export async function loadPage<T>(
  what: string,
  fn: (db: Database) => Promise<T>,
  opts: { needsLog?: boolean } = {},
): Promise<Loaded<T>> {
  let db: Database;
  try {
    db = await getDb();
  } catch (err) {
    return { ok: false, title: 'The database could not be opened', message: describeDatabaseError(err) };
  }
  try {
    if (opts.needsLog) {
      const state = await getAutoInstantiateState(db);
      if (!state.available) return { ok: false, title: `The ${what} is off`, message: state.message ?? '' };
    }
    return { ok: true, data: await fn(db) };
  } catch (err) {
    return { ok: false, title: `The ${what} could not be read`, message: describeDatabaseError(err) };
  }
}
