'use client';

// Instantiate from an event: a dry run first (the function runs for real and rolls back),
// then live only for exactly the parameters that dry run used, through a confirm dialog that
// restates the run and asks for the instance key. The server enforces the same rule
// (the live step applies that dry run's plan: plan_required, plan_stale, plan_used, or
// confirmation_required otherwise); the client rule only keeps people from
// walking into that refusal.
import { useMemo, useRef, useState } from 'react';
import { PlanWhy } from '@/components/plan/plan-panel';
import { instantiatePlanParams } from '@/components/plan/plan-params';
import { usePlanFlow } from '@/components/plan/use-plan-flow';
import { Button } from '@/components/ui/button';
import { Code } from '@/components/ui/code';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import type { TemplateOption } from '@/lib/queries/console';
import { plannedInstanceKey } from '@/lib/recipes/bulk-scale-out/planned-items';
import type { definition as instantiate } from '@/lib/recipes/instantiate-from-event/recipe';
import { runRecipeAction } from '../recipe-action';
import { ResultPanel, takenKeyOf, type Kind, type Result } from './InstantiateResult';
import { PredictionLine } from './LivePrediction';
import { newEventId, type InstantiateValues } from './params';

const WORDS = {
  preview: 'dry run',
  labels: {
    eventId: 'Event id',
    eventType: 'Event type',
    templateCollectionId: 'Template',
    uniqueSuffix: 'Unique suffix',
    note: 'Note',
    runTag: 'Run tag',
  },
};

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
  const [last, setLast] = useState<{ kind: Kind; values: InstantiateValues; result: Result } | null>(null);
  const now = useMemo(() => instantiatePlanParams({ ...values, emitMode: 'dry_run' }), [values]);
  const flow = usePlanFlow<Result, 'live' | 'keep'>({ now, words: WORDS });
  const previewMatches = flow.ready;
  const pending = flow.pending;

  const template = templates.find((t) => t.collectionId === values.templateCollectionId);
  const suffix = values.uniqueSuffix.trim();
  const tag = values.runTag.trim();
  const actor = tag ? `${username}:${tag}` : username;
  const liveKey = template && suffix ? plannedInstanceKey('live', template.collectionKey, suffix) : null;
  const dryKey = template && suffix ? plannedInstanceKey('dry_run', template.collectionKey, suffix) : null;

  const set = (k: keyof InstantiateValues) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [k]: e.target.value }));

  /** The form's own fields as posted (the server ignores anything it does not know, such as an actor). */
  const formData = (extra: Record<string, string>) => {
    const fd = new FormData(formRef.current ?? undefined);
    for (const [k, v] of Object.entries(extra)) fd.set(k, v);
    return fd;
  };

  const dryRun = () => {
    const ran = { ...values };
    flow.preview(
      now,
      () =>
        runRecipeAction<typeof instantiate>('instantiate-from-event', formData({ emitMode: 'dry_run', preview: 'on' })),
      (r) => setLast({ kind: 'preview', values: ran, result: r }),
    );
  };

  const commit = (kind: 'live' | 'keep', reason: string) => {
    const ran = { ...values };
    flow.apply(
      async (planId) => {
        const extra: Record<string, string> = {
          emitMode: kind === 'live' ? 'live' : 'dry_run',
          preview: '',
          reason,
          planId: planId ? String(planId) : '',
        };
        if (kind === 'live' && liveKey) extra.confirmText = liveKey;
        return runRecipeAction<typeof instantiate>('instantiate-from-event', formData(extra));
      },
      (r) => setLast({ kind, values: ran, result: r }),
    );
  };

  const liveHint = !flow.planned
    ? flow.gone?.kind === 'refused'
      ? flow.check.why
      : last?.kind === 'live'
        ? 'That live run used up its dry run (a plan runs once); dry-run again before another live run.'
        : 'Live opens after a successful dry run of these parameters.'
    : previewMatches
      ? 'The dry run of these exact parameters succeeded; live is open.'
      : 'You changed a parameter since the dry run; dry-run again to open live.';

  const dialog = flow.dialog;
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
        <dd className="font-mono" data-testid="confirm-actor">
          {actor}
        </dd>
        <dt className="text-slate-500">Instance key</dt>
        <dd className="font-mono" data-testid="confirm-instance-key">
          {dialog.kind === 'keep' ? dryKey : liveKey}
        </dd>
        {values.note.trim() && (
          <>
            <dt className="text-slate-500">Note</dt>
            <dd>{values.note.trim()}</dd>
          </>
        )}
      </dl>
    ),
    [template, values, actor, dialog.kind, dryKey, liveKey],
  );
  const prediction = flow.planned?.preview.ok ? flow.planned.preview.result.livePrediction : undefined;

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
        <Field label="Event id (UUID)" controlClassName="mt-0 font-mono">
          {(c) => (
            <div className="mt-1 flex gap-2">
              <input
                {...c}
                name="eventId"
                required
                value={values.eventId}
                onChange={set('eventId')}
                autoComplete="off"
                spellCheck={false}
                placeholder="25000b00-0000-4000-8000-000000000001"
              />
              <Button
                variant="secondary"
                onClick={() => setValues((v) => ({ ...v, eventId: newEventId() }))}
                aria-label="Generate a new event id"
              >
                Generate
              </Button>
            </div>
          )}
        </Field>
        <Field label="Event type">
          {(c) => <input {...c} name="eventType" required value={values.eventType} onChange={set('eventType')} />}
        </Field>
        <Field
          label="Template"
          hint={
            template && (
              <span data-testid="template-facts">
                <Code>{template.collectionKey}</Code> · {template.activePieceCount} active piece
                {template.activePieceCount === 1 ? '' : 's'}
              </span>
            )
          }
        >
          {(c) => (
            <select
              {...c}
              name="templateCollectionId"
              required
              value={values.templateCollectionId}
              onChange={set('templateCollectionId')}
            >
              {templates.map((t) => (
                <option key={t.collectionId} value={t.collectionId}>
                  {t.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Unique suffix" controlClassName="font-mono">
          {(c) => (
            <input
              {...c}
              name="uniqueSuffix"
              required
              value={values.uniqueSuffix}
              onChange={set('uniqueSuffix')}
              placeholder="ev-42"
              autoComplete="off"
            />
          )}
        </Field>
        <Field label="Note (optional)">
          {(c) => <input {...c} name="note" value={values.note} onChange={set('note')} />}
        </Field>
        <Field label="Run tag (optional)" controlClassName="font-mono">
          {(c) => (
            <input
              {...c}
              name="runTag"
              value={values.runTag}
              onChange={set('runTag')}
              placeholder="canary-3"
              autoComplete="off"
            />
          )}
        </Field>
        <p className="text-xs text-slate-600" data-testid="actor-preview">
          Recorded as <Code>{actor}</Code>
          {liveKey && (
            <>
              {' '}
              · a live run makes <Code>{liveKey}</Code>
            </>
          )}
        </p>
        <div className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
          <Button type="submit" disabled={pending}>
            {flow.running === 'preview' ? 'Running…' : 'Dry run'}
          </Button>
          <Button
            variant="danger"
            disabled={pending || !previewMatches}
            onClick={() => dialog.open('live')}
            aria-describedby="instantiate-live-hint"
          >
            Run live…
          </Button>
        </div>
        <p
          id="instantiate-live-hint"
          className={`text-xs ${previewMatches ? 'text-emerald-700' : 'text-slate-500'}`}
          data-testid="live-hint"
          data-ready={previewMatches}
        >
          {liveHint}
        </p>
        {flow.planned && !previewMatches && <PlanWhy check={flow.check} />}
      </form>

      <div className="space-y-4">
        {last ? (
          <ResultPanel
            kind={last.kind}
            result={last.result}
            prediction={last.kind === 'preview' && previewMatches ? prediction : undefined}
            liveKey={liveKey}
            canKeep={last.kind === 'preview' && previewMatches && last.result.ok && last.result.result.status === 'ok'}
            onKeep={() => dialog.open('keep')}
            pending={pending}
            takenKey={
              last.result.status === 'instance_collection_key_collision'
                ? takenKeyOf(last.kind, last.values, templates)
                : null
            }
          />
        ) : (
          <div className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-sm text-slate-500">
            A dry run calls <Code>fn_iu_auto_instantiate_from_event</Code> for real in a transaction that is rolled
            back, and shows its answer here.
          </div>
        )}
      </div>

      {dialog.kind && (
        <ConfirmDialog
          key={dialog.n}
          open
          onOpenChange={(o) => {
            if (!o) dialog.close();
          }}
          title={dialog.kind === 'live' ? 'Run live and commit?' : 'Keep the dry-run instance?'}
          confirmLabel={dialog.kind === 'live' ? 'Run live' : 'Keep dry-run instance'}
          destructive={dialog.kind === 'live'}
          typeToConfirm={
            dialog.kind === 'live' && liveKey
              ? { label: 'Type the instance key to confirm:', value: liveKey }
              : undefined
          }
          requireReason
          pending={pending}
          error={dialog.error}
          plan={flow.planned?.plan ?? null}
          blocked={flow.ready ? undefined : flow.check.why}
          onConfirm={(reason) => commit(dialog.kind!, reason)}
        >
          {dialog.kind === 'live' ? (
            <p>
              This runs the auto-instantiate function in <strong>live</strong> mode and commits: it makes a live
              instance linking the template&apos;s active pieces. The live gate opens only inside this transaction and
              is closed before the commit.
            </p>
          ) : (
            <p>
              This runs the dry run again and commits it: the <Code>dryrun:</Code> instance stays (it is not live). A
              rollback by actor removes it.
            </p>
          )}
          {dialog.kind === 'live' && prediction && <PredictionLine p={prediction} liveKey={liveKey} />}
          {restated}
        </ConfirmDialog>
      )}
    </div>
  );
}
