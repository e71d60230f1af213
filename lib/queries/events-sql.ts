// Pure builders for the event-log queries (no database, no 'server-only'): the filters the
// events page keeps in its URL, and the keyset SQL over (created_at, id) that reads them.
// Every filter maps to an index ending in (created_at, id) (see migration 033's header), so
// a page is one ordered index range read, at any depth; never OFFSET.

import { isRealTime, single } from '@/lib/http/query';
import { batchTagSql, bulkRowSql, groupedRowSql } from './batches-sql';

export interface EventFilters {
  /** The event's own id (uuid): its call, replays and refusals. */
  eventId?: string;
  actor?: string;
  status?: string;
  mode?: 'live' | 'dry_run';
  type?: string;
  /** Template collection id (uuid). */
  template?: string;
  /** Inclusive lower bound on created_at (ISO date or timestamp). */
  from?: string;
  /** Exclusive upper bound on created_at; a bare date means the end of that day (UTC). */
  to?: string;
  rolledBack?: 'yes' | 'no';
}

/** A position in the log: the row's created_at as PostgreSQL prints it (microseconds) and its id. */
export interface EventCursor {
  at: string;
  id: number;
}

export const FILTER_KEYS = [
  'eventId',
  'actor',
  'status',
  'mode',
  'type',
  'template',
  'from',
  'to',
  'rolledBack',
] as const;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TS_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

type SearchParams = Record<string, string | string[] | undefined> | URLSearchParams;

function get(sp: SearchParams, key: string): string | undefined {
  const v = sp instanceof URLSearchParams ? (sp.get(key) ?? undefined) : sp[key];
  const s = Array.isArray(v) ? v[0] : v;
  const t = s?.trim();
  return t ? t : undefined;
}

/** Reads the filters from a URL's search params, dropping values that cannot be valid. */
export function parseEventFilters(sp: SearchParams): EventFilters {
  const f: EventFilters = {};
  const eventId = get(sp, 'eventId');
  if (eventId && UUID_RE.test(eventId)) f.eventId = eventId.toLowerCase();
  const actor = get(sp, 'actor');
  if (actor && actor.length <= 200) f.actor = actor;
  const status = get(sp, 'status');
  if (status && /^[a-z_]{1,64}$/.test(status)) f.status = status;
  const mode = get(sp, 'mode');
  if (mode === 'live' || mode === 'dry_run') f.mode = mode;
  const type = get(sp, 'type');
  if (type && type.length <= 200) f.type = type;
  const template = get(sp, 'template');
  if (template && UUID_RE.test(template)) f.template = template.toLowerCase();
  const from = get(sp, 'from');
  // a day like 2026-99-99 matches the pattern but makes PostgreSQL fail mid-stream
  if (from && (DATE_RE.test(from) || TS_RE.test(from)) && isRealTime(from)) f.from = from;
  const to = get(sp, 'to');
  if (to && (DATE_RE.test(to) || TS_RE.test(to)) && isRealTime(to)) f.to = to;
  const rb = get(sp, 'rolledBack');
  if (rb === 'yes' || rb === 'no') f.rolledBack = rb;
  return f;
}

const FILTER_RULES: Record<(typeof FILTER_KEYS)[number], string> = {
  eventId: 'eventId must be an event id (a UUID such as 25000b00-0000-4000-8000-000000000001).',
  actor: 'actor is at most 200 characters.',
  status: 'status is a lower-case status name such as ok or refused.',
  mode: 'mode must be live or dry_run.',
  type: 'type is at most 200 characters.',
  template: 'template must be a template id (a UUID).',
  from: 'from must be a real day (YYYY-MM-DD) or an ISO time such as 2026-05-01T08:00Z.',
  to: 'to must be a real day (YYYY-MM-DD) or an ISO time such as 2026-05-01T08:00Z.',
  rolledBack: 'rolledBack must be yes or no.',
};

/**
 * What parseEventFilters would drop, as sentences: a route answers these with 400 rather
 * than reading the whole log as if the filter had not been given.
 */
