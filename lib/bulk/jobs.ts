// Console bulk jobs: a bulk scale-out that runs in the server process in the background.
//
// Starting one goes through executeAuthorized with bulkScaleOutJobDefinition (the bulk
// definition's name, input, reason and confirm rules: a live run needs a recent preflight of
// the same parameters and the typed batch tag). Once every check has passed, the job row is
// written and the caller gets the job id; the recipe then runs its ONE transaction.
//
// Progress lives in this process (a Map on globalThis, keyed by job id): on PGlite, which is
// one session, a write or read from outside the recipe's transaction would wait until it
// ends. On PostgreSQL the progress is also written to the job row from the pool's other
// connections (at most once a second), which doubles as the runner's heartbeat. At the end
// the job row and every item's outcome are written in one statement.
//
// A job the row says is running but no live process runs is `interrupted`: its transaction
// died with its process and rolled back, so nothing of it was written.
import crypto from 'node:crypto';
import os from 'node:os';
import { desc, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '@/db/client';
import { consoleBulkJob, type BulkJobStatus } from '@/db/console-schema';
import { bulkScaleOutJobDefinition } from '@/lib/actions/definitions';
import { z } from 'zod';
import { executeAuthorized, reasonField, type ActionDefinition, type ActionResult, type Caller } from '@/lib/auth/authorize';
import { parsePlanId } from '@/lib/auth/plans';
import { logError } from '@/lib/log/redact';
import { hasRole, type Role } from '@/lib/auth/roles';
import { describeStatus } from '@/lib/recipes/messages';
import { refuse } from '@/lib/recipes/run';
import type { BulkItem } from '@/lib/recipes';

export type BulkJobMode = 'preview' | 'dry_run' | 'live';

/** The parameters a job ran with, as recorded on its row (never the reason or typed text). */
export interface BulkJobParams {
  templateCollectionId: string | null;
  templateKey: string | null;
  n: number;
  uuidPrefix: string;
  batchTag: string;
  emitMode: 'dry_run' | 'live';
  eventType: string;
  note: string | null;
  runTag: string | null;
}

/** A job as the job row holds it; the view and the in-process job both build on it. */
interface BulkJobRecord {
  id: string;
  username: string;
  actor: string;
  params: BulkJobParams;
  mode: BulkJobMode;
  status: BulkJobStatus;
  total: number;
  done: number;
  counts: Record<string, number>;
  startedAt: Date;
  finishedAt: Date | null;
  updatedAt: Date;
  reason: string | null;
  auditId: number | null;
  /** The wrapper's or recipe's status once finished: ok, cancelled, busy, gate_leak, … */
  resultStatus: string | null;
  committed: boolean;
  message: string | null;
  /** The plan its preflight made, or the plan its run applied. */
  planId: number | null;
}

/** What the console shows of a job; JSON-safe (dates as ISO strings). */
export interface BulkJobView extends Omit<BulkJobRecord, 'startedAt' | 'finishedAt' | 'updatedAt'> {
  startedAt: string;
  finishedAt: string | null;
  updatedAt: string;
  /** A cancel was asked for and the run has not stopped yet. */
  cancelRequested: boolean;
  /** Served from the process that runs it (true) or from the job row. */
  live: boolean;
  elapsedMs: number;
  /** Items per second so far, or over the whole run once finished. */
  ratePerSec: number | null;
  /** Seconds left at the current rate, while running. */
  etaSec: number | null;
}

export interface BulkJobItemView {
  seq: number;
  eventId: string;
  uniqueSuffix: string;
  status: string;
  instanceCollectionKey: string | null;
  instanceCollectionId: string | null;
  eventLogId: number | null;
}

interface LiveJob extends BulkJobRecord {
  controller: AbortController;
  items: BulkItem[];
  finished: Promise<BulkJobView>;
  lastWrite: number;
  heartbeat?: ReturnType<typeof setInterval>;
  /** The end and the items were written in the batch's transaction. */
  itemsWritten?: boolean;
  /** Who asked to cancel (the owner or a lead) and why, for the job's message. */
  cancelledBy?: string;
  cancelReason?: string;
}

// On globalThis: Next may load this module once per route bundle, and every route handler,
// page and action of this process must see the same jobs.
const KEY = Symbol.for('iu-core-console.bulk-jobs');
type Holder = typeof globalThis & { [KEY]?: { jobs: Map<string, LiveJob>; runner: string; swept: WeakSet<object> } };

function state() {
  const h = globalThis as Holder;
  h[KEY] ??= { jobs: new Map(), runner: `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`, swept: new WeakSet() };
  return h[KEY];
}

/** This process's runner id, recorded on the rows of the jobs it runs. */
export function runnerId(): string {
  return state().runner;
}

/** Whether this process is running a bulk job now (PGlite is then held by its transaction). */
export function anyJobRunning(): boolean {
  for (const j of state().jobs.values()) if (j.status === 'running' || j.status === 'queued') return true;
  return false;
}

/** A running job whose row has not been touched for this long belongs to a process that died. */
const STALE_MS = 60_000;
/** How long a finished job stays in memory, for polls that race the final write. */
const KEEP_MS = 60_000;

export const INTERRUPTED_MESSAGE =
  'The server stopped while this run was in progress. Its transaction rolled back with it, so nothing of this batch was written; run it again (a preflight first).';

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function paramsOf(v: Record<string, unknown>): BulkJobParams {
  return {
    templateCollectionId: (v.templateCollectionId as string | undefined)?.toLowerCase() ?? null,
    templateKey: (v.templateKey as string | undefined) ?? null,
    n: Number(v.n),
    uuidPrefix: String(v.uuidPrefix),
    batchTag: String(v.batchTag),
    emitMode: v.emitMode === 'live' ? 'live' : 'dry_run',
    eventType: String(v.eventType ?? 'template.published'),
    note: (v.note as string | undefined) ?? null,
    runTag: (v.runTag as string | undefined) ?? null,
  };
}

function viewOf(j: BulkJobRecord & { cancelRequested?: boolean }, live: boolean): BulkJobView {
  const end = j.finishedAt ?? (j.status === 'running' || j.status === 'queued' ? new Date() : j.updatedAt);
  const elapsedMs = Math.max(0, end.getTime() - j.startedAt.getTime());
  const rate = elapsedMs > 0 && j.done > 0 ? (j.done / elapsedMs) * 1000 : null;
  const running = j.status === 'running' || j.status === 'queued';
  return {
    id: j.id,
    username: j.username,
    actor: j.actor,
    params: j.params,
    mode: j.mode,
    status: j.status,
    total: j.total,
    done: j.done,
    counts: j.counts,
    startedAt: j.startedAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString() ?? null,
    updatedAt: j.updatedAt.toISOString(),
    reason: j.reason,
    auditId: j.auditId,
    resultStatus: j.resultStatus,
    committed: j.committed,
    message: j.message,
    planId: j.planId ?? null,
    cancelRequested: !!j.cancelRequested,
    live,
    elapsedMs,
    ratePerSec: rate,
    etaSec: running && rate ? Math.max(0, (j.total - j.done) / rate) : null,
  };
}

function liveView(j: LiveJob): BulkJobView {
  return viewOf({ ...j, cancelRequested: j.controller.signal.aborted && (j.status === 'running' || j.status === 'queued') }, true);
}

export type StartBulkJobResult =
  | { ok: true; jobId: string; job: BulkJobView }
  /** Refused before anything ran (signed out, role, input, no preflight, batch tag not typed): no job. */
  | { ok: false; result: ActionResult<unknown> };

/**
 * Starts a bulk scale-out job for `caller` with the raw form or JSON input (preview: true
 * for the preflight). Resolves once the job runs, or with the wrapper's refusal.
 */
export async function startBulkJob(caller: Caller, raw: unknown): Promise<StartBulkJobResult> {
  const db = caller.db;
  const id = crypto.randomUUID();
  const controller = new AbortController();
  let job: LiveJob | undefined;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));

  const def = bulkScaleOutJobDefinition({
    signal: controller.signal,
    async onStart(ctx, v) {
      const now = new Date();
      const j: LiveJob = {
        id,
        username: ctx.user,
        actor: ctx.runTag ? `${ctx.user}:${ctx.runTag}` : ctx.user,
        params: paramsOf(v as Record<string, unknown>),
        mode: v.preview ? 'preview' : v.emitMode,
        status: 'running',
        total: Number(v.n),
        done: 0,
        counts: {},
        startedAt: now,
        finishedAt: null,
        updatedAt: now,
        reason: v.reason ?? null,
        auditId: null,
        resultStatus: null,
        committed: false,
        message: null,
        // a run names the plan it applies; a preflight's plan is made when it ends
        planId: v.preview ? null : parsePlanId((raw as Record<string, unknown> | null)?.planId),
        controller,
        items: [],
        finished: undefined as unknown as Promise<BulkJobView>,
        lastWrite: Date.now(),
      };
      if (!j.params.templateKey && j.params.templateCollectionId) {
        // the page shows the key; the run itself goes by the id it was given
        const [t] = rowsOf<{ k: string }>(await db.orm.execute(sql`SELECT collection_key AS k FROM iu_piece_collection WHERE id = ${j.params.templateCollectionId}::uuid`));
        j.params.templateKey = t?.k ?? null;
      }
      // written before the recipe's transaction opens (on PGlite it could not be after)
      await db.orm.insert(consoleBulkJob).values({
        id,
        username: j.username,
        actor: j.actor,
        params: j.params as unknown as Record<string, unknown>,
        mode: j.mode,
        status: 'running',
        total: j.total,
        done: 0,
        counts: {},
        runner: runnerId(),
        startedAt: now,
        updatedAt: now,
        reason: j.reason,
        committed: false,
        planId: j.planId,
      });
      state().jobs.set(id, j);
      job = j;
      if (db.kind === 'postgres') {
        // the heartbeat that tells other processes this run is alive, also while a chunk is slow
        j.heartbeat = setInterval(() => void writeProgress(db, j).catch(() => {}), 10_000);
        j.heartbeat.unref?.();
      }
      markStarted();
    },
    async onProgress(p) {
      const j = job!;
      j.done = p.done;
      j.counts = p.counts;
      j.updatedAt = new Date();
      if (db.kind === 'postgres' && Date.now() - j.lastWrite >= 1000) {
        j.lastWrite = Date.now();
        // another pool connection; never awaited, so the run does not wait for it
        void writeProgress(db, j).catch(() => {});
      }
      // PGlite runs each chunk without giving the event loop a turn: yield here, so the
      // server answers progress polls (and a cancel) between chunks
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    onItems(items) {
      job!.items = items;
    },
    async onCommit(tx, result) {
      // in the batch's own transaction: a committed batch always has its record, and a
      // process that dies after the commit cannot leave it looking interrupted
      const j = job!;
      j.counts = result.counts;
      await writeEnd(tx, j, { status: 'succeeded', resultStatus: 'ok', committed: true, auditId: null, message: endMessage(j, 'succeeded', null), items: result.items, finishedAt: new Date() });
      j.itemsWritten = true;
    },
  });

  const finished = executeAuthorized(def, caller, raw).then(async (result) => {
    if (job) await finish(db, job, result);
    return result;
  });
  // the run goes on in the background: a failure there is logged, never an unhandled rejection
  finished.catch((err) => logError(`[iu-console] bulk job ${id} failed:`, err));
  await Promise.race([started, finished.catch(() => undefined)]);
  if (!job) return { ok: false, result: await finished };
  const j: LiveJob = job;
  j.finished = finished.then(
    () => liveView(j),
    async () => {
      await settle(db, j, { status: 'failed', resultStatus: 'error', committed: false, auditId: null, message: 'Something went wrong and nothing was written; see the server log.' }).catch(() => {});
      return liveView(j);
    },
  );
  return { ok: true, jobId: id, job: liveView(j) };
}

