// Runbook recipe "Bulk scaleout via the orchestrator": N events in one transaction, all or
// nothing. Event ids are the runbook's `<prefix><12-digit i>`; suffixes `<batch-tag>-<i>`.
import { sql } from 'drizzle-orm';
import { actorOf, invalidInput, refuse, runRecipe } from '../run';
import { bulkInputSchema, type BulkInput } from '../schemas';
import type { RecipeContext, RecipeResult, Status } from '../types';
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
        SELECT b.ord, b.result AS r
          FROM fn_iu_auto_instantiate_batch(
                 string_to_array(${plan.map((p) => p.eventId).join(',')}, ',')::uuid[],
                 array_fill(${v.eventType}::text, ARRAY[${plan.length}::int]),
                 array_fill(${templateId}::uuid, ARRAY[${plan.length}::int]),
                 string_to_array(${plan.map((p) => p.uniqueSuffix).join(',')}, ','),
                 array_fill(${v.emitMode}::text, ARRAY[${plan.length}::int]),
                 array_fill(${v.note ?? null}::text, ARRAY[${plan.length}::int]),
                 ${actor},
                 ${!input.commit}) AS b`);
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
