import 'server-only';
import { hasRole, type Role } from '@/lib/auth/roles';
import type { Identity } from '@/lib/auth/identity';
import { logError } from '@/lib/log/redact';
import { getAuth } from './auth';
import { getDb } from './db';
import { resolveIdentity } from '@/lib/auth/identity';
import { sentBearer } from '@/lib/auth/api-tokens';
import { signedOutMessage } from '@/lib/auth/signed-out';
import { describeDatabaseError } from '@/lib/errors';

/** For read-only route handlers: the person, or the 401/403/503 response to send instead. */
export async function apiUser(req: Request, role: Role): Promise<{ me: Identity } | { response: Response }> {
  let me: Identity | null;
  try {
    const [db, auth] = await Promise.all([getDb(), getAuth()]);
    me = await resolveIdentity(db, auth, req.headers);
  } catch (err) {
    // the database is unavailable: say so (503, a sentence) rather than a bare 500
    logError('[iu-console] could not check who is asking:', err);
    return { response: Response.json({ error: describeDatabaseError(err) }, { status: 503 }) };
  }
  if (!me) {
    const error = sentBearer(req.headers) ? signedOutMessage({ bearer: true }) : 'Sign in first.';
    return { response: Response.json({ error }, { status: 401 }) };
  }
  if (me.mustChangePassword || !hasRole(me.role, role)) {
    return { response: Response.json({ error: `This needs the ${role} role.` }, { status: 403 }) };
  }
  return { me };
}
