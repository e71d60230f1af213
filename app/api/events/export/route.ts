import { exportResponse } from '@/lib/http/download';
import { badQuery, oneOf } from '@/lib/http/query';
import {
  EXPORT_COLUMNS,
  eventFilterProblems,
  exportRecord,
  parseEventFilters,
  streamEvents,
  type EventFilters,
} from '@/lib/queries/events';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

async function* records(filters: EventFilters) {
  const db = await getDb();
  for await (const rows of streamEvents(db, filters, { batch: 1000 })) yield rows.map(exportRecord);
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
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return exportResponse({
    format,
    filename: `iu-events-${stamp}`,
    columns: EXPORT_COLUMNS,
    batches: records(filters),
  });
}
