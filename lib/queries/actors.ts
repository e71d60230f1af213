import 'server-only';
// Actors (users and their run tags) with counts from the actor rollup, and one actor's
// timeline: events, instances created, rollbacks of its rows and rollbacks it ran, newest
// first. Other branches add sources (e.g. the console audit trail) through `sources`.
import type { Database } from '@/db/client';
import { formatTimestamp } from '@/lib/format';
import { batchTitle, bulkRowSql, listActorBatches, type BatchGroup } from './batches';
import { EVENT_COLUMNS } from './events-sql';

export interface ActorRow {
  actor: string;
  user: string;
  runTag: string | null;
  events: number;
  instancesCreated: number;
  replays: number;
  refusals: number;
  rolledBack: number;
  firstAt: Date;
  lastAt: Date;
}

/** Splits `user:run-tag` into its parts. */
export function splitActor(actor: string): { user: string; runTag: string | null } {
  const i = actor.indexOf(':');
  return i < 0 ? { user: actor, runTag: null } : { user: actor.slice(0, i), runTag: actor.slice(i + 1) };
}

/** Every actor string in the log with its counts, most recent first. */
export async function listActors(db: Pick<Database, 'query'>): Promise<ActorRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT triggered_by,
            sum(event_count)::bigint AS events,
            coalesce(sum(event_count) FILTER (WHERE status = 'ok'), 0)::bigint AS ok,
            coalesce(sum(event_count) FILTER (WHERE status = 'idempotent_replay'), 0)::bigint AS replays,
            coalesce(sum(event_count) FILTER (WHERE status NOT IN ('ok', 'idempotent_replay')), 0)::bigint AS refusals,
            sum(rolled_back_count)::bigint AS rolled_back,
            min(first_at) AS first_at, max(last_at) AS last_at
       FROM iu_aiel_rollup_actor
      GROUP BY triggered_by
      ORDER BY max(last_at) DESC, triggered_by`,
  );
  return rows.map((r) => {
    const actor = String(r.triggered_by);
    return {
      actor,
      ...splitActor(actor),
      events: Number(r.events),
      instancesCreated: Number(r.ok),
      replays: Number(r.replays),
      refusals: Number(r.refusals),
      rolledBack: Number(r.rolled_back),
      firstAt: new Date(r.first_at as string),
      lastAt: new Date(r.last_at as string),
    };
  });
}

export type TimelineKind = 'event' | 'instance' | 'batch' | 'rolled_back' | 'rollback_run' | (string & {});

export interface TimelineEntry {
  kind: TimelineKind;
  at: Date;
  title: string;
  detail?: string;
  /** Console link for the entry (event drawer, instance, template, …). */
  href?: string;
  status?: string;
  /** Why it was done, when the source records it (e.g. the console audit trail). */
  reason?: string;
  /** A bulk run shown as one entry (kind 'batch'); its rows open below it on request. */
  batch?: BatchGroup;
}

/** A further timeline source: entries for `actor` older than `before`, newest first, at most `limit`. */
export type TimelineSource = (
  db: Pick<Database, 'query'>,
  actor: string,
  opts: { before: Date; limit: number },
) => Promise<TimelineEntry[]>;

interface RawEvent {
  id: number;
  event_type: string;
  status: string;
  emit_mode: string;
  template_collection_key: string | null;
  instance_collection_id: string | null;
  instance_collection_key: string | null;
  created_at: Date;
}

const eventSource: TimelineSource = async (db, actor, { before, limit }) => {
  // the page of the log is chosen on the actor index alone, then joined
  const rows = await db.query<RawEvent>(
    `SELECT ${EVENT_COLUMNS}
       FROM (SELECT * FROM iu_auto_instantiate_event_log
              WHERE triggered_by = $1 AND created_at < $2 AND NOT ${bulkRowSql('iu_auto_instantiate_event_log')}
              ORDER BY created_at DESC, id DESC LIMIT $3) l
       LEFT JOIN iu_piece_collection t ON t.id = l.template_collection_id
       LEFT JOIN iu_template_version tv ON tv.collection_id = l.template_collection_id
       LEFT JOIN iu_piece_collection i ON i.id = l.instance_collection_id
      ORDER BY l.created_at DESC, l.id DESC`,
    [actor, before, limit],
  );
  return rows.map((r) => {
    const made = r.status === 'ok' && r.instance_collection_id;
    return {
      kind: made ? 'instance' : 'event',
      at: new Date(r.created_at),
      status: r.status,
      title: made
        ? `Created ${r.emit_mode === 'live' ? 'live' : 'dry-run'} instance ${r.instance_collection_key ?? `${r.instance_collection_id} (since rolled back)`}`
        : `${r.event_type}: ${r.status.replace(/_/g, ' ')}`,
      detail: `event #${r.id} · ${r.event_type} · ${r.emit_mode} · template ${r.template_collection_key ?? 'unknown'}`,
      href: `/events?actor=${encodeURIComponent(actor)}&event=${r.id}`,
    };
  });
};

/** A bulk run as one entry: "bulk wave-2: 2,000 live instances of tpl:x, rolled back by admin". */
const batchSource: TimelineSource = async (db, actor, opts) =>
  (await listActorBatches(db, actor, opts)).map((g) => ({
    kind: 'batch',
    at: g.lastAt,
    title: batchTitle(g),
    detail: `${g.rows.toLocaleString('en')} event-log rows from #${g.firstLogId}${
      g.rolledBackAt ? ` · rolled back ${formatTimestamp(g.rolledBackAt)}` : ''
    }`,
    batch: g,
  }));

