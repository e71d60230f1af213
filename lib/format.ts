// The one module for how the console writes times, counts and ages, on the server, in the
// browser and on the command line alike.
/** A timestamp as "YYYY-MM-DD HH:MM:SS UTC": the same on server and browser, whatever the locale. */
export function formatTimestamp(value: Date | string | null | undefined): string {
  if (!value) return '—';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A count with thousands separators; a dash when unknown. */
export function formatCount(n: number | null | undefined): string {
  return n == null ? '—' : n.toLocaleString('en-US');
}

/** Whole minutes between two instants, never negative (a clock a little ahead reads as now). */
function wholeMinutes(fromMs: number, toMs: number): number {
  return Math.max(0, Math.round((toMs - fromMs) / 60_000));
}

/**
 * How old a plan (or anything stamped) is: "just now", "4 min ago"; with `words`, for a
 * sentence: "1 minute ago", "4 minutes ago".
 */
export function minutesAgo(value: Date | string, now: number = Date.now(), words = false): string {
  const at = value instanceof Date ? value.getTime() : Date.parse(value);
  const min = wholeMinutes(at, now);
  if (min < 1) return 'just now';
  if (!words) return `${min} min ago`;
  return min === 1 ? '1 minute ago' : `${min} minutes ago`;
}

/** Minutes until an instant, 0 once it has passed: how long a plan can still be applied. */
export function minutesLeft(value: Date | string, now: number = Date.now()): number {
  const at = value instanceof Date ? value.getTime() : Date.parse(value);
  return wholeMinutes(now, at);
}

/** Outcome counts as one line sorted by name: "idempotent_replay 3, ok 1,200". */
export function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`)
    .join(', ');
}
