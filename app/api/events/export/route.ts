import { exportResponse } from '@/lib/http/csv';
import { badQuery, oneOf } from '@/lib/http/query';
import {
  EXPORT_COLUMNS,
  eventFilterProblems,
  exportRecord,
  parseEventFilters,
  streamEvents,
} from '@/lib/queries/events';
import { apiUser } from '@/lib/server/api-auth';
import { describeDatabaseError, getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

async function* records(batches: ReturnType<typeof streamEvents>) {
  for await (const rows of batches) yield rows.map(exportRecord);
}

/**
 * The filtered event log as CSV or JSON, streamed in keyset batches of 1,000 rows: the
 * response starts at once and memory stays flat for any size. Read-only. A filter or format
 * that cannot be read is answered 400 with a sentence, not ignored.
 * GET /api/events/export?format=csv|json&<the events page's filters>
 */
export async function GET(req: Request) {
  const who = await apiUser(req, 'viewer');
  if ('response' in who) return who.response;
  const url = new URL(req.url);
  const problems = eventFilterProblems(url.searchParams);
  const format = oneOf(url.searchParams, 'format', ['csv', 'json'] as const, problems) ?? 'csv';
  if (problems.length) return badQuery(problems);
  const filters = parseEventFilters(url.searchParams);
  let db;
  try {
    db = await getDb();
  } catch (err) {
    return Response.json({ error: describeDatabaseError(err) }, { status: 503 });
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return exportResponse({
    format,
    filename: `iu-events-${stamp}`,
    columns: EXPORT_COLUMNS,
    batches: records(streamEvents(db, filters, { batch: 1000 })),
  });
}
