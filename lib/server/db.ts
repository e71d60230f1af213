import 'server-only';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';
import { heldDatabase, holdDatabase, type DbState, type StartupIssue } from '@/lib/boot/held-database';
import { redactText } from '@/lib/log/redact';

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
  let held = heldDatabase();
  if (!held) {
    // On globalThis, not in module scope: dev hot reload re-evaluates modules, and a second
    // PGlite open of the same folder would be refused by its pid lock (or corrupt it). A failed
    // open is forgotten so the next request tries again, e.g. once another process has let go
    // of the PGlite folder.
    held = prepare().catch((err) => {
      holdDatabase(undefined);
      throw err;
    });
    holdDatabase(held);
  }
  return held;
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

/** A sentence a person can act on for a failure to open or query the database. */
export function describeDatabaseError(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `PostgreSQL could not be reached (${code}). Check DATABASE_URL and that the server is running, or unset DATABASE_URL to use the embedded database.`;
  }
  if (code === '28P01' || code === '28000') {
    return 'PostgreSQL refused the login named in DATABASE_URL. Check the user and password.';
  }
  if (code === '3D000') {
    return 'The database named in DATABASE_URL does not exist. Create it (createdb) or point DATABASE_URL at an existing one.';
  }
  // a query PostgreSQL refused (bad data, a bad statement): its wording is for the log, not a page
  if (typeof code === 'string' && /^(22|23|42|XX)[0-9A-Z]{3}$/.test(code)) {
    console.error(`[iu-console] query refused (${code}): ${errorMessage(err)}`);
    return `The database refused a query (SQLSTATE ${code}), so nothing was shown and nothing was changed. The server log has the details.`;
  }
  return errorMessage(err);
}

/** The message with secrets hidden: it is logged, and shown on the overview and in API answers. */
function errorMessage(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err));
}
