// The console's per-batch rollback: a dry run lists the batch's standing instances as a plan
// (count by template); the durable run removes exactly those, or nothing.
import { z } from 'zod';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { countDrift } from '@/lib/auth/plans';
import { checkbox, isChecked } from '../action-fields';
import { rollbackBatch, rollbackBatchInputSchema, type BatchRollbackResult } from './recipe';

export const rollbackBatchActionInput = z.object({
  jobId: rollbackBatchInputSchema.shape.jobId,
  durable: checkbox,
  reason: reasonField,
});

export const rollbackBatchAction: RecipeAction<typeof rollbackBatchActionInput, BatchRollbackResult> = {
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
      const want = new Set(planned.instanceCollectionIds as string[]);
      const got = new Set((o.result as BatchRollbackResult).instanceCollectionIds);
      const more = [...got].filter((id) => !want.has(id)).length;
      const fewer = [...want].filter((id) => !got.has(id)).length;
      if (!more && !fewer) return null;
      return `${countDrift(more, fewer, 'instance')} in this batch since your plan (it listed ${want.size.toLocaleString('en')}); nothing was rolled back: make a new plan.`;
    },
    typed: (_v, planned) => String(planned.batchTag ?? ''),
  },
  summarize: (o) =>
    o.ok
      ? `${o.result.dryRun ? 'would roll back' : 'rolled back'} ${o.result.instanceCount} instance(s) of batch ${o.result.batchTag} (${o.result.actor}, job ${o.result.jobId})`
      : `${o.status}: ${o.message}`,
};
export type RollbackBatchActionInput = z.input<typeof rollbackBatchActionInput>;