export function eventFilterProblems(q: URLSearchParams): string[] {
  const problems: string[] = [];
  const kept = parseEventFilters(q);
  for (const k of FILTER_KEYS) {
    const v = single(q, k, problems);
    if (v !== null && v.trim() && kept[k] === undefined) problems.push(FILTER_RULES[k]);
  }
  return problems;
}

/** The filters as URL search params (only those set), for links that keep them. */
export function eventFiltersToParams(f: EventFilters, extra: Record<string, string | undefined> = {}): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  return p;
}

/** Encodes a cursor for a URL: `<created_at>~<id>`. */
export function encodeCursor(c: EventCursor): string {
  return `${c.at}~${c.id}`;
}

export function decodeCursor(s: string | undefined | null): EventCursor | null {
  if (!s) return null;
  const i = s.lastIndexOf('~');
  if (i <= 0) return null;
  const at = s.slice(0, i);
  const id = Number(s.slice(i + 1));
  if (!Number.isSafeInteger(id) || id < 0 || !TS_RE.test(at)) return null;
  return { at, id };
}

export interface BuiltQuery {
  text: string;
  params: unknown[];
}

/** The WHERE terms for the filters, with parameters starting at $1. */
export function eventWhere(f: EventFilters, params: unknown[] = []): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.eventId) where.push(`l.event_id = ${p(f.eventId)}::uuid`);
  if (f.actor) where.push(`l.triggered_by = ${p(f.actor)}`);
  if (f.status) where.push(`l.status = ${p(f.status)}`);
  if (f.mode) where.push(`l.emit_mode = ${p(f.mode)}`);
  if (f.type) where.push(`l.event_type = ${p(f.type)}`);
  if (f.template) where.push(`l.template_collection_id = ${p(f.template)}::uuid`);
  if (f.from) where.push(`l.created_at >= ${p(f.from)}::timestamptz`);
  if (f.to) {
    // a bare date is the whole day: up to the start of the next one (UTC)
    where.push(
      DATE_RE.test(f.to)
        ? `l.created_at < (${p(f.to)}::date + 1)::timestamp AT TIME ZONE 'UTC'`
        : `l.created_at < ${p(f.to)}::timestamptz`,
    );
  }
  if (f.rolledBack === 'yes') where.push('l.rolled_back_at IS NOT NULL');
  if (f.rolledBack === 'no') where.push('l.rolled_back_at IS NULL');
  return { where, params };
}

// The template's key comes from the small template-only index (044) joined as t; a row
// naming a collection that is not a template (a template_not_marked refusal) falls back to
// a look-up of its own, which runs only for such rows.
export const TEMPLATE_JOIN = 'LEFT JOIN iu_piece_collection t ON t.id = l.template_collection_id AND t.is_template';

export const EVENT_COLUMNS = `l.id, l.event_id, l.event_type, l.template_collection_id,
       coalesce(t.collection_key, (SELECT x.collection_key FROM iu_piece_collection x WHERE x.id = l.template_collection_id)) AS template_collection_key,
       tv.template_family, tv.version_label AS template_version_label, l.instance_collection_id,
       i.collection_key AS instance_collection_key, l.unique_suffix, l.emit_mode, l.status, l.triggered_by,
       l.note, l.replay_of_event_log_id, l.created_at, l.created_at::text AS cursor_at, l.rolled_back_at, l.rolled_back_by`;

/**
 * One page, newest first. `after` continues towards older rows, `before` goes back towards
 * newer ones (its rows come back oldest first; the caller reverses them). Reads limit + 1
 * rows so the caller knows whether there is more. The joins are per row of the page only.
 */
