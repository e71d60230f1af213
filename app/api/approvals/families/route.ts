import { executeAuthorized } from '@/lib/auth/authorize';
import { callerFor } from '@/lib/approvals/http';
import { markFamilyDefinition } from '@/lib/approvals/policy-actions';
import { readJsonBody } from '@/lib/http/json-body';
import { httpStatusOf } from '@/lib/http/status';

export const dynamic = 'force-dynamic';

/** Marks a family critical or not (leads): `{"family": "billing", "critical": true, "reason": "…"}`. */
export async function POST(req: Request) {
  const r = await executeAuthorized(markFamilyDefinition, await callerFor(req), await readJsonBody(req));
  return Response.json(r, { status: httpStatusOf(r) });
}
