// One bulk run's rows under its timeline entry, 50 at a time by log id (never all at once),
// with who rolled each back and when.
import Link from 'next/link';
import { statusTone } from '@/components/events/status';
import { Badge } from '@/components/ui/badge';
import { formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';
import { batchQuery, type BatchKey, type BatchRow } from '@/lib/queries/batches';

export function BatchRows({
  batch,
  rows,
  next,
  base,
}: {
  batch: BatchKey;
  rows: BatchRow[];
  next: number | null;
  /** The actor page's own address (with `before` when paged). */
  base: string;
}) {
  const sep = base.includes('?') ? '&' : '?';
  return (
    <div className="mt-2 space-y-2" data-testid="batch-rows">
      <Table>
        <thead>
          <tr>
            <Th>Log</Th>
            <Th>Suffix</Th>
            <Th>Status</Th>
            <Th>Instance</Th>
            <Th>Rolled back</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="batch-row">
              <Td className="text-xs">
                <Link className="text-sky-700 underline" href={`/events?event=${r.id}`}>
                  #{r.id}
                </Link>
              </Td>
              <Td className="font-mono text-xs">{r.uniqueSuffix}</Td>
              <Td>
                <Badge tone={statusTone(r.status)}>{r.status}</Badge>
              </Td>
              <Td className="font-mono text-xs">
                {r.instanceId ? (
                  <Link className="text-sky-700 underline" href={`/instances/${r.instanceId}`}>
                    {r.instanceKey ?? `${r.instanceId.slice(0, 8)}… (rolled back)`}
                  </Link>
                ) : (
                  '—'
                )}
              </Td>
              <Td className="text-xs">
                {r.rolledBackAt ? `${formatTimestamp(r.rolledBackAt)} by ${r.rolledBackBy ?? 'unknown'}` : '—'}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      <div className="flex gap-4 text-sm">
        {next !== null && (
          <Link
            className="text-sky-700 underline"
            data-testid="batch-rows-next"
            href={`${base}${sep}${batchQuery(batch)}&after=${next}`}
          >
            Next 50 rows of this batch →
          </Link>
        )}
        <Link className="text-sky-700 underline" data-testid="batch-collapse" href={base}>
          Collapse
        </Link>
      </div>
    </div>
  );
}
