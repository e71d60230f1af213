'use client';

// Instantiate from an event: a dry run first (the function runs for real and rolls back),
// then live only for exactly the parameters that dry run used, through a confirm dialog that
// restates the run and asks for the instance key. The server enforces the same rule
// (the live step applies that dry run's plan: plan_required, plan_stale, plan_used, or
// confirmation_required otherwise); the client rule only keeps people from
// walking into that refusal.
import Link from 'next/link';
import { useMemo, useRef, useState, useTransition, type ReactNode } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Code } from '@/components/ui/code';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { ActionResult } from '@/lib/auth/authorize';
import type { TemplateOption } from '@/lib/queries/console';
import type { InstantiateResult } from '@/lib/recipes/instantiate-from-event';
import { plannedInstanceKey } from '@/lib/recipes/bulk-scale-out/planned-items';
import { describeStatus } from '@/lib/recipes/messages';
import { instantiateFromEventAction } from './actions';
import { newEventId, paramsKey, type InstantiateValues } from './params';

const field = 'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-sky-500 focus:outline-none';
const label = 'block text-sm font-medium text-slate-700';

type Result = ActionResult<InstantiateResult>;
type Kind = 'preview' | 'keep' | 'live';

const PLAN_REFUSALS = ['plan_required', 'plan_expired', 'plan_used', 'plan_stale'];

/** A refusal from the wrapper (not from the recipe): nothing was written, so the dialog stays open to show it. */
function refusedBeforeRun(r: Result): boolean {
  return !r.ok && (r.decision === 'denied' || r.decision === 'invalid' || r.decision === 'error' || PLAN_REFUSALS.includes(r.status) || r.status === 'confirmation_required');
}