function summary(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, n]) => `${k} ${n.toLocaleString('en')}`)
    .join(', ');
}

function endMessage(j: LiveJob, status: BulkJobStatus, result: ActionResult<unknown> | null): string {
  if (status === 'succeeded') {
    return j.mode === 'preview'
      ? `Preflight of all ${j.total.toLocaleString('en')} items: ${summary(j.counts)}. It was rolled back; nothing was written.`
      : `Committed ${j.total.toLocaleString('en')} items (${j.params.emitMode}): ${summary(j.counts)}.`;
  }
  if (status === 'cancelled') return `Cancelled${j.cancelledBy ? ` by ${j.cancelledBy}` : ''}${j.cancelReason ? ` (${j.cancelReason})` : ''} after ${j.done.toLocaleString('en')} of ${j.total.toLocaleString('en')} items. ${describeStatus('cancelled')}`;
  return result?.message ?? describeStatus('cancelled');
}

async function finish(db: Database, j: LiveJob, result: ActionResult<unknown>): Promise<void> {
  const status: BulkJobStatus = result.ok ? 'succeeded' : result.status === 'cancelled' ? 'cancelled' : result.decision === 'error' ? 'failed' : 'refused';
  const planId = result.ok ? (result.plan?.id ?? j.planId) : j.planId;
  await settle(db, j, { status, resultStatus: result.status, committed: result.committed, auditId: result.auditId, message: endMessage(j, status, result), items: status === 'succeeded' ? j.items : [], planId });
}

