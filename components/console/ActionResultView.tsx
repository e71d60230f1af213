import type { ActionResult } from '@/lib/auth/authorize';

/** A replay commits only its event-log row: the headline says nothing new was made, not "Committed". */
function isReplay(r: ActionResult<unknown>): boolean {
  return r.ok && r.status === 'idempotent_replay';
}

/** The answer's headline: what happened to the database, never more than did. */
export function resultHeadline(r: ActionResult<unknown>): string {
  if (!r.ok) return r.decision === 'denied' ? 'Not allowed' : 'Refused';
  if (!r.committed) return 'Preview (rolled back)';
  return isReplay(r) ? 'Replayed: nothing new was made' : 'Committed';
}

/** The answer's sentence; a committed replay's "Done: committed." would claim more than happened. */
export function resultMessage(r: ActionResult<unknown>): string {
  if (r.ok && r.committed && isReplay(r)) {
    return 'Nothing new was made: the existing instance is returned, and only the replay was recorded in the event log.';
  }
  return r.message;
}

/** One action's answer: what happened, in a sentence, with the field issues if any. */
export function ActionResultView({
  result,
  step,
  children,
}: {
  result: ActionResult<unknown> | null;
  /** Which step of a flow answered ("Dry run", "Live run"), when the flow has more than one. */
  step?: string;
  children?: React.ReactNode;
}) {
  if (!result) return null;
  const tone = isReplay(result)
    ? 'border-sky-300 bg-sky-50 text-sky-900'
    : result.ok
      ? 'border-emerald-300 bg-emerald-50 text-emerald-900'
      : 'border-red-300 bg-red-50 text-red-900';
  return (
    <div
      role="status"
      data-testid="action-result"
      data-decision={result.decision}
      data-status={result.status}
      className={`rounded-lg border px-4 py-3 text-sm ${tone}`}
    >
      <p className="font-semibold">
        {step && <span data-testid="result-step">{step} · </span>}
        <span data-testid="result-headline">{resultHeadline(result)}</span> · {result.status}
      </p>
      <p className="mt-1">{resultMessage(result)}</p>
      {!result.ok && result.issues && result.issues.length > 0 && (
        <ul className="mt-1 list-disc pl-5">
          {result.issues.map((i) => (
            <li key={`${i.field}-${i.message}`}>
              <span className="font-mono">{i.field}</span>: {i.message}
            </li>
          ))}
        </ul>
      )}
      {result.actor && (
        <p className="mt-1 text-xs">
          Actor recorded:{' '}
          <span className="font-mono" data-testid="result-actor">
            {result.actor}
          </span>
        </p>
      )}
      {children}
    </div>
  );
}
