'use client';
// The templates table's rows, rendered from plain data: as a Server Component each row went
// to the browser twice, once as HTML and once as its element tree in the RSC payload (about
// 960 bytes a row); as a client component the payload carries only the row's values. The
// HTML is rendered on the server all the same (README "Speed").
import Link from 'next/link';
import { formatCount, formatTimestamp } from '@/components/ui/format';
import { Td } from '@/components/ui/table';

/** One row as the page hands it over: only what the table shows and links to. */
export interface TemplateRowData {
  id: string;
  key: string;
  family: string | null;
  version: string | null;
  pieces: number;
  live: number;
  dryRun: number;
  /** ISO time, or null when never instantiated. */
  last: string | null;
}

export function TemplateRows({ rows }: { rows: TemplateRowData[] }) {
  return rows.map((r) => (
    <tr key={r.id} data-testid="template-row">
      <Td className="text-xs">{r.key}</Td>
      <Td>
        {r.family ? (
          <Link
            className="text-sky-700 underline"
            href={`/templates/families/${encodeURIComponent(r.family)}?highlight=${encodeURIComponent(r.version ?? '')}`}
          >
            {r.family}
          </Link>
        ) : (
          '—'
        )}
      </Td>
      <Td>{r.version ?? '—'}</Td>
      <Td className="text-right tabular-nums">{r.pieces}</Td>
      <Td className="text-right tabular-nums">
        <Link className="text-sky-700 underline" href={`/events?template=${r.id}&mode=live`}>
          {formatCount(r.live)}
        </Link>
      </Td>
      <Td className="text-right tabular-nums">
        <Link className="text-sky-700 underline" href={`/events?template=${r.id}&mode=dry_run`}>
          {formatCount(r.dryRun)}
        </Link>
      </Td>
      <Td className="whitespace-nowrap">{formatTimestamp(r.last)}</Td>
    </tr>
  ));
}
