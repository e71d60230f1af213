'use client';

// The bulk scale-out form: template, N, event-id prefix (checked as you type), batch tag and
// mode; the first three event ids and instance keys; a preflight of the whole batch (every
// item's outcome predicted, nothing written) with counts by status; then the confirm dialog (typed batch tag and a
// reason) that starts the run as a background job and follows it here.
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { canonicalJson } from '@/components/plan/plan-flow';
import { PlanWhy } from '@/components/plan/plan-panel';
import { bulkPlanParams, type FormParams } from '@/components/plan/plan-params';
import { usePlanFlow, type FlowAnswer } from '@/components/plan/use-plan-flow';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { Table, Td, Th } from '@/components/ui/table';
import type { ActionResult } from '@/lib/auth/authorize';
import type { BulkJobView } from '@/lib/bulk/jobs';
import type { TemplateOption } from '@/lib/queries/console';
import { plannedInstanceKey, plannedItems } from '@/lib/recipes/bulk-scale-out/planned-items';
import { batchTagSchema, runTagSchema, uuidPrefixSchema } from '@/lib/recipes/schemas';
import { BulkJobPanel, isRunning, useBulkJob } from './BulkJobPanel';
import { Preflight, preflightPrediction } from './BulkPreflight';

export { preflightPrediction } from './BulkPreflight';

const WORDS = {
  preview: 'preflight',
  labels: {
    templateCollectionId: 'Template',
    n: 'N',
    uuidPrefix: 'Event-id prefix',
    batchTag: 'Batch tag',
    emitMode: 'Mode',
    runTag: 'Run tag',
    note: 'Note',
  },
};

/** A request's answer as the plan flow reads it: a queued run is the apply that used the plan. */
type BulkAnswer = FlowAnswer;

type StartAnswer = { ok: true; jobId: string; job: BulkJobView } | { ok: false; result: ActionResult<unknown> };

