// The line-and-word diff of two texts (a piece body in two template versions), as a model
// the version compare renders on the server: rows pair a removed line with the added line
// that replaced it (word-level changes marked inside), unchanged runs longer than a few lines
// fold into one "12 unchanged lines" block, and very large texts are cut with a sentence.
// The line and word matching is jsdiff's (Myers' algorithm); this module only shapes it.
import { diffArrays, diffWordsWithSpace } from 'diff';

/** Per side: longer texts are compared up to here (a composer body is at most 100,000 characters). */
export const MAX_CHARS = 100_000;
export const MAX_LINES = 4_000;
/** Beyond this many changed lines (or a second of work) the texts are not compared line by line. */
export const MAX_EDIT_LINES = 2_000;
/** Lines longer than this are marked changed whole, without a word diff. */
export const MAX_WORD_LINE = 2_000;
/** Unchanged lines kept beside a change; a run hiding fewer than MIN_FOLD lines is shown whole. */
export const CONTEXT = 3;
export const MIN_FOLD = 4;

export interface Segment {
  text: string;
  /** Removed (on the old side) or added (on the new side); unchanged words are false. */
  changed: boolean;
}

export interface SideLine {
  /** 1-based line number on its side. */
  no: number;
  segments: Segment[];
}

/** A line on both sides, or a removed line (left) beside the added line that replaced it (right). */
export type DiffRow =
  { kind: 'same'; left: SideLine; right: SideLine } | { kind: 'change'; left: SideLine | null; right: SideLine | null };

export type DiffBlock = { kind: 'rows'; rows: DiffRow[] } | { kind: 'fold'; rows: DiffRow[] };

export interface TextDiff {
  identical: boolean;
  /** Empty when identical or when the texts differ too much to compare line by line. */
  blocks: DiffBlock[];
  addedLines: number;
  removedLines: number;
  /** Sentences for the reader: a cut, NUL characters, a compare given up. */
  notes: string[];
}

const NUL_SIGN = '\u2400';

function prepare(text: string, name: string, notes: string[]): string[] {
  let t = text;
  if (t.includes('\u0000')) {
    t = t.replaceAll('\u0000', NUL_SIGN);
    notes.push(`${name} contains NUL characters, shown as ${NUL_SIGN}.`);
  }
  if (t.length > MAX_CHARS) {
    notes.push(
      `${name} is ${t.length.toLocaleString('en-US')} characters long; only its first ${MAX_CHARS.toLocaleString('en-US')} are compared.`,
    );
    t = t.slice(0, MAX_CHARS);
  }
  // an empty text has no lines (not one empty line), so adding a piece's text adds only its lines
  let lines = t === '' ? [] : t.split(/\r?\n/);
  if (lines.length > MAX_LINES) {
    notes.push(
      `${name} has ${lines.length.toLocaleString('en-US')} lines; only its first ${MAX_LINES.toLocaleString('en-US')} are compared.`,
    );
    lines = lines.slice(0, MAX_LINES);
  }
  return lines;
}

const whole = (no: number, text: string, changed = true): SideLine => ({ no, segments: [{ text, changed }] });

/** A removed line and its replacement with the changed words marked, or null when they share too little. */
function wordPair(a: string, b: string, aNo: number, bNo: number): [SideLine, SideLine] | null {
  if (a.length > MAX_WORD_LINE || b.length > MAX_WORD_LINE) return null;
  const parts = diffWordsWithSpace(a, b);
  const left: Segment[] = [];
  const right: Segment[] = [];
  let common = 0;
  for (const p of parts) {
    if (!p.added && !p.removed) {
      common += p.value.trim().length;
      left.push({ text: p.value, changed: false });
      right.push({ text: p.value, changed: false });
    } else (p.added ? right : left).push({ text: p.value, changed: true });
  }
  // lines that share less than a third of their text read better as one line out, one line in
  if (common * 3 < Math.max(a.trim().length, b.trim().length)) return null;
  return [
    { no: aNo, segments: left },
    { no: bNo, segments: right },
  ];
}

