// What every benchmark shares: its flags, the statistics it prints, and the throwaway
// PostgreSQL databases it measures on.
import pg from 'pg';

/** The value after `--name`, or undefined. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function numberFlag(name: string, fallback: number): number {
  const raw = flag(name);
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive whole number`);
  return v;
}

export const hasFlag = (name: string) => process.argv.includes(`--${name}`);

/** The median; of an even count, the mean of the two middle values. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The nearest-rank percentile (p95 of 20 values is the 19th smallest). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** The server the benchmarks make their databases on. */
export const ADMIN_URL =
  process.env.BENCH_ADMIN_URL ??
  process.env.TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

/** A database's name, checked: it goes into CREATE/DROP DATABASE, which take no parameters. */
export function checkDbName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`${name} is not a plain lower-case database name`);
  return name;
}

/** The URL of a database on the same server. */
export function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${checkDbName(name)}`;
  return u.toString();
}

/** A connection to the server's maintenance database, for CREATE and DROP DATABASE. */
export async function adminClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  return c;
}

/** Creates the database unless it exists; true when it was created now. */
export async function ensureDatabase(admin: pg.Client, name: string): Promise<boolean> {
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [checkDbName(name)]);
  if (rowCount) return false;
  await admin.query(`CREATE DATABASE ${name}`);
  return true;
}

export async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${checkDbName(name)} WITH (FORCE)`);
}

export async function serverVersion(admin: pg.Client): Promise<string> {
  const { rows } = await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return rows[0].v;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
