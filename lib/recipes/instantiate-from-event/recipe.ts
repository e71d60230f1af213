// Runbook recipe "Event → instance auto-instantiate", dry_run or live.
import { sql } from 'drizzle-orm';
import { actorOf, invalidInput, refuse, runRecipe } from '../run';
import { instantiateInputSchema, type InstantiateInput } from '../schemas';
import type { RecipeContext, RecipeResult, Status } from '../types';

export interface InstantiateResult {
  status: Status;
  eventId: string;
  emitMode: 'dry_run' | 'live';
  actor: string;
  instanceCollectionId: string | null;
  instanceCollectionKey: string | null;
  pieceCount: number | null;
  eventLogId: number | null;
  originalEventLogId: number | null;
  raw: Record<string, unknown>;
  /** On a dry run: what a live run of the same parameters would do now (a rolled-back live call). */
  livePrediction?: LivePrediction;
}

export interface LivePrediction {
  status: Status;
  instanceCollectionKey: string | null;
  instanceCollectionId: string | null;
  originalEventLogId: number | null;
  /** The refusal's sentence, when a live run would be refused. */
  message: string | null;
}

/**
 * Instantiates a template from one event. `commit: false` is a preview: the function runs
 * for real and everything rolls back. A dry_run that commits keeps the dryrun: instance.
 * A committed refusal keeps only its event-log row, as the runbook's COMMIT does.
 */
export async function instantiateFromEvent(
  ctx: RecipeContext,
  input: InstantiateInput & { commit: boolean },
): Promise<RecipeResult<InstantiateResult>> {
  const parsed = instantiateInputSchema.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  const actor = actorOf(ctx);
  if (typeof actor !== 'string') return actor;
  const v = parsed.data;
  const gates =
    v.emitMode === 'live'
      ? (['iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled'] as const)
      : (['iu_core.composer_enabled'] as const);

  return runRecipe<InstantiateResult>(ctx, { gates, commit: () => input.commit }, async (_tx, h) => {
    const [row] = await h.rows<{ r: Record<string, unknown> }>(sql`
      SELECT fn_iu_auto_instantiate_from_event(${v.eventId}::uuid, ${v.eventType}, ${v.templateCollectionId}::uuid,
               ${v.uniqueSuffix}, ${v.emitMode}, ${actor}, ${v.note ?? null}) AS r`);
    return toOutcome(row.r, v.eventId, v.emitMode, actor);
  });
}

/** Maps one jsonb answer of fn_iu_auto_instantiate_from_event to a recipe result. */
export function toOutcome(
  r: Record<string, unknown>,
  eventId: string,
  emitMode: 'dry_run' | 'live',
  actor: string,
): RecipeResult<InstantiateResult> {
  const status = String(r.status) as Status;
  const result: InstantiateResult = {
    status,
    eventId,
    emitMode,
    actor,
    instanceCollectionId: (r.instance_collection_id as string) ?? null,
    instanceCollectionKey: (r.instance_collection_key as string) ?? null,
    pieceCount: r.piece_count == null ? null : Number(r.piece_count),
    eventLogId: r.event_log_id == null ? null : Number(r.event_log_id),
    originalEventLogId: r.original_event_log_id == null ? null : Number(r.original_event_log_id),
    raw: r,
  };
  if (status === 'ok' || status === 'idempotent_replay') return { ok: true, status, committed: false, result };
  return refuse(status as Exclude<Status, 'ok'>, { detail: r, message: undefined });
}
