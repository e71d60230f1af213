// Who is asking: an API token (`Authorization: Bearer iuc_…`, lib/auth/api-tokens.ts), a
// trusted proxy's headers (trusted-header mode, from a trusted peer only) or a better-auth
// session cookie. The role is read from the database on every request, so
// a lead's change applies at once; a disabled user is nobody.
import { and, eq, gte } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { authUser, consoleAuditLog } from '@/db/auth-schema';
import type { Auth } from './auth';
import { noteRequestActor } from '@/lib/log/logger';
import { bearerToken, checkToken, sentBearer, type TokenVia } from './api-tokens';
import { writeAudit } from './audit';
import { recordTokenRefusal } from './token-refusals';
import { asRole, type Role } from './roles';
import {
  identityFromHeaders,
  peerOf,
  trustedHeaderConfig,
  type HeaderIdentity,
  type TrustedHeaderConfig,
} from './trusted-header';
import { findUser, provisionHeaderUser } from './users';
import { sanitizeError } from '@/lib/errors';

export interface Identity {
  userId: string;
  username: string;
  role: Role | null;
  mustChangePassword: boolean;
  source: 'session' | 'trusted-header' | 'token';
  /** Set when the request came with an API token: which one (its name goes into the audit row). */
  via?: TokenVia;
}

export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
  /** Whether it sent `Authorization: Bearer …` (a script): a 401 then speaks of its token. */
  bearer?: boolean;
}

/** What a person whose proxy name belongs to a password account is told (sign-in page, audit trail). */
export function identityConflictSentence(username: string): string {
  return (
    `Your sign-in proxy says you are ${username}, but ${username} is a console password account, and a proxy ` +
    'sign-in never takes over a password account, so you are not signed in. Ask a lead: your name at the proxy ' +
    'must differ from every console password account.'
  );
}

/** The audit row that records a refused proxy sign-in; one per user name per 10 minutes, not one per request. */
async function recordIdentityConflict(
  db: Database,
  who: HeaderIdentity,
  headers: Headers,
  cfg: TrustedHeaderConfig,
): Promise<void> {
  const since = new Date(Date.now() - 10 * 60_000);
  const [recent] = await db.orm
    .select({ id: consoleAuditLog.id })
    .from(consoleAuditLog)
    .where(
      and(
        eq(consoleAuditLog.recipe, 'sign_in'),
        eq(consoleAuditLog.username, who.username),
        eq(consoleAuditLog.status, 'identity_conflict'),
        gte(consoleAuditLog.startedAt, since),
      ),
    )
    .limit(1);
  if (recent) return;
  const info = requestInfo(headers, cfg);
  await writeAudit(db.orm, {
    startedAt: new Date(),
    username: who.username,
    role: who.role,
    recipe: 'sign_in',
    params: { source: 'trusted-header', groups: who.groups },
    mode: 'admin',
    decision: 'denied',
    status: 'identity_conflict',
    summary: identityConflictSentence(who.username),
    actor: null,
    reason: null,
    ip: info.ip,
    userAgent: info.userAgent,
    committed: false,
  });
}

/** The signed-in person for these request headers, or null. */
export async function resolveIdentity(
  db: Database,
  auth: Pick<Auth, 'api'>,
  headers: Headers,
  cfg: TrustedHeaderConfig = trustedHeaderConfig(),
): Promise<Identity | null> {
  try {
    const me = await lookUpIdentity(db, auth, headers, cfg);
    // the request's log line names who asked (lib/log/logger.ts)
    if (me) noteRequestActor(me.username);
    return me;
  } catch (err) {
    // a failed session lookup carries the session token as a query parameter; whatever logs
    // this error next (Next prints what a page throws) must not print it
    throw sanitizeError(err, 'The signed-in person could not be looked up');
  }
}

async function lookUpIdentity(
  db: Database,
  auth: Pick<Auth, 'api'>,
  headers: Headers,
  cfg: TrustedHeaderConfig,
): Promise<Identity | null> {
  // a console token decides on its own: a bad one is nobody, never the cookie beside it, and
  // a security event in the audit trail
  const token = bearerToken(headers);
  if (token) {
    const checked = await checkToken(db.orm, token);
    if (!checked.ok) {
      await recordTokenRefusal(db.orm, checked, requestInfo(headers, cfg));
      return null;
    }
    return { ...checked.owner, mustChangePassword: false, source: 'token' };
  }
  const fromProxy = identityFromHeaders(headers, cfg);
  if (fromProxy) {
    const r = await provisionHeaderUser(db.orm, fromProxy.username, fromProxy.role);
    if (!r.ok) {
      await recordIdentityConflict(db, fromProxy, headers, cfg);
      return null;
    }
    if (r.user.disabled) return null;
    return {
      userId: r.user.id,
      username: r.user.username,
      role: r.user.role,
      mustChangePassword: false,
      source: 'trusted-header',
    };
  }
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const [u] = await db.orm.select().from(authUser).where(eq(authUser.id, session.user.id));
  if (!u || u.banned || !u.username) return null;
  return {
    userId: u.id,
    username: u.username,
    role: asRole(u.role),
    mustChangePassword: u.mustChangePassword,
    source: 'session',
  };
}

/** For the sign-in page: why the proxy's user was not signed in, when its name belongs to a password account. */
export async function headerIdentityRefusal(
  db: Database,
  headers: Headers,
  cfg: TrustedHeaderConfig = trustedHeaderConfig(),
): Promise<string | null> {
  const fromProxy = identityFromHeaders(headers, cfg);
  if (!fromProxy) return null;
  const u = await findUser(db.orm, fromProxy.username);
  return u && u.source !== 'trusted-header' ? identityConflictSentence(fromProxy.username) : null;
}

/** The audit's IP and user agent: the socket peer server.ts recorded, never a client's X-Forwarded-For. */
export function requestInfo(headers: Headers, cfg: TrustedHeaderConfig = trustedHeaderConfig()): RequestInfo {
  return {
    ip: peerOf(headers, cfg),
    userAgent: headers.get('user-agent')?.slice(0, 500) ?? null,
    bearer: sentBearer(headers),
  };
}
