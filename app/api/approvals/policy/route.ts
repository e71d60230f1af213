import { executeAuthorized } from '@/lib/auth/authorize';
import { callerFor } from '@/lib/approvals/http';
import { describeRule, listCriticalFamilies, listPolicy } from '@/lib/approvals/policy';
import { changePolicyDefinition } from '@/lib/approvals/policy-actions';
import { readJsonBody } from '@/lib/http/json-body';
import { httpStatusOf } from '@/lib/http/status';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** The approval policy, each line with its sentence, and the families marked critical. */
export async function GET(req: Request) {
  const who = await apiUser(req, 'viewer');
  if ('response' in who) return who.response;
  const orm = (await getDb()).orm;
  const lines = (await listPolicy(orm)).map((r) => ({ ...r, sentence: describeRule(r) }));
  return Response.json({ policy: lines, criticalFamilies: await listCriticalFamilies(orm) });
}

/** Changes one policy line (leads): `{recipe, mode, required, approvers, minRole, condition, threshold?, reason}`. */
export async function POST(req: Request) {
  const r = await executeAuthorized(changePolicyDefinition, await callerFor(req), await readJsonBody(req));
  return Response.json(r, { status: httpStatusOf(r) });
}
