import { getBulkJob, listBulkJobItems } from '@/lib/bulk/jobs';
import { badQuery, single, wholeNumber } from '@/lib/http/query';
import { bulkApiUser } from '@/lib/server/bulk-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

const STATUS_RE = /^[a-z_]{1,64}$/;

/** A page of a finished job's item outcomes: ?status=all|refused|<status>&after=<seq>|before=<seq>&limit=. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const who = await bulkApiUser(req, 'operator');
  if ('response' in who) return who.response;
  const { id } = await params;
  const q = new URL(req.url).searchParams;
  const problems: string[] = [];
  const status = single(q, 'status', problems) ?? undefined;
  if (status !== undefined && !STATUS_RE.test(status))
    problems.push('status must be all, refused or a status name such as ok.');
  const after = wholeNumber(q, 'after', 0, Number.MAX_SAFE_INTEGER, problems);
  const before = wholeNumber(q, 'before', 0, Number.MAX_SAFE_INTEGER, problems);
  const limit = wholeNumber(q, 'limit', 1, 500, problems);
  if (problems.length) return badQuery(problems);
  const db = await getDb();
  const job = await getBulkJob(db, id);
  if (!job) return Response.json({ error: 'There is no such bulk job.' }, { status: 404 });
  // while it runs the items are in its transaction (on PGlite, the database is held by it)
  if (job.status === 'running' || job.status === 'queued')
    return Response.json({ items: [], next: null, prev: null, running: true });
  const page = await listBulkJobItems(db, id, { status, after, before, limit });
  return Response.json(page, { headers: { 'cache-control': 'no-store' } });
}