type JobEnd = { status: BulkJobStatus; resultStatus: string; committed: boolean; auditId: number | null; message: string; items?: BulkItem[]; planId?: number | null };

/** Writes the end of a job: the row and every item's outcome, in one statement. */
async function writeEnd(on: Pick<Database['orm'], 'execute'>, j: LiveJob, end: JobEnd & { finishedAt: Date }): Promise<void> {
  const done = end.status === 'succeeded' ? j.total : j.done;
  const items = (end.items ?? []).map((i) => ({
    s: i.index,
    e: i.eventId,
    u: i.uniqueSuffix,
    t: i.status,
    k: i.instanceCollectionKey,
    c: i.instanceCollectionId,
    l: i.eventLogId,
  }));
  await on.execute(sql`
    WITH job AS (
      UPDATE console_bulk_job
         SET status = ${end.status}, done = ${done}, counts = ${JSON.stringify(j.counts)}::jsonb,
             finished_at = ${end.finishedAt.toISOString()}::timestamptz, updated_at = clock_timestamp(),
             audit_id = ${end.auditId}, result_status = ${end.resultStatus}, committed = ${end.committed},
             message = ${end.message}, plan_id = ${end.planId ?? j.planId ?? null}
       WHERE id = ${j.id}::uuid
      RETURNING id)
    INSERT INTO console_bulk_job_item
           (job_id, seq, event_id, unique_suffix, status, instance_collection_key, instance_collection_id, event_log_id)
    SELECT job.id, x.s, x.e, x.u, x.t, x.k, x.c, x.l
      FROM job, jsonb_to_recordset(${JSON.stringify(items)}::jsonb) AS x(s int, e uuid, u text, t text, k text, c uuid, l bigint)`);
}

