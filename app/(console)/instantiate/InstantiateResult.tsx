import Link from 'next/link';
import type { ReactNode } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/auth/authorize';
import type { TemplateOption } from '@/lib/queries/console';
import type { InstantiateResult, LivePrediction } from '@/lib/recipes/instantiate-from-event/recipe';
import { plannedInstanceKey } from '@/lib/recipes/bulk-scale-out/planned-items';
import { describeStatus } from '@/lib/recipes/messages';
import { PredictionLine } from './LivePrediction';
import type { InstantiateValues } from './params';

export type Result = ActionResult<InstantiateResult>;
/** Which step answered: the dry run, the kept dry run, or the live run. */
export type Kind = 'preview' | 'keep' | 'live';

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

/** The key a refused run collided with: the one its mode would have made. */
export function takenKeyOf(kind: Kind, v: InstantiateValues, templates: TemplateOption[]): string | null {
  const t = templates.find((x) => x.collectionId === v.templateCollectionId);
  if (!t || !v.uniqueSuffix.trim()) return null;
  return plannedInstanceKey(kind === 'live' ? 'live' : 'dry_run', t.collectionKey, v.uniqueSuffix.trim());
}

/** What the function answered, with a link to the instance when one exists. */
export function ResultPanel({
  kind,
  result,
  prediction,
  liveKey,
  canKeep,
  onKeep,
  pending,
  takenKey,
}: {
  kind: Kind;
  result: Result;
  /** What a live run would do now, while the dry run's plan still matches the form. */
  prediction: LivePrediction | undefined;
  liveKey: string | null;
  canKeep: boolean;
  onKeep: () => void;
  pending: boolean;
  takenKey: string | null;
}) {
  const step = kind === 'preview' ? 'Dry run' : kind === 'keep' ? 'Kept dry run' : 'Live run';
  return (
    <section className="space-y-3" data-testid="instantiate-result" data-kind={kind} data-status={result.status}>
      <ActionResultView result={result} step={step}>
        {result.status !== 'ok' && result.ok && (
          <p className="mt-1" data-testid="status-sentence">
            {describeStatus(result.status)}
          </p>
        )}
        {prediction && (
          <div className="mt-2">
            <PredictionLine p={prediction} liveKey={liveKey} />
          </div>
        )}
        {result.ok && <Details kind={kind} r={result.result} />}
        {takenKey && (
          <p className="mt-2">
            <Link
              className="font-semibold underline"
              data-testid="taken-instance-link"
              href={`/instances/${encodeURIComponent(takenKey)}`}
            >
              Open the instance that holds {takenKey}
            </Link>
          </p>
        )}
        {canKeep && (
          <div className="mt-3 border-t border-emerald-200 pt-3">
            <Button variant="secondary" onClick={onKeep} disabled={pending}>
              Keep this dry-run instance…
            </Button>
            <p className="mt-1 text-xs text-emerald-800">
              Commits the same dry run: the dryrun: instance stays, nothing goes live.
            </p>
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
        <Fact
          term={kind === 'preview' ? 'Instance (rolled back)' : replay ? 'Existing instance' : 'Instance'}
          testId="result-instance-key"
        >
          <span className="font-mono">{r.instanceCollectionKey ?? '—'}</span>
        </Fact>
        <Fact term="Pieces linked">{r.pieceCount ?? '—'}</Fact>
        <Fact term="Event-log row">
          {r.eventLogId ?? '—'}
          {kind === 'preview' && r.eventLogId != null ? ' (rolled back)' : ''}
          {r.originalEventLogId != null && (
            <>
              {' '}
              · replay of{' '}
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
          <Link
            className="font-semibold text-sky-700 underline"
            href={`/instances/${r.instanceCollectionId}`}
            data-testid="instance-link"
          >
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
