import { callerFor } from '@/lib/approvals/http';
import { recheckRequest } from '@/lib/approvals/recheck';
import { httpStatusOf } from '@/lib/http/status';

export const dynamic = 'force-dynamic';

/**
 * Runs the request's plan again as a preview, as you (rolled back, audited), and answers the
 * plan's effect beside the effect now, with the drift sentence (null when nothing changed).
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  // an unknown or malformed id is refused by the wrapper, with its audit row (404 or 422)
  const r = await recheckRequest(await callerFor(req), (await params).id);
  return Response.json(r, { status: r.ok ? 200 : httpStatusOf(r) });
}
