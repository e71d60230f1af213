import { executeAuthorized, UnreadableBody } from '@/lib/auth/authorize';
import { cancelBulkJobDefinition } from '@/lib/bulk/jobs';
import { bulkActionCaller } from '@/lib/server/bulk-auth';

export const dynamic = 'force-dynamic';

const HTTP: Record<string, number> = { unauthenticated: 401, denied: 403, not_found: 404, not_running: 409, invalid_input: 422, error: 500 };

/**
 * Cancels a running bulk job (its owner or a lead) through the one action wrapper: a JSON
 * body with a `reason`, audited with who asked. Its one transaction then rolls back.
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let input: unknown;
  try {
    const body: unknown = await req.json();
    input = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>), jobId: id } : { jobId: id };
  } catch (err) {
    input = new UnreadableBody(err instanceof Error ? err.message.slice(0, 120) : 'unreadable');
  }
  const r = await executeAuthorized(cancelBulkJobDefinition, await bulkActionCaller(req), input);
  if (r.ok) return Response.json({ ...r, job: r.result }, { status: 202 });
  return Response.json({ ...r, error: r.message }, { status: HTTP[r.status] ?? HTTP[r.decision] ?? 409 });
}
