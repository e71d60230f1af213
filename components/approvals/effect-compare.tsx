import { Alert } from '@/components/ui/alert';
import type { Effect } from '@/lib/auth/plans';

function EffectBlock({ title, effect, testId }: { title: string; effect: Effect | null; testId: string }) {
  return (
    <div className="min-w-0">
      <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
      <pre
        data-testid={testId}
        className="max-h-72 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-2 text-xs whitespace-pre-wrap"
      >
        {effect ? JSON.stringify(effect, null, 2) : 'The preview was refused: no effect.'}
      </pre>
    </div>
  );
}

/** The plan's effect beside the effect of the preview run again now, with the drift sentence. */
export function EffectCompare({
  planId,
  planned,
  now,
  drift,
}: {
  planId: number;
  planned: Effect;
  now: Effect | null;
  drift: string | null;
}) {
  return (
    <div className="space-y-3" data-testid="effect-compare" data-drift={drift ? 'yes' : 'no'}>
      {drift ? (
        <Alert tone="danger" title="Drift: the effect changed since the plan" testId="drift">
          <p>{drift}</p>
          <p className="mt-1">An apply of plan #{planId} would be refused (plan_stale); approving it would not help.</p>
        </Alert>
      ) : (
        <Alert tone="info" title="No drift" testId="no-drift">
          <p>The preview run again now does exactly what plan #{planId} showed.</p>
        </Alert>
      )}
      <div className="grid gap-3 md:grid-cols-2">
        <EffectBlock title={`Plan #${planId} showed`} effect={planned} testId="effect-planned" />
        <EffectBlock title="The preview now" effect={now} testId="effect-now" />
      </div>
    </div>
  );
}
