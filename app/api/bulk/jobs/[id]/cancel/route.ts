import { httpStatusOf } from '@/lib/http/status';
import { executeAuthorized, UnreadableBody } from '@/lib/auth/authorize';
import { cancelBulkJobDefinition } from '@/lib/bulk/jobs';
import { readJsonBody } from '@/lib/http/json-body';
import { bulkActionCaller } from '@/lib/server/bulk-auth';

export const dynamic = 'force-dynamic';

/**
 * Cancels a running bulk job (its owner or a lead) through the one action wrapper: a JSON
 * body with a `reason`, audited with who asked. Its one transaction then rolls back.
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const body = await readJsonBody(req);
  const input =
    body instanceof UnreadableBody
      ? body
      : body && typeof body === 'object' && !Array.isArray(body)
        ? { ...(body as Record<string, unknown>), jobId: id }
        : { jobId: id };
  const r = await executeAuthorized(cancelBulkJobDefinition, await bulkActionCaller(req), input);
  if (r.ok) return Response.json({ ...r, job: r.result }, { status: 202 });
  return Response.json({ ...r, error: r.message }, { status: httpStatusOf(r) });
}
