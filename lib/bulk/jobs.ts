// Console bulk jobs: a bulk scale-out (live, dry run, or its preflight) runs as a job.
//
// The request goes through executeAuthorized with the bulk definition (role, input, reason,
// and for an apply its plan and the typed batch tag); once every check has passed, the job
// row that records the request (with the requester's role and the accepted input) is
// written, and on PostgreSQL the pg-boss job is created in the same transaction. A worker
// (every console process by default, or `npm run worker`) claims the row (queued → running,
// once), and runs the recipe through the same wrapper as the requester: its ONE
// transaction, the plan checked and used up inside it, the audit row committed with it.
//
// On the embedded PGlite (one process, one session) pg-boss cannot run; the same rows are
// written and the process runs the job itself at once (runInProcess), with the same claim,
// hooks and end. Progress then lives in this process's memory (a Map on globalThis), since a
// read from outside the run's transaction would wait until it ends.
//
// On PostgreSQL the worker writes progress and a heartbeat to the row about once a second
// and reads back, in the same statement, whether a cancel was asked for, from any instance.
// A running row whose heartbeat is older than IU_HEARTBEAT_STALE_SECONDS belongs to a worker
// that died: it reads `interrupted` (its transaction died with it and rolled back).
import crypto from 'node:crypto';
import os from 'node:os';
import { and, desc, eq, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '@/db/client';
import { consoleBulkJob, type BulkJobStatus } from '@/db/console-schema';
import { bulkActionInput, bulkScaleOutDefinition, bulkScaleOutJobDefinition } from '@/lib/recipes/bulk-scale-out';
import { z } from 'zod';
import { auditParams, writeAudit } from '@/lib/auth/audit';
import {
  executeAuthorized,
  reasonField,
  toPlainInput,
  type ActionDefinition,
  type ActionResult,
  type Caller,
  type PlanRule,
} from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import { parsePlanId } from '@/lib/auth/plans';
import { asRole, hasRole, type Role } from '@/lib/auth/roles';
import { bossFor, sendInSession } from '@/lib/jobs/engine';
import { log, requestId } from '@/lib/log/logger';
import { metrics } from '@/lib/metrics/registry';
import { describeForLog } from '@/lib/log/redact';
import { describeStatus } from '@/lib/recipes/messages';
import { refuse } from '@/lib/recipes/run';
import type { BulkItem } from '@/lib/recipes';
import { canRunAgain, SHUTDOWN_CANCEL_BY } from './job-status';

export { canRunAgain, SHUTDOWN_CANCEL_BY };

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
  heartbeat?: ReturnType<typeof setInterval>;
  /** The end and the items were written in the batch's transaction. */
  itemsWritten?: boolean;
  /** Who asked to cancel (the owner, a lead, or shutdown) and why, for the job's message. */
  cancelledBy?: string;
  cancelReason?: string;
}

/** What the request recorded for its worker: the accepted input and where it came from. */
interface JobRequest {
  input: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  /** The id of the HTTP request that asked for it, for the logs. */
  reqId?: string | null;
}

// On globalThis: Next may load this module once per route bundle, and server.ts loads it
// again outside Next; every route handler, page, action and the drain of this process must
// see the same jobs.
const KEY = Symbol.for('iu-core-console.bulk-jobs');
interface JobsState {
  jobs: Map<string, LiveJob>;
  runner: string;
  swept: WeakSet<object>;
  /** Set by the drain: no new run starts in this process. */
  draining: boolean;
  /** Jobs this process recorded and is about to run (PGlite): not interrupted by a sweep meanwhile. */
  pending: Set<string>;
}
type Holder = typeof globalThis & { [KEY]?: JobsState };

