// Runbook recipe "Bulk scaleout via the orchestrator": N events in one transaction, all or
// nothing. Event ids are the runbook's `<prefix><12-digit i>`; suffixes `<batch-tag>-<i>`.
//
// The console's bulk scale-out action: a preflight is a plan binding every item's outcome
// (as a digest); the live run or a kept dry run applies exactly that plan.
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { checkbox, countsLine, previewOrEmitMode } from '../action-fields';
import { defineRecipe } from '../define';
import { actorOf, invalidInput, refuse, runRecipe } from '../run';
import { bulkInputSchema, runTagSchema, type BulkInput } from '../schemas';
import type { RecipeContext, RecipeResult, Status, Tx } from '../types';
import { plannedItems } from './planned-items';

export { plannedItems, plannedInstanceKey } from './planned-items';

export interface BulkItem {
  index: number;
  eventId: string;
  uniqueSuffix: string;
  status: Status;
  instanceCollectionId: string | null;
  instanceCollectionKey: string | null;
  eventLogId: number | null;
}

export interface BulkProgress {
  done: number;
  total: number;
  /** The items finished since the last call, in order. */
  items: BulkItem[];
  counts: Record<string, number>;
}

export interface BulkResult {
  actor: string;
  templateCollectionId: string;
  emitMode: 'dry_run' | 'live';
  total: number;
  counts: Record<string, number>;
  items: BulkItem[];
  elapsedMs: number;
}

/** Size of one round trip; the first chunk is small so progress shows at once. */
const CHUNK = 500;
const FIRST_CHUNK = 25;
/** A preflight's round trip: a prediction writes nothing, so a chunk costs a fifth as much. */
const PREDICT_CHUNK = 2500;

/**
 * Runs the bulk scale-out. `commit: false` is the preflight: each chunk is predicted (058), so
 * nothing is written and no id is taken; the outcomes are those the write would give (the
 * chunks of one bulk never share an event or a key, so a chunk-by-chunk prediction is exact).
 * Its items carry no instance or log id: none would exist.
 */
