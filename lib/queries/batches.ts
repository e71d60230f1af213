import 'server-only';
// Bulk runs as batches in the event log. A row belongs to a bulk run when it carries the
// runbook's bulk naming, which every bulk path (the console's jobs, the CLI, the demo seed,
// psql) gives its rows: the event id `<prefix><12-digit i>` and the unique suffix
// `<batch-tag>-<i>`, with the same i. A batch is the rows of one actor with one batch tag,
// template and emit mode; a single event whose suffix happens to end in digits but whose
// event id does not carry the same number stays a single row. The rows of a batch are read
// by keyset on the log id, 50 at a time, never all at once.
import type { Database } from '@/db/client';

export { batchTagSql, bulkRowSql } from './batches-sql';
import { batchTagSql, bulkRowSql } from './batches-sql';

export interface BatchKey {
  actor: string;
  batchTag: string;
  templateId: string;
  emitMode: 'live' | 'dry_run';
}

export interface BatchGroup extends BatchKey {
  templateKey: string | null;
  rows: number;
  /** Rows that made an instance (status ok). */
  made: number;
  replays: number;
  refusals: number;
  rolledBack: number;
  /** Who rolled its instances back (distinct), and the last time. */
  rolledBackBy: string[];
  rolledBackAt: Date | null;
  firstAt: Date;
  lastAt: Date;
  firstLogId: number;
  /** The console bulk job that ran it, when the console did (the newest of that batch). */
  jobId: string | null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A batch key from a page's query (`batch`, `tpl`, `mode`), or null when any part is malformed. */
export function parseBatchKey(actor: string, q: { batch?: string; tpl?: string; mode?: string }): BatchKey | null {
  if (!q.batch || q.batch.length > 64 || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(q.batch)) return null;
  if (!q.tpl || !UUID_RE.test(q.tpl)) return null;
  if (q.mode !== 'live' && q.mode !== 'dry_run') return null;
  return { actor, batchTag: q.batch, templateId: q.tpl.toLowerCase(), emitMode: q.mode };
}

/** The query string that opens one batch on its actor's page. */
export const batchQuery = (k: Pick<BatchKey, 'batchTag' | 'templateId' | 'emitMode'>) =>
  `batch=${encodeURIComponent(k.batchTag)}&tpl=${k.templateId}&mode=${k.emitMode}`;

/**
 * The actor's batches whose last row is older than `before`, newest first, at most `limit`:
 * one index-only read of the actor's bulk rows on 059's batch index, in batch order, grouped
 * (a batch is never cut in two by a page of the timeline). Each with its counts, who rolled it back
 * and when, and the console job that ran it.
 */
export async function listActorBatches(
  db: Pick<Database, 'query'>,
  actor: string,
  opts: { before: Date; limit: number },
): Promise<BatchGroup[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT g.*, t.collection_key AS template_key,
            (SELECT j.id FROM console_bulk_job j
              WHERE j.actor = $1 AND j.params->>'batchTag' = g.batch_tag AND j.mode = g.emit_mode AND j.committed
              ORDER BY j.started_at DESC LIMIT 1) AS job_id
       FROM (SELECT ${batchTagSql('l')} AS batch_tag, l.template_collection_id, l.emit_mode, ${AGGREGATES}
               FROM iu_auto_instantiate_event_log l
              WHERE l.triggered_by = $1 AND ${bulkRowSql('l')}
              GROUP BY 1, 2, 3
             HAVING max(l.created_at) < $2) g
       LEFT JOIN iu_piece_collection t ON t.id = g.template_collection_id
      ORDER BY g.last_at DESC
      LIMIT $3`,
    [actor, opts.before, opts.limit],
  );
  return rows.map((r) => groupOf({ ...r, actor }));
}

const AGGREGATES = `count(*)::int AS n,
                    count(*) FILTER (WHERE l.status = 'ok')::int AS made,
                    count(*) FILTER (WHERE l.status = 'idempotent_replay')::int AS replays,
                    count(*) FILTER (WHERE l.status NOT IN ('ok', 'idempotent_replay'))::int AS refusals,
                    count(*) FILTER (WHERE l.rolled_back_at IS NOT NULL)::int AS rolled_back,
                    array_remove(array_agg(DISTINCT l.rolled_back_by), NULL) AS rolled_back_by,
                    max(l.rolled_back_at) AS rolled_back_at,
                    min(l.created_at) AS first_at, max(l.created_at) AS last_at, min(l.id) AS first_log_id`;

function groupOf(r: Record<string, unknown>): BatchGroup {
  return {
    actor: String(r.actor),
    batchTag: String(r.batch_tag),
    templateId: String(r.template_collection_id),
    emitMode: r.emit_mode === 'live' ? 'live' : 'dry_run',
    templateKey: (r.template_key as string) ?? null,
    rows: Number(r.n),
    made: Number(r.made),
    replays: Number(r.replays),
    refusals: Number(r.refusals),
    rolledBack: Number(r.rolled_back),
    rolledBackBy: (r.rolled_back_by as string[]) ?? [],
    rolledBackAt: r.rolled_back_at ? new Date(r.rolled_back_at as string) : null,
    firstAt: new Date(r.first_at as string),
    lastAt: new Date(r.last_at as string),
    firstLogId: Number(r.first_log_id),
    jobId: (r.job_id as string) ?? null,
  };
}

/** The key of a batch as one string (a map key; a test id). */
export const batchId = (k: BatchKey) => `${k.actor}\u0000${k.batchTag}\u0000${k.templateId}\u0000${k.emitMode}`;

/**
 * The batch of each bulk row (the event log's grouped view): the whole batch's counts, one
 * actor-index range per batch. Rows without the bulk naming are left out.
 */
export async function summarizeBatches(
  db: Pick<Database, 'query'>,
  rows: readonly {
    triggeredBy: string;
    uniqueSuffix: string;
    eventId: string;
    templateCollectionId: string;
    emitMode: string;
  }[],
): Promise<Map<string, BatchGroup>> {
  const keys = new Map<string, BatchKey>();
  for (const r of rows) {
    const n = /-([0-9]{3,12})$/.exec(r.uniqueSuffix);
    const tail = r.eventId.slice(-12);
    if (!n || !/^[0-9]{12}$/.test(tail) || Number(tail) !== Number(n[1])) continue;
    const k: BatchKey = {
      actor: r.triggeredBy,
      batchTag: r.uniqueSuffix.slice(0, r.uniqueSuffix.length - n[0].length),
      templateId: r.templateCollectionId,
      emitMode: r.emitMode === 'live' ? 'live' : 'dry_run',
    };
    keys.set(batchId(k), k);
  }
  const out = new Map<string, BatchGroup>();
  if (!keys.size) return out;
  const ks = [...keys.values()];
  const found = await db.query<Record<string, unknown>>(
    `SELECT k.actor, k.batch_tag, k.template_collection_id, k.emit_mode, a.*, t.collection_key AS template_key,
            (SELECT j.id FROM console_bulk_job j
              WHERE j.actor = k.actor AND j.params->>'batchTag' = k.batch_tag AND j.mode = k.emit_mode AND j.committed
              ORDER BY j.started_at DESC LIMIT 1) AS job_id
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[]) AS k(actor, batch_tag, template_collection_id, emit_mode)
       CROSS JOIN LATERAL (
            SELECT ${AGGREGATES}
              FROM iu_auto_instantiate_event_log l
             WHERE l.triggered_by = k.actor AND l.template_collection_id = k.template_collection_id
               AND l.emit_mode = k.emit_mode AND ${bulkRowSql('l')} AND ${batchTagSql('l')} = k.batch_tag) a
       LEFT JOIN iu_piece_collection t ON t.id = k.template_collection_id`,
    [ks.map((k) => k.actor), ks.map((k) => k.batchTag), ks.map((k) => k.templateId), ks.map((k) => k.emitMode)],
  );
  for (const r of found) {
    const g = groupOf(r);
    out.set(batchId(g), g);
  }
  return out;
}

/** A batch's headline: "bulk wave-2: 2,000 live instances of tpl:x, rolled back by admin". */
export function batchTitle(g: BatchGroup): string {
  const n = (x: number) => x.toLocaleString('en');
  const what = `${n(g.made)} ${g.emitMode === 'live' ? 'live' : 'dry-run'} instance${g.made === 1 ? '' : 's'}`;
  const others = [g.replays ? `${n(g.replays)} replayed` : '', g.refusals ? `${n(g.refusals)} refused` : ''].filter(
    Boolean,
  );
  const by = g.rolledBackBy.join(', ');
  const rolled =
    g.rolledBack === 0
      ? ''
      : g.rolledBack === g.made
        ? `, rolled back by ${by}`
        : `, ${n(g.rolledBack)} of them rolled back by ${by}`;
  return `bulk ${g.batchTag}: ${what} of ${g.templateKey ?? g.templateId}${others.length ? ` (${others.join(', ')})` : ''}${rolled}`;
}

export interface BatchRow {
  id: number;
  eventId: string;
  uniqueSuffix: string;
  status: string;
  instanceId: string | null;
  instanceKey: string | null;
  createdAt: Date;
  rolledBackAt: Date | null;
  rolledBackBy: string | null;
}

/** One page of a batch's rows by log id (after `after`), at most `limit` (50). */
export async function listBatchRows(
  db: Pick<Database, 'query'>,
  key: BatchKey,
  opts: { after?: number; limit?: number } = {},
): Promise<{ rows: BatchRow[]; next: number | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const rows = await db.query<Record<string, unknown>>(
    `SELECT l.id, l.event_id, l.unique_suffix, l.status, l.instance_collection_id, i.collection_key AS instance_key,
            l.created_at, l.rolled_back_at, l.rolled_back_by
       FROM iu_auto_instantiate_event_log l
       LEFT JOIN iu_piece_collection i ON i.id = l.instance_collection_id
      WHERE l.triggered_by = $1 AND l.template_collection_id = $2::uuid AND l.emit_mode = $3
        AND ${batchTagSql('l')} = $4 AND ${bulkRowSql('l')} AND l.id > $5
      ORDER BY l.id
      LIMIT $6`,
    [key.actor, key.templateId, key.emitMode, key.batchTag, opts.after ?? 0, limit + 1],
  );
  const page = rows.slice(0, limit).map((r) => ({
    id: Number(r.id),
    eventId: String(r.event_id),
    uniqueSuffix: String(r.unique_suffix),
    status: String(r.status),
    instanceId: (r.instance_collection_id as string) ?? null,
    instanceKey: (r.instance_key as string) ?? null,
    createdAt: new Date(r.created_at as string),
    rolledBackAt: r.rolled_back_at ? new Date(r.rolled_back_at as string) : null,
    rolledBackBy: (r.rolled_back_by as string) ?? null,
  }));
  return { rows: page, next: rows.length > limit ? page.at(-1)!.id : null };
}
