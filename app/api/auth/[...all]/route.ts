import { isAllowedAuthPath } from '@/lib/auth/auth';
import { logError } from '@/lib/log/redact';
import { getAuth } from '@/lib/server/auth';
import { describeDatabaseError, sanitizeError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

// better-auth's endpoints, allow-listed: sign-in by username, sign-out, session.
async function handle(req: Request): Promise<Response> {
  if (!isAllowedAuthPath(new URL(req.url).pathname)) return Response.json({ error: 'Not found.' }, { status: 404 });
  try {
    return await (await getAuth()).handler(req);
  } catch (err) {
    // Next would print the error whole, with its failed query's parameters
    logError('[iu-console] sign-in service failed:', err);
    return Response.json({ message: describeDatabaseError(sanitizeError(err, 'Sign-in failed')) }, { status: 503 });
  }
}

export { handle as GET, handle as POST };
