import { getApprovalDetail } from '@/lib/approvals/detail';
import { parseRequestId } from '@/lib/approvals/requests';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** One request: its decisions, its plan (parameters, effect, expiry) and what you may do with it. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const who = await apiUser(req, 'operator');
  if ('response' in who) return who.response;
  const id = parseRequestId((await params).id);
  const detail = id ? await getApprovalDetail(await getDb(), id, who.me) : null;
  if (!detail)
    return Response.json(
      { error: 'There is no such approval request; check the number on /approvals.' },
      { status: 404 },
    );
  return Response.json(detail);
}