function state(): JobsState {
  const h = globalThis as Holder;
  h[KEY] ??= { jobs: new Map(), runner: `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`, swept: new WeakSet(), draining: false, pending: new Set() };
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

const envSeconds = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
/** A running job whose heartbeat is older than this belongs to a worker that died. */
export const heartbeatStaleSeconds = () => envSeconds('IU_HEARTBEAT_STALE_SECONDS', 15);
/** How often a worker writes its heartbeat and reads its row for a cancel. */
const HEARTBEAT_MS = 1000;
/** How long a finished job stays in memory, for polls that race the final write. */
const KEEP_MS = 60_000;

export const INTERRUPTED_MESSAGE =
  'The server stopped while this run was in progress. Its transaction rolled back with it, so nothing of this batch was written; run it again (a preflight first).';
export const CONNECTION_LOST_MESSAGE =
  'The database could not be reached during this run. Its transaction rolled back, so nothing of this batch was written; run it again once PostgreSQL is back.';

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
    cancelRequested: !!j.cancelRequested && running,
    live,
    elapsedMs,
    ratePerSec: rate,
    etaSec: running && rate ? Math.max(0, (j.total - j.done) / rate) : null,
  };
}

function liveView(j: LiveJob): BulkJobView {
  return viewOf({ ...j, cancelRequested: j.controller.signal.aborted }, true);
}

export type StartBulkJobResult =
  | { ok: true; jobId: string; job: BulkJobView }
  /** Refused before anything ran (signed out, role, input, no preflight, batch tag not typed): no job. */
  | { ok: false; result: ActionResult<unknown> };

type RequestDefinition = ActionDefinition<typeof bulkActionInput, { jobId: string }>;

/**
 * The bulk definition as a request: the same name, role, input, reason rule, and for an
 * apply the same plan check (the caller's own unused plan of these parameters, the typed
 * batch tag), audited when the request is made. Its run records the job instead of running
 * the batch; a preflight's plan is made by its run, so the request makes none.
 */
function requestDefinition(preview: boolean, enqueue: RequestDefinition['run']): RequestDefinition {
  const { name, role, input, mode, reasonRequired } = bulkScaleOutDefinition;
  // only applies/params/typed are read for a request: it never calls verify nor makes a plan
  const plan = bulkScaleOutDefinition.plan as unknown as PlanRule<z.output<typeof bulkActionInput>, { jobId: string }>;
  return {
    name,
    role,
    input,
    mode,
    reasonRequired,
    ...(preview ? {} : { plan }),
    run: enqueue,
    summarize: (o) => (o.ok ? `requested: queued as bulk job ${o.result.jobId}` : `${o.status}: ${o.message}`),
  };
}

/**
 * Requests a bulk scale-out job for `caller` with the raw form or JSON input (preview: true
 * for the preflight). Resolves with the job once it is recorded (and, on PGlite, running),
 * or with the wrapper's refusal (nothing recorded but the audit row).
 */
