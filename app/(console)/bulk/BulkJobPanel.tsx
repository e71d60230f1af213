'use client';

// One bulk job: while it runs, a progress bar with the counts, the rate, an ETA and a cancel;
// at the end, its outcome and every item's, filterable and paged. It polls
// /api/bulk/jobs/<id> (TanStack Query) while the job runs, so a reload picks it up again.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { formatTimestamp } from '@/components/ui/format';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { BulkJobView } from '@/lib/bulk/jobs';
import { canRunAgain } from '@/lib/bulk/job-status';
import { BatchRollback } from './BatchRollback';
import { BulkItemsTable } from './BulkItemsTable';
import { isRunning, splitCounts, useBulkJob } from './job-client';
import { RunAgain } from './RunAgain';

export { isRunning, splitCounts, useBulkJob } from './job-client';

const STATUS_TONE: Record<BulkJobView['status'], BadgeTone> = {
  queued: 'info',
  running: 'info',
  succeeded: 'success',
  refused: 'danger',
  cancelled: 'warning',
  failed: 'danger',
  interrupted: 'warning',
};

function fmtSeconds(s: number): string {
  if (s < 1) return 'under a second';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** The time left as the end of a sentence: "less than a second left", "about 12 s left". */
function timeLeft(s: number): string {
  return s < 1 ? 'less than a second left' : `about ${fmtSeconds(s)} left`;
}

function CountTile({ label, value, testId, tone }: { label: string; value: number; testId: string; tone: string }) {
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2">
      <p className="text-xs uppercase tracking-wide text-slate-500">{label}</p>
      <p className={`text-lg font-semibold tabular-nums ${tone}`} data-testid={testId}>
        {value.toLocaleString('en')}
      </p>
    </div>
  );
}

/** The progress bar, counts, rate and ETA of a job (running or finished). */
export function BulkProgressView({
  job,
  onCancel,
  cancelling,
}: {
  job: BulkJobView;
  onCancel?: () => void;
  cancelling?: boolean;
}) {
  const running = isRunning(job);
  const pct = job.total ? Math.floor((job.done / job.total) * 100) : 0;
  const { ok, replay, refused } = splitCounts(job.counts);
  return (
    <div className="space-y-3" data-testid="bulk-progress" data-status={job.status}>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <Badge tone={STATUS_TONE[job.status]}>
          <span data-testid="job-status">{job.status}</span>
        </Badge>
        <span className="text-slate-600">
          {job.mode === 'preview' ? 'Preflight (writes nothing)' : job.mode === 'live' ? 'Live run' : 'Dry run'} of{' '}
          <strong>{job.total.toLocaleString('en')}</strong> items as <span className="font-mono">{job.actor}</span>
        </span>
      </div>
      <div>
        <div
          role="progressbar"
          aria-label="Bulk progress"
          aria-valuemin={0}
          aria-valuemax={job.total}
          aria-valuenow={job.done}
          aria-valuetext={`${job.done} of ${job.total}`}
          className="h-3 w-full overflow-hidden rounded-full bg-slate-100"
        >
          <div
            className={`h-full transition-[width] duration-300 ${job.status === 'cancelled' || job.status === 'interrupted' ? 'bg-amber-400' : job.status === 'failed' || job.status === 'refused' ? 'bg-red-400' : 'bg-sky-600'}`}
            style={{ width: `${pct}%` }}
          />
        </div>
        <p className="mt-1 text-xs text-slate-600" data-testid="job-done">
          {job.done.toLocaleString('en')} of {job.total.toLocaleString('en')} ({pct}%)
          {job.ratePerSec ? ` · ${Math.round(job.ratePerSec).toLocaleString('en')} items/s` : ''}
          {running && job.etaSec !== null ? ` · ${timeLeft(job.etaSec)}` : ''}
          {!running ? ` · took ${fmtSeconds(job.elapsedMs / 1000)}` : ''}
        </p>
      </div>
      <div className="grid grid-cols-3 gap-3">
        <CountTile label="ok" value={ok} testId="count-ok" tone="text-emerald-700" />
        <CountTile label="replay" value={replay} testId="count-replay" tone="text-slate-700" />
        <CountTile
          label="refused"
          value={refused}
          testId="count-refused"
          tone={refused ? 'text-red-700' : 'text-slate-700'}
        />
      </div>
      {!running && job.status !== 'succeeded' && job.done > 0 && (
        <p className="text-xs text-amber-800" data-testid="counts-rolled-back">
          These counts are what the run had done when it stopped; all of it was rolled back.
        </p>
      )}
      {job.status === 'succeeded' && job.mode === 'preview' && (
        <p className="text-xs text-slate-500">
          What a run with these values would do now; the preflight itself wrote nothing.
        </p>
      )}
      {running && onCancel && (
        <div className="flex items-center gap-3">
          <Button variant="secondary" onClick={onCancel} disabled={cancelling || job.cancelRequested}>
            {cancelling || job.cancelRequested ? 'Cancelling…' : 'Cancel run'}
          </Button>
          <span className="text-xs text-slate-500">
            Cancelling rolls the whole batch back; nothing of it is written.
          </span>
        </div>
      )}
    </div>
  );
}

