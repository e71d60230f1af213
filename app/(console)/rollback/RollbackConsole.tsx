'use client';

// Rollback by actor: pick an actor, dry-run it (the list of instances that would go, by
// template), then confirm the durable rollback in the ConfirmDialog with the actor typed and a
// reason. The durable run applies the dry run's plan: the server refuses it without that plan
// (plan_required), when the actor's instances changed since (plan_stale), or
// with the wrong typed text (confirmation_required); this page only makes the right path easy.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import { PlanWhy } from '@/components/plan/plan-panel';
import { rollbackPlanParams } from '@/components/plan/plan-params';
import { usePlanFlow } from '@/components/plan/use-plan-flow';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Card } from '@/components/ui/card';
import { Code } from '@/components/ui/code';
import { Field } from '@/components/ui/field';
import { formatCount, formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';
import type { ActionResult } from '@/lib/auth/authorize';
import type { ActorHistory } from '@/lib/queries/console';
import type { RollbackResult } from '@/lib/recipes';
import type { definition as rollbackByActor } from '@/lib/recipes/rollback-by-actor/recipe';
import { runRecipeAction } from '../recipe-action';

type Result = ActionResult<RollbackResult>;

// a bulk run can leave 10,000 instances: the per-template counts are complete, the list is not
// (the recipe lists its first LISTED_INSTANCES, 200, with their keys)
const SHOWN = 200;

const auditHref = (id: number) => `/audit?id=${id}#audit-${id}`;

const WORDS = { preview: 'dry run', labels: { targetActor: 'Actor' } };

export function RollbackConsole({ initialActor, history }: { initialActor: string; history: ActorHistory[] }) {
  const router = useRouter();
  const [actor, setActor] = useState(initialActor);
  const [dry, setDry] = useState<{ actor: string; result: Result } | null>(null);
  const [done, setDone] = useState<Result | null>(null);
  const wanted = actor.trim();
  const now = useMemo(() => rollbackPlanParams({ targetActor: actor }), [actor]);
  const flow = usePlanFlow<Result>({ now, words: WORDS });
  const pending = flow.pending;

  const previewed = dry?.result.ok ? dry.result.result : null;
  // the durable step is offered only while the dry run's plan matches the actor, and only if it found something
  const canConfirm = flow.ready && !!previewed && previewed.instanceCount > 0;

  const runDry = () =>
    flow.preview(
      now,
      () => runRecipeAction<typeof rollbackByActor>('rollback-by-actor', { targetActor: wanted, durable: false }),
      (r) => {
        setDone(null);
        setDry({ actor: wanted, result: r });
      },
    );

  const confirm = (reason: string) => {
    const target = dry!.actor;
    flow.apply(
      // confirmText is what the dialog made the person type: the dialog enables Confirm only when it matches
      (planId) =>
        runRecipeAction<typeof rollbackByActor>('rollback-by-actor', {
          targetActor: target,
          durable: true,
          planId,
          confirmText: target,
          reason,
        }),
      (r) => {
        setDry(null);
        setDone(r);
        router.refresh();
      },
    );
  };

  const shown = done ?? dry?.result ?? null;

  return (
    <div className="space-y-6">
      <Card
        title="1. Pick the actor and dry-run"
        description="The actor string exactly as recorded: a user (alice) or a user with a run tag (alice:canary-3)."
      >
        <form
          data-testid="rollback-form"
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            // Enter in the actor field runs the dry run, which writes nothing
            e.preventDefault();
            if (wanted && !pending) runDry();
          }}
        >
          <Field label="Actor" controlClassName="font-mono" className="min-w-72 flex-1">
            {(c) => (
              <>
                <input
                  {...c}
                  name="targetActor"
                  list="rollback-actors"
                  value={actor}
                  onChange={(e) => setActor(e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="alice:canary-3"
                />
                <datalist id="rollback-actors">
                  {history.map((h) => (
                    <option key={h.actor} value={h.actor}>
                      {`${h.live} live, ${h.dryRun} dry run, ${h.rolledBack} rolled back`}
                    </option>
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Button type="submit" variant="primary" disabled={pending || !wanted}>
            {flow.running === 'preview' ? 'Running…' : 'Dry run'}
          </Button>
          {wanted && (
            <Link href={`/actors/${encodeURIComponent(wanted)}`} className="pb-2 text-sm text-sky-700 underline">
              History of {wanted}
            </Link>
          )}
        </form>
      </Card>

      {shown && (
        <ActionResultView result={shown}>
          {shown.auditId !== null && (
            <p className="mt-1 text-xs">
              <Link href={auditHref(shown.auditId)} className="font-medium underline" data-testid="result-audit-link">
                Audit row #{shown.auditId}
              </Link>
            </p>
          )}
        </ActionResultView>
      )}

      {shown?.ok && (
        <RollbackDetails
          result={shown.result}
          committed={shown.committed}
          action={
            !done && (
              <div className="flex flex-wrap items-center gap-3">
                <Button
                  variant="danger"
                  disabled={!canConfirm || pending}
                  onClick={() => flow.dialog.open('apply')}
                  data-testid="open-confirm"
                >
                  Roll back {formatCount(previewed?.instanceCount ?? 0)} instance
                  {previewed?.instanceCount === 1 ? '' : 's'}…
                </Button>
                {previewed && previewed.instanceCount === 0 && (
                  <span className="text-sm text-slate-600">Nothing to roll back for this actor.</span>
                )}
                {previewed && dry!.actor !== wanted && (
                  <span className="text-sm text-amber-800">
                    The actor changed since this dry run; run the dry run again.
                  </span>
                )}
                {previewed && dry!.actor === wanted && <PlanWhy check={flow.check} />}
              </div>
            )
          }
        />
      )}

      {previewed && (
        <ConfirmDialog
          open={flow.dialog.kind === 'apply'}
          onOpenChange={(next) => {
            if (!next) flow.dialog.close();
          }}
          title={`Roll back ${formatCount(previewed.instanceCount)} instance${previewed.instanceCount === 1 ? '' : 's'} of ${dry!.actor}?`}
          confirmLabel="Roll back for real"
          typeToConfirm={{ label: 'Type the actor to confirm:', value: dry!.actor }}
          requireReason
          pending={pending}
          error={flow.dialog.error}
          plan={flow.planned?.plan ?? null}
          blocked={flow.ready ? undefined : flow.check.why}
          onConfirm={confirm}
        >
          <p>
            This deletes the {formatCount(previewed.instanceCount)} instance{previewed.instanceCount === 1 ? '' : 's'}{' '}
            the dry run listed (
            {Object.entries(previewed.byTemplate)
              .map(([t, n]) => `${n} of ${t}`)
              .join(', ')}
            ) and their piece links, and stamps their event-log rows as rolled back by you. The pieces stay; the event
            log keeps its history; the same events can be instantiated again.
          </p>
          <p>It cannot be undone from the console.</p>
        </ConfirmDialog>
      )}

      <Card
        title="Actors"
        description="Every actor string in the event log, from the per-actor rollup. Pick one to fill the field above."
      >
        <Table>
          <thead>
            <tr>
              <Th>User</Th>
              <Th>Run tag</Th>
              <Th>Live</Th>
              <Th>Dry run</Th>
              <Th>Rolled back</Th>
              <Th>Last</Th>
              <Th>
                <span className="sr-only">Pick</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={h.actor} data-testid={`actor-${h.actor}`}>
                <Td className="font-mono">{h.username}</Td>
                <Td className="font-mono">{h.runTag ?? '—'}</Td>
                <Td>{h.live}</Td>
                <Td>{h.dryRun}</Td>
                <Td>{h.rolledBack}</Td>
                <Td className="whitespace-nowrap">{formatTimestamp(h.lastAt)}</Td>
                <Td>
                  <Button
                    variant="ghost"
                    className="px-2 py-1"
                    onClick={() => setActor(h.actor)}
                    aria-label={`Pick ${h.actor}`}
                  >
                    Pick
                  </Button>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
        {history.length === 0 && <p className="text-sm text-slate-500">No actor has events yet.</p>}
      </Card>
    </div>
  );
}

/** What a dry run would remove (or a durable run removed): the count, per template, and the list. */
function RollbackDetails({
  result,
  committed,
  action,
}: {
  result: RollbackResult;
  committed: boolean;
  action: React.ReactNode;
}) {
  const templates = Object.entries(result.byTemplate).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  // the rows shown: the recipe lists at most its first 200, the page shows at most SHOWN of those
  const listed = Math.min(SHOWN, result.instances.length);
  const verb = committed ? 'Rolled back' : 'Would roll back';
  return (
    <Card
      title={committed ? '3. Rolled back' : '2. What the dry run found'}
      description={
        committed
          ? `Rolled back by ${result.rolledBackBy ?? 'you'}.`
          : 'The dry run ran the recipe and rolled it back: nothing was removed yet.'
      }
    >
      <div
        className="space-y-4"
        data-testid={committed ? 'rollback-done' : 'dry-run-result'}
        data-count={result.instanceCount}
      >
        <p className="text-sm text-slate-800">
          {verb} <strong data-testid="instance-count">{formatCount(result.instanceCount)}</strong> instance
          {result.instanceCount === 1 ? '' : 's'} of <Code>{result.actor}</Code>
          {templates.length > 0 && (
            <>
              {' '}
              from {templates.length} template{templates.length === 1 ? '' : 's'}
            </>
          )}
          .
        </p>
        {templates.length > 0 && (
          <Table>
            <thead>
              <tr>
                <Th>Template</Th>
                <Th>Instances</Th>
              </tr>
            </thead>
            <tbody data-testid="by-template">
              {templates.map(([t, n]) => (
                <tr key={t} data-testid={`template-${t}`}>
                  <Td className="font-mono">{t}</Td>
                  <Td>{formatCount(n)}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {result.instances.length > 0 && (
          <details open={result.instanceCount <= 20}>
            <summary className="cursor-pointer text-sm font-medium text-slate-700">
              The instances ({formatCount(result.instanceCount)})
            </summary>
            <Table className="mt-2">
              <thead>
                <tr>
                  <Th>Instance</Th>
                  <Th>Template</Th>
                  <Th>Mode</Th>
                  <Th>Event</Th>
                  <Th>Made</Th>
                </tr>
              </thead>
              <tbody data-testid="instance-list">
                {result.instances.slice(0, listed).map((i) => (
                  <tr key={i.instanceCollectionId} data-testid="instance-row" data-instance-id={i.instanceCollectionId}>
                    <Td className="font-mono text-xs">
                      <Link className="text-sky-700 underline" href={`/instances/${i.instanceCollectionId}`}>
                        {i.instanceCollectionKey ?? i.instanceCollectionId}
                      </Link>
                    </Td>
                    <Td className="font-mono text-xs">{i.templateCollectionKey ?? '—'}</Td>
                    <Td>{i.emitMode}</Td>
                    <Td className="font-mono text-xs">{i.eventId}</Td>
                    <Td className="whitespace-nowrap text-xs">{formatTimestamp(i.createdAt)}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            {result.instanceCount > listed && (
              <p className="mt-2 text-xs text-slate-500">
                The first {formatCount(listed)} are listed; the counts per template above cover all{' '}
                {formatCount(result.instanceCount)}.
              </p>
            )}
          </details>
        )}
        {committed && (
          <p className="text-sm">
            <Link
              className="text-sky-700 underline"
              href={`/events?actor=${encodeURIComponent(result.actor)}&rolledBack=yes`}
            >
              Their event-log rows, now stamped rolled back
            </Link>
            {' · '}
            <Link className="text-sky-700 underline" href={`/actors/${encodeURIComponent(result.actor)}`}>
              The actor&apos;s timeline
            </Link>
          </p>
        )}
        {action}
      </div>
    </Card>
  );
}