export async function startBulkJob(caller: Caller, raw: unknown): Promise<StartBulkJobResult> {
  const db = caller.db;
  // on PostgreSQL a draining instance still records requests: another instance's worker runs them
  if (state().draining && db.kind === 'pglite') {
    return { ok: false, result: { ok: false, decision: 'refused', status: 'draining', committed: false, auditId: null, message: 'This console instance is shutting down and takes no new runs; try again in a moment.' } };
  }
  const input = toPlainInput(raw);
  const preview = bulkActionInput.shape.preview.safeParse(input.preview).data === true;
  const id = crypto.randomUUID();
  const def = requestDefinition(preview, async (ctx, v) => {
    const now = new Date();
    const params = paramsOf(v as Record<string, unknown>);
    if (!params.templateKey && params.templateCollectionId) {
      // the page shows the key; the run itself goes by the id it was given
      const [t] = rowsOf<{ k: string }>(await db.orm.execute(sql`SELECT collection_key AS k FROM iu_piece_collection WHERE id = ${params.templateCollectionId}::uuid`));
      params.templateKey = t?.k ?? null;
    }
    const request: JobRequest = { input, ip: caller.request.ip, userAgent: caller.request.userAgent, reqId: requestId() };
    const row = {
      id,
      username: ctx.user,
      actor: ctx.runTag ? `${ctx.user}:${ctx.runTag}` : ctx.user,
      params: params as unknown as Record<string, unknown>,
      mode: (v.preview ? 'preview' : v.emitMode) as BulkJobMode,
      status: 'queued' as const,
      total: Number(v.n),
      reason: v.reason ?? null,
      // a run names the plan it applies; a preflight's plan is made when it ends
      planId: v.preview ? null : parsePlanId(input.planId),
      request: request as unknown as Record<string, unknown>,
      role: ctx.role ?? null,
      source: caller.identity?.source ?? 'session',
      startedAt: now,
      updatedAt: now,
    };
    if (db.kind === 'postgres') {
      // pg-boss's schema and queue first (once per process), not while the request's transaction is open
      await bossFor(db);
      // the row and the pg-boss job commit together: no job without its request, nor the reverse
      await db.withSession(async (s) => {
        await s.exec('BEGIN');
        try {
          await s.query(
            `INSERT INTO console_bulk_job (id, username, actor, params, mode, status, total, done, counts, started_at, updated_at,
                                           reason, committed, plan_id, request, role, source)
             VALUES ($1, $2, $3, $4::jsonb, $5, 'queued', $6, 0, '{}'::jsonb, $7, $7, $8, false, $9, $10::jsonb, $11, $12)`,
            [row.id, row.username, row.actor, JSON.stringify(row.params), row.mode, row.total, now.toISOString(), row.reason, row.planId, JSON.stringify(row.request), row.role, row.source],
          );
          await sendInSession(db, s, { jobId: id });
          await s.exec('COMMIT');
        } catch (err) {
          await s.exec('ROLLBACK').catch(() => {});
          throw err;
        }
      });
    } else {
      state().pending.add(id);
      await db.orm.insert(consoleBulkJob).values({ ...row, done: 0, counts: {}, committed: false });
    }
    return { ok: true, status: 'ok', committed: false, result: { jobId: id } };
  });

  let result: ActionResult<{ jobId: string }>;
  try {
    result = await executeAuthorized(def, caller, raw);
    if (!result.ok) return { ok: false, result };
    log().info({ jobId: id, actor: result.actor, preview }, 'bulk job requested');
    // PGlite: this process is the worker; the request's audit row is written, so the run may hold the database
    if (db.kind === 'pglite') await runInProcess(db, id);
  } finally {
    state().pending.delete(id);
  }
  const job = await getBulkJob(db, id);
  return { ok: true, jobId: id, job: job! };
}

/** PGlite: runs the job in this process, resolving once it has started (or ended at once). */
async function runInProcess(db: Database, id: string): Promise<void> {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = runBulkJob(db, id, markStarted);
  done.catch((err) => log().error({ jobId: id, err: describeForLog(err) }, 'bulk job failed'));
  await Promise.race([started, done.catch(() => undefined)]);
}

/** The row as drizzle reads it. */
type JobRow = typeof consoleBulkJob.$inferSelect;

function recordOf(r: JobRow): BulkJobRecord {
  return {
    id: r.id,
    username: r.username,
    actor: r.actor,
    params: r.params as unknown as BulkJobParams,
    mode: r.mode,
    status: r.status,
    total: r.total,
    done: r.done,
    counts: r.counts,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    updatedAt: r.updatedAt,
    reason: r.reason,
    auditId: num(r.auditId),
    resultStatus: r.resultStatus,
    committed: r.committed,
    message: r.message,
    planId: num(r.planId),
  };
}

/**
 * Runs one recorded job as its requester: claims the row (queued → running; a job already
 * claimed, cancelled or ended is left alone), runs the recipe's one transaction through the
 * wrapper, and records the end, retried until the database answers. The pg-boss worker and
 * the PGlite runner both call this. Resolves with the job's end, or null when not claimed.
 */
