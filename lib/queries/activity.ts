import 'server-only';
// Overview activity: counts, today's events and refusals, recent rows and events over time.
// Everything here reads rollups, counters or one short index range, never the whole log.
import type { Database } from '@/db/client';
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
  /** Events per UTC day and status over the last `days` days (days without events are absent). */
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
    db.query<{ day: string; status: string; n: number }>(
      `SELECT day::text AS day, status, sum(event_count)::bigint AS n
         FROM iu_aiel_rollup_daily
        WHERE day > (now() AT TIME ZONE 'UTC')::date - $1::int
        GROUP BY day, status ORDER BY day, status`,
      [days],
    ),
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
