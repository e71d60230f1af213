import 'server-only';
// Event-log reads: one keyset page, one row's full record, and the filtered set as a stream
// of keyset batches (for CSV/JSON export). The pure SQL builders are in events-sql.ts.
import type { Database } from '@/db/client';
import { autoInstantiateEventLogView, viewRowOf, type EventLogRow, type RawOf } from '@/db/views';
import {
  buildEventPageQuery,
  encodeCursor,
  EVENT_COLUMNS,
  TEMPLATE_JOIN,
  UUID_RE,
  type EventCursor,
  type EventFilters,
} from './events-sql';

export * from './events-sql';

/** An event-log row as the pages show it (the view's row type), with its keyset position. */
export type EventRow = EventLogRow & {
  /** Keyset position of this row (created_at to the microsecond, id). */
  cursor: string;
};

type RawEventRow = RawOf<EventLogRow> & { cursor_at: string };

function toRow(r: RawEventRow): EventRow {
  return {
    ...viewRowOf(autoInstantiateEventLogView, r),
    cursor: encodeCursor({ at: r.cursor_at, id: Number(r.id) }),
  };
}

export interface EventPage {
  rows: EventRow[];
  /** Cursor for the next (older) page, or null at the end. */
  older: string | null;
  /** Cursor for the previous (newer) page, or null at the start. */
  newer: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;

/**
 * One page of the filtered log, newest first; `after`/`before` are cursors from an earlier page.
 * With `groupBatches`, each bulk batch is one row (its newest row the filters match).
 */
export async function listEvents(
  db: Pick<Database, 'query'>,
  filters: EventFilters,
  opts: { limit?: number; after?: EventCursor | null; before?: EventCursor | null; groupBatches?: boolean } = {},
): Promise<EventPage> {
  const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE_SIZE, 1), 500);
  if (!(await mayMatch(db, filters))) return { rows: [], older: null, newer: null };
  // grouped: a bulk batch is one row of the page (its newest matching row), see batches-sql.ts
  const q = buildEventPageQuery(filters, {
    limit,
    after: opts.after,
    before: opts.before,
    groupBatches: opts.groupBatches,
  });
  const raw = await db.query<RawEventRow>(q.text, q.params);
  const more = raw.length > limit;
  let rows = raw.slice(0, limit).map(toRow);
  if (opts.before) rows = rows.reverse();
  const going = opts.before ? 'newer' : 'older';
  const older = going === 'older' ? (more ? rows.at(-1)!.cursor : null) : rows.length ? rows.at(-1)!.cursor : null;
  const newer = going === 'newer' ? (more ? rows[0].cursor : null) : opts.after && rows.length ? rows[0].cursor : null;
  return { rows, older, newer };
}

/**
 * Whether any row can match, from the actor rollup: a filter over actor, type, mode, status
 * (and rolled back) that matches nothing would otherwise read a whole index range to say so.
 */