/** Records the end of a job once its transaction is over, and lets this process forget it. */
async function settle(db: Database, j: LiveJob, end: JobEnd): Promise<void> {
  if (j.heartbeat) clearInterval(j.heartbeat);
  const finishedAt = new Date();
  if (j.itemsWritten && end.status === 'succeeded') {
    // the end and the items were committed with the batch; only the audit entry's id is new
    await db.orm.execute(sql`UPDATE console_bulk_job SET audit_id = ${end.auditId}, updated_at = clock_timestamp() WHERE id = ${j.id}::uuid`);
  } else {
    await writeEnd(db.orm, j, { ...end, finishedAt });
  }
  const done = end.status === 'succeeded' ? j.total : j.done;
  // only now does a poll see the end, so the items are there when it asks for them
  Object.assign(j, { status: end.status, resultStatus: end.resultStatus, committed: end.committed, auditId: end.auditId, message: end.message, done, finishedAt, updatedAt: finishedAt, items: [], planId: end.planId ?? j.planId });
  setTimeout(() => state().jobs.delete(j.id), KEEP_MS).unref?.();
}

async function writeProgress(db: Database, j: LiveJob): Promise<void> {
  if (j.status !== 'running') return;
  await db.orm.execute(sql`
    UPDATE console_bulk_job SET done = ${j.done}, counts = ${JSON.stringify(j.counts)}::jsonb, updated_at = clock_timestamp()
     WHERE id = ${j.id}::uuid AND status = 'running'`);
}

/** Waits for a job this process runs to end (tests, benchmarks); null when it runs elsewhere. */
export function waitForBulkJob(id: string): Promise<BulkJobView> | null {
  return state().jobs.get(id)?.finished ?? null;
}

export const cancelBulkJobInput = z.object({
  jobId: z.string({ error: 'The job id is required.' }).trim().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'The job id must be a UUID.'),
  reason: reasonField,
});

/**
 * Cancelling a running bulk job, as an action: its owner or a lead, with a reason, audited
 * like every mutation. The run's one transaction then rolls back.
 */
