import { apiUser } from '@/lib/server/api-auth';
import { stringify } from 'csv-stringify/sync';
import { EXPORT_COLUMNS, exportRecord, parseEventFilters, streamEvents } from '@/lib/queries/events';
import { describeDatabaseError, getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/**
 * The filtered event log as CSV or JSON, streamed in keyset batches of 1,000 rows: the
 * response starts at once and memory stays flat for any size. Read-only.
 * GET /api/events/export?format=csv|json&<the events page's filters>
 */
export async function GET(req: Request) {
  const who = await apiUser(req, 'viewer');
  if ('response' in who) return who.response;
  const url = new URL(req.url);
  const format = url.searchParams.get('format') === 'json' ? 'json' : 'csv';
  const filters = parseEventFilters(url.searchParams);
  let db;
  try {
    db = await getDb();
  } catch (err) {
    return Response.json({ error: describeDatabaseError(err) }, { status: 503 });
  }
  const enc = new TextEncoder();
  const batches = streamEvents(db, filters, { batch: 1000 });
  let first = true;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await batches.next();
        if (done) {
          if (format === 'json') controller.enqueue(enc.encode(first ? '[]\n' : '\n]\n'));
          else if (first) controller.enqueue(enc.encode(stringify([], { header: true, columns: [...EXPORT_COLUMNS] })));
          controller.close();
          return;
        }
        const records = value.map(exportRecord);
        let chunk: string;
        if (format === 'json') {
          chunk = (first ? '[\n' : ',\n') + records.map((r) => JSON.stringify(r)).join(',\n');
        } else {
          chunk = stringify(records, { header: first, columns: [...EXPORT_COLUMNS] });
        }
        first = false;
        controller.enqueue(enc.encode(chunk));
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return new Response(body, {
    headers: {
      'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="iu-events-${stamp}.${format}"`,
      'cache-control': 'no-store',
    },
  });
}
