import { UnreadableBody } from '@/lib/auth/action-types';
import { applyRequest } from '@/lib/approvals/apply';
import { callerFor } from '@/lib/approvals/http';
import { readJsonBody } from '@/lib/http/json-body';
import { httpStatusOf } from '@/lib/http/status';

export const dynamic = 'force-dynamic';

/**
 * The requester applies the request's plan: `{"reason": "…", "confirmText": "…"}` (a lead may
 * add `"breakGlass": true` to apply without the approval). The plan's own parameters go through
 * the recipe's wrapper; a bulk is queued as a job (202 with its `jobId`).
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  // an unknown or malformed id is refused by the wrapper, with its audit row (404 or 422)
  const id = (await params).id;
  const body = await readJsonBody(req);
  const fields =
    body instanceof UnreadableBody || !body || typeof body !== 'object' ? {} : (body as Record<string, unknown>);
  const r = await applyRequest(await callerFor(req), id, fields);
  if (r.ok) return Response.json(r, { status: r.jobId ? 202 : 200 });
  return Response.json(r, { status: httpStatusOf(r.result) });
}