export const cancelBulkJobDefinition: ActionDefinition<typeof cancelBulkJobInput, BulkJobView> = {
  name: 'bulk_cancel',
  role: 'operator',
  input: cancelBulkJobInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: async (ctx, v) => {
    const id = v.jobId.toLowerCase();
    const j = state().jobs.get(id);
    if (!j) {
      const row = await getBulkJob(ctx.db, id);
      if (!row) return refuse('not_found', { message: 'There is no such bulk job.' });
      return refuse('not_running', { message: `This job is no longer running (${row.status}); there is nothing to cancel.` });
    }
    if (j.username !== ctx.user && !hasRole((ctx.role ?? null) as Role | null, 'lead')) {
      return refuse('denied', { message: `Only ${j.username}, who started this job, or a lead can cancel it.` });
    }
    if (j.status !== 'running' && j.status !== 'queued') {
      return refuse('not_running', { message: `This job is no longer running (${j.status}); there is nothing to cancel.` });
    }
    j.cancelledBy = ctx.user;
    j.cancelReason = v.reason;
    j.controller.abort();
    return { ok: true, status: 'ok', committed: false, result: liveView(j) };
  },
  summarize: (o) => (o.ok ? `asked bulk job ${o.result.id} (${o.result.username}, ${o.result.done}/${o.result.total}) to stop` : `${o.status}: ${o.message}`),
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The job row as read back: the record, and which process ran it. */
type JobRow = BulkJobRecord & { runner: string | null };

function rowView(r: JobRow): BulkJobView {
  return viewOf({ ...r, auditId: num(r.auditId) }, false);
}

/**
 * Marks running jobs that no live process runs as interrupted: on PGlite (one process) every
 * one this process does not run; on PostgreSQL those of this process it no longer knows,
 * and those whose heartbeat stopped.
 */
export async function markInterrupted(db: Database): Promise<number> {
  const live = [...state().jobs.keys()].join(',');
  const stale = new Date(Date.now() - STALE_MS).toISOString();
  const rows = rowsOf<{ id: string }>(
    await db.orm.execute(sql`
      UPDATE console_bulk_job
         SET status = 'interrupted', finished_at = clock_timestamp(), updated_at = clock_timestamp(),
             result_status = 'interrupted', committed = false, message = ${INTERRUPTED_MESSAGE}
       WHERE status IN ('queued', 'running')
         AND NOT (id::text = ANY (string_to_array(${live}, ',')))
         AND (${db.kind === 'pglite'} OR runner = ${runnerId()} OR runner IS NULL OR updated_at < ${stale}::timestamptz)
      RETURNING id`),
  );
  return rows.length;
}

/** Once per process and database: what the previous process left running was interrupted. */
async function sweepOnce(db: Database): Promise<void> {
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
  const read = async () => (await db.orm.select().from(consoleBulkJob).where(sql`${consoleBulkJob.id} = ${id}::uuid`)) as unknown as JobRow[];
  let [row] = await read();
  if (!row) return null;
  if (row.status === 'running' || row.status === 'queued') {
    // running on the row, unknown here: interrupted, unless another live process runs it
    if ((await markInterrupted(db)) > 0) [row] = await read();
  }
  return rowView(row);
}

/** The latest jobs, newest first, with the live progress of those running here. */
export async function listBulkJobs(db: Database, limit = 20): Promise<BulkJobView[]> {
  await sweepOnce(db);
  await markInterrupted(db);
  const rows = (await db.orm.select().from(consoleBulkJob).orderBy(desc(consoleBulkJob.startedAt), desc(consoleBulkJob.id)).limit(limit)) as unknown as JobRow[];
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
  const rows = rowsOf<{ seq: number; event_id: string; unique_suffix: string; status: string; instance_collection_key: string | null; instance_collection_id: string | null; event_log_id: number | null }>(
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
    rowsOf<{ e: boolean }>(await db.orm.execute(sql`SELECT EXISTS (SELECT 1 FROM console_bulk_job_item WHERE job_id = ${id}::uuid AND ${filter} AND ${cond}) AS e`))[0].e;
  const next = backwards ? ((await exists(sql`seq > ${last}`)) ? last : null) : more ? last : null;
  const prev = backwards ? (more ? first : null) : (await exists(sql`seq < ${first}`)) ? first : null;
  return { items, next, prev };
}
