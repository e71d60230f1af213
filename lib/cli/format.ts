// Plain-text formatting shared by scripts/iu.ts and scripts/db.ts. No colours: the output is
// read in terminals, CI logs and pasted into tickets alike.
import { formatTimestamp } from '@/lib/format';
import Table from 'cli-table3';

// No rule between body rows: long tables stay readable and half as tall.
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** A table with plain headers; cells are stringified, null shows as a dash. */
export function table(head: string[], rows: unknown[][]): string {
  const t = new Table({ head, chars: COMPACT, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map(cell));
  return t.toString();
}

/** Two-column key/value table for one record. */
export function record(pairs: [string, unknown][]): string {
  const t = new Table({ chars: COMPACT, style: { head: [], border: [] } });
  for (const [k, v] of pairs) t.push({ [k]: cell(v) });
  return t.toString();
}

export function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '–';
  if (v instanceof Date) return fmtDate(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return fmtCount(v);
  return String(v);
}

/** `2025-01-31 14:05:09 UTC`: unambiguous in logs read from any time zone. */
export function fmtDate(d: Date | string | null | undefined): string {
  return d === null || d === undefined ? '–' : formatTimestamp(d);
}

export function fmtCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en') : String(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtCount(n)} ${n === 1 ? one : many}`;
}

export function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `ok 12, idempotent_replay 3`, largest first, ties by name. */
export function fmtCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (!entries.length) return 'none';
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${fmtCount(n)}`)
    .join(', ');
}

/** First 8 characters of a uuid, enough to tell rows apart in a table. */
export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : '–';
}
