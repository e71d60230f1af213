import { getAuth } from '@/lib/server/auth';

export const dynamic = 'force-dynamic';

// better-auth's endpoints: sign-in by username, sign-out, session, change-password.
async function handle(req: Request): Promise<Response> {
  return (await getAuth()).handler(req);
}

export { handle as GET, handle as POST };
