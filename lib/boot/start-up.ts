// What `npm start` does before the console serves, inside the one server process: open the
// database once (on PGlite no other process may hold it), apply the migrations, load the demo
// data into an empty embedded database, and make the first lead. These used to be three tsx
// processes run one after the other by scripts/start.sh, each paying for its own start and
// its own PGlite open; here they cost one open, and the server keeps the handle.
//
// What only a first start needs (the demo seed and the recipe engine, the account code and
// better-auth) is imported only when it is needed: a restart reads one count and serves.
import { openDatabase, redactUrl, type Database } from '@/db/client';
import { migrate, migrationStatus } from '@/db/migrate';
import type { DbState } from './held-database';
import { describeError } from '@/lib/errors';

export interface StartUpIo {
  /** A step's heading. */
  step(text: string): void;
  /** A line of the step's output. */
  out(text: string): void;
  /** A warning. */
  warn(text: string): void;
}

/** Who signs in first, as the start-up made or found it. */
export type FirstAccount =
  { kind: 'one-time'; username: string } | { kind: 'given'; username: string } | { kind: 'exists' };

export interface StartedUp {
  state: DbState;
  account: FirstAccount;
}

/** A start-up that cannot go on: the sentence to print and the exit code (2 refused, 1 error). */
export class StartUpError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export async function startUp(
  io: StartUpIo,
  env: Record<string, string | undefined> = process.env,
): Promise<StartedUp> {
  io.step('Applying migrations');
  let db: Database;
  try {
    db = await openDatabase();
  } catch (err) {
    throw new StartUpError(
      `Error: ${describeError(err, env.DATABASE_URL ? redactUrl(env.DATABASE_URL) : undefined)}`,
      1,
    );
  }
  try {
    io.out(`Database: ${db.label}`);
    const applied = await migrate(db);
    const status = await migrationStatus(db);
    const names = new Map(status.map((m) => [m.version, m.name]));
    for (const v of applied) io.out(`applied ${v}_${names.get(v) ?? ''}`);
    const done = status.filter((m) => m.applied).length;
    io.out(
      applied.length
        ? `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}; ${done} of ${status.length} now applied.`
        : `Up to date: ${done} of ${status.length} migrations applied.`,
    );
    const drifted = status.filter((m) => m.drifted);
    if (drifted.length) {
      const names = drifted.map((m) => `${m.version}_${m.name}`).join(', ');
      io.warn(`Warning: ${names} changed on disk since applied; npm run db:status shows which.`);
    }

    if (db.kind === 'pglite' && env.IU_SKIP_SEED !== '1') {
      io.step('Loading demo data into the embedded database (only when it is empty)');
      // seedDemo's --if-empty test, asked first so that a restart does not load the seed
      const [{ marked }] = await db.query<{ marked: number }>(
        'SELECT count(*)::int AS marked FROM iu_piece_collection WHERE is_template',
      );
      if (marked > 0) {
        io.out(`${db.label} already has ${marked} template${marked === 1 ? '' : 's'}; nothing was seeded.`);
      } else {
        const { seedDemo } = await import('@/db/seed');
        const r = await seedDemo(db, { ifEmpty: true, log: (l) => io.out(`  ${l}`) });
        io.out(r.summary);
      }
    }

    io.step('Checking the console accounts');
    // bootstrapLead counts the same way; this saves loading it when accounts exist
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_user');
    let account: FirstAccount = { kind: 'exists' };
    if (n > 0) io.out('Console accounts exist already; nothing to do.');
    else account = await firstAccount(db, io, env);
    return { state: { db, issues: [] }, account };
  } catch (err) {
    await db.close().catch(() => {});
    if (err instanceof StartUpError) throw err;
    throw new StartUpError(`Error: ${describeError(err, db.label)}`, 1);
  }
}

/** The first lead on an empty database, recorded in the audit trail as `npm run iu -- users bootstrap` records it. */
async function firstAccount(
  db: Database,
  io: StartUpIo,
  env: Record<string, string | undefined>,
): Promise<FirstAccount> {
  const [{ writeAudit }, { bootstrapLead, UserAdminError }, { cliUser }] = await Promise.all([
    import('@/lib/auth/audit'),
    import('@/lib/auth/users'),
    import('@/lib/cli/user'),
  ]);
  const who = cliUser(env);
  const username = 'error' in who ? 'unknown' : who.user;
  const audit = {
    startedAt: new Date(),
    username,
    role: 'cli',
    recipe: 'user_bootstrap',
    mode: 'admin' as const,
    actor: null,
    reason: 'first start',
    ip: 'cli',
    userAgent: 'iu-start',
  };
  let r: Awaited<ReturnType<typeof bootstrapLead>>;
  try {
    r = await bootstrapLead(db, env);
  } catch (err) {
    if (!(err instanceof UserAdminError)) throw err;
    // a weak IU_ADMIN_PASSWORD: refused, recorded, and the start stops
    await writeAudit(db.orm, {
      ...audit,
      params: {},
      decision: 'refused',
      status: 'weak_password',
      summary: err.message,
      committed: false,
    });
    throw new StartUpError(`Refused (invalid_input): ${err.message}`, 2);
  }
  if (!r.created) {
    io.out('Console accounts exist already; nothing to do.');
    return { kind: 'exists' };
  }
  await writeAudit(db.orm, {
    ...audit,
    params: { username: r.username },
    decision: 'ok',
    status: 'ok',
    summary: `made the first lead, ${r.username}${r.oneTimePassword ? ' (one-time password)' : ' (IU_ADMIN_PASSWORD)'}`,
    committed: true,
  });
  if (!r.oneTimePassword) {
    io.out(`Made the first lead, ${r.username}, with the password in IU_ADMIN_PASSWORD.`);
    return { kind: 'given', username: r.username };
  }
  io.out(
    [
      '',
      '  ┌──────────────────────────────────────────────────────────────┐',
      `  │ First sign-in: user ${r.username.padEnd(41)}│`,
      `  │ One-time password: ${r.oneTimePassword.padEnd(42)}│`,
      '  │ Shown once; you choose your own password at first sign-in.   │',
      '  └──────────────────────────────────────────────────────────────┘',
    ].join('\n'),
  );
  return { kind: 'one-time', username: r.username };
}
