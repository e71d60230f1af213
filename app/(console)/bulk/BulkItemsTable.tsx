'use client';

// Every item's outcome of a finished bulk job, filterable by status, in keyset pages of 50
// (/api/bulk/jobs/<id>/items).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Table, Td, Th } from '@/components/ui/table';
import type { BulkJobItemView, BulkJobView, ItemPage } from '@/lib/bulk/jobs';
import { splitCounts } from './job-client';

const FILTERS: { value: string; label: string }[] = [
  { value: 'all', label: 'All items' },
  { value: 'ok', label: 'ok' },
  { value: 'idempotent_replay', label: 'idempotent_replay' },
  { value: 'refused', label: 'Refused (any status)' },
];

/** Every item's outcome, filterable by status, in keyset pages of 50. */
export function BulkItemsTable({ job }: { job: BulkJobView }) {
  const [status, setStatus] = useState('all');
  const [cursor, setCursor] = useState<{ after?: number; before?: number }>({});
  const refusals = Object.keys(job.counts).filter((k) => k !== 'ok' && k !== 'idempotent_replay');
  const options = [...FILTERS, ...refusals.map((k) => ({ value: k, label: k }))];
  const q = useQuery({
    queryKey: ['bulk-job-items', job.id, status, cursor.after ?? null, cursor.before ?? null],
    queryFn: async (): Promise<ItemPage> => {
      const p = new URLSearchParams({ status, limit: '50' });
      if (cursor.after !== undefined) p.set('after', String(cursor.after));
      if (cursor.before !== undefined) p.set('before', String(cursor.before));
      const res = await fetch(`/api/bulk/jobs/${job.id}/items?${p}`, { cache: 'no-store' });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
      return body as ItemPage;
    },
    placeholderData: keepPreviousData,
  });
  const shown =
    status === 'all' ? job.total : status === 'refused' ? splitCounts(job.counts).refused : (job.counts[status] ?? 0);
  return (
    <Card
      title="Outcome of every item"
      description={
        job.mode === 'preview' ? 'What each item would do; the preflight wrote nothing.' : 'As the run recorded them.'
      }
      actions={
        <label className="text-xs text-slate-600">
          Show
          <select
            aria-label="Filter items by status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setCursor({});
            }}
            className="ml-2 rounded-md border border-slate-300 px-2 py-1 text-sm"
          >
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <p className="mb-2 text-xs text-slate-500" data-testid="items-matching">
        {shown.toLocaleString('en')} matching item{shown === 1 ? '' : 's'}
      </p>
      {q.error && (
        <Alert tone="danger" title="The items could not be read">
          {String((q.error as Error).message)}
        </Alert>
      )}
      <Table>
        <thead>
          <tr>
            <Th>#</Th>
            <Th>Event id</Th>
            <Th>Status</Th>
            <Th>Instance key</Th>
            <Th>Log</Th>
          </tr>
        </thead>
        <tbody data-testid="items-body">
          {(q.data?.items ?? []).map((i: BulkJobItemView) => (
            <tr key={i.seq} data-testid="item-row" data-status={i.status}>
              <Td className="tabular-nums">{i.seq}</Td>
              <Td className="font-mono text-xs">{i.eventId}</Td>
              <Td>
                <Badge tone={i.status === 'ok' ? 'success' : i.status === 'idempotent_replay' ? 'neutral' : 'danger'}>
                  {i.status}
                </Badge>
              </Td>
              <Td className="font-mono text-xs">
                {i.instanceCollectionId && job.committed ? (
                  <Link href={`/instances/${i.instanceCollectionId}`} className="text-sky-700 hover:underline">
                    {i.instanceCollectionKey}
                  </Link>
                ) : (
                  (i.instanceCollectionKey ?? '—')
                )}
              </Td>
              <Td className="text-xs">
                {i.eventLogId !== null && job.committed ? (
                  <Link href={`/events?event=${i.eventLogId}`} className="text-sky-700 hover:underline">
                    #{i.eventLogId}
                  </Link>
                ) : (
                  '—'
                )}
              </Td>
            </tr>
          ))}
          {q.data && q.data.items.length === 0 && (
            <tr>
              <Td colSpan={5} className="text-slate-500">
                No item has this status.
              </Td>
            </tr>
          )}
        </tbody>
      </Table>
      <div className="mt-3 flex justify-between">
        <Button variant="secondary" disabled={!q.data?.prev} onClick={() => setCursor({ before: q.data!.prev! })}>
          Previous page
        </Button>
        <Button variant="secondary" disabled={!q.data?.next} onClick={() => setCursor({ after: q.data!.next! })}>
          Next page
        </Button>
      </div>
    </Card>
  );
}