/** The job's end: what happened, in a sentence. */
export function BulkOutcome({ job }: { job: BulkJobView }) {
  if (isRunning(job)) return null;
  const tone =
    job.status === 'succeeded'
      ? 'info'
      : job.status === 'cancelled' || job.status === 'interrupted'
        ? 'warning'
        : 'danger';
  const title =
    job.status === 'succeeded'
      ? job.committed
        ? 'Committed'
        : 'Preflight finished (nothing written)'
      : job.status === 'cancelled'
        ? 'Cancelled: nothing was written'
        : job.status === 'interrupted'
          ? 'Interrupted: nothing was written'
          : `Refused · ${job.resultStatus ?? job.status}`;
  return (
    <Alert tone={tone} title={title} testId="job-outcome">
      <p data-testid="job-message">{job.message}</p>
      {Object.keys(job.counts).length > 0 && job.status === 'succeeded' && (
        <ul className="flex flex-wrap gap-2" data-testid="job-counts">
          {Object.entries(job.counts).map(([k, n]) => (
            <li key={k}>
              <Badge tone={k === 'ok' ? 'success' : k === 'idempotent_replay' ? 'neutral' : 'danger'}>
                {k}: {n.toLocaleString('en')}
              </Badge>
            </li>
          ))}
        </ul>
      )}
      {job.auditId !== null && (
        <p className="text-xs">
          Audit entry #{job.auditId}, recorded as {job.username}.
        </p>
      )}
    </Alert>
  );
}

/** A whole job: progress (with cancel) while running, then the outcome and the items. */
export function BulkJobPanel({
  id,
  initial,
  canCancel,
  canRerun = false,
  canRollback = false,
}: {
  id: string;
  initial?: BulkJobView;
  canCancel: boolean;
  canRerun?: boolean;
  /** Its requester or a lead: the batch can be rolled back from here once committed. */
  canRollback?: boolean;
}) {
  const q = useBulkJob(id, initial);
  const client = useQueryClient();
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [askCancel, setAskCancel] = useState(false);
  const job = q.data;
  if (!job)
    return q.error ? (
      <Alert tone="danger" title="This job could not be read">
        {(q.error as Error).message}
      </Alert>
    ) : (
      <p className="text-sm text-slate-500">Loading…</p>
    );
  // a cancel is a mutation like any other: who asked and why go to the audit trail
  const cancel = async (reason: string) => {
    setCancelling(true);
    setCancelError(null);
    const res = await fetch(`/api/bulk/jobs/${id}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason }),
    });
    if (res.ok) setAskCancel(false);
    else setCancelError((await res.json().catch(() => ({}))).message ?? `HTTP ${res.status}`);
    await client.invalidateQueries({ queryKey: ['bulk-job', id] });
    setCancelling(false);
  };
  return (
    <div className="space-y-4" data-testid="bulk-job" data-job-id={job.id}>
      <Card
        title={`Job ${job.id.slice(0, 8)}`}
        description={`Started ${formatTimestamp(job.startedAt)} by ${job.username}`}
      >
        <BulkProgressView
          job={job}
          onCancel={canCancel ? () => setAskCancel(true) : undefined}
          cancelling={cancelling}
        />
        <ConfirmDialog
          open={askCancel && isRunning(job)}
          onOpenChange={(next) => {
            setAskCancel(next);
            if (!next) setCancelError(null);
          }}
          title="Cancel this run?"
          confirmLabel="Cancel the run"
          destructive={false}
          requireReason
          pending={cancelling}
          error={cancelError}
          onConfirm={(reason) => void cancel(reason)}
        >
          <p>
            The whole batch rolls back: nothing of it is written. It has done {job.done.toLocaleString('en')} of{' '}
            {job.total.toLocaleString('en')} items so far.
          </p>
        </ConfirmDialog>
        <dl className="mt-4 grid grid-cols-2 gap-x-4 gap-y-1 text-xs text-slate-600 sm:grid-cols-3">
          <div>
            <dt className="font-medium text-slate-500">Template</dt>
            <dd className="font-mono">{job.params.templateKey ?? job.params.templateCollectionId}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-500">Event-id prefix</dt>
            <dd className="font-mono">{job.params.uuidPrefix}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-500">Batch tag</dt>
            <dd className="font-mono">{job.params.batchTag}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-500">Mode</dt>
            <dd>
              {job.params.emitMode}
              {job.mode === 'preview' ? ' (preflight)' : ''}
            </dd>
          </div>
          {job.reason && (
            <div className="col-span-2">
              <dt className="font-medium text-slate-500">Reason</dt>
              <dd>{job.reason}</dd>
            </div>
          )}
        </dl>
      </Card>
      <BulkOutcome job={job} />
      {canRerun && canRunAgain(job) && <RunAgain job={job} />}
      {canRollback && job.status === 'succeeded' && job.committed && job.mode !== 'preview' && (
        <BatchRollback job={job} />
      )}
      {job.status === 'succeeded' && <BulkItemsTable job={job} />}
    </div>
  );
}
