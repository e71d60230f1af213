import 'server-only';
// Overview activity: counts, today's events and refusals, recent rows and events over time.
// Everything here reads rollups, counters or one short index range, never the whole log.
import type { Database } from '@/db/client';
import {
  bucketKey,
  bucketsOf,
  bucketStart,
  resolveRange,
  type Bucket,
  type RangeSpec,
  type ResolvedRange,
} from '@/lib/charts/time-range';
import { listEvents, type EventRow } from './events';

/** Statuses that are neither a new instance nor a replay of one. */
export const NON_REFUSAL_STATUSES = ['ok', 'idempotent_replay'] as const;

export interface ActivityCounts {
  families: number;
  templates: number;
  liveInstances: number;
  dryRunInstances: number;
  events: number;
  eventsToday: number;
  refusalsToday: number;
}

export interface DayStatusCount {
  day: string;
  status: string;
  count: number;
}

export interface Activity {
  counts: ActivityCounts;
  recent: EventRow[];
  /** Events per UTC day and status over the last `days` days (days without events are absent; none for 0). */
  overTime: DayStatusCount[];
}

/** The overview's activity panel; needs migration 033 (callers check it is applied). */
export async function getActivity(
  db: Pick<Database, 'query'>,
  opts: { days?: number; recent?: number } = {},
): Promise<Activity> {
  const days = opts.days ?? 30;
  const [counts, overTime, recent] = await Promise.all([
    db.query<{
      families: number;
      templates: number;
      live: number;
      dry_run: number;
      events: number;
      today: number;
      refusals_today: number;
    }>(
      `SELECT (SELECT count(DISTINCT template_family) FROM iu_template_version)::int AS families,
              (SELECT count(*) FROM iu_piece_collection WHERE is_template)::int AS templates,
              (SELECT coalesce(sum(live_instance_count), 0) FROM iu_template_instance_count)::bigint AS live,
              (SELECT coalesce(sum(dry_run_instance_count), 0) FROM iu_template_instance_count)::bigint AS dry_run,
              (SELECT coalesce(sum(event_count), 0) FROM iu_aiel_rollup_actor)::bigint AS events,
              (SELECT coalesce(sum(event_count), 0) FROM iu_aiel_rollup_daily
                WHERE day = (now() AT TIME ZONE 'UTC')::date)::bigint AS today,
              (SELECT coalesce(sum(event_count), 0) FROM iu_aiel_rollup_daily
                WHERE day = (now() AT TIME ZONE 'UTC')::date AND status NOT IN ('ok', 'idempotent_replay'))::bigint AS refusals_today`,
    ),
    days > 0
      ? db.query<{ day: string; status: string; n: number }>(
          `SELECT day::text AS day, status, sum(event_count)::bigint AS n
             FROM iu_aiel_rollup_daily
            WHERE day > (now() AT TIME ZONE 'UTC')::date - $1::int
            GROUP BY day, status ORDER BY day, status`,
          [days],
        )
      : [],
    listEvents(db, {}, { limit: opts.recent ?? 10 }),
  ]);
  const c = counts[0];
  return {
    counts: {
      families: Number(c.families),
      templates: Number(c.templates),
      liveInstances: Number(c.live),
      dryRunInstances: Number(c.dry_run),
      events: Number(c.events),
      eventsToday: Number(c.today),
      refusalsToday: Number(c.refusals_today),
    },
    recent: recent.rows,
    overTime: overTime.map((r) => ({ day: r.day, status: r.status, count: Number(r.n) })),
  };
}

/** A fingerprint that changes whenever an event is logged or rolled back, or instances change. */
export async function getActivityVersion(db: Pick<Database, 'query'>): Promise<{ version: string }> {
  const [c] = await db.query<{ v: string; has_log: boolean }>(
    `SELECT coalesce(sum(live_instance_count), 0) || ':' || coalesce(sum(dry_run_instance_count), 0) AS v,
            to_regclass('iu_aiel_rollup_actor') IS NOT NULL AS has_log
       FROM iu_template_instance_count`,
  );
  if (!c.has_log) return { version: `${c.v}/off` };
  const [l] = await db.query<{ v: string }>(
    `SELECT coalesce(sum(event_count), 0) || ':' || coalesce(sum(rolled_back_count), 0) || ':' || coalesce(max(last_at)::text, '') AS v
       FROM iu_aiel_rollup_actor`,
  );
  return { version: `${c.v}/${l.v}` };
}

export interface RangeCount {
  /** The bucket's key (see Bucket.key). */
  bucket: string;
  eventType: string;
  emitMode: string;
  status: string;
  count: number;
}

export interface EventCounts {
  range: ResolvedRange;
  buckets: Bucket[];
  rows: RangeCount[];
}

/**
 * Events per bucket, type, mode and status over a chart's time range. Days, weeks and months
 * read the daily rollup; 5-minute and hourly buckets (ranges of two days at most) read the
 * log's created_at index over the window only. Needs migration 033.
 */
export async function getEventCounts(
  db: Pick<Database, 'query'>,
  spec: RangeSpec,
  now: Date = new Date(),
): Promise<EventCounts> {
  let firstDay: string | null = null;
  if (spec.key === 'all') {
    const [r] = await db.query<{ d: string | null }>('SELECT min(day)::text AS d FROM iu_aiel_rollup_daily');
    firstDay = r?.d ?? null;
  }
  const range = resolveRange(spec, now, firstDay);
  type Raw = { b: string; event_type: string; emit_mode: string; status: string; n: number };
  const raw =
    range.source === 'log'
      ? await db.query<Raw>(
          `SELECT to_char(date_bin($3::interval, created_at, $1::timestamptz) AT TIME ZONE 'UTC',
                          'YYYY-MM-DD"T"HH24:MI"Z"') AS b,
                  event_type, emit_mode, status, count(*)::bigint AS n
             FROM iu_auto_instantiate_event_log
            WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz
            GROUP BY 1, 2, 3, 4`,
          [range.from.toISOString(), range.to.toISOString(), range.unit === '5min' ? '5 minutes' : '1 hour'],
        )
      : await db.query<Raw>(
          `SELECT day::text AS b, event_type, emit_mode, status, sum(event_count)::bigint AS n
             FROM iu_aiel_rollup_daily
            WHERE day >= $1::date AND day < $2::date
            GROUP BY 1, 2, 3, 4`,
          [range.from.toISOString().slice(0, 10), range.to.toISOString().slice(0, 10)],
        );
  // weeks and months are summed here from the days: the rollup holds at most a few rows a day
  const sums = new Map<string, RangeCount>();
  for (const r of raw) {
    const bucket =
      range.unit === 'week' || range.unit === 'month'
        ? bucketKey(bucketStart(new Date(`${r.b}T00:00:00Z`), range.unit), range.unit)
        : r.b;
    const k = [bucket, r.event_type, r.emit_mode, r.status].join('\u0000');
    const row = sums.get(k);
    if (row) row.count += Number(r.n);
    else
      sums.set(k, {
        bucket,
        eventType: r.event_type,
        emitMode: r.emit_mode,
        status: r.status,
        count: Number(r.n),
      });
  }
  return { range, buckets: bucketsOf(range), rows: [...sums.values()] };
}
