import { executeAuthorized } from '@/lib/auth/authorize';
import { rejectRequestDefinition } from '@/lib/approvals/actions';
import { callerFor, withRequestId } from '@/lib/approvals/http';
import { readJsonBody } from '@/lib/http/json-body';
import { httpStatusOf } from '@/lib/http/status';

export const dynamic = 'force-dynamic';

/** Rejects a request: `{"reason": "…"}`; never your own, and only with the role the policy names. */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const body = withRequestId(await readJsonBody(req), (await params).id);
  const r = await executeAuthorized(rejectRequestDefinition, await callerFor(req), body);
  return Response.json(r, { status: httpStatusOf(r) });
}
