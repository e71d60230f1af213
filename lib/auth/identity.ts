// Who is asking: a trusted proxy's headers (trusted-header mode, from a trusted peer only)
// or a better-auth session cookie. The role is read from the database on every request, so
// a lead's change applies at once; a disabled user is nobody.
import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { authUser } from '@/db/auth-schema';
import type { Auth } from './auth';
import { asRole, type Role } from './roles';
import { identityFromHeaders, peerOf, trustedHeaderConfig, type TrustedHeaderConfig } from './trusted-header';
import { provisionHeaderUser } from './users';

export interface Identity {
  userId: string;
  username: string;
  role: Role | null;
  mustChangePassword: boolean;
  source: 'session' | 'trusted-header';
}

export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
}

/** The signed-in person for these request headers, or null. */
export async function resolveIdentity(
  db: Database,
  auth: Pick<Auth, 'api'>,
  headers: Headers,
  cfg: TrustedHeaderConfig = trustedHeaderConfig(),
): Promise<Identity | null> {
  const fromProxy = identityFromHeaders(headers, cfg);
  if (fromProxy) {
    const u = await provisionHeaderUser(db.orm, fromProxy.username, fromProxy.role);
    if (u.disabled) return null;
    return { userId: u.id, username: u.username, role: u.role, mustChangePassword: false, source: 'trusted-header' };
  }
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const [u] = await db.orm.select().from(authUser).where(eq(authUser.id, session.user.id));
  if (!u || u.banned || !u.username) return null;
  return { userId: u.id, username: u.username, role: asRole(u.role), mustChangePassword: u.mustChangePassword, source: 'session' };
}

/** The audit's IP and user agent: the socket peer server.ts recorded, never a client's X-Forwarded-For. */
export function requestInfo(headers: Headers, cfg: TrustedHeaderConfig = trustedHeaderConfig()): RequestInfo {
  return { ip: peerOf(headers, cfg), userAgent: headers.get('user-agent')?.slice(0, 500) ?? null };
}
