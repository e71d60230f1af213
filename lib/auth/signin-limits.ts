// Failed sign-ins, counted per user name and per client address (migration 047). An attempt
// is claimed before the password is checked and given back when it succeeds, so only
// failures stay counted, and parallel guesses cannot all slip past a stale read. Requests
// refused for their API token are counted per address in the same table and window, to bound
// the audit rows a flood of them writes.
import { storable } from './audit';
import { sql } from 'drizzle-orm';
import { authAccount, authUser } from '@/db/auth-schema';
import { rowsOf, type Orm } from '@/db/client';
import type { Tx } from '@/lib/recipes/types';

type Exec = Orm | Tx;

export interface SignInLimits {
  /** Failed sign-ins per user name per window (IU_SIGNIN_MAX_ATTEMPTS, 5). */
  perUser: number;
  /** Failed sign-ins per client address per window (IU_SIGNIN_MAX_ADDRESS_FAILURES, 30). */
  perAddress: number;
  windowSeconds: number;
}

const positiveInt = (v: string | undefined, fallback: number) => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

export function signInLimits(env: Record<string, string | undefined> = process.env): SignInLimits {
  return {
    perUser: positiveInt(env.IU_SIGNIN_MAX_ATTEMPTS, 5),
    perAddress: positiveInt(env.IU_SIGNIN_MAX_ADDRESS_FAILURES, 30),
    windowSeconds: 60,
  };
}

export interface Attempt {
  username: string;
  /** The socket peer server.ts recorded; null when unknown (then only the user name counts). */
  address: string | null;
}

function keysOf(a: Attempt): { key: string; max: (l: SignInLimits) => number }[] {
  // a typed name may hold anything, a NUL included, which PostgreSQL text cannot: written out
  const keys = [
    { key: `user:${storable(a.username.trim().toLowerCase().slice(0, 200))}`, max: (l: SignInLimits) => l.perUser },
  ];
  if (a.address) keys.push({ key: `address:${storable(a.address.slice(0, 100))}`, max: (l) => l.perAddress });
  return keys;
}

/**
 * Counts this attempt against its user name and address. Returns null when it may go on,
 * or the seconds until it may be tried again when either has had too many failures.
 */
export async function claimSignInAttempt(
  db: Exec,
  a: Attempt,
  limits: SignInLimits,
): Promise<{ retryAfterSeconds: number } | null> {
  let wait = 0;
  for (const { key, max } of keysOf(a)) {
    const row = await countFailure(db, key, limits.windowSeconds);
    if (row.failures > max(limits)) wait = Math.max(wait, row.left, 1);
  }
  await forgetOldFailures(db);
  if (!wait) return null;
  // a refused attempt checks no password, so it is no failure: otherwise someone hammering
  // one blocked name would use up the whole office's address allowance as well
  await releaseSignInAttempt(db, a);
  return { retryAfterSeconds: wait };
}

/** One more failure under `key` in its fixed window (a new window once the last has passed). */
async function countFailure(db: Exec, key: string, w: number): Promise<{ failures: number; left: number }> {
  const [row] = rowsOf<{ failures: number; left: number }>(
    await db.execute(sql`
      INSERT INTO auth_signin_failure AS f (key, failures, window_start) VALUES (${key}, 1, now())
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN f.window_start <= now() - make_interval(secs => ${w}) THEN 1 ELSE f.failures + 1 END,
        window_start = CASE WHEN f.window_start <= now() - make_interval(secs => ${w}) THEN now() ELSE f.window_start END
      RETURNING failures, ceil(extract(epoch FROM f.window_start + make_interval(secs => ${w}) - now()))::int AS left`),
  );
  return { failures: Number(row.failures), left: Number(row.left) };
}

async function forgetOldFailures(db: Exec): Promise<void> {
  await db.execute(sql`DELETE FROM auth_signin_failure WHERE window_start < now() - interval '1 hour'`);
}

/**
 * Whether a request refused for its API token gets an audit row: counted per client address
 * in the sign-in limits' window, under a key of its own (a script's revoked token never uses
 * up the address's sign-ins). Up to the per-address limit each gets a row (`row`); the next
 * one gets the row that says the limit was passed (`last`); the rest of the window, none
 * (`quiet`), so a flood of bad tokens writes a bounded number of rows. Every one is still
 * answered 401: a token is 32 random bytes, so slowing guesses down protects nothing.
 */
export async function countTokenFailure(
  db: Exec,
  address: string | null,
  limits: SignInLimits,
): Promise<RefusalRowCount> {
  return countRefusalRow(db, `token-address:${storable((address ?? 'unknown').slice(0, 100))}`, limits);
}

/**
 * Whether a sign-in refused by the limits (no password checked) gets an audit row: the same
 * bound as a refused token's, counted per client address (per user name when the address is
 * unknown) under a key of its own. Someone hammering a blocked name from one address writes
 * at most the per-address limit of rows and one saying so per window, not one per request.
 */
export async function countBlockedSignIn(db: Exec, a: Attempt, limits: SignInLimits): Promise<RefusalRowCount> {
  const who = a.address
    ? `address:${storable(a.address.slice(0, 100))}`
    : `user:${storable(a.username.trim().toLowerCase().slice(0, 200))}`;
  return countRefusalRow(db, `blocked-${who}`, limits);
}

export interface RefusalRowCount {
  /** `row`: record it; `last`: record that the limit was passed; `quiet`: record nothing. */
  record: 'row' | 'last' | 'quiet';
  failures: number;
  /** Seconds until the window ends. */
  left: number;
}

async function countRefusalRow(db: Exec, key: string, limits: SignInLimits): Promise<RefusalRowCount> {
  const row = await countFailure(db, key, limits.windowSeconds);
  await forgetOldFailures(db);
  const record = row.failures <= limits.perAddress ? 'row' : row.failures === limits.perAddress + 1 ? 'last' : 'quiet';
  return { record, ...row };
}

/** Gives back a claimed attempt that succeeded: a success is not a failure. */
export async function releaseSignInAttempt(db: Exec, a: Attempt): Promise<void> {
  const keys = keysOf(a).map((k) => k.key);
  for (const key of keys) {
    await db.execute(sql`UPDATE auth_signin_failure SET failures = greatest(failures - 1, 0) WHERE key = ${key}`);
  }
}

/** Whether the name belongs to an account that has no console password (one the proxy made). */
export async function isAccountWithoutPassword(db: Exec, username: string): Promise<boolean> {
  const rows = await db
    .select({ id: authUser.id })
    .from(authUser)
    .where(
      sql`${authUser.username} = ${username.trim().toLowerCase()} AND NOT EXISTS (SELECT 1 FROM ${authAccount}
        WHERE ${authAccount.userId} = ${authUser.id} AND ${authAccount.providerId} = 'credential' AND ${authAccount.password} IS NOT NULL)`,
    );
  return rows.length > 0;
}