/**
 * One rollback stamps each row with its own clock_timestamp(), so rows are grouped into one
 * entry per (second, other party). The seconds are found newest first by a loose index scan
 * (one index probe per group) and each group is counted over its own one-second range, so
 * the cost follows the groups shown, never the actor's whole history.
 */
async function rollbackGroups(
  db: Pick<Database, 'query'>,
  column: 'triggered_by' | 'rolled_back_by',
  actor: string,
  before: Date,
  limit: number,
): Promise<{ at: Date; other: string; n: number }[]> {
  const other = column === 'triggered_by' ? 'rolled_back_by' : 'triggered_by';
  const rows = await db.query<{ at: Date; other: string; n: number }>(
    `WITH RECURSIVE g AS (
        SELECT (SELECT date_trunc('second', max(rolled_back_at)) FROM iu_auto_instantiate_event_log
                 WHERE ${column} = $1 AND rolled_back_at IS NOT NULL AND rolled_back_at < $2) AS s, 1 AS k
        UNION ALL
        SELECT (SELECT date_trunc('second', max(rolled_back_at)) FROM iu_auto_instantiate_event_log
                 WHERE ${column} = $1 AND rolled_back_at IS NOT NULL AND rolled_back_at < g.s), g.k + 1
          FROM g WHERE g.s IS NOT NULL AND g.k < $3)
     SELECT l.at, l.other, l.n
       FROM g CROSS JOIN LATERAL (
            -- per group, its own one-second range of the index (a join would read them all)
            SELECT max(x.rolled_back_at) AS at, x.${other} AS other, count(*)::int AS n
              FROM iu_auto_instantiate_event_log x
             WHERE x.${column} = $1 AND x.rolled_back_at IS NOT NULL
               AND x.rolled_back_at >= g.s AND x.rolled_back_at < least(g.s + interval '1 second', $2)
             GROUP BY x.${other}) l
      WHERE g.s IS NOT NULL
      ORDER BY g.s DESC, 2`,
    [actor, before, limit],
  );
  return rows.slice(0, limit).map((r) => ({ at: new Date(r.at), other: r.other, n: Number(r.n) }));
}

const rolledBackSource: TimelineSource = async (db, actor, { before, limit }) =>
  (await rollbackGroups(db, 'triggered_by', actor, before, limit)).map((g) => ({
    kind: 'rolled_back',
    at: g.at,
    title: `${g.n} instance${g.n === 1 ? '' : 's'} of ${actor} rolled back by ${g.other}`,
    href: `/events?actor=${encodeURIComponent(actor)}&rolledBack=yes`,
  }));

const rollbackRunSource: TimelineSource = async (db, actor, { before, limit }) =>
  (await rollbackGroups(db, 'rolled_back_by', actor, before, limit)).map((g) => ({
    kind: 'rollback_run',
    at: g.at,
    title: `Rolled back ${g.n} instance${g.n === 1 ? '' : 's'} of ${g.other}`,
    href: `/actors/${encodeURIComponent(g.other)}`,
  }));

export const DEFAULT_TIMELINE_SOURCES: TimelineSource[] = [
  eventSource,
  batchSource,
  rolledBackSource,
  rollbackRunSource,
];

/**
 * The newest `limit` entries before `before` from every source, merged newest first. Each
 * source reads at most `limit` rows from an index range, so the cost does not grow with
 * the log. `sources` adds to the defaults (the console audit trail plugs in here).
 */
export async function getActorTimeline(
  db: Pick<Database, 'query'>,
  actor: string,
  opts: { before?: Date; limit?: number; sources?: TimelineSource[] } = {},
): Promise<{ entries: TimelineEntry[]; older: Date | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const before = opts.before ?? new Date(Date.now() + 60_000);
  const all = (
    await Promise.all(
      [...DEFAULT_TIMELINE_SOURCES, ...(opts.sources ?? [])].map((s) => s(db, actor, { before, limit: limit + 1 })),
    )
  )
    .flat()
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  const entries = all.slice(0, limit);
  return { entries, older: all.length > limit ? entries.at(-1)!.at : null };
}

/**
 * Console audit rows as timeline entries (leads only: the audit trail is theirs). An actor
 * string `user:tag` matches the rows recorded with that actor; a bare `user` also matches
 * the user's rows that name no actor (denied or invalid attempts, user admin). Read through
 * the (username, started_at) index, newest first.
 */
export const auditTimelineSource: TimelineSource = async (db, actor, { before, limit }) => {
  const { user } = splitActor(actor);
  const rows = await db.query<{
    id: number;
    started_at: Date;
    recipe: string;
    mode: string;
    decision: string;
    status: string;
    summary: string;
    reason: string | null;
  }>(
    `SELECT id, started_at, recipe, mode, decision, status, summary, reason
       FROM console_audit_log
      WHERE username = $1 AND (actor = $2 OR (actor IS NULL AND $2 = $1)) AND started_at < $3
      ORDER BY started_at DESC, id DESC
      LIMIT $4`,
    [user, actor, before, limit],
  );
  return rows.map((r) => ({
    kind: 'audit',
    at: new Date(r.started_at),
    title: `Console: ${r.recipe.replace(/_/g, ' ')} (${r.mode}) — ${r.decision}${r.status && r.status !== r.decision ? `, ${r.status}` : ''}`,
    detail: r.summary || undefined,
    status: r.status,
    reason: r.reason ?? undefined,
    href: `/audit?username=${encodeURIComponent(user)}`,
  }));
};
