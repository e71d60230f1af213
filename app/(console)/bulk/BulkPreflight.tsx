'use client';

// The preflight of a bulk batch as the form follows it: its progress and counts, and in
// words what a run of these values will do.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { Card } from '@/components/ui/card';
import type { BulkJobView } from '@/lib/bulk/jobs';
import { BulkOutcome, BulkProgressView, isRunning, splitCounts, useBulkJob } from './BulkJobPanel';

const count = (n: number, noun: string) => `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;

/**
 * What a run of these values will do, from the preflight: every item's outcome predicted by
 * the substrate's own checks (058: the write's classification, stopped before it writes), and
 * the run applies exactly these outcomes or nothing.
 */
export function preflightPrediction(job: Pick<BulkJobView, 'counts' | 'params' | 'total'>): string {
  const { ok, replay, refused } = splitCounts(job.counts);
  const live = job.params.emitMode === 'live';
  const refusedKinds = Object.keys(job.counts).filter((k) => k !== 'ok' && k !== 'idempotent_replay');
  const parts = [
    ok ? `create ${count(ok, live ? 'live instance' : 'dryrun: instance')}` : '',
    replay
      ? `replay ${count(replay, 'event')} already instantiated (nothing new is made for ${replay === 1 ? 'it' : 'them'})`
      : '',
    refused ? `be refused for ${count(refused, 'item')} (${refusedKinds.join(', ')})` : '',
  ].filter(Boolean);
  const what = parts.length ? parts.join(', ') : 'do nothing';
  return `${live ? 'A live run' : 'Keeping this dry run'} of these values would ${what}. It applies this preflight: if any item would do otherwise, the whole batch is refused and nothing is written.`;
}

export function Preflight({ id, stale, onDone }: { id: string; stale: boolean; onDone: (job: BulkJobView) => void }) {
  const q = useBulkJob(id);
  const router = useRouter();
  const finished = !!q.data && !isRunning(q.data);
  useEffect(() => {
    // the recent-jobs list below is rendered on the server: show this preflight in it
    if (finished) router.refresh();
  }, [finished, router]);
  useEffect(() => {
    // once per finished job: the console keeps its plan (onDone changes with every render)
    if (finished && q.data) onDone(q.data);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [finished, q.data?.id]);
  if (!q.data) return <p className="text-sm text-slate-500">Starting the preflight…</p>;
  return (
    <Card
      title="Preflight"
      description="Every item of the batch, its outcome predicted by the substrate's own checks; nothing is written."
      className={stale ? 'opacity-60' : undefined}
    >
      <div className="space-y-3" data-testid="preflight">
        <BulkProgressView job={q.data} />
        <BulkOutcome job={q.data} />
        {q.data.status === 'succeeded' && !stale && (
          <p className="text-sm font-medium text-slate-800" data-testid="preflight-prediction">
            {preflightPrediction(q.data)}
          </p>
        )}
        {!isRunning(q.data) && q.data.status === 'succeeded' && (
          <Link href={`/bulk/${id}`} className="text-sm text-sky-700 hover:underline">
            Every item of this preflight
          </Link>
        )}
        {stale && (
          <p className="text-sm text-amber-800">The form changed since this preflight; run the preflight again.</p>
        )}
      </div>
    </Card>
  );
}
