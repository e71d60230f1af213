// The one place that opens the database: PostgreSQL through `pg` when DATABASE_URL is set,
// an embedded PGlite kept in a git-ignored folder otherwise. Both come back as the same
// Database shape, and rows from both look the same (int8 as number, timestamptz as Date,
// jsonb as objects).
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as views from './views';
import { authAccount, authRateLimit, authSession, authUser, authVerification, consoleAuditLog } from './auth-schema';

export const fullSchema = {
  ...views,
  authUser,
  authSession,
  authAccount,
  authVerification,
  authRateLimit,
  consoleAuditLog,
};
export type Orm = PgDatabase<PgQueryResultHKT, typeof fullSchema>;
export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  kind: DatabaseKind;
  /** Where the data lives, safe to print (no password). */
  label: string;
  orm: Orm;
  /** Runs one or more statements with the simple protocol (migrations, seeds). */
  exec(text: string): Promise<void>;
  /** Runs one parameterised statement outside any transaction and returns normalised rows. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` on one connection (a pooled client is checked out for it). */
  withSession<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Session {
  exec(text: string): Promise<void>;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface OpenOptions {
  /** A postgres:// URL; when absent, PGlite in `dataDir`. */
  url?: string;
  /** PGlite data folder; `memory://` for a throwaway in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  max?: number;
}

export const DEFAULT_PGLITE_DIR = path.resolve(process.cwd(), '.data', 'pglite');

// int8 comes back from `pg` as a string and from PGlite as a number; counts and log ids fit
// in a double, so both drivers agree on numbers here.
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (v: string) => (v === null ? null : Number(v));
    return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparseable DATABASE_URL)';
  }
}

/** Opens the database the environment names: DATABASE_URL, else the embedded PGlite. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const url = opts.url ?? (opts.dataDir ? undefined : process.env.DATABASE_URL);
  if (url) return openPostgres(url, opts.max ?? 10);
  return openPglite(opts.dataDir ?? process.env.IU_PGLITE_DIR ?? DEFAULT_PGLITE_DIR);
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes, application_name: 'iu-core-console' });
  pool.on('error', () => {
    /* an idle client lost its connection; the pool replaces it */
  });
  // a client in use (a transaction's) that loses its connection emits 'error' too; without a
  // listener that ends the process. Its query rejects anyway, and the caller records the failure.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const orm = drizzlePg(pool, { schema: fullSchema }) as unknown as Orm;
  return {
    kind: 'postgres',
    label: redactUrl(url),
    orm,
    async exec(text) {
      await pool.query(text);
    },
    async query<T>(text: string, params: unknown[] = []) {
      const r = await pool.query(text, params as unknown[]);
      return r.rows as T[];
    },
    async withSession(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        return await fn({
          async exec(text) {
            await client.query(text);
          },
          async query<T>(text: string, params: unknown[] = []) {
            return (await client.query(text, params as unknown[])).rows as T[];
          },
        });
      } catch (err) {
        broken = true;
        throw err;
      } finally {
        // a client that saw an error may sit in an aborted transaction: never hand it back
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  let release = () => {};
  if (!inMemory) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = takeDirLock(dataDir);
  }
  let client: PGlite;
  try {
    client = new PGlite(inMemory ? undefined : dataDir);
    await client.waitReady;
  } catch (err) {
    release();
    throw err;
  }
  const orm = drizzlePglite(client, { schema: fullSchema }) as unknown as Orm;
  return {
    kind: 'pglite',
    label: inMemory ? 'PGlite (in memory)' : `PGlite at ${displayPath(dataDir)}`,
    orm,
    async exec(text) {
      await client.exec(text);
    },
    async query<T>(text: string, params: unknown[] = []) {
      const r = await client.query<T>(text, params as unknown[]);
      return r.rows;
    },
    async withSession(fn) {
      return fn({
        async exec(text) {
          await client.exec(text);
        },
        async query<T>(text: string, params: unknown[] = []) {
          return (await client.query<T>(text, params as unknown[])).rows;
        },
      });
    },
    async close() {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

function displayPath(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(dir);
}

export class DatabaseInUseError extends Error {}

// PGlite is one process's database: a second process opening the same folder would corrupt
// it. A pid file makes the second one stop with a sentence instead.
function takeDirLock(dataDir: string): () => void {
  const lockFile = path.join(dataDir, '.iu-console.lock');
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new DatabaseInUseError(
        `The embedded database in ${dataDir} is open in another process (pid ${pid}). ` +
          'Stop that process (the console or another CLI run) and try again, or set DATABASE_URL to use PostgreSQL, which many processes can share.',
      );
    }
  } catch (err) {
    if (err instanceof DatabaseInUseError) throw err;
  }
  try {
    // 'wx' fails when another process created the file between the check above and here
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number(fs.readFileSync(lockFile, 'utf8'));
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new DatabaseInUseError(
        `The embedded database in ${dataDir} is open in another process (pid ${holder}). Stop that process and try again, or set DATABASE_URL to use PostgreSQL.`,
      );
    }
    // a stale file from a process that died: take it over
    fs.writeFileSync(lockFile, String(process.pid));
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.unlinkSync(lockFile);
    } catch {
      /* already gone */
    }
  };
  process.once('exit', release);
  return release;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const INT8 = 20;
const TIMESTAMP_OIDS = new Set([1114, 1184]);

/** Parses PostgreSQL's text form of a timestamp (`2026-11-26 17:50:00.123456+00`). */
export function parsePgTimestamp(v: string): Date {
  const iso = v
    .replace(' ', 'T')
    .replace(/([+-]\d\d)$/, '$1:00')
    .replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

/**
 * Rows of a drizzle `execute` result, whichever driver produced it. Drizzle hands raw SQL
 * results back as each driver parses them (timestamps as text, int8 as text from `pg` and
 * as a number from PGlite); here both become Date and number, by the column's type.
 */
export function rowsOf<T>(result: unknown): T[] {
  const r = result as { rows?: Record<string, unknown>[]; fields?: { name: string; dataTypeID: number }[] };
  const rows = r.rows ?? [];
  const convert = (r.fields ?? []).filter((f) => f.dataTypeID === INT8 || TIMESTAMP_OIDS.has(f.dataTypeID));
  if (!convert.length) return rows as T[];
  for (const row of rows) {
    for (const f of convert) {
      const v = row[f.name];
      if (typeof v === 'string') row[f.name] = f.dataTypeID === INT8 ? Number(v) : parsePgTimestamp(v);
      else if (typeof v === 'bigint') row[f.name] = Number(v);
    }
  }
  return rows as T[];
}