function changeRows(removed: string[], added: string[], oldNo: number, newNo: number): DiffRow[] {
  const rows: DiffRow[] = [];
  for (let i = 0; i < Math.max(removed.length, added.length); i++) {
    const a = removed[i];
    const b = added[i];
    const pair = a !== undefined && b !== undefined ? wordPair(a, b, oldNo + i, newNo + i) : null;
    if (pair) rows.push({ kind: 'change', left: pair[0], right: pair[1] });
    else
      rows.push({
        kind: 'change',
        left: a === undefined ? null : whole(oldNo + i, a),
        right: b === undefined ? null : whole(newNo + i, b),
      });
  }
  return rows;
}

/** Folds unchanged runs, keeping CONTEXT lines next to each change. */
function fold(rows: DiffRow[]): DiffBlock[] {
  const blocks: DiffBlock[] = [];
  const push = (kind: DiffBlock['kind'], part: DiffRow[]) => {
    if (!part.length) return;
    const last = blocks.at(-1);
    if (last && last.kind === kind && kind === 'rows') last.rows.push(...part);
    else blocks.push({ kind, rows: part });
  };
  let i = 0;
  while (i < rows.length) {
    if (rows[i].kind === 'change') {
      let j = i;
      while (j < rows.length && rows[j].kind === 'change') j++;
      push('rows', rows.slice(i, j));
      i = j;
      continue;
    }
    let j = i;
    while (j < rows.length && rows[j].kind === 'same') j++;
    const keepBefore = i === 0 ? 0 : CONTEXT;
    const keepAfter = j === rows.length ? 0 : CONTEXT;
    if (j - i - keepBefore - keepAfter >= MIN_FOLD) {
      push('rows', rows.slice(i, i + keepBefore));
      push('fold', rows.slice(i + keepBefore, j - keepAfter));
      push('rows', rows.slice(j - keepAfter, j));
    } else push('rows', rows.slice(i, j));
    i = j;
  }
  return blocks;
}

/** The diff of `oldText` (named `names[0]` in notes) against `newText`. */
export function diffText(
  oldText: string,
  newText: string,
  names: [string, string] = ['The old text', 'The new text'],
): TextDiff {
  if (oldText === newText) return { identical: true, blocks: [], addedLines: 0, removedLines: 0, notes: [] };
  const notes: string[] = [];
  const a = prepare(oldText, names[0], notes);
  const b = prepare(newText, names[1], notes);
  const parts = diffArrays(a, b, { maxEditLength: MAX_EDIT_LINES, timeout: 1000 });
  if (!parts) {
    notes.push(
      `The texts differ in more than ${MAX_EDIT_LINES.toLocaleString('en-US')} lines, too many to show line by line.`,
    );
    return { identical: false, blocks: [], addedLines: 0, removedLines: 0, notes };
  }
  const rows: DiffRow[] = [];
  let oldNo = 1;
  let newNo = 1;
  let addedLines = 0;
  let removedLines = 0;
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k];
    if (!p.added && !p.removed) {
      for (const line of p.value)
        rows.push({ kind: 'same', left: whole(oldNo++, line, false), right: whole(newNo++, line, false) });
      continue;
    }
    // a removal followed by an addition is one change: its lines are paired for the word diff
    const removed = p.removed ? p.value : [];
    const next = parts[k + 1];
    const added = p.added ? p.value : next?.added ? next.value : [];
    if (p.removed && next?.added) k++;
    rows.push(...changeRows(removed, added, oldNo, newNo));
    oldNo += removed.length;
    newNo += added.length;
    removedLines += removed.length;
    addedLines += added.length;
  }
  if (!addedLines && !removedLines) notes.push('No differences in the part compared.');
  return { identical: false, blocks: fold(rows), addedLines, removedLines, notes };
}
