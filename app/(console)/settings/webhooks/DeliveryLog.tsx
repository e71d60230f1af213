'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { Table, Td, Th } from '@/components/ui/table';
import { formatTimestamp } from '@/lib/format';
import type { DeliveryView } from '@/lib/hooks/queries';

const TONE: Record<DeliveryView['status'], string> = {
  pending: 'text-amber-800',
  delivering: 'text-amber-800',
  succeeded: 'text-emerald-800',
  failed: 'text-red-800',
  skipped: 'text-slate-500',
};

/** One hook's latest deliveries; while one is still on its way the page refreshes itself every 2 s. */
export function DeliveryLog({ deliveries }: { deliveries: DeliveryView[] }) {
  const router = useRouter();
  const waiting = deliveries.some((d) => d.status === 'pending' || d.status === 'delivering');
  useEffect(() => {
    if (!waiting) return;
    const id = setInterval(() => router.refresh(), 2000);
    return () => clearInterval(id);
  }, [waiting, router]);
  if (deliveries.length === 0) return <p className="text-sm text-slate-500">No deliveries yet.</p>;
  return (
    <Table>
      <thead>
        <tr>
          <Th>#</Th>
          <Th>Event</Th>
          <Th>Status</Th>
          <Th>Attempts</Th>
          <Th>Response</Th>
          <Th>Error / answer</Th>
          <Th>Last attempt</Th>
          <Th>Next attempt</Th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id} data-testid="delivery-row" data-status={d.status} data-event={d.event}>
            <Td>{d.id}</Td>
            <Td className="font-mono text-xs">{d.event}</Td>
            <Td className={`font-medium ${TONE[d.status]}`}>{d.status}</Td>
            <Td>{d.attempts}</Td>
            <Td>{d.responseCode ?? '—'}</Td>
            <Td className="max-w-xs truncate text-xs" title={d.error ?? d.responseExcerpt ?? ''}>
              {d.error ?? d.responseExcerpt ?? ''}
            </Td>
            <Td>{d.lastAttemptAt ? formatTimestamp(d.lastAttemptAt) : '—'}</Td>
            <Td>{d.nextAttemptAt ? formatTimestamp(d.nextAttemptAt) : '—'}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
