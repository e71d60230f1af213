import { Badge } from '@/components/ui/badge';
import type { ComposeResult } from '@/lib/recipes/compose-template-version/recipe';

/**
 * What a compose made (committed) or would make (preview): the chain link, the new pieces,
 * the reused ones, and the roles of the previous version left out.
 */
export function ComposePreview({
  result,
  titles,
  dropped,
  committed,
}: {
  result: ComposeResult;
  /** Piece titles by role, from the form: the result names pieces by role and address. */
  titles: Record<string, string>;
  /** Roles of the previous version that the new one leaves out. */
  dropped: string[];
  committed: boolean;
}) {
  const added = result.pieces.filter((p) => !p.reused);
  const reused = result.pieces.filter((p) => p.reused);
  return (
    <div className="space-y-4 text-sm" data-testid={committed ? 'compose-committed' : 'compose-preview'}>
      <div>
        <p className="text-xs font-medium uppercase tracking-wide text-slate-500">
          {committed ? 'Registered' : 'Would register'}
        </p>
        <p className="mt-1 flex flex-wrap items-center gap-2" data-testid="chain-link">
          {result.previous ? (
            <>
              <span className="rounded border border-slate-300 bg-white px-2 py-0.5 font-mono">
                {result.previous.versionLabel}
              </span>
              <span aria-label="then">→</span>
            </>
          ) : null}
          <span className="rounded border border-sky-400 bg-sky-50 px-2 py-0.5 font-mono font-semibold">
            {result.versionLabel}
          </span>
          <code className="font-mono text-slate-700" data-testid="new-collection-key">
            {result.collectionKey}
          </code>
        </p>
        <p className="mt-1 text-xs text-slate-600">
          {result.previous
            ? result.previous.registeredNow
              ? `${result.previous.versionLabel} was never registered; it is registered as v1 first, then ${result.versionLabel} after it.`
              : `${result.versionLabel} follows ${result.previous.versionLabel} in ${result.family}.`
            : `${result.versionLabel} is the first version of ${result.family}.`}{' '}
          Actor recorded: <span className="font-mono">{result.actor}</span>.
        </p>
      </div>

      <div>
        <p className="font-semibold text-slate-900">
          {added.length} new piece{added.length === 1 ? '' : 's'}
        </p>
        <PieceList pieces={added} titles={titles} tone="success" label="new" testId="new-pieces" />
        {!committed && added.length > 0 && (
          <p className="mt-1 text-xs text-slate-500">The new pieces get their ids when the version is committed.</p>
        )}
      </div>

      <div>
        <p className="font-semibold text-slate-900">
          {reused.length} reused piece{reused.length === 1 ? '' : 's'}
        </p>
        <PieceList pieces={reused} titles={titles} tone="neutral" label="reused" testId="reused-pieces" />
      </div>

      {dropped.length > 0 && (
        <p className="text-slate-700" data-testid="dropped-pieces">
          <Badge tone="danger">left out</Badge> {dropped.join(', ')} (kept in{' '}
          {result.previous?.versionLabel ?? 'the previous version'}, not in {result.versionLabel})
        </p>
      )}
    </div>
  );
}

/** The new or the reused pieces of a preview, each with its role, title and address. */
function PieceList({
  pieces,
  titles,
  tone,
  label,
  testId,
}: {
  pieces: ComposeResult['pieces'];
  titles: Record<string, string>;
  tone: 'success' | 'neutral';
  label: string;
  testId: string;
}) {
  if (pieces.length === 0) return null;
  return (
    <ul className="mt-1 space-y-1" data-testid={testId}>
      {pieces.map((p) => (
        <li key={p.role} className="flex flex-wrap items-center gap-2">
          <Badge tone={tone}>{label}</Badge>
          <span className="font-medium">{p.role}</span>
          <span className="text-slate-600">{titles[p.role]}</span>
          <code className="break-all font-mono text-xs text-slate-500">{p.canonicalAddress}</code>
        </li>
      ))}
    </ul>
  );
}