export async function runBulkJob(db: Database, id: string, onStarted: () => void = () => {}): Promise<BulkJobView | null> {
  const s = state();
  if (s.draining) return null;
  const [row] = await db.orm
    .update(consoleBulkJob)
    .set({ status: 'running', runner: runnerId(), heartbeatAt: sql`clock_timestamp()` as unknown as Date, updatedAt: sql`clock_timestamp()` as unknown as Date })
    .where(and(eq(consoleBulkJob.id, id), eq(consoleBulkJob.status, 'queued')))
    .returning();
  if (!row) {
    onStarted();
    return null;
  }
  const claimedAt = Date.now();
  const request = (row.request ?? { input: {}, ip: null, userAgent: null }) as unknown as JobRequest;
  const controller = new AbortController();
  const j: LiveJob = { ...recordOf(row), controller, items: [], finished: undefined as unknown as Promise<BulkJobView> };
  if (row.cancelRequestedAt) {
    j.cancelledBy = row.cancelRequestedBy ?? undefined;
    j.cancelReason = row.cancelReason ?? undefined;
    controller.abort();
  }
  s.jobs.set(id, j);
  let resolveFinished!: (v: BulkJobView) => void;
  j.finished = new Promise<BulkJobView>((resolve) => (resolveFinished = resolve));
  if (db.kind === 'postgres') startHeartbeat(db, j);
  const jobLog = log().child({ jobId: id, actor: j.actor, mode: j.mode, requestReqId: request.reqId ?? null, runner: runnerId() });
  jobLog.info('bulk job started');

  const identity: Identity = {
    userId: `job:${row.username}`,
    username: row.username,
    role: asRole(row.role),
    mustChangePassword: false,
    source: row.source === 'trusted-header' ? 'trusted-header' : 'session',
  };
  const caller: Caller = { db, identity, request: { ip: request.ip, userAgent: request.userAgent } };
  const def = bulkScaleOutJobDefinition({
    signal: controller.signal,
    async onStart() {
      onStarted();
    },
    async onProgress(p) {
      j.done = p.done;
      j.counts = p.counts;
      j.updatedAt = new Date();
      // PGlite runs each chunk without giving the event loop a turn: yield here, so the
      // server answers progress polls (and a cancel) between chunks
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    onItems(items) {
      j.items = items;
    },
    async onCommit(tx, result) {
      // in the batch's own transaction: a committed batch always has its record, and a
      // process that dies after the commit cannot leave it looking interrupted
      j.counts = result.counts;
      const written = await writeEnd(tx, j, { status: 'succeeded', resultStatus: 'ok', committed: true, auditId: null, message: endMessage(j, 'succeeded', null), items: result.items, finishedAt: new Date() });
      // the row is no longer running (another instance found the heartbeat stale): do not commit a batch it calls interrupted
      if (!written) throw new Error('This job was marked interrupted while it ran; its batch was rolled back.');
      j.itemsWritten = true;
    },
  });

  let end: JobEnd;
  let ranAudit = true;
  try {
    const result = await executeAuthorized(def, caller, request.input);
    end = endOf(j, result);
  } catch (err) {
    // the wrapper could not even record the failure: the database went away mid-run
    jobLog.error({ err: describeForLog(err) }, 'bulk job lost the database');
    ranAudit = false;
    end = { status: 'interrupted', resultStatus: 'db_unavailable', committed: false, auditId: null, message: CONNECTION_LOST_MESSAGE, items: [] };
  }
  onStarted();
  stopHeartbeat(j);
  await retrying(`end of bulk job ${id}`, async () => {
    if (!ranAudit && end.auditId === null) {
      end.auditId = await writeAudit(db.orm, {
        startedAt: j.startedAt,
        username: j.username,
        role: row.role,
        recipe: bulkScaleOutDefinition.name,
        params: auditParams(Object.fromEntries(Object.entries(request.input).filter(([k]) => k !== 'reason'))),
        mode: j.mode,
        decision: 'error',
        status: 'db_unavailable',
        summary: CONNECTION_LOST_MESSAGE,
        actor: j.actor,
        reason: j.reason,
        ip: request.ip,
        userAgent: request.userAgent,
        committed: false,
        planId: j.planId,
      });
    }
    await settle(db, j, end);
  });
  const view = liveView(j);
  jobLog.info({ status: view.status, resultStatus: view.resultStatus, done: view.done, total: view.total, ms: Date.now() - claimedAt }, 'bulk job ended');
  metrics().bulkJobRuns.inc({ mode: j.mode, status: view.status });
  metrics().bulkJobSeconds.observe({ mode: j.mode, status: view.status }, (Date.now() - claimedAt) / 1000);
  resolveFinished(view);
  return view;
}

/** Retries `fn` (the end of a run) until the database answers, for at most IU_END_RETRY_SECONDS. */
async function retrying(what: string, fn: () => Promise<void>): Promise<void> {
  const until = Date.now() + envSeconds('IU_END_RETRY_SECONDS', 600) * 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (Date.now() >= until) {
        // the heartbeat has stopped: any instance will read the row as interrupted
        log().error({ err: describeForLog(err) }, `gave up recording the ${what}`);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
    }
  }
}