export function InstantiateForm({ templates, username }: { templates: TemplateOption[]; username: string }) {
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<InstantiateValues>({
    eventId: '',
    eventType: 'template.published',
    templateCollectionId: templates[0]?.collectionId ?? '',
    uniqueSuffix: '',
    note: '',
    runTag: '',
  });
  /** The last successful dry run: the parameters it ran with and what it answered. */
  const [preview, setPreview] = useState<{ key: string; values: InstantiateValues; result: Result } | null>(null);
  const [last, setLast] = useState<{ kind: Kind; values: InstantiateValues; result: Result } | null>(null);
  const [dialog, setDialog] = useState<{ kind: 'live' | 'keep'; n: number } | null>(null);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const key = paramsKey(values);
  const previewMatches = !!preview && preview.key === key;
  const template = templates.find((t) => t.collectionId === values.templateCollectionId);
  const suffix = values.uniqueSuffix.trim();
  const tag = values.runTag.trim();
  const actor = tag ? `${username}:${tag}` : username;
  const liveKey = template && suffix ? plannedInstanceKey('live', template.collectionKey, suffix) : null;
  const dryKey = template && suffix ? plannedInstanceKey('dry_run', template.collectionKey, suffix) : null;

  const set = (k: keyof InstantiateValues) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [k]: e.target.value }));

  /** The form's own fields as posted (the server ignores anything it does not know, such as an actor). */
  const formData = (extra: Record<string, string>) => {
    const fd = new FormData(formRef.current ?? undefined);
    for (const [k, v] of Object.entries(extra)) fd.set(k, v);
    return fd;
  };

  const dryRun = () => {
    const ran = { ...values };
    const ranKey = paramsKey(ran);
    startTransition(async () => {
      const r = (await instantiateFromEventAction(formData({ emitMode: 'dry_run', preview: 'on' }))) as Result;
      setLast({ kind: 'preview', values: ran, result: r });
      setPreview(r.ok ? { key: ranKey, values: ran, result: r } : null);
    });
  };

  const commit = (kind: 'live' | 'keep', reason: string) => {
    const ran = { ...values };
    const planId = preview?.result.ok ? preview.result.plan?.id : undefined;
    const extra: Record<string, string> = { emitMode: kind === 'live' ? 'live' : 'dry_run', preview: '', reason, planId: planId ? String(planId) : '' };
    if (kind === 'live' && liveKey) extra.confirmText = liveKey;
    setDialogError(null);
    startTransition(async () => {
      const r = (await instantiateFromEventAction(formData(extra))) as Result;
      if (refusedBeforeRun(r)) {
        setDialogError(r.message);
        // the dry run's plan can no longer be applied (expired, used, or the outcome changed)
        if (PLAN_REFUSALS.includes(r.status)) setPreview(null);
        return;
      }
      setDialog(null);
      setLast({ kind, values: ran, result: r });
      // a plan runs once: a live run or a kept dry run used this dry run up
      setPreview(null);
    });
  };

  const openDialog = (kind: 'live' | 'keep') => {
    setDialogError(null);
    setDialog((d) => ({ kind, n: (d?.n ?? 0) + 1 }));
  };

  const liveHint = !preview
    ? last?.kind === 'live'
      ? 'That live run used up its dry run (a plan runs once); dry-run again before another live run.'
      : 'Live opens after a successful dry run of these parameters.'
    : previewMatches
      ? 'The dry run of these exact parameters succeeded; live is open.'
      : 'You changed a parameter since the dry run; dry-run again to open live.';

  const restated = useMemo(
    () => (
      <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm" data-testid="confirm-facts">
        <dt className="text-slate-500">Template</dt>
        <dd>{template ? `${template.label} (${template.collectionKey})` : '—'}</dd>
        <dt className="text-slate-500">Event</dt>
        <dd>
          <code className="font-mono text-xs">{values.eventId.trim().toLowerCase()}</code> ({values.eventType.trim()})
        </dd>
        <dt className="text-slate-500">Actor recorded</dt>
        <dd className="font-mono" data-testid="confirm-actor">{actor}</dd>
        <dt className="text-slate-500">Instance key</dt>
        <dd className="font-mono" data-testid="confirm-instance-key">{dialog?.kind === 'keep' ? dryKey : liveKey}</dd>
        {values.note.trim() && (
          <>
            <dt className="text-slate-500">Note</dt>
            <dd>{values.note.trim()}</dd>
          </>
        )}
      </dl>
    ),
    [template, values, actor, dialog?.kind, dryKey, liveKey],
  );

  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <form
        ref={formRef}
        onSubmit={(e) => {
          // Enter in a field runs the dry run, never live
          e.preventDefault();
          if (!pending) dryRun();
        }}
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-5 shadow-sm"
        data-testid="instantiate-form"
      >
        <div>
          <label htmlFor="inst-event-id" className={label}>
            Event id (UUID)
          </label>
          <div className="mt-1 flex gap-2">
            <input
              id="inst-event-id"
              name="eventId"
              required
              value={values.eventId}
              onChange={set('eventId')}
              autoComplete="off"
              spellCheck={false}
              className={`${field} mt-0 font-mono`}
              placeholder="25000b00-0000-4000-8000-000000000001"
            />
            <Button variant="secondary" onClick={() => setValues((v) => ({ ...v, eventId: newEventId() }))} aria-label="Generate a new event id">
              Generate
            </Button>
          </div>
        </div>
        <label className={label}>
          Event type
          <input name="eventType" required value={values.eventType} onChange={set('eventType')} className={field} />
        </label>
        <label className={label}>
          Template
          <select name="templateCollectionId" required value={values.templateCollectionId} onChange={set('templateCollectionId')} className={field}>
            {templates.map((t) => (
              <option key={t.collectionId} value={t.collectionId}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        {template && (
          <p className="-mt-2 text-xs text-slate-500" data-testid="template-facts">
            <Code>{template.collectionKey}</Code> · {template.activePieceCount} active piece{template.activePieceCount === 1 ? '' : 's'}
          </p>
        )}
        <label className={label}>
          Unique suffix
          <input name="uniqueSuffix" required value={values.uniqueSuffix} onChange={set('uniqueSuffix')} className={`${field} font-mono`} placeholder="ev-42" autoComplete="off" />
        </label>
        <label className={label}>
          Note (optional)
          <input name="note" value={values.note} onChange={set('note')} className={field} />
        </label>
        <label className={label}>
          Run tag (optional)
          <input name="runTag" value={values.runTag} onChange={set('runTag')} className={`${field} font-mono`} placeholder="canary-3" autoComplete="off" />
        </label>
        <p className="text-xs text-slate-600" data-testid="actor-preview">
          Recorded as <Code>{actor}</Code>
          {liveKey && (
            <>
              {' '}· a live run makes <Code>{liveKey}</Code>
            </>
          )}
        </p>
        <div className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
          <Button type="submit" disabled={pending}>
            {pending && !dialog ? 'Running…' : 'Dry run'}
          </Button>
          <Button variant="danger" disabled={pending || !previewMatches} onClick={() => openDialog('live')}>
            Run live…
          </Button>
        </div>
        <p className={`text-xs ${previewMatches ? 'text-emerald-700' : 'text-slate-500'}`} data-testid="live-hint" data-ready={previewMatches}>
          {liveHint}
        </p>
      </form>

      <div className="space-y-4">
        {last ? (
          <ResultPanel
            kind={last.kind}
            result={last.result}
            canKeep={last.kind === 'preview' && previewMatches && last.result.ok && last.result.result.status === 'ok'}
            onKeep={() => openDialog('keep')}
            pending={pending}
            takenKey={last.result.status === 'instance_collection_key_collision' ? takenKeyOf(last.kind, last.values, templates) : null}
          />
        ) : (
          <div className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-sm text-slate-500">
            A dry run calls <Code>fn_iu_auto_instantiate_from_event</Code> for real in a transaction that is rolled back, and shows its answer here.
          </div>
        )}
      </div>

      {dialog && (
        <ConfirmDialog
          key={dialog.n}
          open
          onOpenChange={(o) => {
            if (!o) setDialog(null);
          }}
          title={dialog.kind === 'live' ? 'Run live and commit?' : 'Keep the dry-run instance?'}
          confirmLabel={dialog.kind === 'live' ? 'Run live' : 'Keep dry-run instance'}
          destructive={dialog.kind === 'live'}
          typeToConfirm={dialog.kind === 'live' && liveKey ? { label: 'Type the instance key to confirm:', value: liveKey } : undefined}
          requireReason
          pending={pending}
          error={dialogError}
          plan={preview?.result.ok ? preview.result.plan : null}
          onConfirm={(reason) => commit(dialog.kind, reason)}
        >
          {dialog.kind === 'live' ? (
            <p>
              This runs the auto-instantiate function in <strong>live</strong> mode and commits: it makes a live instance linking the template&apos;s active
              pieces. The live gate opens only inside this transaction and is closed before the commit.
            </p>
          ) : (
            <p>
              This runs the dry run again and commits it: the <Code>dryrun:</Code> instance stays (it is not live). A rollback by actor removes it.
            </p>
          )}
          {restated}
        </ConfirmDialog>
      )}
    </div>
  );
}

function Fact({ term, children, testId }: { term: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt className="text-slate-500">{term}</dt>
      <dd data-testid={testId} className="break-all">
        {children}
      </dd>
    </>
  );
}

/** What the function answered, with a link to the instance when one exists. */
/** The key a refused run collided with: the one its mode would have made. */
function takenKeyOf(kind: Kind, v: InstantiateValues, templates: TemplateOption[]): string | null {
  const t = templates.find((x) => x.collectionId === v.templateCollectionId);
  if (!t || !v.uniqueSuffix.trim()) return null;
  return plannedInstanceKey(kind === 'live' ? 'live' : 'dry_run', t.collectionKey, v.uniqueSuffix.trim());
}

function ResultPanel({
  kind,
  result,
  canKeep,
  onKeep,
  pending,
  takenKey,
}: {
  kind: Kind;
  result: Result;
  canKeep: boolean;
  onKeep: () => void;
  pending: boolean;
  takenKey: string | null;
}) {
  const heading = kind === 'preview' ? 'Dry run' : kind === 'keep' ? 'Kept dry run' : 'Live run';
  return (
    <section className="space-y-3" data-testid="instantiate-result" data-kind={kind} data-status={result.status}>
      <h2 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
        {heading}
        {kind === 'preview' && result.ok && <Badge tone="info">rolled back</Badge>}
        {kind !== 'preview' && result.ok && result.committed && <Badge tone="success">committed</Badge>}
      </h2>
      <ActionResultView result={result}>
        {result.status !== 'ok' && result.ok && <p className="mt-1" data-testid="status-sentence">{describeStatus(result.status)}</p>}
        {result.ok && <Details kind={kind} r={result.result} />}
        {takenKey && (
          <p className="mt-2">
            <Link className="font-semibold underline" data-testid="taken-instance-link" href={`/instances/${encodeURIComponent(takenKey)}`}>
              Open the instance that holds {takenKey}
            </Link>
          </p>
        )}
        {canKeep && (
          <div className="mt-3 border-t border-emerald-200 pt-3">
            <Button variant="secondary" onClick={onKeep} disabled={pending}>
              Keep this dry-run instance…
            </Button>
            <p className="mt-1 text-xs text-emerald-800">Commits the same dry run: the dryrun: instance stays, nothing goes live.</p>
          </div>
        )}
      </ActionResultView>
    </section>
  );
}

function Details({ kind, r }: { kind: Kind; r: InstantiateResult }) {
  const replay = r.status === 'idempotent_replay';
  return (
    <div className="mt-3 space-y-2">
      <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1 text-xs" data-testid="result-facts">
        <Fact term="Function status">
          <code>{r.status}</code>
        </Fact>
        <Fact term="Mode">{r.emitMode}</Fact>
        <Fact term={kind === 'preview' ? 'Instance (rolled back)' : replay ? 'Existing instance' : 'Instance'} testId="result-instance-key">
          <span className="font-mono">{r.instanceCollectionKey ?? '—'}</span>
        </Fact>
        <Fact term="Pieces linked">{r.pieceCount ?? '—'}</Fact>
        <Fact term="Event-log row">
          {r.eventLogId ?? '—'}
          {kind === 'preview' && r.eventLogId != null ? ' (rolled back)' : ''}
          {r.originalEventLogId != null && (
            <>
              {' '}· replay of{' '}
              <Link className="text-sky-700 underline" href={`/events?event=${r.originalEventLogId}`}>
                #{r.originalEventLogId}
              </Link>
            </>
          )}
        </Fact>
        <Fact term="Event">
          <span className="font-mono">{r.eventId}</span>
        </Fact>
      </dl>
      {kind !== 'preview' && r.instanceCollectionId && (
        <p>
          <Link className="font-semibold text-sky-700 underline" href={`/instances/${r.instanceCollectionId}`} data-testid="instance-link">
            {replay ? 'Open the existing instance' : 'Open the new instance'} {r.instanceCollectionKey}
          </Link>
        </p>
      )}
      <details className="text-xs">
        <summary className="cursor-pointer">The function&apos;s answer (jsonb)</summary>
        <pre className="mt-1 overflow-x-auto rounded bg-white/70 p-2 font-mono">{JSON.stringify(r.raw, null, 2)}</pre>
      </details>
    </div>
  );
}
