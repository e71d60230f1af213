// The process's one database handle, on globalThis: server.ts opens it at start-up, and
// Next's bundles (lib/server/db.ts), the metrics scrape and the job worker load their modules
// separately, so a module-scope variable would give each its own. On PGlite it must be
// opened once per process (its folder lock refuses a second open, and two would corrupt it).
// No 'server-only' here: server.ts imports it outside Next.
import type { Database } from '@/db/client';
import { processSlot } from '@/lib/process-singleton';

/** What went wrong while preparing the database, shown on the overview instead of a crash. */
export interface StartupIssue {
  step: 'migrate' | 'seed';
  message: string;
}

export interface DbState {
  db: Database;
  issues: StartupIssue[];
}

const slot = processSlot<Promise<DbState>>('db');

/** The held database state, if anyone opened it in this process. */
export function heldDatabase(): Promise<DbState> | undefined {
  return slot.get();
}

/** Holds `state` for the process (or forgets it with undefined, so the next use opens again). */
export function holdDatabase(state: Promise<DbState> | undefined): void {
  slot.set(state);
}
