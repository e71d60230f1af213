// Console accounts: made by leads (users page), the CLI and the first start; never by a
// visitor. Passwords are hashed with better-auth's own hasher, so its sign-in verifies them.
import crypto from 'node:crypto';
import { hashPassword } from 'better-auth/crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database, Orm } from '@/db/client';
import { authAccount, authSession, authUser } from '@/db/auth-schema';
import { USER_RE } from '@/lib/recipes/schemas';
import type { Tx } from '@/lib/recipes/types';
import { MIN_PASSWORD_LENGTH } from './auth';
import { passwordWeakness } from './password-strength';
import { asRole, roleSchema, type Role } from './roles';

type Exec = Orm | Tx;

export const usernameSchema = z
  .string({ error: 'Type a user name.' })
  .trim()
  .toLowerCase()
  .min(2, 'Choose a user name of at least 2 characters.')
  .regex(
    USER_RE,
    'The user name must be letters, digits, dot, dash, underscore or @ (at most 64), starting with a letter or digit.',
  );

/**
 * Every password the console sets (a person's own change, IU_ADMIN_PASSWORD, the one-time
 * ones it makes up) passes this: a length, then zxcvbn's strength estimate, with the user
 * name (when known) counted as an easy guess.
 */
export function passwordSchemaFor(username?: string) {
  return z
    .string({ error: 'Type a password.' })
    .min(MIN_PASSWORD_LENGTH, `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(256, 'Choose a password of at most 256 characters.')
    .superRefine((password, ctx) => {
      const weakness = passwordWeakness(password, username ? [username] : []);
      if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
    });
}

export const passwordSchema = passwordSchemaFor();

/** A role field: '' or 'none' means no role. */
export const optionalRoleSchema = z
  .union([roleSchema, z.literal(''), z.literal('none')])
  .transform((r) => (r === '' || r === 'none' ? null : r));

export interface ConsoleUser {
  id: string;
  username: string;
  role: Role | null;
  disabled: boolean;
  mustChangePassword: boolean;
  source: string;
  createdAt: Date;
}

/** A readable random one-time password (about 100 bits). */
export function oneTimePassword(): string {
  return crypto.randomBytes(15).toString('base64url').replace(/[-_]/g, 'x');
}

function toUser(r: typeof authUser.$inferSelect): ConsoleUser {
  return {
    id: r.id,
    username: r.username ?? r.name,
    role: asRole(r.role),
    disabled: r.banned,
    mustChangePassword: r.mustChangePassword,
    source: r.source,
    createdAt: r.createdAt,
  };
}

export async function listUsers(db: Exec): Promise<ConsoleUser[]> {
  const rows = await db.select().from(authUser).orderBy(asc(authUser.username));
  return rows.map(toUser);
}

export async function findUser(db: Exec, username: string): Promise<ConsoleUser | null> {
  const [r] = await db.select().from(authUser).where(eq(authUser.username, username.toLowerCase()));
  return r ? toUser(r) : null;
}

export async function countUsers(db: Exec): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(authUser);
  return Number(r.n);
}

/**
 * Leads who can sign in: enabled, holding `lead`, and with a console password, or made by
 * the sign-in proxy while trusted-header mode is on (`ssoSignIn`). An SSO account that still
 * holds `lead` while the mode is off cannot sign in, so it manages nobody.
 */
function signInLeadsWhere(ssoSignIn: boolean) {
  return sql`${authUser.role} = 'lead' AND NOT ${authUser.banned} AND (
    EXISTS (SELECT 1 FROM ${authAccount} WHERE ${authAccount.userId} = ${authUser.id}
              AND ${authAccount.providerId} = 'credential' AND ${authAccount.password} IS NOT NULL)
    OR (${ssoSignIn} AND ${authUser.source} = 'trusted-header'))`;
}

export async function countActiveLeads(db: Exec, opts: { ssoSignIn: boolean }): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(authUser)
    .where(signInLeadsWhere(opts.ssoSignIn));
  return Number(r.n);
}

/**
 * The user names of the leads who can sign in, their rows locked FOR UPDATE until the
 * transaction ends. Every change that can take a lead away takes these locks first, in id
 * order, so two leads demoting each other at once run one after the other: the second
 * re-reads the rows after the first commits (READ COMMITTED re-checks the WHERE on a row it
 * waited for) and sees one lead fewer.
 */
export async function lockSignInLeads(tx: Tx, opts: { ssoSignIn: boolean }): Promise<string[]> {
  const rows = await tx
    .select({ username: authUser.username })
    .from(authUser)
    .where(signInLeadsWhere(opts.ssoSignIn))
    .orderBy(asc(authUser.id))
    .for('update');
  return rows.map((r) => r.username ?? '');
}

export class UserAdminError extends Error {}

/** Throws a UserAdminError with the schema's sentences when the password may not be set. */
function checkPassword(password: string, username: string): void {
  const r = passwordSchemaFor(username).safeParse(password);
  if (!r.success) throw new UserAdminError(r.error.issues.map((i) => i.message).join(' '));
}

/** The user row both kinds of account start from; better-auth wants an e-mail, so a never-routable one. */
function newUserRow(
  username: string,
  source: 'password' | 'trusted-header',
  role: Role | null,
  mustChangePassword: boolean,
) {
  const now = new Date();
  const domain = source === 'password' ? 'users' : 'sso';
  return {
    id: crypto.randomUUID(),
    name: username,
    email: `${username.replace(/@/g, '.at.')}@${domain}.iu-core.invalid`,
    username,
    displayUsername: username,
    role,
    mustChangePassword,
    source,
    createdAt: now,
    updatedAt: now,
  };
}

/** Creates a password account; `mustChangePassword` for one-time passwords. */
export async function createUser(
  db: Exec,
  input: { username: string; password: string; role: Role | null; mustChangePassword: boolean },
): Promise<ConsoleUser> {
  const username = usernameSchema.parse(input.username);
  checkPassword(input.password, username);
  if (await findUser(db, username)) throw new UserAdminError(`A user named ${username} already exists.`);
  const values = newUserRow(username, 'password', input.role, input.mustChangePassword);
  const { id, createdAt: now } = values;
  const [row] = await db.insert(authUser).values(values).returning();
  await db.insert(authAccount).values({
    id: crypto.randomUUID(),
    accountId: id,
    providerId: 'credential',
    userId: id,
    password: await hashPassword(input.password),
    createdAt: now,
    updatedAt: now,
  });
  return toUser(row);
}

/** Sets (or clears, with null) a user's role; takes effect on their next request. */
export async function setRole(db: Exec, username: string, role: Role | null): Promise<ConsoleUser> {
  const [row] = await db
    .update(authUser)
    .set({ role, updatedAt: new Date() })
    .where(eq(authUser.username, username.toLowerCase()))
    .returning();
  if (!row) throw new UserAdminError(`There is no user named ${username}.`);
  return toUser(row);
}

/** Disables (and signs out everywhere) or enables a user. */
export async function setDisabled(db: Exec, username: string, disabled: boolean): Promise<ConsoleUser> {
  const [row] = await db
    .update(authUser)
    .set({ banned: disabled, banReason: disabled ? 'disabled by a lead' : null, updatedAt: new Date() })
    .where(eq(authUser.username, username.toLowerCase()))
    .returning();
  if (!row) throw new UserAdminError(`There is no user named ${username}.`);
  if (disabled) await db.delete(authSession).where(eq(authSession.userId, row.id));
  return toUser(row);
}

/** Replaces a user's password (leads' reset); a one-time one must be changed at next sign-in. */
export async function resetPassword(
  db: Exec,
  username: string,
  password: string,
  oneTime: boolean,
): Promise<ConsoleUser> {
  checkPassword(password, username);
  const user = await findUser(db, username);
  if (!user) throw new UserAdminError(`There is no user named ${username}.`);
  await db
    .update(authAccount)
    .set({ password: await hashPassword(password), updatedAt: new Date() })
    .where(sql`${authAccount.userId} = ${user.id} AND ${authAccount.providerId} = 'credential'`);
  const [row] = await db
    .update(authUser)
    .set({ mustChangePassword: oneTime, updatedAt: new Date() })
    .where(eq(authUser.id, user.id))
    .returning();
  return toUser(row);
}

/** The stored hash of a user's console password, or null for an account without one (made by the proxy). */
export async function credentialHash(db: Exec, userId: string): Promise<string | null> {
  const [a] = await db
    .select({ password: authAccount.password })
    .from(authAccount)
    .where(sql`${authAccount.userId} = ${userId} AND ${authAccount.providerId} = 'credential'`);
  return a?.password ?? null;
}

/**
 * A person's own new password (already checked): stored, the one-time flag cleared, and every
 * other session of theirs ended, so a stolen session does not outlive the change. Returns how
 * many sessions ended.
 */
export async function replaceOwnPassword(
  tx: Exec,
  userId: string,
  password: string,
  keepSessionId: string | null,
): Promise<number> {
  const now = new Date();
  await tx
    .update(authAccount)
    .set({ password: await hashPassword(password), updatedAt: now })
    .where(sql`${authAccount.userId} = ${userId} AND ${authAccount.providerId} = 'credential'`);
  await tx.update(authUser).set({ mustChangePassword: false, updatedAt: now }).where(eq(authUser.id, userId));
  const ended = await tx
    .delete(authSession)
    .where(
      keepSessionId
        ? sql`${authSession.userId} = ${userId} AND ${authSession.id} <> ${keepSessionId}`
        : eq(authSession.userId, userId),
    )
    .returning({ id: authSession.id });
  return ended.length;
}

export type HeaderUserOutcome = { ok: true; user: ConsoleUser } | { ok: false; existing: ConsoleUser };

/**
 * A user a trusted proxy vouched for, made or updated on sight: the role follows the groups
 * on every request. A disabled user stays disabled. A name that belongs to a password account
 * (the break-glass lead, say) is never taken over: the outcome says so, and nobody is signed in.
 */
export async function provisionHeaderUser(db: Exec, username: string, role: Role | null): Promise<HeaderUserOutcome> {
  const existing = await findUser(db, username);
  if (existing) {
    if (existing.source !== 'trusted-header') return { ok: false, existing };
    return { ok: true, user: existing.role === role ? existing : await setRole(db, username, role) };
  }
  const [row] = await db
    .insert(authUser)
    .values(newUserRow(username, 'trusted-header', role, false))
    .onConflictDoNothing()
    .returning();
  if (row) return { ok: true, user: toUser(row) };
  // made a moment ago by another request: the same checks apply to whoever made it
  const other = await findUser(db, username);
  if (!other) throw new UserAdminError(`The account ${username} could not be made; try again.`);
  return other.source === 'trusted-header' ? { ok: true, user: other } : { ok: false, existing: other };
}

export interface BootstrapResult {
  created: boolean;
  username: string;
  /** Set when a one-time password was made up: show it once. */
  oneTimePassword?: string;
}

/**
 * The first user: when no account exists, lead `admin` with IU_ADMIN_PASSWORD or a random
 * one-time password that must be changed at first sign-in.
 */
export async function bootstrapLead(
  db: Database,
  env: Record<string, string | undefined> = process.env,
): Promise<BootstrapResult> {
  const username = usernameSchema.parse(env.IU_ADMIN_USER || 'admin');
  if ((await countUsers(db.orm)) > 0) return { created: false, username };
  const given = env.IU_ADMIN_PASSWORD;
  if (given) {
    // a weak IU_ADMIN_PASSWORD stops the first start rather than guard the break-glass lead
    const r = passwordSchemaFor(username).safeParse(given);
    if (!r.success) {
      throw new UserAdminError(
        `IU_ADMIN_PASSWORD was refused and no account was made: ${r.error.issues.map((i) => i.message).join(' ')} Set a stronger one, or unset IU_ADMIN_PASSWORD to get a one-time password printed instead.`,
      );
    }
  }
  const password = given || oneTimePassword();
  await db.orm.transaction(async (tx) => {
    await createUser(tx, { username, password, role: 'lead', mustChangePassword: !given });
  });
  return given ? { created: true, username } : { created: true, username, oneTimePassword: password };
}
