// A console of its own over PostgreSQL (TEST_DATABASE_URL), for journeys that must change
// the database behind the console's back the way a psql session would (a leaked gate, the
// substrate rollback of 033): the journeys' PGlite folder is held by its server.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { test, type Browser, type BrowserContext } from '@playwright/test';
import pg from 'pg';
import { E2E_ADMIN_PASSWORD } from '../playwright.config';
import { ADMIN, signIn } from './helpers';

export const PG_URL = process.env.TEST_DATABASE_URL?.trim();
export const PG_SKIP_REASON =
  "needs PostgreSQL: set TEST_DATABASE_URL (the journeys' PGlite folder is held by its server, so nothing can change it behind the console's back)";

export interface PgConsole {
  /** The console's base URL. */
  readonly url: string;
  /** The console's own database. */
  readonly dbUrl: string;
  query<R extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
  /** A browser context signed in as the first lead. */
  lead(browser: Browser): Promise<BrowserContext>;
}

async function onServer(url: string, fn: (c: pg.Client) => Promise<unknown>) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Registers beforeAll/afterAll in the calling describe: a fresh database on TEST_DATABASE_URL
 * and a console on E2E_PORT + `portOffset` started like `npm start` with DATABASE_URL.
 */
export function usePostgresConsole(portOffset: number): PgConsole {
  const port = Number(process.env.E2E_PORT ?? 3100) + portOffset;
  const url = `http://localhost:${port}`;
  let server: ChildProcess | undefined;
  let dbName = '';
  let dbUrl = '';
  const output: string[] = [];

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    dbName = `iu_e2e_${crypto.randomBytes(5).toString('hex')}`;
    await onServer(PG_URL!, (c) => c.query(`CREATE DATABASE ${dbName}`));
    const u = new URL(PG_URL!);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
    // the same start-up as `npm start` with DATABASE_URL: migrate, make the first lead, serve
    server = spawn('bash', ['scripts/start.sh'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        PORT: String(port),
        BETTER_AUTH_SECRET: crypto.randomBytes(32).toString('base64'),
        IU_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
        IU_SIGNIN_MAX_ATTEMPTS: '200',
        IU_AUTH_MODE: '',
        IU_PUBLIC_URL: '',
        BETTER_AUTH_URL: '',
        NEXT_TELEMETRY_DISABLED: '1',
      },
    });
    server.stdout!.on('data', (d) => output.push(String(d)));
    server.stderr!.on('data', (d) => output.push(String(d)));
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the PostgreSQL console exited:\n${output.join('')}`);
      try {
        if ((await fetch(`${url}/api/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the PostgreSQL console did not start in time:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  });

  test.afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      // its own process group (detached): the shell, tsx and the server it runs
      process.kill(-server.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    if (dbName) await onServer(PG_URL!, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  });

  return {
    url,
    get dbUrl() {
      return dbUrl;
    },
    async query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []) {
      return ((await onServer(dbUrl, (c) => c.query<R>(text, params))) as pg.QueryResult<R>).rows;
    },
    async lead(browser: Browser) {
      const ctx = await browser.newContext({ baseURL: url });
      await signIn(await ctx.newPage(), ADMIN.username, ADMIN.password);
      return ctx;
    },
  };
}
