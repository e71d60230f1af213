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

/** "just now", "1 min ago", "4 min ago": how old a plan (or anything stamped) is. */
export function minutesAgo(value: Date | string, now: number = Date.now()): string {
  const at = value instanceof Date ? value.getTime() : Date.parse(value);
  const min = wholeMinutes(at, now);
  return min < 1 ? 'just now' : `${min} min ago`;
}

/** Minutes until an instant, 0 once it has passed: how long a plan can still be applied. */
export function minutesLeft(value: Date | string, now: number = Date.now()): number {
  const at = value instanceof Date ? value.getTime() : Date.parse(value);
  return wholeMinutes(now, at);
}
