'use client';

// The bulk pages' client side of a job: polling it while it runs, and its counts in three.
import { useQuery } from '@tanstack/react-query';
import type { BulkJobView } from '@/lib/bulk/jobs';

export const isRunning = (j: Pick<BulkJobView, 'status'> | undefined) =>
  j?.status === 'running' || j?.status === 'queued';

async function fetchJob(id: string): Promise<BulkJobView> {
  const res = await fetch(`/api/bulk/jobs/${id}`, { cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `The job could not be read (HTTP ${res.status}).`);
  return body.job as BulkJobView;
}

/** Polls one job while it runs. */
export function useBulkJob(id: string, initial?: BulkJobView) {
  return useQuery({
    queryKey: ['bulk-job', id],
    queryFn: () => fetchJob(id),
    initialData: initial,
    enabled: !!id,
    staleTime: 0,
    refetchInterval: (q) => (isRunning(q.state.data) ? 500 : false),
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
