import type { ActionResult } from '@/lib/auth/authorize';

/** One action's answer: what happened, in a sentence, with the field issues if any. */
export function ActionResultView({ result, children }: { result: ActionResult<unknown> | null; children?: React.ReactNode }) {
  if (!result) return null;
  const tone = result.ok ? 'border-emerald-300 bg-emerald-50 text-emerald-900' : 'border-red-300 bg-red-50 text-red-900';
  return (
    <div role="status" data-testid="action-result" data-decision={result.decision} data-status={result.status} className={`rounded-lg border px-4 py-3 text-sm ${tone}`}>
      <p className="font-semibold">
        {result.ok ? (result.committed ? 'Committed' : 'Preview (rolled back)') : result.decision === 'denied' ? 'Not allowed' : 'Refused'} · {result.status}
      </p>
      <p className="mt-1">{result.message}</p>
      {!result.ok && result.issues && result.issues.length > 0 && (
        <ul className="mt-1 list-disc pl-5">
          {result.issues.map((i) => (
            <li key={`${i.field}-${i.message}`}>
              <span className="font-mono">{i.field}</span>: {i.message}
            </li>
          ))}
        </ul>
      )}
      {result.actor && <p className="mt-1 text-xs">Actor recorded: <span className="font-mono" data-testid="result-actor">{result.actor}</span></p>}
      {children}
    </div>
  );
}
