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
  eventType: string;
  emitMode: string;
  status: string;
  count: number;
}

/** Events per UTC day over the last `days` days, by type, mode and status. */
export async function getDaily(db: Pick<Database, 'query'>, days = 30): Promise<DailyRow[]> {
  const rows = await db.query<{ day: string; event_type: string; emit_mode: string; status: string; n: number }>(
    `SELECT day::text AS day, event_type, emit_mode, status, event_count AS n
       FROM iu_aiel_rollup_daily
      WHERE day > (now() AT TIME ZONE 'UTC')::date - $1::int
      ORDER BY day, event_type, emit_mode, status`,
    [days],
  );
  return rows.map((r) => ({ day: r.day, eventType: r.event_type, emitMode: r.emit_mode, status: r.status, count: Number(r.n) }));
}