function startHeartbeat(db: Database, j: LiveJob): void {
  let busy = false;
  const beat = async () => {
    if (busy || j.status !== 'running') return;
    busy = true;
    try {
      const rows = await db.query<{ cancel_requested_at: Date | null; cancel_requested_by: string | null; cancel_reason: string | null }>(
        `UPDATE console_bulk_job SET heartbeat_at = clock_timestamp(), updated_at = clock_timestamp(), done = $2, counts = $3::jsonb
          WHERE id = $1 AND status = 'running'
          RETURNING cancel_requested_at, cancel_requested_by, cancel_reason`,
        [j.id, j.done, JSON.stringify(j.counts)],
      );
      const r = rows[0];
      if (r) {
        metrics().workerHeartbeats.inc();
        metrics().workerLastHeartbeat.setToCurrentTime();
      }
      if (j.controller.signal.aborted) return;
      if (!r) {
        // someone ended the row (stale heartbeat seen elsewhere): stop, the batch must not commit
        j.cancelledBy ??= 'the console';
        j.cancelReason ??= 'the job was marked interrupted while it ran';
        j.controller.abort();
      } else if (r.cancel_requested_at) {
        j.cancelledBy = r.cancel_requested_by ?? undefined;
        j.cancelReason = r.cancel_reason ?? undefined;
        j.controller.abort();
      }
    } catch {
      // the database is away; the run's own transaction will say so
    } finally {
      busy = false;
    }
  };
  j.heartbeat = setInterval(() => void beat(), HEARTBEAT_MS);
  j.heartbeat.unref?.();
}

