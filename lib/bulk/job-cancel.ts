// Cancelling a bulk job from any instance: its owner or a lead, with a reason, audited.
import { z } from 'zod';
import type { Database } from '@/db/client';
import { reasonField, type ActionDefinition } from '@/lib/auth/authorize';
import { hasRole, type Role } from '@/lib/auth/roles';
import { describeStatus } from '@/lib/recipes/messages';
import { refuse } from '@/lib/recipes/run';
import { liveView, type BulkJobView } from './job-model';
import { getBulkJob } from './job-queries';
import { state } from './job-state';

export const cancelBulkJobInput = z.object({
  jobId: z
    .string({ error: 'The job id is required.' })
    .trim()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'The job id must be a UUID.'),
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
    const notRunning = (status: string) =>
      refuse('not_running', { message: `This job is no longer running (${status}); there is nothing to cancel.` });
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
      [
        id,
        ctx.user,
        v.reason ?? null,
        `Cancelled by ${ctx.user}${v.reason ? ` (${v.reason})` : ''} before it started. ${describeStatus('cancelled')}`,
      ],
    );
    if (!queued && !(await requestCancel(ctx.db, id, ctx.user, v.reason ?? null))) {
      return notRunning((await getBulkJob(ctx.db, id))?.status ?? 'gone');
    }
    return { ok: true, status: 'ok', committed: false, result: (await getBulkJob(ctx.db, id))! };
  },
  summarize: (o) =>
    o.ok
      ? `asked bulk job ${o.result.id} (${o.result.username}, ${o.result.done}/${o.result.total}) to stop`
      : `${o.status}: ${o.message}`,
};

/** Records a cancel on a running job's row (the first one counts); false when it is not running. */
export async function requestCancel(db: Database, id: string, by: string, reason: string | null): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE console_bulk_job
        SET cancel_requested_at = COALESCE(cancel_requested_at, clock_timestamp()),
            cancel_requested_by = COALESCE(cancel_requested_by, $2), cancel_reason = COALESCE(cancel_reason, $3)
      WHERE id = $1 AND status = 'running' RETURNING id`,
    [id, by, reason],
  );
  return rows.length > 0;
}
