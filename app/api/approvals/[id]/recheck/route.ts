import { callerFor } from '@/lib/approvals/http';
import { recheckRequest } from '@/lib/approvals/recheck';
import { parseRequestId } from '@/lib/approvals/requests';
import { httpStatusOf } from '@/lib/http/status';

export const dynamic = 'force-dynamic';

/**
 * Runs the request's plan again as a preview, as you (rolled back, audited), and answers the
 * plan's effect beside the effect now, with the drift sentence (null when nothing changed).
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const id = parseRequestId((await params).id);
  if (!id)
    return Response.json(
      { ok: false, status: 'not_found', message: 'There is no such approval request.' },
      { status: 404 },
    );
  const r = await recheckRequest(await callerFor(req), id);
  return Response.json(r, { status: r.ok ? 200 : httpStatusOf(r) });
}
