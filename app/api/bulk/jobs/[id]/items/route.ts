import { getBulkJob, listBulkJobItems } from '@/lib/bulk/jobs';
import { bulkApiUser } from '@/lib/server/bulk-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

function cursor(v: string | null): number | undefined {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** A page of a finished job's item outcomes: ?status=all|refused|<status>&after=<seq>|before=<seq>&limit=. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const who = await bulkApiUser(req, 'operator');
  if ('response' in who) return who.response;
  const { id } = await params;
  const db = await getDb();
  const job = await getBulkJob(db, id);
  if (!job) return Response.json({ error: 'There is no such bulk job.' }, { status: 404 });
  // while it runs the items are in its transaction (on PGlite, the database is held by it)
  if (job.status === 'running' || job.status === 'queued') return Response.json({ items: [], next: null, prev: null, running: true });
  const q = new URL(req.url).searchParams;
  const page = await listBulkJobItems(db, id, {
    status: q.get('status') ?? undefined,
    after: cursor(q.get('after')),
    before: cursor(q.get('before')),
    limit: cursor(q.get('limit')),
  });
  return Response.json(page, { headers: { 'cache-control': 'no-store' } });
}