export async function bulkScaleOut(
  ctx: RecipeContext,
  input: BulkInput & {
    commit: boolean;
    onProgress?: (p: BulkProgress) => void | Promise<void>;
    signal?: AbortSignal;
    /** Items per round trip after the first (CHUNK by default); outcomes do not depend on it (046). */
    chunkSize?: number;
    /**
     * A console job's id: a run that commits records each chunk's outcomes as the job's items
     * (console_bulk_job_item) in the chunk's own statement, so they land with the batch or not
     * at all, and never travel back to the database as one large parameter.
     */
    recordItemsOf?: string;
  },
): Promise<RecipeResult<BulkResult>> {
  const parsed = bulkInputSchema.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  const actor = actorOf(ctx);
  if (typeof actor !== 'string') return actor;
  const v = parsed.data;
  if (String(v.n).length > 12)
    return refuse('invalid_input', { message: 'N does not fit the 12-digit event-id counter.' });
  const gates =
    v.emitMode === 'live'
      ? (['iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled'] as const)
      : (['iu_core.composer_enabled'] as const);
  const started = Date.now();

  // a refusal (no template) has written nothing and must not report itself committed
  return runRecipe<BulkResult>(
    ctx,
    { gates, commit: (o) => input.commit && o.ok, signal: input.signal },
    async (_tx, h) => {
      let templateId = v.templateCollectionId;
      if (!templateId) {
        const [t] = await h.rows<{ id: string }>(
          sql`SELECT id FROM iu_piece_collection WHERE collection_key = ${v.templateKey}`,
        );
        if (!t)
          return refuse('template_collection_not_found', {
            message: `No collection has the key ${v.templateKey}; pick a template from the list. Nothing was written.`,
          });
        templateId = t.id;
      }
      const counts: Record<string, number> = {};
      const items: BulkItem[] = [];
      // a preflight rolls back, so its job records the predicted items after it (writeEnd)
      const recordTo = input.commit ? (input.recordItemsOf ?? null) : null;
      let next = 1;
      while (next <= v.n) {
        if (input.signal?.aborted) throw new Error('cancelled');
        const size =
          next === 1 ? Math.min(FIRST_CHUNK, v.n) : (input.chunkSize ?? (input.commit ? CHUNK : PREDICT_CHUNK));
        const to = Math.min(v.n, next + size - 1);
        const plan = plannedItems(v.uuidPrefix, v.batchTag, v.n, next, to);
        // One call of the batch entry point (046) per chunk: its results and writes equal one
        // fn_iu_auto_instantiate_from_event call per item in order, and its prediction (058)
        // equals its write without generated ids (tests/substrate-batch-differential).
        const rows = await h.rows<{ ord: number; r: Record<string, unknown> }>(sql`
        WITH p AS (
          SELECT string_to_array(${plan.map((p) => p.eventId).join(',')}, ',')::uuid[] AS ids,
                 string_to_array(${plan.map((p) => p.uniqueSuffix).join(',')}, ',') AS suffixes),
        b AS MATERIALIZED (
          SELECT b.ord, b.result
            FROM p, fn_iu_auto_instantiate_batch(
                   p.ids,
                   array_fill(${v.eventType}::text, ARRAY[${plan.length}::int]),
                   array_fill(${templateId}::uuid, ARRAY[${plan.length}::int]),
                   p.suffixes,
                   array_fill(${v.emitMode}::text, ARRAY[${plan.length}::int]),
                   array_fill(${v.note ?? null}::text, ARRAY[${plan.length}::int]),
                   ${actor},
                   ${!input.commit}) AS b),
        recorded AS (
          INSERT INTO console_bulk_job_item (job_id, seq, event_id, unique_suffix, status,
                                             instance_collection_key, instance_collection_id, event_log_id)
          SELECT ${recordTo}::uuid, ${next - 1} + b.ord, p.ids[b.ord], p.suffixes[b.ord], b.result->>'status',
                 b.result->>'instance_collection_key', (b.result->>'instance_collection_id')::uuid,
                 (b.result->>'event_log_id')::bigint
            FROM b, p
           WHERE ${recordTo}::uuid IS NOT NULL)
        SELECT b.ord, b.result AS r FROM b`);
        const chunkItems: BulkItem[] = rows
          .sort((a, b) => a.ord - b.ord)
          .map((row) => {
            const p = plan[row.ord - 1];
            const status = String(row.r.status) as Status;
            counts[status] = (counts[status] ?? 0) + 1;
            return {
              index: p.index,
              eventId: p.eventId,
              uniqueSuffix: p.uniqueSuffix,
              status,
              instanceCollectionId: (row.r.instance_collection_id as string) ?? null,
              instanceCollectionKey: (row.r.instance_collection_key as string) ?? null,
              eventLogId: row.r.event_log_id == null ? null : Number(row.r.event_log_id),
            };
          });
        items.push(...chunkItems);
        next = to + 1;
        await input.onProgress?.({ done: items.length, total: v.n, items: chunkItems, counts: { ...counts } });
      }
      return {
        ok: true,
        status: 'ok',
        committed: false,
        result: {
          actor,
          templateCollectionId: templateId,
          emitMode: v.emitMode,
          total: v.n,
          counts,
          items,
          elapsedMs: Date.now() - started,
        },
      };
    },
  );
}

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

const action: RecipeAction<typeof bulkActionInput, BulkActionResult> = {
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

export const definition = defineRecipe('bulk-scale-out', action);

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
  /** The console job whose items a committing run records chunk by chunk (see bulkScaleOut); the CLI has none. */
  jobId?: string;
}

/**
 * The bulk scale-out as a console job: the same name, input, reason rule and confirm rule
 * (preview + typed batch tag for live) as the bulk-scale-out definition, so it is the same action
 * to the wrapper and the audit trail; only the run reports progress and can be cancelled.
 */
export function bulkScaleOutJobDefinition(hooks: BulkJobHooks): typeof definition {
  return {
    ...definition,
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
        recordItemsOf: hooks.jobId,
      });
      if (r.ok) hooks.onItems(r.result.items);
      return withoutItems(r);
    },
  };
}
