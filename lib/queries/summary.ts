import 'server-only';
// Summary of the event log from v_iu_auto_instantiate_event_summary (which reads the rollup)
// and events per day from the daily rollup.
import type { Database } from '@/db/client';

export interface SummaryRow {
  eventType: string;
  emitMode: string;
  status: string;
  eventCount: number;
  firstAt: Date;
  lastAt: Date;
  rolledBackCount: number;
}

/** Every (event_type, emit_mode, status) with its counts and first/last time. */
export async function getSummary(db: Pick<Database, 'query'>): Promise<SummaryRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT event_type, emit_mode, status, event_count, first_at, last_at, rolled_back_count
       FROM v_iu_auto_instantiate_event_summary
      ORDER BY event_count DESC, event_type, emit_mode, status`,
  );
  return rows.map((r) => ({
    eventType: String(r.event_type),
    emitMode: String(r.emit_mode),
    status: String(r.status),
    eventCount: Number(r.event_count),
    firstAt: new Date(r.first_at as string),
    lastAt: new Date(r.last_at as string),
    rolledBackCount: Number(r.rolled_back_count),
  }));
}

export interface DailyRow {
  day: string;
  status: string;
  count: number;
}

/** Events per UTC day and status over the last `days` days, from the daily rollup. */
export async function getDaily(db: Pick<Database, 'query'>, days = 30): Promise<DailyRow[]> {
  const rows = await db.query<{ day: string; status: string; n: number }>(
    `SELECT day::text AS day, status, sum(event_count)::bigint AS n
       FROM iu_aiel_rollup_daily
      WHERE day > (now() AT TIME ZONE 'UTC')::date - $1::int
      GROUP BY day, status ORDER BY day, status`,
    [days],
  );
  return rows.map((r) => ({ day: r.day, status: r.status, count: Number(r.n) }));
}
