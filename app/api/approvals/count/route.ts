import { countDecidable } from '@/lib/approvals/requests';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** How many pending requests the signed-in person could decide: the navigation's badge. */
export async function GET(req: Request) {
  const who = await apiUser(req, 'viewer');
  if ('response' in who) return who.response;
  return Response.json({ count: await countDecidable((await getDb()).orm, who.me.username, who.me.role) });
}
