import { describe, expect, it } from 'vitest';
import { CONTEXT, diffText, MAX_CHARS, MAX_EDIT_LINES, MAX_LINES, type DiffRow, type SideLine } from './text-diff';

const lines = (n: number, p = 'line') => Array.from({ length: n }, (_, i) => `${p} ${i + 1}`);
const rowsOf = (d: ReturnType<typeof diffText>) => d.blocks.flatMap((b) => b.rows);
const textOf = (l: SideLine | null) => l?.segments.map((s) => s.text).join('') ?? null;
const changedWords = (l: SideLine | null) => l?.segments.filter((s) => s.changed).map((s) => s.text.trim()) ?? [];

describe('the text diff of the version compare', () => {
  it('says two identical texts have no differences', () => {
    const d = diffText('a\nb', 'a\nb');
    expect(d).toMatchObject({ identical: true, blocks: [], addedLines: 0, removedLines: 0 });
  });

  it('pairs a changed line with its replacement and marks only the changed words', () => {
    const d = diffText('Roll out to 10% of users.\nKeep', 'Roll out to 50% of users.\nKeep');
    expect(d.identical).toBe(false);
    expect([d.addedLines, d.removedLines]).toEqual([1, 1]);
    const change = rowsOf(d).find((r) => r.kind === 'change')!;
    expect(textOf(change.left)).toBe('Roll out to 10% of users.');
    expect(textOf(change.right)).toBe('Roll out to 50% of users.');
    expect(changedWords(change.left).join(' ')).toContain('10');
    expect(changedWords(change.right).join(' ')).toContain('50');
    expect(changedWords(change.right).join(' ')).not.toContain('users');
    expect(rowsOf(d).at(-1)).toMatchObject({ kind: 'same', left: { no: 2 }, right: { no: 2 } });
  });

  it('marks a rewritten line whole instead of word by word', () => {
    const d = diffText('completely different words here', 'nothing alike at all, truly');
    const [row] = rowsOf(d);
    expect(row.left!.segments).toEqual([{ text: 'completely different words here', changed: true }]);
    expect(row.right!.segments).toEqual([{ text: 'nothing alike at all, truly', changed: true }]);
  });

  it('numbers added and removed lines on their own side', () => {
    const d = diffText(['a', 'b', 'c'].join('\n'), ['a', 'x', 'y', 'c'].join('\n'));
    expect([d.addedLines, d.removedLines]).toEqual([2, 1]);
    const changes = rowsOf(d).filter((r): r is DiffRow & { kind: 'change' } => r.kind === 'change');
    expect(changes.map((r) => [r.left?.no ?? null, r.right?.no ?? null])).toEqual([
      [2, 2],
      [null, 3],
    ]);
    expect(rowsOf(d).at(-1)).toMatchObject({ left: { no: 3 }, right: { no: 4 } });
  });

  it('folds a long unchanged run between changes, keeping three lines of context on each side', () => {
    const old = ['first', ...lines(20), 'last'];
    const now = ['FIRST', ...lines(20), 'LAST'];
    const d = diffText(old.join('\n'), now.join('\n'));
    expect(d.blocks.map((b) => [b.kind, b.rows.length])).toEqual([
      ['rows', 1 + CONTEXT],
      ['fold', 20 - 2 * CONTEXT],
      ['rows', CONTEXT + 1],
    ]);
    expect(d.blocks[1].rows.every((r) => r.kind === 'same')).toBe(true);
  });

  it('folds an unchanged head and tail with no context on the outer side, and not a short run', () => {
    const d = diffText(
      [...lines(10), 'mid', ...lines(10, 'tail')].join('\n'),
      [...lines(10), 'MID', ...lines(10, 'tail')].join('\n'),
    );
    expect(d.blocks.map((b) => [b.kind, b.rows.length])).toEqual([
      ['fold', 10 - CONTEXT],
      ['rows', CONTEXT + 1 + CONTEXT],
      ['fold', 10 - CONTEXT],
    ]);
    const short = diffText(['a', 'b', 'c', 'd', 'e', 'x'].join('\n'), ['a', 'b', 'c', 'd', 'e', 'y'].join('\n'));
    expect(short.blocks.map((b) => b.kind)).toEqual(['rows']);
  });

  it('shows NUL characters as a visible sign and says so', () => {
    const d = diffText('a\u0000b', 'a\u0000c');
    const [row] = rowsOf(d);
    expect(textOf(row.left)).toBe('a\u2400b');
    expect(d.notes.join(' ')).toMatch(/NUL characters, shown as \u2400/);
  });

  it('compares only the first MAX_CHARS characters of a huge text and says so', () => {
    const huge = 'x'.repeat(MAX_CHARS + 5000);
    const d = diffText('short', huge, ['v1', 'v2']);
    expect(d.notes).toContain(
      `v2 is ${(MAX_CHARS + 5000).toLocaleString('en-US')} characters long; only its first 100,000 are compared.`,
    );
    expect(textOf(rowsOf(d)[0].right)!.length).toBe(MAX_CHARS);
  });

  it('compares only the first MAX_LINES lines of a text with very many', () => {
    const d = diffText(lines(MAX_LINES + 10).join('\n'), lines(MAX_LINES + 20).join('\n'), ['v1', 'v2']);
    expect(d.notes.filter((n) => n.includes('lines; only its first'))).toHaveLength(2);
    expect(d.notes).toContain('No differences in the part compared.');
    expect(d.addedLines + d.removedLines).toBe(0);
  });

  it('gives up line by line, with a sentence, when the texts differ in too many lines', () => {
    const d = diffText(lines(MAX_EDIT_LINES + 500, 'a').join('\n'), lines(MAX_EDIT_LINES + 500, 'b').join('\n'));
    expect(d.blocks).toEqual([]);
    expect(d.notes.join(' ')).toMatch(/too many to show line by line/);
  });

  it('treats an empty old text as every line added', () => {
    const d = diffText('', 'one\ntwo');
    expect([d.addedLines, d.removedLines]).toEqual([2, 0]);
    expect(rowsOf(d).every((r) => r.kind === 'change' && r.right)).toBe(true);
  });
});
