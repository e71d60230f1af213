// npm run db:migrate | db:status | db:seed [-- --if-empty]
// Works on the embedded PGlite (default, .data/pglite or IU_PGLITE_DIR) and on PostgreSQL
// (DATABASE_URL). The database is always closed at the end: PGlite holds a folder lock.
import { Command } from 'commander';
import { openDatabase, redactUrl, type Database } from '@/db/client';
import { migrate, migrationStatus } from '@/db/migrate';
import { seedDemo, SeedError } from '@/db/seed';
import { scaleSeed } from '@/lib/recipes';
import { EXIT, ignoreClosedStdout } from '@/lib/cli/errors';
import { fmtDate, table } from '@/lib/cli/format';
import { describeError } from '@/lib/errors';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function whereLabel(db: Database | undefined): string | undefined {
  if (db) return db.label;
  return process.env.DATABASE_URL ? redactUrl(process.env.DATABASE_URL) : undefined;
}

/** Opens the database, runs `fn`, closes it whatever happens, and sets the exit code. */
async function withDb(fn: (db: Database) => Promise<void>): Promise<void> {
  let db: Database | undefined;
  try {
    db = await openDatabase();
    await fn(db);
  } catch (e) {
    err(e instanceof SeedError ? e.message : `Error: ${describeError(e, whereLabel(db))}`);
    process.exitCode = EXIT.error;
  } finally {
    await db?.close().catch((e) => err(`Closing the database failed: ${describeError(e)}`));
  }
}

async function applyMigrations(db: Database): Promise<string[]> {
  const applied = await migrate(db);
  const names = new Map((await migrationStatus(db)).map((m) => [m.version, m.name]));
  for (const v of applied) out(`applied ${v}_${names.get(v) ?? ''}`);
  return applied;
}

ignoreClosedStdout();

const program = new Command()
  .name('db')
  .description(
    'Migrate, inspect and seed the iu_core database (PGlite by default, PostgreSQL when DATABASE_URL is set).',
  )
  .showHelpAfterError();

program
  .command('migrate')
  .description('apply pending migrations from db/migrations')
  .action(() =>
    withDb(async (db) => {
      out(`Database: ${db.label}`);
      const applied = await applyMigrations(db);
      const status = await migrationStatus(db);
      if (!applied.length)
        out(`Up to date: ${status.filter((m) => m.applied).length} of ${status.length} migrations applied.`);
      else
        out(
          `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}; ${status.filter((m) => m.applied).length} of ${status.length} now applied.`,
        );
      const drifted = status.filter((m) => m.drifted);
      if (drifted.length) {
        err(
          `Warning: ${drifted.map((m) => `${m.version}_${m.name}`).join(', ')} changed on disk since applied; npm run db:status shows which.`,
        );
      }
    }),
  );

program
  .command('status')
  .description('show which migrations are applied')
  .action(() =>
    withDb(async (db) => {
      const status = await migrationStatus(db);
      out(`Database: ${db.label}`);
      out(
        table(
          ['version', 'name', 'applied', 'applied at', 'by', 'drift'],
          status.map((m) => [
            m.version,
            m.name,
            m.applied,
            m.appliedAt ? fmtDate(m.appliedAt) : null,
            m.appliedBy,
            m.drifted ? 'CHANGED since applied' : m.applied ? 'none' : null,
          ]),
        ),
      );
      const pending = status.filter((m) => !m.applied);
      out(pending.length ? `${pending.length} pending: run npm run db:migrate.` : 'All migrations applied.');
      if (status.some((m) => m.drifted)) {
        err('Warning: a migration file changed after it was applied; the database may not match the file.');
      }
    }),
  );

program
  .command('seed')
  .description('migrate if needed, then load the demo data through the recipe engine')
  .option('--if-empty', 'seed only when the database has no template yet')
  .option(
    '--scale',
    'instead of the demo: grow to 1,000,000 event-log rows across 1,000 templates and 50 actors (PostgreSQL)',
  )
  .option('--events <n>', 'with --scale: the event-log rows to reach', (v) => Number(v))
  .action((opts: { ifEmpty?: boolean; scale?: boolean; events?: number }) =>
    withDb(async (db) => {
      out(`Database: ${db.label}`);
      await applyMigrations(db);
      if (opts.scale) {
        if (db.kind === 'pglite' && !process.env.IU_SCALE_ON_PGLITE) {
          err(
            'The scale seed needs PostgreSQL: on the embedded PGlite a million events take far too long. Set DATABASE_URL (or IU_SCALE_ON_PGLITE=1 to try anyway).',
          );
          process.exitCode = EXIT.error;
          return;
        }
        const r = await scaleSeed(db, { events: opts.events, log: (l) => out(`  ${l}`) });
        out(
          `Scale data: ${r.events.toLocaleString('en')} event-log rows across ${r.templates} templates ` +
            `(${r.engineEvents.toLocaleString('en')} engine calls and ${r.historyEvents.toLocaleString('en')} history rows added) in ${(r.elapsedMs / 1000).toFixed(1)} s.`,
        );
        return;
      }
      const r = await seedDemo(db, { ifEmpty: !!opts.ifEmpty, log: (l) => out(`  ${l}`) });
      out(r.summary);
    }),
  );

program.parseAsync().catch((e) => {
  err(`Error: ${describeError(e)}`);
  process.exitCode = EXIT.error;
});
