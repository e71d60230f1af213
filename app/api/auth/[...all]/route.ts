import { isAllowedAuthPath } from '@/lib/auth/auth';
import { getAuth } from '@/lib/server/auth';

export const dynamic = 'force-dynamic';

// better-auth's endpoints, allow-listed: sign-in by username, sign-out, session, change-password.
async function handle(req: Request): Promise<Response> {
  if (!isAllowedAuthPath(new URL(req.url).pathname)) return Response.json({ error: 'Not found.' }, { status: 404 });
  return (await getAuth()).handler(req);
}

export { handle as GET, handle as POST };