function stopHeartbeat(j: LiveJob): void {
  if (j.heartbeat) clearInterval(j.heartbeat);
  j.heartbeat = undefined;
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

function endOf(j: LiveJob, result: ActionResult<unknown>): JobEnd {
  const status: BulkJobStatus = result.ok ? 'succeeded' : result.status === 'cancelled' ? 'cancelled' : result.decision === 'error' ? 'failed' : 'refused';
  const planId = result.ok ? (result.plan?.id ?? j.planId) : j.planId;
  return { status, resultStatus: result.status, committed: result.committed, auditId: result.auditId, message: endMessage(j, status, result), items: status === 'succeeded' ? j.items : [], planId };
}

type JobEnd = { status: BulkJobStatus; resultStatus: string; committed: boolean; auditId: number | null; message: string; items?: BulkItem[]; planId?: number | null };

/**
 * Writes the end of a job that is still running: the row and every item's outcome, in one
 * statement. False when the row had already ended (then nothing is written).
 */
async function writeEnd(on: Pick<Database['orm'], 'execute'>, j: LiveJob, end: JobEnd & { finishedAt: Date }): Promise<boolean> {
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
  const rows = rowsOf<{ id: string }>(
    await on.execute(sql`
    WITH job AS (
      UPDATE console_bulk_job
         SET status = ${end.status}, done = ${done}, counts = ${JSON.stringify(j.counts)}::jsonb,
             finished_at = ${end.finishedAt.toISOString()}::timestamptz, updated_at = clock_timestamp(),
             audit_id = ${end.auditId}, result_status = ${end.resultStatus}, committed = ${end.committed},
             message = ${end.message}, plan_id = ${end.planId ?? j.planId ?? null}
       WHERE id = ${j.id}::uuid AND status IN ('queued', 'running')
      RETURNING id),
    items AS (
      INSERT INTO console_bulk_job_item
             (job_id, seq, event_id, unique_suffix, status, instance_collection_key, instance_collection_id, event_log_id)
      SELECT job.id, x.s, x.e, x.u, x.t, x.k, x.c, x.l
        FROM job, jsonb_to_recordset(${JSON.stringify(items)}::jsonb) AS x(s int, e uuid, u text, t text, k text, c uuid, l bigint))
    SELECT id FROM job`),
  );
  return rows.length > 0;
}

/** Records the end of a job once its transaction is over, and lets this process forget it. */
async function settle(db: Database, j: LiveJob, end: JobEnd): Promise<void> {
  stopHeartbeat(j);
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

const TERMINAL = new Set<BulkJobStatus>(['succeeded', 'refused', 'cancelled', 'failed', 'interrupted']);

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

export const cancelBulkJobInput = z.object({
  jobId: z.string({ error: 'The job id is required.' }).trim().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'The job id must be a UUID.'),
  reason: reasonField,
});

/**
 * Cancelling a bulk job, as an action: its owner or a lead, with a reason, audited like
 * every mutation. A queued job ends at once; a running one is asked to stop through its row
 * (cancel_requested_*), which the worker running it reads within a second, from whichever
 * instance the cancel came; its one transaction then rolls back. When the run is in this
 * process it is stopped directly too (on PGlite that is the only way: the run holds the
 * database).
 */
export const cancelBulkJobDefinition: ActionDefinition<typeof cancelBulkJobInput, BulkJobView> = {
  name: 'bulk_cancel',
  role: 'operator',
  input: cancelBulkJobInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: async (ctx, v) => {
    const id = v.jobId.toLowerCase();
    const here = state().jobs.get(id);
    const job = here ? liveView(here) : await getBulkJob(ctx.db, id);
    if (!job) return refuse('not_found', { message: 'There is no such bulk job.' });
    if (job.username !== ctx.user && !hasRole((ctx.role ?? null) as Role | null, 'lead')) {
      return refuse('denied', { message: `Only ${job.username}, who started this job, or a lead can cancel it.` });
    }
    const notRunning = (status: string) => refuse('not_running', { message: `This job is no longer running (${status}); there is nothing to cancel.` });
    if (job.status !== 'running' && job.status !== 'queued') return notRunning(job.status);
    if (here) {
      here.cancelledBy = ctx.user;
      here.cancelReason = v.reason;
      here.controller.abort();
      // on PGlite the row is held by the run; its end records who cancelled and why
      if (ctx.db.kind === 'postgres') await requestCancel(ctx.db, id, ctx.user, v.reason ?? null);
      return { ok: true, status: 'ok', committed: false, result: liveView(here) };
    }
    const [queued] = await ctx.db.query<{ id: string }>(
      `UPDATE console_bulk_job
          SET status = 'cancelled', finished_at = clock_timestamp(), updated_at = clock_timestamp(), result_status = 'cancelled',
              committed = false, cancel_requested_at = clock_timestamp(), cancel_requested_by = $2, cancel_reason = $3,
              message = $4
        WHERE id = $1 AND status = 'queued' RETURNING id`,
      [id, ctx.user, v.reason ?? null, `Cancelled by ${ctx.user}${v.reason ? ` (${v.reason})` : ''} before it started. ${describeStatus('cancelled')}`],
    );
    if (!queued && !(await requestCancel(ctx.db, id, ctx.user, v.reason ?? null))) {
      return notRunning((await getBulkJob(ctx.db, id))?.status ?? 'gone');
    }
    return { ok: true, status: 'ok', committed: false, result: (await getBulkJob(ctx.db, id))! };
  },
  summarize: (o) => (o.ok ? `asked bulk job ${o.result.id} (${o.result.username}, ${o.result.done}/${o.result.total}) to stop` : `${o.status}: ${o.message}`),
};

/** Records a cancel on a running job's row (the first one counts); false when it is not running. */
async function requestCancel(db: Database, id: string, by: string, reason: string | null): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE console_bulk_job
        SET cancel_requested_at = COALESCE(cancel_requested_at, clock_timestamp()),
            cancel_requested_by = COALESCE(cancel_requested_by, $2), cancel_reason = COALESCE(cancel_reason, $3)
      WHERE id = $1 AND status = 'running' RETURNING id`,
    [id, by, reason],
  );
  return rows.length > 0;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function rowView(r: JobRow): BulkJobView {
  return viewOf({ ...recordOf(r), cancelRequested: !!r.cancelRequestedAt }, false);
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
  const read = async () => db.orm.select().from(consoleBulkJob).where(sql`${consoleBulkJob.id} = ${id}::uuid`);
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
  const rows = await db.orm.select().from(consoleBulkJob).orderBy(desc(consoleBulkJob.startedAt), desc(consoleBulkJob.id)).limit(limit);
  return rows.map((r) => {
    const j = state().jobs.get(r.id);
    return j ? liveView(j) : rowView(r);
  });
}

/**
 * Drain (SIGTERM): no new run starts here; the runs of this process get `seconds` to end,
 * then are cancelled (rolled back, recorded `cancelled` by shutdown). Resolves once every
 * run of this process has recorded its end, or after a bounded wait.
 */
export async function drainBulkJobs(seconds: number): Promise<{ finished: number; cancelled: number }> {
  const s = state();
  s.draining = true;
  const running = () => [...s.jobs.values()].filter((j) => j.status === 'running' || j.status === 'queued');
  const until = Date.now() + seconds * 1000;
  const before = running().length;
  while (running().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  const left = running();
  for (const j of left) {
    j.cancelledBy = SHUTDOWN_CANCEL_BY;
    j.cancelReason = `the console instance was stopped and the run did not finish within ${seconds} s`;
    j.controller.abort();
  }
  // a cancelled run stops at its next chunk; its end is retried while the database is away
  await Promise.race([Promise.all(left.map((j) => j.finished)), new Promise((r) => setTimeout(r, 20_000).unref?.())]);
  return { finished: before - left.length, cancelled: left.length };
}

/** The drain has begun: readiness answers 503, and no new run starts here. */
export function markDraining(): void {
  state().draining = true;
}

/** Whether this process is draining (readiness answers 503). */
export function isDraining(): boolean {
  return state().draining;
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

export type RerunBulkJobResult =
  | StartBulkJobResult
  | { ok: false; result: { ok: false; decision: 'refused'; status: 'not_found' | 'not_rerunnable' | 'denied'; message: string; committed: false; auditId: null } };

/** The statuses of an apply's refusal that a new preflight fixes. */
export const NEEDS_PREFLIGHT = new Set(['plan_required', 'plan_expired', 'plan_used', 'plan_stale']);

/**
 * Runs an interrupted job (or one cancelled by shutdown) again, as it was requested: the same
 * input, reason and plan, through the same wrapper. While the plan is unused and unexpired the
 * new run applies it; otherwise the wrapper refuses (plan_expired, plan_used…) and the page
 * asks for a new preflight. Only its requester may: a plan is its maker's own.
 */
export async function rerunBulkJob(caller: Caller, id: string): Promise<RerunBulkJobResult> {
  const refused = (status: 'not_found' | 'not_rerunnable' | 'denied', message: string) =>
    ({ ok: false, result: { ok: false, decision: 'refused', status, message, committed: false, auditId: null } }) as const;
  if (!UUID_RE.test(id)) return refused('not_found', 'There is no such bulk job.');
  const job = await getBulkJob(caller.db, id);
  if (!job) return refused('not_found', 'There is no such bulk job.');
  if (!canRunAgain(job)) return refused('not_rerunnable', `Only a run that was interrupted can be run again from here; this one is ${job.status}.`);
  if (caller.identity && caller.identity.username !== job.username) {
    return refused('denied', `Only ${job.username}, who requested this run, can run it again: the plan it applies is theirs.`);
  }
  const [row] = await caller.db.orm.select({ request: consoleBulkJob.request }).from(consoleBulkJob).where(eq(consoleBulkJob.id, id));
  const request = row?.request as unknown as JobRequest | null;
  if (!request?.input) return refused('not_rerunnable', 'This job was recorded before runs kept their request; start it again from the bulk page (a preflight first).');
  return startBulkJob(caller, request.input);
}
