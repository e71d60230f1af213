// Running a recorded bulk job as its requester: claim, the recipe's one transaction through the
// wrapper, heartbeat and cancel through the row, and the end recorded (retried until the
// database answers). The pg-boss worker and the PGlite runner both call runBulkJob.
import { formatCounts } from '@/lib/format';
import { and, eq, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '@/db/client';
import { consoleBulkJob, type BulkJobStatus } from '@/db/console-schema';
import { auditParams, writeAudit } from '@/lib/auth/audit';
import { executeAuthorized, type ActionResult, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import { asRole } from '@/lib/auth/roles';
import { log } from '@/lib/log/logger';
import { describeForLog } from '@/lib/log/redact';
import { metrics } from '@/lib/metrics/registry';
import { definition as bulkScaleOutDefinition, bulkScaleOutJobDefinition } from '@/lib/recipes/bulk-scale-out/recipe';
import { describeStatus } from '@/lib/recipes/messages';
import { SHUTDOWN_CANCEL_BY } from './job-status';
import {
  CONNECTION_LOST_MESSAGE,
  envSeconds,
  liveView,
  recordOf,
  type BulkJobView,
  type JobEnd,
  type JobRequest,
  type LiveJob,
} from './job-model';
import { runnerId, state } from './job-state';

/** How often a worker writes its heartbeat and reads its row for a cancel. */
export const HEARTBEAT_MS = 1000;
/** How long a finished job stays in memory, for polls that race the final write. */
export const KEEP_MS = 60_000;

/** Items per round trip on PGlite: each chunk holds the process's event loop while it runs. */
export const PGLITE_CHUNK = 100;

/**
 * Between two chunks of a run. PGlite runs a chunk inside this process without giving the
 * event loop a turn, and a request (a progress poll, the run's own 202, a cancel) needs
 * several turns to be read, handled and written; one turn (setImmediate) let a poll finish
 * only after the whole run. So on PGlite the run pauses for half the time its last chunk
 * took (20 to 250 ms): the server answers what arrived meanwhile, and the run keeps about
 * two thirds of the time. On PostgreSQL the chunks are network round trips: one turn is enough.
 * Resolves with the time the next chunk starts.
 */
export async function yieldBetweenChunks(kind: Database['kind'], chunkStartedAt: number): Promise<number> {
  if (kind !== 'pglite') {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return Date.now();
  }
  const pause = Math.min(250, Math.max(20, Math.round((Date.now() - chunkStartedAt) / 2)));
  await new Promise<void>((resolve) => setTimeout(resolve, pause));
  return Date.now();
}

/**
 * Runs one recorded job as its requester: claims the row (queued → running; a job already
 * claimed, cancelled or ended is left alone), runs the recipe's one transaction through the
 * wrapper, and records the end, retried until the database answers. The pg-boss worker and
 * the PGlite runner both call this. Resolves with the job's end, or null when not claimed.
 */
export async function runBulkJob(
  db: Database,
  id: string,
  onStarted: () => void = () => {},
): Promise<BulkJobView | null> {
  const s = state();
  if (s.draining) return null;
  const [row] = await db.orm
    .update(consoleBulkJob)
    .set({
      status: 'running',
      runner: runnerId(),
      heartbeatAt: sql`clock_timestamp()` as unknown as Date,
      updatedAt: sql`clock_timestamp()` as unknown as Date,
    })
    .where(and(eq(consoleBulkJob.id, id), eq(consoleBulkJob.status, 'queued')))
    .returning();
  if (!row) {
    onStarted();
    return null;
  }
  const claimedAt = Date.now();
  const request = (row.request ?? { input: {}, ip: null, userAgent: null }) as unknown as JobRequest;
  const controller = new AbortController();
  const j: LiveJob = {
    ...recordOf(row),
    controller,
    items: [],
    finished: undefined as unknown as Promise<BulkJobView>,
  };
  if (row.cancelRequestedAt) {
    j.cancelledBy = row.cancelRequestedBy ?? undefined;
    j.cancelReason = row.cancelReason ?? undefined;
    controller.abort();
  }
  s.jobs.set(id, j);
  let resolveFinished!: (v: BulkJobView) => void;
  j.finished = new Promise<BulkJobView>((resolve) => (resolveFinished = resolve));
  if (db.kind === 'postgres') startHeartbeat(db, j);
  const jobLog = log().child({
    jobId: id,
    actor: j.actor,
    mode: j.mode,
    requestReqId: request.reqId ?? null,
    runner: runnerId(),
  });
  jobLog.info('bulk job started');

  const identity: Identity = {
    userId: `job:${row.username}`,
    username: row.username,
    role: asRole(row.role),
    mustChangePassword: false,
    source: row.source === 'trusted-header' ? 'trusted-header' : row.source === 'token' ? 'token' : 'session',
    ...(request.via ? { via: request.via } : {}),
  };
  const caller: Caller = { db, identity, request: { ip: request.ip, userAgent: request.userAgent } };
  let lastChunkAt = Date.now();
  const def = bulkScaleOutJobDefinition({
    signal: controller.signal,
    async onStart() {
      onStarted();
    },
    chunkSize: db.kind === 'pglite' ? PGLITE_CHUNK : undefined,
    jobId: id,
    async onProgress(p) {
      j.done = p.done;
      j.counts = p.counts;
      j.updatedAt = new Date();
      lastChunkAt = await yieldBetweenChunks(db.kind, lastChunkAt);
      await s.afterChunk?.(j);
    },
    onItems(items) {
      j.items = items;
    },
    async onCommit(tx, result) {
      // in the batch's own transaction: a committed batch always has its record, and a
      // process that dies after the commit cannot leave it looking interrupted. Its items
      // are there already: each chunk's statement recorded them (jobId above).
      j.counts = result.counts;
      const written = await writeEnd(tx, j, {
        status: 'succeeded',
        resultStatus: 'ok',
        committed: true,
        auditId: null,
        message: endMessage(j, 'succeeded', null),
        items: [],
        finishedAt: new Date(),
      });
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
    end = {
      status: 'interrupted',
      resultStatus: 'db_unavailable',
      committed: false,
      auditId: null,
      message: CONNECTION_LOST_MESSAGE,
      items: [],
    };
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
  jobLog.info(
    {
      status: view.status,
      resultStatus: view.resultStatus,
      done: view.done,
      total: view.total,
      ms: Date.now() - claimedAt,
    },
    'bulk job ended',
  );
  metrics().bulkJobRuns.inc({ mode: j.mode, status: view.status });
  metrics().bulkJobSeconds.observe({ mode: j.mode, status: view.status }, (Date.now() - claimedAt) / 1000);
  resolveFinished(view);
  return view;
}

/** Retries `fn` (the end of a run) until the database answers, for at most IU_END_RETRY_SECONDS. */
export async function retrying(what: string, fn: () => Promise<void>): Promise<void> {
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

export function startHeartbeat(db: Database, j: LiveJob): void {
  let busy = false;
  const beat = async () => {
    if (busy || j.status !== 'running') return;
    busy = true;
    try {
      const rows = await db.query<{
        cancel_requested_at: Date | null;
        cancel_requested_by: string | null;
        cancel_reason: string | null;
      }>(
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

export function stopHeartbeat(j: LiveJob): void {
  if (j.heartbeat) clearInterval(j.heartbeat);
  j.heartbeat = undefined;
}

export function endMessage(j: LiveJob, status: BulkJobStatus, result: ActionResult<unknown> | null): string {
  if (status === 'succeeded') {
    return j.mode === 'preview'
      ? `Preflight of all ${j.total.toLocaleString('en')} items: ${formatCounts(j.counts)}. Predicted; nothing was written.`
      : `Committed ${j.total.toLocaleString('en')} items (${j.params.emitMode}): ${formatCounts(j.counts)}.`;
  }
  if (status === 'cancelled')
    return `Cancelled${j.cancelledBy ? ` by ${j.cancelledBy}` : ''}${j.cancelReason ? ` (${j.cancelReason})` : ''} after ${j.done.toLocaleString('en')} of ${j.total.toLocaleString('en')} items. ${describeStatus('cancelled')}`;
  return result?.message ?? describeStatus('cancelled');
}

export function endOf(j: LiveJob, result: ActionResult<unknown>): JobEnd {
  const status: BulkJobStatus = result.ok
    ? 'succeeded'
    : result.status === 'cancelled'
      ? 'cancelled'
      : result.decision === 'error'
        ? 'failed'
        : 'refused';
  const planId = result.ok ? (result.plan?.id ?? j.planId) : j.planId;
  return {
    status,
    resultStatus: result.status,
    committed: result.committed,
    auditId: result.auditId,
    message: endMessage(j, status, result),
    items: status === 'succeeded' ? j.items : [],
    planId,
  };
}

/**
 * Writes the end of a job that is still running: the row and the items it is given, in one
 * statement (a committing run's items are already there: each chunk recorded its own). False
 * when the row had already ended (then nothing is written).
 */
export async function writeEnd(
  on: Pick<Database['orm'], 'execute'>,
  j: LiveJob,
  end: JobEnd & { finishedAt: Date },
): Promise<boolean> {
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
export async function settle(db: Database, j: LiveJob, end: JobEnd): Promise<void> {
  stopHeartbeat(j);
  const finishedAt = new Date();
  if (j.itemsWritten && end.status === 'succeeded') {
    // the end and the items were committed with the batch; only the audit entry's id is new
    await db.orm.execute(
      sql`UPDATE console_bulk_job SET audit_id = ${end.auditId}, updated_at = clock_timestamp() WHERE id = ${j.id}::uuid`,
    );
  } else {
    await writeEnd(db.orm, j, { ...end, finishedAt });
  }
  const done = end.status === 'succeeded' ? j.total : j.done;
  // only now does a poll see the end, so the items are there when it asks for them
  Object.assign(j, {
    status: end.status,
    resultStatus: end.resultStatus,
    committed: end.committed,
    auditId: end.auditId,
    message: end.message,
    done,
    finishedAt,
    updatedAt: finishedAt,
    items: [],
    planId: end.planId ?? j.planId,
  });
  setTimeout(() => state().jobs.delete(j.id), KEEP_MS).unref?.();
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
