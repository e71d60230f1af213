import { UnreadableBody } from '@/lib/auth/authorize';
import { listBulkJobs, startBulkJob } from '@/lib/bulk/jobs';
import { badQuery, wholeNumber } from '@/lib/http/query';
import { bulkApiUser, bulkCaller } from '@/lib/server/bulk-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

const HTTP: Record<string, number> = { unauthenticated: 401, denied: 403, invalid: 422, refused: 409, error: 500 };

/**
 * Starts a bulk scale-out job: the console's bulk page posts here, and so can scripts (a
 * JSON body with the session cookie). `preview: true` is the preflight; a live run needs a
 * preflight of the same parameters, `confirmText` (the batch tag) and a `reason`. Answers
 * 202 with the job id once it runs, or the refusal (nothing was written).
 */
export async function POST(req: Request) {
  let body: unknown;
  try {
    body = await req.json();
  } catch (err) {
    // still the wrapper's to refuse: a signed-in person's unreadable body is audited like any bad input
    body = new UnreadableBody(err instanceof Error ? err.message.slice(0, 120) : 'unreadable');
  }
  const r = await startBulkJob(await bulkCaller(req), body);
  if (r.ok) return Response.json(r, { status: 202 });
  return Response.json(r, { status: HTTP[r.result.decision] ?? 400 });
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
