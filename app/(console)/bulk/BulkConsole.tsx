'use client';

// The bulk scale-out form: template, N, event-id prefix (checked as you type), batch tag and
// mode; the first three event ids and instance keys; a preflight of the whole batch (run
// and rolled back) with counts by status; then the confirm dialog (typed batch tag and a
// reason) that starts the run as a background job and follows it here.
import { useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useMemo, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Table, Td, Th } from '@/components/ui/table';
import type { ActionResult } from '@/lib/auth/authorize';
import type { BulkJobView } from '@/lib/bulk/jobs';
import type { TemplateOption } from '@/lib/queries/console';
import { plannedInstanceKey, plannedItems } from '@/lib/recipes/bulk-scale-out/planned-items';
import { batchTagSchema, runTagSchema, uuidPrefixSchema } from '@/lib/recipes/schemas';
import { BulkJobPanel, BulkOutcome, BulkProgressView, isRunning, useBulkJob } from './BulkJobPanel';

const field = 'mt-1 block w-full rounded-md border px-3 py-2 text-sm';
const label = 'block text-sm font-medium text-slate-700';

type StartAnswer = { ok: true; jobId: string; job: BulkJobView } | { ok: false; result: ActionResult<unknown> };

async function startJob(body: Record<string, unknown>): Promise<StartAnswer> {
  const res = await fetch('/api/bulk/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => null);
  if (!answer || typeof answer.ok !== 'boolean') throw new Error(`The server did not answer as expected (HTTP ${res.status}); nothing was started.`);
  return answer as StartAnswer;
}

function firstMessage(error: { issues: { message: string }[] }): string {
  return error.issues[0]?.message ?? 'This value is not valid.';
}

function Preflight({ id, stale }: { id: string; stale: boolean }) {
  const q = useBulkJob(id);
  const router = useRouter();
  const finished = !!q.data && !isRunning(q.data);
  useEffect(() => {
    // the recent-jobs list below is rendered on the server: show this preflight in it
    if (finished) router.refresh();
  }, [finished, router]);
  if (!q.data) return <p className="text-sm text-slate-500">Starting the preflight…</p>;
  return (
    <Card title="Preflight" description="The whole batch, run for real inside one transaction and rolled back." className={stale ? 'opacity-60' : undefined}>
      <div className="space-y-3" data-testid="preflight">
        <BulkProgressView job={q.data} />
        <BulkOutcome job={q.data} />
        {!isRunning(q.data) && q.data.status === 'succeeded' && (
          <Link href={`/bulk/${id}`} className="text-sm text-sky-700 hover:underline">
            Every item of this preflight
          </Link>
        )}
        {stale && <p className="text-sm text-amber-800">The form changed since this preflight; run the preflight again.</p>}
      </div>
    </Card>
  );
}

export function BulkConsole({ templates, max, username }: { templates: TemplateOption[]; max: number; username: string }) {
  const ids = { prefix: useId(), prefixHelp: useId(), tag: useId(), tagHelp: useId(), n: useId(), nHelp: useId() };
  const [templateId, setTemplateId] = useState(templates[0]?.collectionId ?? '');
  const [n, setN] = useState('100');
  const [prefix, setPrefix] = useState('');
  const [batchTag, setBatchTag] = useState('');
  const [emitMode, setEmitMode] = useState<'live' | 'dry_run'>('live');
  const [runTag, setRunTag] = useState('');
  const [note, setNote] = useState('');
  const [preflight, setPreflight] = useState<{ id: string; sig: string } | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [confirmError, setConfirmError] = useState<string | null>(null);
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
    () => ({ templateCollectionId: templateId, n: nValue, uuidPrefix: prefix.trim(), batchTag: batchTag.trim(), emitMode, runTag: runTag.trim(), note: note.trim() }),
    [templateId, nValue, prefix, batchTag, emitMode, runTag, note],
  );
  const sig = JSON.stringify(payload);
  const planned = valid && prefixCheck.success ? plannedItems(prefixCheck.data, tagCheck.data!, nValue, 1, Math.min(3, nValue)) : [];
  const last = valid && prefixCheck.success && nValue > 3 ? plannedItems(prefixCheck.data, tagCheck.data!, nValue, nValue, nValue)[0] : null;

  const pre = useBulkJob(preflight?.id ?? '', undefined);
  const preflightJob = preflight ? pre.data : undefined;
  const preflightOk = !!preflight && preflight.sig === sig && preflightJob?.status === 'succeeded';

  const startPreflight = useMutation({
    mutationFn: () => startJob({ ...payload, preview: true }),
    onSuccess: (a) => {
      if (a.ok) {
        setPreflight({ id: a.jobId, sig });
        setRefusal(null);
      } else setRefusal(a.result.message);
    },
    onError: (e) => setRefusal((e as Error).message),
  });
  const startRun = useMutation({
    // the run applies the preflight's plan: the same batch, with every item as the preflight showed it
    mutationFn: (reason: string) => startJob({ ...payload, preview: false, planId: preflightJob?.planId ?? undefined, confirmText: batchTag.trim(), reason }),
    onSuccess: (a) => {
      if (!a.ok) {
        setConfirmError(a.result.message);
        return;
      }
      setConfirmOpen(false);
      setRunJob(a.job);
      setRunId(a.jobId);
      // the address of the job, without a server round trip: a reload opens /bulk/<id>
      window.history.pushState(null, '', `/bulk/${a.jobId}`);
    },
    onError: (e) => setConfirmError((e as Error).message),
  });

  if (runId) {
    return (
      <div className="space-y-4">
        <BulkJobPanel id={runId} initial={runJob} canCancel />
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
        <label className={label}>
          Template
          <select value={templateId} onChange={(e) => setTemplateId(e.target.value)} className={`${field} border-slate-300`}>
            {templates.map((t) => (
              <option key={t.collectionId} value={t.collectionId}>
                {t.collectionKey} — {t.title}
              </option>
            ))}
          </select>
        </label>
        <div>
          <label htmlFor={ids.n} className={label}>
            N (number of events)
          </label>
          <input
            id={ids.n}
            inputMode="numeric"
            value={n}
            onChange={(e) => setN(e.target.value)}
            aria-invalid={!!nError}
            aria-describedby={ids.nHelp}
            className={`${field} ${nError ? 'border-red-400' : 'border-slate-300'}`}
          />
          <p id={ids.nHelp} className={`mt-1 text-xs ${nError ? 'text-red-700' : 'text-slate-500'}`}>
            {nError ?? `From 1 to ${max.toLocaleString('en')} (IU_BULK_MAX); all of them run in one transaction, all or nothing.`}
          </p>
        </div>
        <div>
          <label htmlFor={ids.prefix} className={label}>
            Event-id prefix
          </label>
          <input
            id={ids.prefix}
            value={prefix}
            onChange={(e) => setPrefix(e.target.value)}
            placeholder="25000b00-"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={prefix.length > 0 && !prefixCheck.success}
            aria-describedby={ids.prefixHelp}
            className={`${field} font-mono ${prefix.length > 0 && !prefixCheck.success ? 'border-red-400' : 'border-slate-300'}`}
          />
          <p id={ids.prefixHelp} data-testid="prefix-message" aria-live="polite" className={`mt-1 text-xs ${prefix.length > 0 && !prefixCheck.success ? 'text-red-700' : 'text-slate-500'}`}>
            {prefix.length === 0
              ? 'The runbook builds each event id as <prefix><12-digit number>. The prefix is hexadecimal (0-9, a-f): eight hex digits and a dash such as 25000b00- (expanded to 25000b00-0000-4000-8000-), or all 24 characters.'
              : prefixCheck.success
                ? `Hex and well formed: ids run from ${prefixCheck.data}000000000001.`
                : firstMessage(prefixCheck.error)}
          </p>
        </div>
        <div>
          <label htmlFor={ids.tag} className={label}>
            Batch tag
          </label>
          <input
            id={ids.tag}
            value={batchTag}
            onChange={(e) => setBatchTag(e.target.value)}
            placeholder="wave-1"
            autoComplete="off"
            aria-invalid={batchTag.length > 0 && !tagCheck.success}
            aria-describedby={ids.tagHelp}
            className={`${field} font-mono ${batchTag.length > 0 && !tagCheck.success ? 'border-red-400' : 'border-slate-300'}`}
          />
          <p id={ids.tagHelp} className={`mt-1 text-xs ${batchTag.length > 0 && !tagCheck.success ? 'text-red-700' : 'text-slate-500'}`}>
            {batchTag.length > 0 && !tagCheck.success ? firstMessage(tagCheck.error) : 'Each suffix is <batch tag>-<number>; you type it again to confirm a run.'}
          </p>
        </div>
        <label className={label}>
          Mode
          <select value={emitMode} onChange={(e) => setEmitMode(e.target.value as 'live' | 'dry_run')} className={`${field} border-slate-300`}>
            <option value="live">live (inst: instances)</option>
            <option value="dry_run">dry_run (dryrun: instances)</option>
          </select>
        </label>
        <label className={label}>
          Run tag (optional)
          <input value={runTag} onChange={(e) => setRunTag(e.target.value)} placeholder="canary-3" className={`${field} ${runTagCheck.success ? 'border-slate-300' : 'border-red-400'}`} />
          {!runTagCheck.success && <span className="mt-1 block text-xs text-red-700">{firstMessage(runTagCheck.error)}</span>}
        </label>
        <label className={label}>
          Note (optional)
          <input value={note} onChange={(e) => setNote(e.target.value)} className={`${field} border-slate-300`} />
        </label>
        <p className="text-xs text-slate-500">
          Recorded as <span className="font-mono">{actor}</span>.
        </p>
        <div className="flex flex-wrap gap-3">
          <Button type="submit" disabled={!valid || startPreflight.isPending || (!!preflightJob && isRunning(preflightJob))}>
            {startPreflight.isPending || (preflightJob && isRunning(preflightJob)) ? 'Preflight running…' : 'Run preflight'}
          </Button>
          <Button
            variant={emitMode === 'live' ? 'danger' : 'primary'}
            disabled={!valid || !preflightOk}
            onClick={() => {
              setConfirmError(null);
              setConfirmOpen(true);
            }}
          >
            {emitMode === 'live' ? 'Run live…' : 'Run dry run…'}
          </Button>
        </div>
        {!preflightOk && valid && <p className="text-xs text-slate-500">The run is offered once a preflight of exactly these values has finished.</p>}
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
        {preflight && <Preflight id={preflight.id} stale={preflight.sig !== sig} />}
      </div>

      <ConfirmDialog
        open={confirmOpen}
        onOpenChange={setConfirmOpen}
        title={emitMode === 'live' ? `Run ${nValue.toLocaleString('en')} live instances?` : `Run ${nValue.toLocaleString('en')} dry-run instances?`}
        confirmLabel={emitMode === 'live' ? 'Run live' : 'Run dry run'}
        destructive={emitMode === 'live'}
        typeToConfirm={{ label: 'Type the batch tag to confirm:', value: batchTag.trim() }}
        requireReason
        pending={startRun.isPending}
        error={confirmError}
        plan={preflightJob?.planId ? { id: preflightJob.planId, username: preflightJob.username, createdAt: preflightJob.finishedAt ?? preflightJob.updatedAt } : null}
        onConfirm={(reason) => startRun.mutate(reason)}
      >
        <p>
          This makes <strong>{nValue.toLocaleString('en')}</strong> {emitMode === 'live' ? 'live' : 'dry-run'} instances of{' '}
          <span className="font-mono">{template?.collectionKey}</span> in one transaction, as <span className="font-mono">{actor}</span>, with event ids{' '}
          <span className="font-mono">{planned[0]?.eventId}</span>
          {last ? (
            <>
              {' '}to <span className="font-mono">{last.eventId}</span>
            </>
          ) : null}
          .
        </p>
        {preflightJob && (
          <p>
            The preflight answered: {Object.entries(preflightJob.counts).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}.
          </p>
        )}
        <p>You can cancel while it runs; cancelling rolls the whole batch back.</p>
      </ConfirmDialog>
    </div>
  );
}