async function startJob(body: Record<string, unknown>): Promise<StartAnswer> {
  const res = await fetch('/api/bulk/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json().catch(() => null);
  if (!answer || typeof answer.ok !== 'boolean')
    throw new Error(`The server did not answer as expected (HTTP ${res.status}); nothing was started.`);
  return answer as StartAnswer;
}

function firstMessage(error: { issues: { message: string }[] }): string {
  return error.issues[0]?.message ?? 'This value is not valid.';
}

export function BulkConsole({
  templates,
  max,
  username,
}: {
  templates: TemplateOption[];
  max: number;
  username: string;
}) {
  const [templateId, setTemplateId] = useState(templates[0]?.collectionId ?? '');
  const [n, setN] = useState('100');
  const [prefix, setPrefix] = useState('');
  const [batchTag, setBatchTag] = useState('');
  const [emitMode, setEmitMode] = useState<'live' | 'dry_run'>('live');
  const [runTag, setRunTag] = useState('');
  const [note, setNote] = useState('');
  const [preflight, setPreflight] = useState<{ id: string; params: FormParams } | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  // the job as the request answered it: shown (with its Cancel) before the first poll answers
  const [runJob, setRunJob] = useState<BulkJobView | undefined>(undefined);

  const template = templates.find((t) => t.collectionId === templateId);
  const prefixCheck = uuidPrefixSchema.safeParse(prefix);
  const tagCheck = batchTagSchema.safeParse(batchTag);
  const runTagCheck = runTagSchema.safeParse(runTag);
  const nValue = Number(n);
  const nError = !/^\d+$/.test(n.trim())
    ? 'N must be a whole number.'
    : nValue < 1
      ? 'N must be at least 1.'
      : nValue > max
        ? `N is at most ${max.toLocaleString('en')} (IU_BULK_MAX); split the run into batches.`
        : null;
  const valid = !!template && prefixCheck.success && tagCheck.success && runTagCheck.success && !nError;

  const payload = useMemo(
    () => ({
      templateCollectionId: templateId,
      n: nValue,
      uuidPrefix: prefix.trim(),
      batchTag: batchTag.trim(),
      emitMode,
      runTag: runTag.trim(),
      note: note.trim(),
    }),
    [templateId, nValue, prefix, batchTag, emitMode, runTag, note],
  );
  const now = useMemo(() => bulkPlanParams({ ...payload, preview: true }), [payload]);
  const flow = usePlanFlow<BulkAnswer>({ now, words: WORDS });
  const planned =
    valid && prefixCheck.success ? plannedItems(prefixCheck.data, tagCheck.data!, nValue, 1, Math.min(3, nValue)) : [];
  const last =
    valid && prefixCheck.success && nValue > 3
      ? plannedItems(prefixCheck.data, tagCheck.data!, nValue, nValue, nValue)[0]
      : null;

  const pre = useBulkJob(preflight?.id ?? '', undefined);
  const preflightJob = preflight ? pre.data : undefined;
  // the run is offered while the form matches the plan of a preflight that finished
  const preflightOk = flow.ready;
  const stale = !!preflight && (!now.valid || canonicalJson(now.params) !== canonicalJson(preflight.params.params));
  const preflightDone = (job: BulkJobView) => {
    if (!preflight || job.id !== preflight.id) return;
    if (job.status !== 'succeeded' || !job.planId) {
      flow.forget();
      return;
    }
    const answer: BulkAnswer = { ok: true, decision: 'ok', status: 'ok', message: job.message ?? '', committed: false };
    flow.keep(
      preflight.params,
      { id: job.planId, username: job.username, createdAt: job.finishedAt ?? job.updatedAt },
      answer,
    );
  };

  const startPreflight = useMutation({
    mutationFn: () => startJob({ ...payload, preview: true }),
    onMutate: () => flow.forget(),
    onSuccess: (a) => {
      if (a.ok) {
        setPreflight({ id: a.jobId, params: now });
        setRefusal(null);
      } else setRefusal(a.result.message);
    },
    onError: (e) => setRefusal((e as Error).message),
  });
  const startRun = useMutation({
    // the run applies the preflight's plan: the same batch, with every item as the preflight showed it
    mutationFn: (reason: string) =>
      startJob({ ...payload, preview: false, planId: flow.planned?.plan?.id, confirmText: batchTag.trim(), reason }),
    onSuccess: (a) => {
      // a queued run is the apply: it used the plan (its batch checks every item against it)
      const answer: BulkAnswer = a.ok
        ? { ok: true, decision: 'ok', status: 'queued', message: '', committed: true }
        : { ...a.result, planId: a.result.ok ? undefined : a.result.planId };
      if (!flow.settle(answer) || !a.ok) return;
      setRunJob(a.job);
      setRunId(a.jobId);
      // the address of the job, without a server round trip: a reload opens /bulk/<id>
      window.history.pushState(null, '', `/bulk/${a.jobId}`);
    },
    onError: (e) => flow.dialog.fail((e as Error).message),
  });

  if (runId) {
    return (
      <div className="space-y-4">
        <BulkJobPanel id={runId} initial={runJob} canCancel canRollback />
        <Button
          variant="secondary"
          onClick={() => {
            setRunId(null);
            setPreflight(null);
            window.history.pushState(null, '', '/bulk');
          }}
        >
          Start another bulk run
        </Button>
      </div>
    );
  }

  const actor = runTagCheck.success && runTagCheck.data ? `${username}:${runTagCheck.data}` : username;
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <form
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-5 shadow-sm"
        data-testid="bulk-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) startPreflight.mutate();
        }}
      >
        <Field label="Template">
          {(c) => (
            <select {...c} value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
              {templates.map((t) => (
                <option key={t.collectionId} value={t.collectionId}>
                  {t.collectionKey} — {t.title}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="N (number of events)"
          error={nError}
          hint={`From 1 to ${max.toLocaleString('en')} (IU_BULK_MAX); all of them run in one transaction, all or nothing.`}
        >
          {(c) => <input {...c} inputMode="numeric" value={n} onChange={(e) => setN(e.target.value)} />}
        </Field>
        <Field
          label="Event-id prefix"
          controlClassName="font-mono"
          hintTestId="prefix-message"
          live
          error={prefix.length > 0 && !prefixCheck.success ? firstMessage(prefixCheck.error) : null}
          hint={
            prefix.length === 0
              ? 'The runbook builds each event id as <prefix><12-digit number>. The prefix is hexadecimal (0-9, a-f): eight hex digits and a dash such as 25000b00- (expanded to 25000b00-0000-4000-8000-), or all 24 characters.'
              : prefixCheck.success
                ? `Hex and well formed: ids run from ${prefixCheck.data}000000000001.`
                : null
          }
        >
          {(c) => (
            <input
              {...c}
              value={prefix}
              onChange={(e) => setPrefix(e.target.value)}
              placeholder="25000b00-"
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
        <Field
          label="Batch tag"
          controlClassName="font-mono"
          error={batchTag.length > 0 && !tagCheck.success ? firstMessage(tagCheck.error) : null}
          hint="Each suffix is <batch tag>-<number>; you type it again to confirm a run."
        >
          {(c) => (
            <input
              {...c}
              value={batchTag}
              onChange={(e) => setBatchTag(e.target.value)}
              placeholder="wave-1"
              autoComplete="off"
            />
          )}
        </Field>
        <Field label="Mode">
          {(c) => (
            <select {...c} value={emitMode} onChange={(e) => setEmitMode(e.target.value as 'live' | 'dry_run')}>
              <option value="live">live (inst: instances)</option>
              <option value="dry_run">dry_run (dryrun: instances)</option>
            </select>
          )}
        </Field>
        <Field label="Run tag (optional)" error={runTagCheck.success ? null : firstMessage(runTagCheck.error)}>
          {(c) => <input {...c} value={runTag} onChange={(e) => setRunTag(e.target.value)} placeholder="canary-3" />}
        </Field>
        <Field label="Note (optional)">
          {(c) => <input {...c} value={note} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <p className="text-xs text-slate-500">
          Recorded as <span className="font-mono">{actor}</span>.
        </p>
        <div className="flex flex-wrap gap-3">
          <Button
            type="submit"
            disabled={!valid || startPreflight.isPending || (!!preflightJob && isRunning(preflightJob))}
          >
            {startPreflight.isPending || (preflightJob && isRunning(preflightJob))
              ? 'Preflight running…'
              : 'Run preflight'}
          </Button>
          <Button
            variant={emitMode === 'live' ? 'danger' : 'primary'}
            disabled={!valid || !preflightOk}
            onClick={() => flow.dialog.open('apply')}
            aria-describedby="bulk-run-hint"
          >
            {emitMode === 'live' ? 'Run live…' : 'Run dry run…'}
          </Button>
        </div>
        {!preflightOk && valid && (
          <p id="bulk-run-hint" className="text-xs text-slate-500">
            The run is offered once a preflight of exactly these values has finished.
          </p>
        )}
        {flow.planned && <PlanWhy check={flow.check} />}
        {refusal && (
          <Alert tone="danger" title="Refused" testId="bulk-refusal">
            {refusal}
          </Alert>
        )}
      </form>

      <div className="space-y-6">
        <Card title="First items" description="The event ids and instance keys the run will use.">
          {planned.length ? (
            <Table>
              <thead>
                <tr>
                  <Th>#</Th>
                  <Th>Event id</Th>
                  <Th>Instance key</Th>
                </tr>
              </thead>
              <tbody data-testid="planned-items">
                {planned.map((p) => (
                  <tr key={p.index} data-testid="planned-row">
                    <Td className="tabular-nums">{p.index}</Td>
                    <Td className="font-mono text-xs" data-testid="planned-event-id">
                      {p.eventId}
                    </Td>
                    <Td className="font-mono text-xs" data-testid="planned-key">
                      {plannedInstanceKey(emitMode, template!.collectionKey, p.uniqueSuffix)}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          ) : (
            <p className="text-sm text-slate-500">Fill in the form to see the first event ids and instance keys.</p>
          )}
          {last && (
            <p className="mt-2 text-xs text-slate-500">
              … up to #{last.index.toLocaleString('en')}: <span className="font-mono">{last.eventId}</span>
            </p>
          )}
        </Card>
        {preflight && <Preflight id={preflight.id} stale={stale} onDone={preflightDone} />}
      </div>

      <ConfirmDialog
        open={flow.dialog.kind === 'apply'}
        onOpenChange={(o) => {
          if (!o) flow.dialog.close();
        }}
        title={
          emitMode === 'live'
            ? `Run ${nValue.toLocaleString('en')} live instances?`
            : `Run ${nValue.toLocaleString('en')} dry-run instances?`
        }
        confirmLabel={emitMode === 'live' ? 'Run live' : 'Run dry run'}
        destructive={emitMode === 'live'}
        typeToConfirm={{ label: 'Type the batch tag to confirm:', value: batchTag.trim() }}
        requireReason
        pending={startRun.isPending}
        error={flow.dialog.error}
        plan={flow.planned?.plan ?? null}
        blocked={flow.ready ? undefined : flow.check.why}
        onConfirm={(reason) => startRun.mutate(reason)}
      >
        <p>
          This makes <strong>{nValue.toLocaleString('en')}</strong> {emitMode === 'live' ? 'live' : 'dry-run'} instances
          of <span className="font-mono">{template?.collectionKey}</span> in one transaction, as{' '}
          <span className="font-mono">{actor}</span>, with event ids{' '}
          <span className="font-mono">{planned[0]?.eventId}</span>
          {last ? (
            <>
              {' '}
              to <span className="font-mono">{last.eventId}</span>
            </>
          ) : null}
          .
        </p>
        {preflightJob && (
          <p>
            The preflight answered:{' '}
            {Object.entries(preflightJob.counts)
              .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
              .join(', ')}
            . <span data-testid="confirm-prediction">{preflightPrediction(preflightJob)}</span>
          </p>
        )}
        <p>You can cancel while it runs; cancelling rolls the whole batch back.</p>
      </ConfirmDialog>
    </div>
  );
}
