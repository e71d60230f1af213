import { httpStatusOf } from '@/lib/http/status';
import { readJsonBody } from '@/lib/http/json-body';
import { listBulkJobs, startBulkJob } from '@/lib/bulk/jobs';
import { badQuery, wholeNumber } from '@/lib/http/query';
import { bulkApiUser, bulkCaller } from '@/lib/server/bulk-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/**
 * Starts a bulk scale-out job: the console's bulk page posts here, and so can scripts (a
 * JSON body with the session cookie). `preview: true` is the preflight; a live run needs a
 * preflight of the same parameters, `confirmText` (the batch tag) and a `reason`. Answers
 * 202 with the job id once it runs, or the refusal (nothing was written).
 */
export async function POST(req: Request) {
  const body = await readJsonBody(req);
  const r = await startBulkJob(await bulkCaller(req), body);
  if (r.ok) return Response.json(r, { status: 202 });
  return Response.json(r, { status: httpStatusOf(r.result) });
}

/** The latest bulk jobs (operator and up). */
export async function GET(req: Request) {
  const who = await bulkApiUser(req, 'operator');
  if ('response' in who) return who.response;
  const problems: string[] = [];
  const limit = wholeNumber(new URL(req.url).searchParams, 'limit', 1, 200, problems) ?? 20;
  if (problems.length) return badQuery(problems);
  return Response.json({ jobs: await listBulkJobs(await getDb(), limit) });
}
