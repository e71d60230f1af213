// The time range of the overview and summary charts, kept in the URL (`?range=7d`, or
// `?from=2026-11-01&to=2026-11-07`) so a link shares the view, and the buckets a range is
// drawn in. Pure (no database): the query in lib/queries/activity.ts reads the counts, and
// each bar links to the event log filtered to its bucket with eventsHref.
//
// Ranges of a day or less are drawn in 5-minute or hourly buckets, read from the log's
// created_at index over that window only; longer ones in days, weeks or months, read from
// the daily rollup (migration 033), so they cost the same at any log size.
import { isRealDay } from '@/lib/http/query';

export const PRESETS = ['1h', '24h', '7d', '30d', 'all'] as const;
export type Preset = (typeof PRESETS)[number];
export type RangeKey = Preset | 'custom';
export type BucketUnit = '5min' | 'hour' | 'day' | 'week' | 'month';

export const DEFAULT_PRESET: Preset = '30d';
export const PRESET_LABELS: Record<Preset, string> = {
  '1h': '1 h',
  '24h': '24 h',
  '7d': '7 d',
  '30d': '30 d',
  all: 'All',
};
/** A custom range spans at most this many days (ten years, drawn in about 120 monthly bars). */
export const MAX_CUSTOM_DAYS = 3653;

export interface RangeSpec {
  key: RangeKey;
  /** Custom ranges only: first and last UTC day, both included (YYYY-MM-DD). */
  from?: string;
  to?: string;
}

export interface ParsedRange {
  spec: RangeSpec;
  /** What was wrong with the URL's range, as a sentence; the default range is shown instead. */
  problem: string | null;
}

type SearchParams = Record<string, string | string[] | undefined> | URLSearchParams;

