// Reading bulk jobs: one, the latest, a finished job's items by keyset, and waiting for an end.
// A running row no live worker holds reads `interrupted` (markInterrupted).
import { desc, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '@/db/client';
import { consoleBulkJob } from '@/db/console-schema';
import {
  INTERRUPTED_MESSAGE,
  heartbeatStaleSeconds,
  liveView,
  num,
  rowView,
  TERMINAL,
  UUID_RE,
  type BulkJobItemView,
  type BulkJobView,
} from './job-model';
import { state } from './job-state';

/**
 * Waits for a job to end (tests, benchmarks, scripts): from this process when it runs here,
 * else by reading its row, for at most `timeoutMs`. Null for an unknown job or a timeout.
 */
export async function waitForBulkJob(db: Database, id: string, timeoutMs = 120_000): Promise<BulkJobView | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const j = state().jobs.get(id);
    if (j) {
      const left = until - Date.now();
      return Promise.race([j.finished, new Promise<null>((r) => setTimeout(() => r(null), left).unref?.())]);
    }
    const v = await getBulkJob(db, id);
    if (!v) return null;
    if (TERMINAL.has(v.status)) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

/**
 * Marks running jobs that no live worker runs as interrupted: on PGlite (one process) every
 * one this process does not run; on PostgreSQL those whose heartbeat is older than
 * IU_HEARTBEAT_STALE_SECONDS (any instance may do this; the worker, if it were alive after
 * all, finds its row ended and rolls its batch back).
 */
export async function markInterrupted(db: Database): Promise<number> {
  const live = [...state().jobs.keys(), ...state().pending].join(',');
  const stale = `${heartbeatStaleSeconds()} seconds`;
  const rows = rowsOf<{ id: string }>(
    await db.orm.execute(sql`
      UPDATE console_bulk_job
         SET status = 'interrupted', finished_at = clock_timestamp(), updated_at = clock_timestamp(),
             result_status = 'interrupted', committed = false, message = ${INTERRUPTED_MESSAGE}
       WHERE NOT (id::text = ANY (string_to_array(${live}, ',')))
         AND (${db.kind === 'pglite'} AND status IN ('queued', 'running')
              OR status = 'running'
                 AND COALESCE(heartbeat_at, updated_at) < clock_timestamp() - ${stale}::interval)
      RETURNING id`),
  );
  return rows.length;
}

/** Once per process and database: what the previous process left running was interrupted. */
export async function sweepOnce(db: Database): Promise<void> {
  const s = state();
  if (s.swept.has(db)) return;
  s.swept.add(db);
  await markInterrupted(db);
}

/** One job: from this process while it runs here, else from its row. Null for an unknown id. */
export async function getBulkJob(db: Database, id: string): Promise<BulkJobView | null> {
  if (!UUID_RE.test(id)) return null;
  const j = state().jobs.get(id.toLowerCase());
  if (j) return liveView(j);
  await sweepOnce(db);
  const read = async () =>
    db.orm
      .select()
      .from(consoleBulkJob)
      .where(sql`${consoleBulkJob.id} = ${id}::uuid`);
  let [row] = await read();
  if (!row) return null;
  if (row.status === 'running' || row.status === 'queued') {
    // running on the row: interrupted, unless a live worker keeps its heartbeat
    if ((await markInterrupted(db)) > 0) [row] = await read();
  }
  return rowView(row);
}

/** The latest jobs, newest first, with the live progress of those running here. */
export async function listBulkJobs(db: Database, limit = 20): Promise<BulkJobView[]> {
  await sweepOnce(db);
  await markInterrupted(db);
  const rows = await db.orm
    .select()
    .from(consoleBulkJob)
    .orderBy(desc(consoleBulkJob.startedAt), desc(consoleBulkJob.id))
    .limit(limit);
  return rows.map((r) => {
    const j = state().jobs.get(r.id);
    return j ? liveView(j) : rowView(r);
  });
}

export interface ItemPage {
  items: BulkJobItemView[];
  /** Pass as `after` for the next page; null on the last. */
  next: number | null;
  /** Pass as `before` for the previous page; null on the first. */
  prev: number | null;
}

/** Which items a filter keeps: all, every refusal, or one exact status. */
export function itemFilterSql(status: string | undefined) {
  if (!status || status === 'all') return sql`TRUE`;
  if (status === 'refused') return sql`status NOT IN ('ok', 'idempotent_replay')`;
  return sql`status = ${status}`;
}

/** One page of a finished job's items, in order, by keyset on seq (never OFFSET). */
export async function listBulkJobItems(
  db: Database,
  id: string,
  opts: { status?: string; after?: number; before?: number; limit?: number } = {},
): Promise<ItemPage> {
  if (!UUID_RE.test(id)) return { items: [], next: null, prev: null };
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  const filter = itemFilterSql(opts.status);
  const backwards = opts.before !== undefined;
  const bound = backwards ? sql`seq < ${opts.before}` : sql`seq > ${opts.after ?? 0}`;
  const rows = rowsOf<{
    seq: number;
    event_id: string;
    unique_suffix: string;
    status: string;
    instance_collection_key: string | null;
    instance_collection_id: string | null;
    event_log_id: number | null;
  }>(
    await db.orm.execute(sql`
      SELECT seq, event_id, unique_suffix, status, instance_collection_key, instance_collection_id, event_log_id
        FROM console_bulk_job_item
       WHERE job_id = ${id}::uuid AND ${filter} AND ${bound}
       ORDER BY seq ${backwards ? sql`DESC` : sql`ASC`}
       LIMIT ${limit + 1}`),
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (backwards) page.reverse();
  const items = page.map((r) => ({
    seq: r.seq,
    eventId: r.event_id,
    uniqueSuffix: r.unique_suffix,
    status: r.status,
    instanceCollectionKey: r.instance_collection_key,
    instanceCollectionId: r.instance_collection_id,
    eventLogId: num(r.event_log_id),
  }));
  if (!items.length) return { items, next: null, prev: null };
  const first = items[0].seq;
  const last = items[items.length - 1].seq;
  const exists = async (cond: ReturnType<typeof sql>) =>
    rowsOf<{ e: boolean }>(
      await db.orm.execute(
        sql`SELECT EXISTS (SELECT 1 FROM console_bulk_job_item WHERE job_id = ${id}::uuid AND ${filter} AND ${cond}) AS e`,
      ),
    )[0].e;
  const next = backwards ? ((await exists(sql`seq > ${last}`)) ? last : null) : more ? last : null;
  const prev = backwards ? (more ? first : null) : (await exists(sql`seq < ${first}`)) ? first : null;
  return { items, next, prev };
}
