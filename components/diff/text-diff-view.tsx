// A TextDiff drawn on the server: side by side from the md breakpoint, one column (removed
// lines, then the lines that replaced them) below it. Both layouts are in the HTML and CSS
// shows one, so no script is needed. A change is never colour only: each line carries a
// +/− sign with "added"/"removed" for screen readers, removed words are struck through
// (<del>) and added words underlined (<ins>). Folded unchanged runs are <details>.
import type { ReactNode } from 'react';
import { cn } from '@/components/ui/cn';
import type { DiffBlock, DiffRow, SideLine, TextDiff } from '@/lib/diff/text-diff';

type Side = 'old' | 'new';

const LINE_TONE: Record<Side, string> = { old: 'bg-red-50', new: 'bg-emerald-50' };
const SIGN: Record<Side, { sign: string; word: string; tone: string }> = {
  old: { sign: '−', word: 'removed', tone: 'text-red-800' },
  new: { sign: '+', word: 'added', tone: 'text-emerald-800' },
};
const text = 'min-w-0 whitespace-pre-wrap break-words px-2 py-0.5';
const gutter = 'select-none px-1 py-0.5 text-right tabular-nums text-slate-600';

function Words({ line, side }: { line: SideLine; side: Side }) {
  // a line added or removed whole is marked by its background and sign; words are marked only
  // inside a line that was edited
  if (line.segments.every((s) => s.changed)) return <>{line.segments.map((s) => s.text).join('') || ' '}</>;
  return (
    <>
      {line.segments.map((s, i) =>
        !s.changed ? (
          <span key={i}>{s.text}</span>
        ) : side === 'old' ? (
          <del key={i} className="rounded-sm bg-red-200 text-red-950 decoration-red-900" data-word="removed">
            {s.text}
          </del>
        ) : (
          <ins key={i} className="rounded-sm bg-emerald-200 text-emerald-950 decoration-emerald-900" data-word="added">
            {s.text}
          </ins>
        ),
      )}
      {/* keeps an empty line one line high */}
      {line.segments.every((s) => !s.text) && ' '}
    </>
  );
}

function Sign({ side, changed }: { side: Side; changed: boolean }) {
  if (!changed) return <span className="select-none px-1 py-0.5" aria-hidden />;
  const s = SIGN[side];
  return (
    <span className={cn('select-none px-1 py-0.5 text-center font-bold', s.tone)}>
      <span aria-hidden>{s.sign}</span>
      <span className="sr-only">{s.word}</span>
    </span>
  );
}

/** One side of a split row: number, sign, text (or an empty filler). */
function Half({ line, side, changed }: { line: SideLine | null; side: Side; changed: boolean }) {
  if (!line) return <div className="col-span-3 bg-slate-50" />;
  return (
    <div
      className={cn('col-span-3 grid grid-cols-[2.5rem_1.25rem_1fr]', changed && LINE_TONE[side])}
      data-line={changed ? SIGN[side].word : 'same'}
    >
      <span className={gutter}>{line.no}</span>
      <Sign side={side} changed={changed} />
      <span className={text}>
        <Words line={line} side={side} />
      </span>
    </div>
  );
}

function SplitRows({ rows }: { rows: DiffRow[] }) {
  return rows.map((r, i) => (
    <div key={i} className="grid grid-cols-[2.5rem_1.25rem_1fr_2.5rem_1.25rem_1fr]">
      <Half line={r.left} side="old" changed={r.kind === 'change'} />
      <Half line={r.right} side="new" changed={r.kind === 'change'} />
    </div>
  ));
}

/** One line of the one-column layout: old number, new number, sign, text. */
function UnifiedLine({ line, side, same }: { line: SideLine; side: Side; same?: SideLine }) {
  return (
    <div
      className={cn('grid grid-cols-[2.5rem_2.5rem_1.25rem_1fr]', !same && LINE_TONE[side])}
      data-line={same ? 'same' : SIGN[side].word}
    >
      <span className={gutter}>{side === 'old' || same ? line.no : ''}</span>
      <span className={gutter}>{same ? same.no : side === 'new' ? line.no : ''}</span>
      <Sign side={side} changed={!same} />
      <span className={text}>
        <Words line={line} side={side} />
      </span>
    </div>
  );
}

function UnifiedRows({ rows }: { rows: DiffRow[] }) {
  const out: ReactNode[] = [];
  for (let i = 0; i < rows.length;) {
    const r = rows[i];
    if (r.kind === 'same') {
      out.push(<UnifiedLine key={i} line={r.left} side="old" same={r.right} />);
      i++;
      continue;
    }
    // a run of changes reads as its removed lines, then the lines that replaced them
    let j = i;
    while (j < rows.length && rows[j].kind === 'change') j++;
    const run = rows.slice(i, j);
    run.forEach((c, k) => c.left && out.push(<UnifiedLine key={`${i}-o${k}`} line={c.left} side="old" />));
    run.forEach((c, k) => c.right && out.push(<UnifiedLine key={`${i}-n${k}`} line={c.right} side="new" />));
    i = j;
  }
  return out;
}

function Blocks({ blocks, Rows }: { blocks: DiffBlock[]; Rows: (p: { rows: DiffRow[] }) => ReactNode }) {
  return blocks.map((b, i) =>
    b.kind === 'rows' ? (
      <Rows key={i} rows={b.rows} />
    ) : (
      <details key={i} className="group border-y border-slate-200 bg-slate-50" data-testid="text-diff-fold">
        <summary className="cursor-pointer px-3 py-1 text-slate-700 hover:bg-slate-100">
          {b.rows.length} unchanged lines
          <span className="text-slate-600 group-open:hidden"> (show)</span>
        </summary>
        <div className="bg-white">
          <Rows rows={b.rows} />
        </div>
      </details>
    ),
  );
}

/** The diff of one text between two versions (`names`: "v2", "v3"). */
export function TextDiffView({ diff, names, testId }: { diff: TextDiff; names: [string, string]; testId?: string }) {
  if (diff.identical)
    return (
      <p className="text-xs text-slate-700" data-testid={testId} data-identical>
        No differences: the text is the same in {names[0]} and {names[1]}.
      </p>
    );
  return (
    <div className="space-y-1 text-xs" data-testid={testId}>
      <p className="text-slate-700">
        <span className="font-medium text-emerald-800">+{diff.addedLines}</span> line
        {diff.addedLines === 1 ? '' : 's'} added, <span className="font-medium text-red-800">−{diff.removedLines}</span>{' '}
        removed ({names[0]} → {names[1]})
      </p>
      {diff.notes.map((n) => (
        <p key={n} className="text-amber-900" role="note">
          {n}
        </p>
      ))}
      {diff.blocks.length > 0 && (
        <div className="overflow-hidden rounded border border-slate-200 font-mono">
          <div className="hidden md:block" data-testid="text-diff-split">
            <div className="grid grid-cols-2 border-b border-slate-200 bg-slate-100 px-2 py-1 font-sans font-medium text-slate-700">
              <span>{names[0]}</span>
              <span>{names[1]}</span>
            </div>
            <Blocks blocks={diff.blocks} Rows={SplitRows} />
          </div>
          <div className="md:hidden" data-testid="text-diff-unified">
            <Blocks blocks={diff.blocks} Rows={UnifiedRows} />
          </div>
        </div>
      )}
    </div>
  );
}
