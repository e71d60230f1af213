import 'server-only';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';
import type { DbState, StartupIssue } from '@/lib/boot/held-database';
import { processSingletonAsync } from '@/lib/process-singleton';
import { errorMessage } from '@/lib/errors';

export type { StartupIssue };

/** The process-wide database, opened, migrated (and on PGlite seeded) on first use. */
export async function getDb(): Promise<Database> {
  return (await getDbState()).db;
}

/**
 * The database together with any migrate/seed problem met when it was opened. `npm start`
 * (server.ts) opens, migrates, seeds and bootstraps it before serving; this opens it on first
 * use where nothing did (next dev, tests of route handlers).
 */
export function getDbState(): Promise<DbState> {
  // One per process (the slot server.ts holds its database in), not in module scope: dev hot
  // reload re-evaluates modules, and a second PGlite open of the same folder would be refused
  // by its pid lock (or corrupt it). A failed open is forgotten so the next request tries
  // again, e.g. once another process has let go of the PGlite folder.
  return processSingletonAsync<DbState>('db', prepare);
}

async function prepare(): Promise<DbState> {
  const db = await openDatabase();
  const issues: StartupIssue[] = [];
  try {
    const applied = await migrate(db);
    if (applied.length) console.log(`[iu-console] applied migrations ${applied.join(', ')} on ${db.label}`);
  } catch (err) {
    // The console still opens so the overview can show which migration is missing and why.
    const message = errorMessage(err);
    console.error(`[iu-console] migrate failed on ${db.label}: ${message}`);
    issues.push({ step: 'migrate', message });
  }
  if (db.kind === 'pglite' && issues.length === 0 && process.env.IU_SKIP_SEED !== '1') {
    try {
      // Loaded lazily: demo data is a convenience, and a broken seed must not stop the console.
      const { seedDemo } = await import('@/db/seed');
      const result = await seedDemo(db, { ifEmpty: true });
      if (result.seeded) console.log(`[iu-console] seeded demo data: ${result.summary}`);
    } catch (err) {
      const message = errorMessage(err);
      console.error(`[iu-console] demo seed failed on ${db.label}: ${message}`);
      issues.push({ step: 'seed', message });
    }
  }
  if (issues.length === 0) {
    try {
      // npm start makes the first lead before the server starts; this covers `npm run serve`
      const { bootstrapLead } = await import('@/lib/auth/users');
      const r = await bootstrapLead(db);
      if (r.created) {
        console.log(
          r.oneTimePassword
            ? `[iu-console] made the first lead, ${r.username}; one-time password (shown once): ${r.oneTimePassword}`
            : `[iu-console] made the first lead, ${r.username}, with the password in IU_ADMIN_PASSWORD`,
        );
      }
    } catch (err) {
      console.error(`[iu-console] could not make the first account on ${db.label}: ${errorMessage(err)}`);
    }
  }
  return { db, issues };
}
