// Test databases: every test file gets fresh, migrated databases and never sees data an
// earlier run left. PGlite in memory always; PostgreSQL too when TEST_DATABASE_URL names a
// server (a new database `iu_test_<random>` is created there and dropped after the file).
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';

export type BackendName = 'pglite' | 'postgres';

export interface Backend {
  name: BackendName;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;
export const hasPostgres = !!TEST_DATABASE_URL;
/** Put in the title of PostgreSQL-only suites, so a skipped run says why. */
export const PG_ONLY = 'PostgreSQL only: skipped unless TEST_DATABASE_URL is set';

/** The backends substrate tests run on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function backends(): Backend[] {
  return hasPostgres ? [{ name: 'pglite' }, { name: 'postgres' }] : [{ name: 'pglite' }];
}

export interface TestDatabase {
  readonly backend: BackendName;
  /** The migrated database, opened through db/client.ts. */
  readonly db: Database;
  /** PostgreSQL only: the URL of the fresh database. */
  readonly url: string;
  /** PostgreSQL only: the name of the fresh database. */
  readonly name: string;
  /** PostgreSQL only: environment for psql (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD). */
  psqlEnv(): NodeJS.ProcessEnv;
  /** PostgreSQL only: a raw connection of its own, closed after the file. */
  client(): Promise<pg.Client>;
  /** PostgreSQL only: a second Database (its own pool), closed after the file. */
  openAnother(): Promise<Database>;
}

function urlFor(base: string, dbName: string): string {
  const u = new URL(base);
  u.pathname = `/${dbName}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: 'iu-core-tests-admin' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Registers beforeAll/afterAll in the calling describe block: a fresh database on `backend`,
 * migrated unless `migrated: false`.
 */
export function useTestDatabase(
  backend: Backend | BackendName,
  opts: { migrated?: boolean; approvalPolicy?: boolean } = {},
): TestDatabase {
  const kind: BackendName = typeof backend === 'string' ? backend : backend.name;
  let db: Database | undefined;
  let url = '';
  let name = '';
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    if (kind === 'pglite') {
      db = await openDatabase({ dataDir: 'memory://' });
    } else {
      if (!TEST_DATABASE_URL) throw new Error(`${PG_ONLY}.`);
      name = `iu_test_${crypto.randomBytes(6).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      url = urlFor(TEST_DATABASE_URL, name);
      db = await openDatabase({ url, max: 5 });
    }
    if (opts.migrated !== false) await migrate(db);
    // the shipped approval policy (050) is off unless a test asks for it: the recipe tests
    // apply plans alone; tests/approvals*.test.ts keep it on and go through requests
    if (opts.migrated !== false && !opts.approvalPolicy) await approvalPolicyOff(db);
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await db?.close().catch(() => {});
    if (kind === 'postgres' && name) {
      await admin(async (c) => {
        await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    }
  });

  const needPg = (what: string) => {
    if (kind !== 'postgres') throw new Error(`${what} needs the PostgreSQL backend`);
  };

  return {
    backend: kind,
    get db() {
      if (!db) throw new Error('the test database is not open yet (use it inside a test or hook)');
      return db;
    },
    get url() {
      needPg('url');
      return url;
    },
    get name() {
      needPg('name');
      return name;
    },
    psqlEnv() {
      needPg('psqlEnv');
      const u = new URL(url);
      return {
        ...process.env,
        PGHOST: u.hostname,
        PGPORT: u.port || '5432',
        PGUSER: decodeURIComponent(u.username || 'postgres'),
        PGPASSWORD: decodeURIComponent(u.password),
        PGDATABASE: name,
        PSQLRC: '/dev/null',
      };
    },
    async client() {
      needPg('client');
      const c = new pg.Client({ connectionString: url, application_name: 'iu-core-tests' });
      c.on('error', () => {
        /* terminated at teardown */
      });
      await c.connect();
      closers.push(() => c.end());
      return c;
    },
    async openAnother() {
      needPg('openAnother');
      const other = await openDatabase({ url, max: 3 });
      closers.push(() => other.close());
      return other;
    },
  };
}

/** Switches every line of the shipped approval policy (050) off: the test applies its plans alone. */
export async function approvalPolicyOff(db: Pick<Database, 'exec'>): Promise<void> {
  await db.exec('UPDATE console_approval_policy SET required = false');
}