export async function mayMatch(db: Pick<Database, 'query'>, f: EventFilters): Promise<boolean> {
  if (!f.actor && !f.type && !f.mode && !f.status && f.rolledBack !== 'yes') return true;
  const params: unknown[] = [];
  const where: string[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.actor) where.push(`triggered_by = ${p(f.actor)}`);
  if (f.type) where.push(`event_type = ${p(f.type)}`);
  if (f.mode) where.push(`emit_mode = ${p(f.mode)}`);
  if (f.status) where.push(`status = ${p(f.status)}`);
  where.push(f.rolledBack === 'yes' ? 'rolled_back_count > 0' : 'event_count > 0');
  const [r] = await db.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM iu_aiel_rollup_actor WHERE ${where.join(' AND ')}) AS any`,
    params,
  );
  return !!r?.any;
}

/** One row of the log with its template and instance keys, or null. */
export async function getEvent(db: Pick<Database, 'query'>, id: number): Promise<EventRow | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const [r] = await db.query<RawEventRow>(
    `SELECT ${EVENT_COLUMNS}
       FROM iu_auto_instantiate_event_log l
       ${TEMPLATE_JOIN}
       LEFT JOIN iu_template_version tv ON tv.collection_id = l.template_collection_id
       LEFT JOIN iu_piece_collection i ON i.id = l.instance_collection_id
      WHERE l.id = $1`,
    [id],
  );
  return r ? toRow(r) : null;
}

/**
 * The row the drawer shows for an event id (uuid): its newest log row, which is where the
 * event stands now (a replay or refusal after the call), or null when no row has that id.
 */
export async function getEventByEventId(db: Pick<Database, 'query'>, eventId: string): Promise<EventRow | null> {
  if (!UUID_RE.test(eventId)) return null;
  const [r] = await db.query<RawEventRow>(
    `SELECT ${EVENT_COLUMNS}
       FROM (SELECT * FROM iu_auto_instantiate_event_log WHERE event_id = $1::uuid
              ORDER BY created_at DESC, id DESC LIMIT 1) l
       ${TEMPLATE_JOIN}
       LEFT JOIN iu_template_version tv ON tv.collection_id = l.template_collection_id
       LEFT JOIN iu_piece_collection i ON i.id = l.instance_collection_id`,
    [eventId.toLowerCase()],
  );
  return r ? toRow(r) : null;
}

/** One log row of an event, as the drawer lists them. */
export type EventSibling = Pick<EventLogRow, 'id' | 'status' | 'emitMode' | 'triggeredBy' | 'createdAt'>;

/** Every log row of one event (its call, replays, refusals), oldest first, for the drawer. */
export async function listEventRowsOf(
  db: Pick<Database, 'query'>,
  eventId: string,
  limit = 50,
): Promise<EventSibling[]> {
  if (!UUID_RE.test(eventId)) return [];
  const rows = await db.query<RawOf<EventSibling>>(
    `SELECT id, status, emit_mode, triggered_by, created_at FROM iu_auto_instantiate_event_log
      WHERE event_id = $1::uuid ORDER BY created_at, id LIMIT $2`,
    [eventId.toLowerCase(), limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    status: r.status,
    emitMode: r.emit_mode,
    triggeredBy: r.triggered_by,
    createdAt: new Date(r.created_at),
  }));
}

/** The filtered set, newest first, in keyset batches: memory stays flat for any size. */
export async function* streamEvents(
  db: Pick<Database, 'query'>,
  filters: EventFilters,
  opts: { batch?: number; max?: number } = {},
): AsyncGenerator<EventRow[]> {
  const batch = opts.batch ?? 1000;
  let left = opts.max ?? Number.POSITIVE_INFINITY;
  let after: EventCursor | null = null;
  if (!(await mayMatch(db, filters))) return;
  while (left > 0) {
    const q = buildEventPageQuery(filters, { limit: Math.min(batch, left), after });
    const raw = await db.query<RawEventRow>(q.text, q.params);
    const rows = raw.slice(0, Math.min(batch, left)).map(toRow);
    if (!rows.length) return;
    yield rows;
    left -= rows.length;
    if (raw.length <= rows.length) return;
    const last = raw[rows.length - 1];
    after = { at: last.cursor_at, id: Number(last.id) };
  }
}

export const EXPORT_COLUMNS = [
  'id',
  'event_id',
  'event_type',
  'template_collection_id',
  'template_collection_key',
  'template_family',
  'template_version_label',
  'instance_collection_id',
  'instance_collection_key',
  'unique_suffix',
  'emit_mode',
  'status',
  'triggered_by',
  'note',
  'replay_of_event_log_id',
  'created_at',
  'rolled_back_at',
  'rolled_back_by',
] as const;

/** A row as exported: snake_case keys like the view, times in ISO 8601. */
export function exportRecord(r: EventRow): Record<(typeof EXPORT_COLUMNS)[number], string | number | null> {
  return {
    id: r.id,
    event_id: r.eventId,
    event_type: r.eventType,
    template_collection_id: r.templateCollectionId,
    template_collection_key: r.templateCollectionKey,
    template_family: r.templateFamily,
    template_version_label: r.templateVersionLabel,
    instance_collection_id: r.instanceCollectionId,
    instance_collection_key: r.instanceCollectionKey,
    unique_suffix: r.uniqueSuffix,
    emit_mode: r.emitMode,
    status: r.status,
    triggered_by: r.triggeredBy,
    note: r.note,
    replay_of_event_log_id: r.replayOfEventLogId,
    created_at: r.createdAt.toISOString(),
    rolled_back_at: r.rolledBackAt?.toISOString() ?? null,
    rolled_back_by: r.rolledBackBy,
  };
}

/** The distinct values the filter menus offer, read from the rollups (never the log). */
export async function getEventFilterOptions(
  db: Pick<Database, 'query'>,
): Promise<{ actors: string[]; statuses: string[]; types: string[] }> {
  const rows = await db.query<{ kind: string; v: string }>(
    `SELECT DISTINCT 'actor' AS kind, triggered_by AS v FROM iu_aiel_rollup_actor
     UNION SELECT DISTINCT 'status', status FROM iu_aiel_rollup_actor
     UNION SELECT DISTINCT 'type', event_type FROM iu_aiel_rollup_actor
     ORDER BY 1, 2`,
  );
  const of = (k: string) => rows.filter((r) => r.kind === k).map((r) => r.v);
  return { actors: of('actor'), statuses: of('status'), types: of('type') };
}
