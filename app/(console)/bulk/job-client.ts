'use client';

// The bulk pages' client side of a job: polling it while it runs, and its counts in three.
import { useQuery } from '@tanstack/react-query';
import type { BulkJobView } from '@/lib/bulk/jobs';

export const isRunning = (j: Pick<BulkJobView, 'status'> | undefined) =>
  j?.status === 'running' || j?.status === 'queued';

/** How long one poll of a running job may wait for its end: progress twice a second, the end at once. */
const POLL_WAIT_MS = 500;

async function fetchJob(id: string, wait: boolean, signal?: AbortSignal): Promise<BulkJobView> {
  const res = await fetch(`/api/bulk/jobs/${id}${wait ? `?wait=${POLL_WAIT_MS}` : ''}`, { cache: 'no-store', signal });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `The job could not be read (HTTP ${res.status}).`);
  return body.job as BulkJobView;
}

/**
 * Polls one job while it runs. Each poll of a running job waits up to half a second on the
 * server for its end, and the next starts as it answers: progress every half second, and the
 * end shown when it happens rather than up to a tick later.
 */
export function useBulkJob(id: string, initial?: BulkJobView) {
  return useQuery({
    queryKey: ['bulk-job', id],
    queryFn: ({ client, signal }) =>
      fetchJob(id, isRunning(client.getQueryData<BulkJobView>(['bulk-job', id])), signal),
    initialData: initial,
    enabled: !!id,
    staleTime: 0,
    refetchInterval: (q) => (isRunning(q.state.data) ? 50 : false),
  });
}

export function splitCounts(counts: Record<string, number>) {
  const ok = counts.ok ?? 0;
  const replay = counts.idempotent_replay ?? 0;
  const refused = Object.entries(counts).reduce(
    (s, [k, n]) => (k === 'ok' || k === 'idempotent_replay' ? s : s + n),
    0,
  );
  return { ok, replay, refused };
}
