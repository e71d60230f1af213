import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';
import { getActivityVersion } from '@/lib/queries/activity';
import { describeDatabaseError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

/** A cheap fingerprint of the log and instance counters; live dashboards poll it to refresh. */
export async function GET(req: Request) {
  const who = await apiUser(req, 'viewer');
  if ('response' in who) return who.response;
  try {
    return Response.json(await getActivityVersion(await getDb()));
  } catch (err) {
    return Response.json({ error: describeDatabaseError(err) }, { status: 503 });
  }
}
