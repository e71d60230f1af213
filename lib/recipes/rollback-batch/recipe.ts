// Rolling back one bulk batch (a console bulk job), built from what the substrate allows.
// The substrate has no rollback by batch or run tag: fn_iu_auto_instantiate_rollback_by_actor
// removes every standing instance of one actor string. A batch is rolled back with it only
// when that is exactly the batch: the actor's standing instances must all be this job's
// items. Otherwise it is refused (batch_not_isolated) and nothing is written; a run tag per
// batch (`you:wave-2`) keeps batches apart.
//
// The console's per-batch rollback: a dry run lists the batch's standing instances as a plan
// (count by template); the durable run removes exactly those, or nothing.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { countDrift } from '@/lib/auth/plans';
import { checkbox, isChecked } from '../action-fields';
import { defineRecipe } from '../define';
import { actorOf, invalidInput, refuse, runRecipe } from '../run';
import type { RecipeContext, RecipeResult } from '../types';
import { countByTemplate, instanceDrift, rollBackActor } from '../rollback-by-actor/recipe';

export const rollbackBatchInputSchema = z.object({
  jobId: z
    .string({ error: 'The bulk job id is required.' })
    .trim()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'The bulk job id must be a UUID.'),
  dryRun: z.boolean({ error: 'Say whether this is a dry run.' }),
});

export interface BatchRollbackResult {
  jobId: string;
  batchTag: string;
  actor: string;
  /** Who requested the bulk job. */
  owner: string;
  dryRun: boolean;
  instanceCount: number;
  instanceCollectionIds: string[];
  byTemplate: Record<string, number>;
  rolledBackBy: string | null;
}

/** The batch's standing instances, then the substrate's rollback of its actor (a dry run rolls back). */
export async function rollbackBatch(
  ctx: RecipeContext,
  input: z.input<typeof rollbackBatchInputSchema>,
): Promise<RecipeResult<BatchRollbackResult>> {
  const parsed = rollbackBatchInputSchema.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  const { jobId, dryRun } = parsed.data;
  const who = actorOf(ctx);
  if (typeof who !== 'string') return who;

  return runRecipe<BatchRollbackResult>(ctx, { gates: [], commit: () => !dryRun }, async (_tx, h) => {
    const [job] = await h.rows<{
      id: string;
      username: string;
      actor: string;
      mode: string;
      committed: boolean;
      tag: string;
    }>(
      sql`SELECT id, username, actor, mode, committed, params->>'batchTag' AS tag
            FROM console_bulk_job WHERE id = ${jobId.toLowerCase()}::uuid`,
    );
    if (!job) return refuse('not_found', { message: 'There is no such bulk job.' });
    // operators roll back their own batches; a lead anyone's
    if (job.username !== ctx.user && ctx.role !== 'lead')
      return refuse('denied', {
        message: `Only ${job.username}, who ran this batch, or a lead can roll it back.`,
      });
    if (job.mode === 'preview' || !job.committed)
      return refuse('not_found', {
        message:
          'This job committed nothing (a preflight, or a run that was refused, cancelled or interrupted): there is no batch to roll back.',
      });
    // the actor's standing instances, and which of them are this job's items
    const standing = await h.rows<{ id: string; template_key: string | null; mine: boolean }>(sql`
      SELECT l.instance_collection_id AS id,
             (SELECT t.collection_key FROM iu_piece_collection t WHERE t.id = l.template_collection_id) AS template_key,
             l.id IN (SELECT j.event_log_id FROM console_bulk_job_item j
                       WHERE j.job_id = ${job.id}::uuid AND j.status = 'ok') AS mine
        FROM iu_auto_instantiate_event_log l
       WHERE l.triggered_by = ${job.actor} AND l.status = 'ok' AND l.rolled_back_at IS NULL
         AND l.instance_collection_id IS NOT NULL
       ORDER BY l.created_at, l.id`);
    const outside = standing.filter((s) => !s.mine).length;
    if (outside > 0)
      return refuse('batch_not_isolated', {
        message: `${job.actor} also has ${outside.toLocaleString('en')} standing instance${outside === 1 ? '' : 's'} outside batch ${job.tag}, and the substrate rolls back by actor only; nothing was rolled back. A lead can roll back the whole actor on the rollback page; give each batch its own run tag to roll batches back one by one.`,
      });
    if (standing.length === 0)
      return refuse('not_found', {
        message: `Batch ${job.tag} has no standing instance: it was rolled back already, or made none.`,
      });
    const done = await rollBackActor(h, job.actor, dryRun);
    if ('ok' in done) return done;
    return {
      ok: true,
      status: 'ok',
      committed: false,
      result: {
        jobId: job.id,
        batchTag: job.tag,
        actor: job.actor,
        owner: job.username,
        dryRun,
        instanceCount: done.instanceCount,
        instanceCollectionIds: done.instanceCollectionIds,
        byTemplate: countByTemplate(standing.map((s) => s.template_key)),
        rolledBackBy: dryRun ? null : who,
      },
    };
  });
}

export const rollbackBatchActionInput = z.object({
  jobId: rollbackBatchInputSchema.shape.jobId,
  durable: checkbox,
  reason: reasonField,
});

const action: RecipeAction<typeof rollbackBatchActionInput, BatchRollbackResult> = {
  input: rollbackBatchActionInput,
  mode: (v) => (isChecked(v.durable) ? 'durable' : 'dry_run'),
  reasonRequired: (v) => v.durable,
  run: (ctx, v) => rollbackBatch(ctx, { jobId: v.jobId, dryRun: !v.durable }),
  // a durable rollback applies its dry run's plan: exactly the instances it listed, or nothing
  plan: {
    applies: (v) => v.durable,
    params: (v) => ({ jobId: v.jobId.toLowerCase() }),
    effect: (o) => ({ instanceCollectionIds: [...o.result.instanceCollectionIds].sort(), batchTag: o.result.batchTag }),
    drift: (planned, o) => {
      if (!o.ok) return `The batch rollback now answers ${o.status}: ${o.message}`;
      const d = instanceDrift(planned, (o.result as BatchRollbackResult).instanceCollectionIds);
      if (!d) return null;
      return `${countDrift(d.more, d.fewer, 'instance')} in this batch since your plan (it listed ${d.listed.toLocaleString('en')}); nothing was rolled back: make a new plan.`;
    },
    typed: (_v, planned) => String(planned.batchTag ?? ''),
  },
  summarize: (o) =>
    o.ok
      ? `${o.result.dryRun ? 'would roll back' : 'rolled back'} ${o.result.instanceCount} instance(s) of batch ${o.result.batchTag} (${o.result.actor}, job ${o.result.jobId})`
      : `${o.status}: ${o.message}`,
};

export const definition = defineRecipe('rollback-batch', action);
