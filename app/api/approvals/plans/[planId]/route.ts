import { approvalNeedOf } from '@/lib/approvals/need';
import { getPlan, parsePlanId } from '@/lib/auth/plans';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** What the apply of one of your plans needs under the approval policy: `{approval: null}` or the need. */
export async function GET(req: Request, { params }: { params: Promise<{ planId: string }> }) {
  const who = await apiUser(req, 'operator');
  if ('response' in who) return who.response;
  const id = parsePlanId((await params).planId);
  const orm = (await getDb()).orm;
  const plan = id ? await getPlan(orm, id) : null;
  // another person's plan reads as missing, as it does everywhere
  if (!plan || plan.username !== who.me.username)
    return Response.json({ error: 'You have no such plan; run the preview yourself.' }, { status: 404 });
  return Response.json({ planId: plan.id, approval: await approvalNeedOf(orm, plan) });
}
