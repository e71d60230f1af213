// Requesting a bulk job: the bulk definition as a request through the wrapper (role, input,
// reason, plan, typed batch tag), the job row and (PostgreSQL) its pg-boss job in one
// transaction; on PGlite this process runs it at once. And running an interrupted job again.
import crypto from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { rowsOf, type Database } from '@/db/client';
import { consoleBulkJob } from '@/db/console-schema';
import {
  executeAuthorized,
  toPlainInput,
  type ActionDefinition,
  type ActionResult,
  type Caller,
  type PlanRule,
} from '@/lib/auth/authorize';
import { parsePlanId } from '@/lib/auth/plans';
import { bossFor, sendInSession, wakeLocalWorker } from '@/lib/jobs/engine';
import { log, requestId } from '@/lib/log/logger';
import { describeForLog } from '@/lib/log/redact';
import { bulkActionInput, definition as bulkScaleOutDefinition } from '@/lib/recipes/bulk-scale-out/recipe';
import { canRunAgain } from './job-status';
import { paramsOf, UUID_RE, type BulkJobMode, type BulkJobView, type JobRequest } from './job-model';
import { getBulkJob } from './job-queries';
import { runBulkJob } from './job-run';
import { state } from './job-state';

export type StartBulkJobResult =
  | { ok: true; jobId: string; job: BulkJobView }
  /** Refused before anything ran (signed out, role, input, no preflight, batch tag not typed): no job. */
  | { ok: false; result: ActionResult<unknown> };

export type RequestDefinition = ActionDefinition<typeof bulkActionInput, { jobId: string }>;

/**
 * The bulk definition as a request: the same name, role, input, reason rule, and for an
 * apply the same plan check (the caller's own unused plan of these parameters, the typed
 * batch tag), audited when the request is made. Its run records the job instead of running
 * the batch; a preflight's plan is made by its run, so the request makes none.
 */
export function requestDefinition(preview: boolean, enqueue: RequestDefinition['run']): RequestDefinition {
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
    return {
      ok: false,
      result: {
        ok: false,
        decision: 'refused',
        status: 'draining',
        committed: false,
        auditId: null,
        message: 'This console instance is shutting down and takes no new runs; try again in a moment.',
      },
    };
  }
  const input = toPlainInput(raw);
  const preview = bulkActionInput.shape.preview.safeParse(input.preview).data === true;
  const id = crypto.randomUUID();
  const def = requestDefinition(preview, async (ctx, v) => {
    const now = new Date();
    const params = paramsOf(v as Record<string, unknown>);
    if (!params.templateKey && params.templateCollectionId) {
      // the page shows the key; the run itself goes by the id it was given
      const [t] = rowsOf<{ k: string }>(
        await db.orm.execute(
          sql`SELECT collection_key AS k FROM iu_piece_collection WHERE id = ${params.templateCollectionId}::uuid`,
        ),
      );
      params.templateKey = t?.k ?? null;
    }
    const request: JobRequest = {
      input,
      ip: caller.request.ip,
      userAgent: caller.request.userAgent,
      reqId: requestId(),
      via: caller.identity?.via ?? null,
    };
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
            [
              row.id,
              row.username,
              row.actor,
              JSON.stringify(row.params),
              row.mode,
              row.total,
              now.toISOString(),
              row.reason,
              row.planId,
              JSON.stringify(row.request),
              row.role,
              row.source,
            ],
          );
          await sendInSession(db, s, { jobId: id });
          await s.exec('COMMIT');
          wakeLocalWorker(db);
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
export async function runInProcess(db: Database, id: string): Promise<void> {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = runBulkJob(db, id, markStarted);
  done.catch((err) => log().error({ jobId: id, err: describeForLog(err) }, 'bulk job failed'));
  await Promise.race([started, done.catch(() => undefined)]);
}

export type RerunBulkJobResult =
  | StartBulkJobResult
  | {
      ok: false;
      result: {
        ok: false;
        decision: 'refused';
        status: 'not_found' | 'not_rerunnable' | 'denied';
        message: string;
        committed: false;
        auditId: null;
      };
    };

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
    ({
      ok: false,
      result: { ok: false, decision: 'refused', status, message, committed: false, auditId: null },
    }) as const;
  if (!UUID_RE.test(id)) return refused('not_found', 'There is no such bulk job.');
  const job = await getBulkJob(caller.db, id);
  if (!job) return refused('not_found', 'There is no such bulk job.');
  if (!canRunAgain(job))
    return refused(
      'not_rerunnable',
      `Only a run that was interrupted can be run again from here; this one is ${job.status}.`,
    );
  if (caller.identity && caller.identity.username !== job.username) {
    return refused(
      'denied',
      `Only ${job.username}, who requested this run, can run it again: the plan it applies is theirs.`,
    );
  }
  const [row] = await caller.db.orm
    .select({ request: consoleBulkJob.request })
    .from(consoleBulkJob)
    .where(eq(consoleBulkJob.id, id));
  const request = row?.request as unknown as JobRequest | null;
  if (!request?.input)
    return refused(
      'not_rerunnable',
      'This job was recorded before runs kept their request; start it again from the bulk page (a preflight first).',
    );
  return startBulkJob(caller, request.input);
}
