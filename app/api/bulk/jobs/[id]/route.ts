import { getBulkJob, waitForBulkJob } from '@/lib/bulk/jobs';
import { badQuery, wholeNumber } from '@/lib/http/query';
import { bulkApiUser } from '@/lib/server/bulk-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** The longest a poll may wait for a running job to end (`?wait=`, in ms). */
const MAX_WAIT_MS = 2000;

/**
 * One bulk job's progress or outcome; the page polls this while the job runs. With `?wait=<ms>`
 * (at most 2,000) a running job's answer waits until the job ends or the time is up, so a poll
 * learns of the end the moment it happens instead of at its next tick.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const who = await bulkApiUser(req, 'operator');
  if ('response' in who) return who.response;
  const problems: string[] = [];
  const wait = wholeNumber(new URL(req.url).searchParams, 'wait', 0, MAX_WAIT_MS, problems) ?? 0;
  if (problems.length) return badQuery(problems);
  const { id } = await params;
  const db = await getDb();
  const job = (wait > 0 ? await waitForBulkJob(db, id, wait) : null) ?? (await getBulkJob(db, id));
  if (!job) return Response.json({ error: 'There is no such bulk job.' }, { status: 404 });
  return Response.json({ job }, { headers: { 'cache-control': 'no-store' } });
}
