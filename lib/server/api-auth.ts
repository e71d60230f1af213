import 'server-only';
import { hasRole, type Role } from '@/lib/auth/roles';
import type { Identity } from '@/lib/auth/identity';
import { getAuth } from './auth';
import { getDb } from './db';
import { resolveIdentity } from '@/lib/auth/identity';

/** For read-only route handlers: the person, or the 401/403 response to send instead. */
export async function apiUser(req: Request, role: Role): Promise<{ me: Identity } | { response: Response }> {
  const [db, auth] = await Promise.all([getDb(), getAuth()]);
  const me = await resolveIdentity(db, auth, req.headers);
  if (!me) return { response: Response.json({ error: 'Sign in first.' }, { status: 401 }) };
  if (me.mustChangePassword || !hasRole(me.role, role)) {
    return { response: Response.json({ error: `This needs the ${role} role.` }, { status: 403 }) };
  }
  return { me };
}
