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
