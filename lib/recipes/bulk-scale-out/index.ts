// The bulk-scale-out recipe as the console, the API, the CLI and jobs call it.
import { defineRecipe } from '../define';
import type { z } from 'zod';
import type { RecipeContext, Tx } from '../types';
import { bulkScaleOutAction, withoutItems, type bulkActionInput } from './action';
import { bulkScaleOut, type BulkItem, type BulkProgress, type BulkResult } from './recipe';

export * from './action';
export const bulkScaleOutDefinition = defineRecipe('bulk-scale-out', bulkScaleOutAction);

/** What a console bulk job hooks into the run: its start, its progress, its cancel, its items. */
export interface BulkJobHooks {
  /** Called once every check has passed, just before the recipe's transaction opens. */
  onStart: (ctx: RecipeContext, input: z.output<typeof bulkActionInput>) => Promise<void>;
  onProgress: (p: BulkProgress) => void | Promise<void>;
  /** The per-item outcomes of a run that finished (committed or rolled back by design). */
  onItems: (items: BulkItem[]) => void;
  /** Inside the run's transaction just before it commits: the job's record lands with the batch. */
  onCommit: (tx: Tx, result: BulkResult) => Promise<void>;
  signal: AbortSignal;
  /** Items per round trip (the recipe's default when absent). */
  chunkSize?: number;
}

/**
 * The bulk scale-out as a console job: the same name, input, reason rule and confirm rule
 * (preview + typed batch tag for live) as the bulk-scale-out definition, so it is the same action
 * to the wrapper and the audit trail; only the run reports progress and can be cancelled.
 */
export function bulkScaleOutJobDefinition(hooks: BulkJobHooks): typeof bulkScaleOutDefinition {
  return {
    ...bulkScaleOutDefinition,
    run: async (ctx, v) => {
      await hooks.onStart(ctx, v);
      const inTx: RecipeContext = {
        ...ctx,
        async beforeFinish(tx, o) {
          if (o.committed && o.ok) await hooks.onCommit(tx, o.result as BulkResult);
          await ctx.beforeFinish?.(tx, o);
        },
      };
      const r = await bulkScaleOut(inTx, {
        ...v,
        commit: !v.preview,
        signal: hooks.signal,
        onProgress: hooks.onProgress,
        chunkSize: hooks.chunkSize,
      });
      if (r.ok) hooks.onItems(r.result.items);
      return withoutItems(r);
    },
  };
}
export type { BulkItem, BulkProgress, BulkResult } from './recipe';
