import { cancelBulkJob } from '@/lib/bulk/jobs';
import { bulkApiUser } from '@/lib/server/bulk-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** Cancels a running bulk job (its owner or a lead): its one transaction rolls back. */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const who = await bulkApiUser(req, 'operator');
  if ('response' in who) return who.response;
  const { id } = await params;
  const r = await cancelBulkJob(await getDb(), id, who.me);
  if (!r.ok) return Response.json({ error: r.message }, { status: r.status });
  return Response.json(r, { status: 202 });
}
