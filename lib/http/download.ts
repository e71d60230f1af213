// The one streamed download for both exports (event log, audit trail): CSV or JSON, written
// batch by batch as the keyset reads arrive, so memory stays flat for any size. The batches
// open the database themselves: a database that cannot be opened is the same 503 sentence as
// a first read it refuses.
import { stringify } from 'csv-stringify/sync';

// A spreadsheet reads a cell starting with one of these as a formula (OWASP's CSV injection rule)
const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell's text, with a leading single quote when a spreadsheet would run it as a formula. */
export function neutralizeCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s =
    typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v instanceof Date ? v.toISOString() : String(v);
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** CSV lines for `rows`, every cell neutralised; with the header line when `header`. */
export function csvLines<C extends string>(
  columns: readonly C[],
  rows: readonly Record<C, unknown>[],
  header: boolean,
): string {
  const lines = rows.map((r) => columns.map((c) => neutralizeCell(r[c])));
  return stringify(header ? [[...columns], ...lines] : lines);
}

export type ExportFormat = 'csv' | 'json';

/**
 * A download of every record `batches` yields: CSV with `columns` as its header (present even
 * when there are no rows), or a JSON array. The first batch is read before answering, so a
 * query the database refuses is a 503 sentence, not a connection dropped after a 200; a read
 * that fails later ends the stream with an error rather than a short file that looks complete.
 */
export async function exportResponse<C extends string>(opts: {
  format: ExportFormat;
  filename: string;
  columns: readonly C[];
  batches: AsyncGenerator<Record<C, unknown>[]>;
}): Promise<Response> {
  const { format, columns, batches } = opts;
  let head: IteratorResult<Record<C, unknown>[]> | undefined;
  try {
    head = await batches.next();
  } catch (err) {
    console.error('[iu-console] export could not start:', err instanceof Error ? err.message : err);
    return Response.json(
      {
        ok: false,
        error:
          'The export could not be read from the database; nothing was sent. ' +
          'Try again, or ask a lead to look at the server log.',
      },
      { status: 503, headers: { 'cache-control': 'no-store' } },
    );
  }
  const enc = new TextEncoder();
  let first = true;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = head ?? (await batches.next());
        head = undefined;
        if (done) {
          if (format === 'json') controller.enqueue(enc.encode(first ? '[]\n' : '\n]\n'));
          else if (first) controller.enqueue(enc.encode(csvLines(columns, [], true)));
          controller.close();
          return;
        }
        if (!value.length) return;
        const chunk =
          format === 'json'
            ? (first ? '[\n' : ',\n') + value.map((r) => JSON.stringify(r)).join(',\n')
            : csvLines(columns, value, first);
        first = false;
        controller.enqueue(enc.encode(chunk));
      } catch (err) {
        console.error('[iu-console] export failed part way:', err instanceof Error ? err.message : err);
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${opts.filename}.${format}"`,
      'cache-control': 'no-store',
    },
  });
}
