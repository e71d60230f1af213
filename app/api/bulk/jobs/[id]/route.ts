import { getBulkJob } from '@/lib/bulk/jobs';
import { bulkApiUser } from '@/lib/server/bulk-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** One bulk job's progress or outcome; the page polls this while the job runs. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const who = await bulkApiUser(req, 'operator');
  if ('response' in who) return who.response;
  const { id } = await params;
  const job = await getBulkJob(await getDb(), id);
  if (!job) return Response.json({ error: 'There is no such bulk job.' }, { status: 404 });
  return Response.json({ job }, { headers: { 'cache-control': 'no-store' } });
}
