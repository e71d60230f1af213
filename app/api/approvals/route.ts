import { executeAuthorized } from '@/lib/auth/authorize';
import { requestApprovalDefinition } from '@/lib/approvals/actions';
import { callerFor } from '@/lib/approvals/http';
import { listApprovalRequests } from '@/lib/approvals/requests';
import { badQuery } from '@/lib/http/query';
import { readJsonBody } from '@/lib/http/json-body';
import { httpStatusOf } from '@/lib/http/status';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

const STATUSES = ['open', 'pending', 'approved', 'rejected', 'applied', 'stale'] as const;

/** Approval requests, newest first (operators and leads): `?status=open|pending|approved|rejected|applied|stale`. */
export async function GET(req: Request) {
  const who = await apiUser(req, 'operator');
  if ('response' in who) return who.response;
  const q = new URL(req.url).searchParams;
  const status = q.get('status');
  if (q.getAll('status').length > 1 || (status !== null && !(STATUSES as readonly string[]).includes(status)))
    return badQuery([`status must be one of ${STATUSES.join(', ')}.`]);
  const requests = await listApprovalRequests((await getDb()).orm, { status: (status ?? undefined) as never });
  return Response.json({ requests });
}

/** Requests approval for one of your own plans: `{"planId": 12, "reason": "…"}`. */
export async function POST(req: Request) {
  const r = await executeAuthorized(requestApprovalDefinition, await callerFor(req), await readJsonBody(req));
  return Response.json(r, { status: httpStatusOf(r) });
}
