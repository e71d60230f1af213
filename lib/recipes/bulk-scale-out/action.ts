// The console's bulk scale-out action: a preflight is a plan binding every item's outcome
// (as a digest); the live run or a kept dry run applies exactly that plan.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { bulkInputSchema, runTagSchema } from '../schemas';
import type { RecipeResult } from '../types';
import { checkbox, countsLine, previewOrEmitMode } from '../action-fields';
import { bulkScaleOut, type BulkItem, type BulkResult } from './recipe';

export const bulkActionInput = bulkInputSchema.extend({
  preview: checkbox,
  runTag: runTagSchema,
  reason: reasonField,
});

/** The per-item outcomes of a bulk, as one digest: a plan binds every item's status and key. */
export function bulkDigest(items: readonly Pick<BulkItem, 'index' | 'status' | 'instanceCollectionKey'>[]): string {
  const h = createHash('sha256');
  for (const i of items) h.update(`${i.index}\u0000${i.status}\u0000${i.instanceCollectionKey ?? ''}\n`);
  return h.digest('hex');
}

export type BulkActionResult = Omit<BulkResult, 'items'> & { itemCount: number; digest: string };

/** The bulk's answer without its (up to 10,000) items: the counts and the items' digest. */
export function withoutItems(r: RecipeResult<BulkResult>): RecipeResult<BulkActionResult> {
  if (!r.ok) return r;
  const { items, ...rest } = r.result;
  return { ...r, result: { ...rest, itemCount: items.length, digest: bulkDigest(items) } };
}

export const bulkScaleOutAction: RecipeAction<typeof bulkActionInput, BulkActionResult> = {
  input: bulkActionInput,
  mode: previewOrEmitMode,
  // a live run, and keeping a dry run's dryrun: instances, both commit: both need a reason
  reasonRequired: (v) => !v.preview,
  // the run applies the preflight's plan: the same batch, and every item's outcome as it showed
  plan: {
    applies: (v) => !v.preview,
    params: (v) => ({
      templateCollectionId: v.templateCollectionId?.toLowerCase() ?? null,
      templateKey: v.templateKey ?? null,
      eventType: v.eventType,
      n: v.n,
      uuidPrefix: v.uuidPrefix.toLowerCase(),
      batchTag: v.batchTag,
      emitMode: v.emitMode,
      note: v.note ?? null,
      runTag: v.runTag ?? null,
    }),
    effect: (o) => ({
      emitMode: o.result.emitMode,
      total: o.result.total,
      counts: o.result.counts,
      digest: o.result.digest,
    }),
    drift: (planned, o) => {
      if (!o.ok)
        return `Your preflight showed ${countsLine(planned.counts as Record<string, number>)}; now the run answers ${o.status}. Nothing was written: run the preflight again.`;
      const r = o.result as BulkResult | BulkActionResult;
      const digest = 'items' in r ? bulkDigest(r.items) : r.digest;
      if (digest === planned.digest) return null;
      return `Your preflight showed ${countsLine(planned.counts as Record<string, number>)}; now the batch would give ${countsLine(r.counts)}. Nothing was written: run the preflight again.`;
    },
    typed: (v) => (v.emitMode === 'live' ? v.batchTag : null),
  },
  run: async (ctx, v) => withoutItems(await bulkScaleOut(ctx, { ...v, commit: !v.preview })),
  summarize: (o) =>
    o.ok
      ? `${o.result.emitMode} bulk of ${o.result.total} as ${o.result.actor}: ${Object.entries(o.result.counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}${o.committed ? '' : ', rolled back'}`
      : `${o.status}: ${o.message}`,
};

export type BulkActionInput = z.input<typeof bulkActionInput>;