export function buildEventPageQuery(
  f: EventFilters,
  opts: { limit: number; after?: EventCursor | null; before?: EventCursor | null; groupBatches?: boolean },
): BuiltQuery {
  if (opts.groupBatches && f.actor) return buildActorGroupedPageQuery(f, opts);
  const { where, params } = eventWhere(f);
  if (opts.groupBatches) {
    // one row per bulk batch: its newest row among those the filters match (alias x)
    const x = eventWhere(f, params).where.map((w) => w.replace(/\bl\./g, 'x.'));
    where.push(groupedRowSql(x));
  }
  const { order, keyset, limit } = pageBounds(params, opts);
  where.push(keyset('l'));
  const text = joinedPage(
    `SELECT * FROM iu_auto_instantiate_event_log l
         WHERE ${where.join(' AND ')}
         ORDER BY l.created_at ${order}, l.id ${order}
         LIMIT ${limit}`,
    order,
  );
  return { text, params };
}

/** A page's direction, its keyset term over an alias (`true` on the first page) and its limit + 1, as parameters. */
function pageBounds(
  params: unknown[],
  opts: { limit: number; after?: EventCursor | null; before?: EventCursor | null },
): { order: 'ASC' | 'DESC'; keyset: (alias: string) => string; limit: string } {
  const p = (v: unknown) => `$${params.push(v)}`;
  const cursor = opts.after ?? opts.before;
  let keyset = (_alias: string) => 'true';
  if (cursor) {
    const at = p(cursor.at);
    const id = p(cursor.id);
    const op = opts.after ? '<' : '>';
    keyset = (a) => `(${a}.created_at, ${a}.id) ${op} (${at}::timestamptz, ${id}::bigint)`;
  }
  return { order: !opts.after && opts.before ? 'ASC' : 'DESC', keyset, limit: p(opts.limit + 1) };
}

// The page is chosen on the bare log (one index range), then joined: joining first would
// let the planner walk the joins for rows it throws away.
const joinedPage = (page: string, order: string) => `SELECT ${EVENT_COLUMNS}
  FROM (${page}) l
  ${TEMPLATE_JOIN}
  LEFT JOIN iu_template_version tv ON tv.collection_id = l.template_collection_id
  LEFT JOIN iu_piece_collection i ON i.id = l.instance_collection_id
 ORDER BY l.created_at ${order}, l.id ${order}`;

/**
 * The grouped page of one actor (the page's actor filter), from 059's two indexes: the
 * actor's single rows (no bulk naming) newest first on the single-row index, and the head of
 * each of the actor's batches (its newest row the filters match) from one ordered read of the
 * batch index, then the page of both by (created_at, id). The same rows as the general
 * grouped query (a row is shown when no newer row of its batch matches the filters), which
 * walks every row of the actor in the table: 230 ms at a million events for the busiest.
 */
function buildActorGroupedPageQuery(
  f: EventFilters,
  opts: { limit: number; after?: EventCursor | null; before?: EventCursor | null },
): BuiltQuery {
  const { where, params } = eventWhere(f);
  const heads = eventWhere(f, params).where.map((w) => w.replace(/\bl\./g, 'h.'));
  const { order, keyset, limit } = pageBounds(params, opts);
  const text = joinedPage(
    `SELECT * FROM (
          (SELECT * FROM iu_auto_instantiate_event_log l
            WHERE ${[...where, `NOT ${bulkRowSql('l')}`, keyset('l')].join(' AND ')}
            ORDER BY l.created_at ${order}, l.id ${order} LIMIT ${limit})
          UNION ALL
          (SELECT l.* FROM (
                SELECT DISTINCT ON (${batchTagSql('h')}, h.template_collection_id, h.emit_mode) h.id, h.created_at
                  FROM iu_auto_instantiate_event_log h
                 WHERE ${[...heads, bulkRowSql('h')].join(' AND ')}
                 ORDER BY ${batchTagSql('h')} DESC, h.template_collection_id DESC, h.emit_mode DESC,
                          h.created_at DESC, h.id DESC) hd
             JOIN iu_auto_instantiate_event_log l ON l.id = hd.id
            WHERE ${keyset('hd')}
            ORDER BY hd.created_at ${order}, hd.id ${order} LIMIT ${limit})) u
         ORDER BY u.created_at ${order}, u.id ${order}
         LIMIT ${limit}`,
    order,
  );
  return { text, params };
}
