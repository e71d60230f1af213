// The family page's compare of two versions: pieces matched by role, and for a changed piece
// its title and text diffed line by line and word by word (lib/diff/text-diff.ts), all on the
// server. A whole piece added or removed is shown cut to a preview.
import { TextDiffView } from '@/components/diff/text-diff-view';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { diffText } from '@/lib/diff/text-diff';
import type { DiffEntry, DiffKind } from '@/lib/queries/template-diff';
import type { ChainVersion } from '@/lib/queries/template-families';

const KIND_TONE: Record<DiffKind, BadgeTone> = {
  added: 'success',
  removed: 'danger',
  reused: 'neutral',
  changed: 'warning',
};
/** An added, removed or reused piece shows this much of its text. */
const PREVIEW_CHARS = 2_000;

const select = 'mt-1 block rounded-md border border-slate-300 px-2 py-1.5';

function Preview({ body }: { body: string }) {
  const cut = body.length > PREVIEW_CHARS;
  return (
    <>
      {body.slice(0, PREVIEW_CHARS).replaceAll('\u0000', '\u2400')}
      {cut && (
        <span className="block italic text-slate-600">
          … the text is {body.length.toLocaleString('en-US')} characters; the first{' '}
          {PREVIEW_CHARS.toLocaleString('en-US')} are shown.
        </span>
      )}
    </>
  );
}

function Entry({ e, from, to }: { e: DiffEntry; from: string; to: string }) {
  const names: [string, string] = [from, to];
  return (
    <li className="py-3 text-sm" data-testid={`diff-${e.role}`} data-kind={e.kind}>
      <div className="flex items-center gap-2">
        <Badge tone={KIND_TONE[e.kind]}>{e.kind}</Badge>
        <span className="font-medium text-slate-900">{e.role}</span>
        {e.kind === 'changed' && (
          <span className="text-xs text-slate-600">
            {[e.titleChanged && 'title', e.bodyChanged && 'text'].filter(Boolean).join(' and ') ||
              'new piece, same text'}{' '}
            changed
          </span>
        )}
      </div>
      {e.kind === 'changed' ? (
        <div className="mt-2 space-y-2">
          {e.titleChanged && (
            <div>
              <h4 className="text-xs font-semibold text-slate-700">Title</h4>
              <TextDiffView diff={diffText(e.from!.title, e.to!.title, names)} names={names} />
            </div>
          )}
          <div>
            <h4 className="text-xs font-semibold text-slate-700">Text</h4>
            <TextDiffView
              diff={diffText(e.from!.body, e.to!.body, [`${from}'s text`, `${to}'s text`])}
              names={names}
              testId={`text-diff-${e.role}`}
            />
          </div>
        </div>
      ) : (
        <p className="mt-1 whitespace-pre-line text-xs text-slate-700">
          {(e.to ?? e.from)!.title}: <Preview body={(e.to ?? e.from)!.body} />
        </p>
      )}
    </li>
  );
}

export function VersionCompare({
  labels,
  from,
  to,
  entries,
  problem,
}: {
  labels: string[];
  from: ChainVersion;
  to: ChainVersion;
  entries: DiffEntry[];
  /** A version in the address the family does not have, as a sentence. */
  problem?: string | null;
}) {
  const counts = entries.reduce<Record<string, number>>((m, e) => ((m[e.kind] = (m[e.kind] ?? 0) + 1), m), {});
  const [f, t] = [from.versionLabel, to.versionLabel];
  return (
    <Card
      title="Compare two versions"
      description="Pieces are matched by role: the same piece is reused, another piece under the same role is changed, with its lines and words compared."
    >
      <form method="get" className="flex flex-wrap items-end gap-3 text-sm" data-testid="compare-form">
        {(['from', 'to'] as const).map((name) => (
          <label key={name} className="text-xs font-medium text-slate-700">
            {name === 'from' ? 'From' : 'To'}
            <select
              name={name}
              defaultValue={name === 'from' ? f : t}
              aria-label={name === 'from' ? 'From version' : 'To version'}
              className={select}
            >
              {labels.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
        ))}
        <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white hover:bg-slate-700">
          Compare
        </button>
      </form>
      {problem && (
        <p role="status" className="mt-4 text-sm text-amber-900" data-testid="compare-problem">
          {problem}
        </p>
      )}
      <p className="mt-4 text-sm text-slate-700" data-testid="diff-summary">
        {f === t
          ? `${f} compared with itself: no differences. Choose two different versions.`
          : `${f} → ${t}: ${counts.added ?? 0} added, ${counts.removed ?? 0} removed, ${counts.changed ?? 0} changed, ${counts.reused ?? 0} reused.`}
      </p>
      {f !== t && (
        <ul className="mt-3 divide-y divide-slate-100" data-testid="diff">
          {entries.map((e) => (
            <Entry key={`${e.kind}-${e.role}`} e={e} from={f} to={t} />
          ))}
        </ul>
      )}
    </Card>
  );
}
