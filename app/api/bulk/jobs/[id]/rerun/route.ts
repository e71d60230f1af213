import { httpStatusOf } from '@/lib/http/status';
import { NEEDS_PREFLIGHT, rerunBulkJob } from '@/lib/bulk/jobs';
import { bulkCaller } from '@/lib/server/bulk-auth';

export const dynamic = 'force-dynamic';

/**
 * Runs an interrupted bulk job again with its recorded request (same input, reason and plan),
 * through the one action wrapper. 202 with the new job; when the plan can no longer be
 * applied, 409 with `needsPreflight: true` and the sentence that says so.
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const r = await rerunBulkJob(await bulkCaller(req), id);
  if (r.ok) return Response.json(r, { status: 202 });
  const needsPreflight = NEEDS_PREFLIGHT.has(r.result.status);
  return Response.json(
    {
      ...r,
      needsPreflight,
      error: needsPreflight ? `${r.result.message} Run a new preflight on the bulk page.` : r.result.message,
    },
    { status: httpStatusOf(r.result) },
  );
}