function values(sp: SearchParams, key: string): string[] {
  const v = sp instanceof URLSearchParams ? sp.getAll(key) : sp[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((s) => s.trim()).filter(Boolean);
}

const shown = (s: string) => JSON.stringify(s.slice(0, 40).replace(/[\u0000-\u001f\u007f]/g, '?'));
const DAY_MS = 86_400_000;

/** Reads `range`, `from` and `to`; anything not understood is a sentence and the last 30 days. */
export function parseTimeRange(sp: SearchParams): ParsedRange {
  const fallback = (problem: string): ParsedRange => ({
    spec: { key: DEFAULT_PRESET },
    problem: `${problem} Showing the last 30 days.`,
  });
  const [range, from, to] = ['range', 'from', 'to'].map((k) => values(sp, k));
  for (const [k, v] of [
    ['range', range],
    ['from', from],
    ['to', to],
  ] as const)
    if (v.length > 1) return fallback(`${k} is given ${v.length} times; give it once.`);
  const r = range[0];
  if (r && r !== 'custom') {
    if (!(PRESETS as readonly string[]).includes(r))
      return fallback(`The range ${shown(r)} is not one of 1h, 24h, 7d, 30d or all, or a from and to day.`);
    if (from[0] || to[0]) return fallback('Give either a range such as 7d or a from and to day, not both.');
    return { spec: { key: r as Preset }, problem: null };
  }
  if (!from[0] && !to[0]) {
    if (r === 'custom') return fallback('A custom range needs a from day and a to day (YYYY-MM-DD).');
    return { spec: { key: DEFAULT_PRESET }, problem: null };
  }
  if (!from[0] || !to[0]) return fallback('A custom range needs both a from day and a to day (YYYY-MM-DD).');
  for (const [k, v] of [
    ['from', from[0]],
    ['to', to[0]],
  ] as const)
    if (!isRealDay(v)) return fallback(`${k} must be a real day such as 2026-11-01; ${shown(v)} is not.`);
  const days = (Date.parse(to[0]) - Date.parse(from[0])) / DAY_MS + 1;
  if (days < 1) return fallback(`from (${from[0]}) is after to (${to[0]}); swap them.`);
  if (days > MAX_CUSTOM_DAYS) return fallback(`A custom range spans at most ten years; this one spans ${days} days.`);
  return { spec: { key: 'custom', from: from[0], to: to[0] }, problem: null };
}

/** The URL search params that give this range (empty for the default). */
export function rangeParams(spec: RangeSpec): URLSearchParams {
  const p = new URLSearchParams();
  if (spec.key === 'custom') {
    p.set('from', spec.from!);
    p.set('to', spec.to!);
  } else if (spec.key !== DEFAULT_PRESET) p.set('range', spec.key);
  return p;
}

export interface ResolvedRange {
  key: RangeKey;
  /** Inclusive start and exclusive end. */
  from: Date;
  to: Date;
  unit: BucketUnit;
  /** 'log' for 5-minute and hourly buckets, 'rollup' for days, weeks and months. */
  source: 'log' | 'rollup';
  /** For a heading: "the last 7 days (UTC)". */
  label: string;
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const minuteOf = (d: Date) => `${d.toISOString().slice(0, 16)}Z`;
const floorTo = (d: Date, ms: number) => new Date(Math.floor(d.getTime() / ms) * ms);
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * DAY_MS);

function unitForDays(days: number): BucketUnit {
  if (days <= 2) return 'hour';
  if (days <= 92) return 'day';
  if (days <= 731) return 'week';
  return 'month';
}

/**
 * The instants and bucket size of a range at `now`. `firstDay` is the earliest day in the
 * daily rollup (for `all`; today when the log is empty).
 */
export function resolveRange(spec: RangeSpec, now: Date, firstDay?: string | null): ResolvedRange {
  const today = floorTo(now, DAY_MS);
  const tomorrow = addDays(today, 1);
  const make = (from: Date, to: Date, unit: BucketUnit, label: string): ResolvedRange => ({
    key: spec.key,
    from,
    to,
    unit,
    source: unit === '5min' || unit === 'hour' ? 'log' : 'rollup',
    label,
  });
  switch (spec.key) {
    case '1h': {
      const to = new Date(floorTo(now, 300_000).getTime() + 300_000);
      return make(new Date(to.getTime() - 3_600_000), to, '5min', 'the last hour');
    }
    case '24h': {
      const to = new Date(floorTo(now, 3_600_000).getTime() + 3_600_000);
      return make(new Date(to.getTime() - DAY_MS), to, 'hour', 'the last 24 hours');
    }
    case '7d':
      return make(addDays(tomorrow, -7), tomorrow, 'day', 'the last 7 days (UTC days)');
    case '30d':
      return make(addDays(tomorrow, -30), tomorrow, 'day', 'the last 30 days (UTC days)');
    case 'all': {
      let from = firstDay && isRealDay(firstDay) ? new Date(`${firstDay}T00:00:00Z`) : today;
      if (from > today) from = today;
      // as for a custom range: at most ten years back, so the bars stay countable
      if ((tomorrow.getTime() - from.getTime()) / DAY_MS > MAX_CUSTOM_DAYS) from = addDays(tomorrow, -MAX_CUSTOM_DAYS);
      const days = (tomorrow.getTime() - from.getTime()) / DAY_MS;
      return make(from, tomorrow, unitForDays(Math.max(days, 3)), `all time, since ${dayOf(from)} (UTC)`);
    }
    case 'custom': {
      const from = new Date(`${spec.from}T00:00:00Z`);
      const to = addDays(new Date(`${spec.to}T00:00:00Z`), 1);
      const days = (to.getTime() - from.getTime()) / DAY_MS;
      const label = spec.from === spec.to ? `${spec.from} (UTC)` : `${spec.from} to ${spec.to} (UTC days)`;
      return make(from, to, unitForDays(days), label);
    }
  }
}

export interface Bucket {
  /** The bucket's own start as the query names it: a minute (…T08:05Z) or a day (2026-11-02). */
  key: string;
  /** Start and end, cut to the range (a week or month at the edge may be partial). */
  start: Date;
  end: Date;
  /** The axis label. */
  label: string;
}

function nextStart(d: Date, unit: BucketUnit): Date {
  switch (unit) {
    case '5min':
      return new Date(d.getTime() + 300_000);
    case 'hour':
      return new Date(d.getTime() + 3_600_000);
    case 'day':
      return addDays(d, 1);
    case 'week':
      return addDays(d, 7);
    case 'month':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  }
}

/** The start of the bucket holding `d`: weeks start on Monday, as PostgreSQL's date_trunc has it. */
export function bucketStart(d: Date, unit: BucketUnit): Date {
  switch (unit) {
    case '5min':
      return floorTo(d, 300_000);
    case 'hour':
      return floorTo(d, 3_600_000);
    case 'day':
      return floorTo(d, DAY_MS);
    case 'week': {
      const day = floorTo(d, DAY_MS);
      return addDays(day, -((day.getUTCDay() + 6) % 7));
    }
    case 'month':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  }
}

export function bucketKey(start: Date, unit: BucketUnit): string {
  return unit === '5min' || unit === 'hour' ? minuteOf(start) : dayOf(start);
}

function labelOf(start: Date, unit: BucketUnit, spansDays: boolean): string {
  const iso = start.toISOString();
  if (unit === '5min') return iso.slice(11, 16);
  if (unit === 'hour') return spansDays && iso.slice(11, 13) === '00' ? iso.slice(5, 10) : iso.slice(11, 16);
  if (unit === 'month') return iso.slice(0, 7);
  return iso.slice(5, 10);
}

/** Every bucket of the range in order, empty ones included, so the time axis is even. */
export function bucketsOf(r: ResolvedRange): Bucket[] {
  const out: Bucket[] = [];
  const spansDays = r.to.getTime() - r.from.getTime() > DAY_MS;
  for (let s = bucketStart(r.from, r.unit); s < r.to; s = nextStart(s, r.unit)) {
    const e = nextStart(s, r.unit);
    out.push({
      key: bucketKey(s, r.unit),
      start: s < r.from ? r.from : s,
      end: e > r.to ? r.to : e,
      label: labelOf(s, r.unit, spansDays),
    });
  }
  return out;
}

/**
 * The event-log filter for a bucket: exact instants for 5-minute and hourly buckets (`to`
 * is exclusive), whole UTC days for longer ones (`to` is the last day, included).
 */
export function bucketFilter(b: { start: Date; end: Date }, unit: BucketUnit): { from: string; to: string } {
  if (unit === '5min' || unit === 'hour') return { from: minuteOf(b.start), to: minuteOf(b.end) };
  return { from: dayOf(b.start), to: dayOf(addDays(b.end, -1)) };
}

/** The event log filtered to a bucket (or a whole range) and the given columns. */
export function eventsHref(
  b: { start: Date; end: Date },
  unit: BucketUnit,
  filters: { status?: string; type?: string; mode?: string } = {},
): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
  const { from, to } = bucketFilter(b, unit);
  p.set('from', from);
  p.set('to', to);
  return `/events?${p.toString()}`;
}
