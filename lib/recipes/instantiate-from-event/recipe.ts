// Runbook recipe "Event → instance auto-instantiate", dry_run or live.
//
// The console's instantiate action: input, mode, plan rule and summary around the recipe.
// A dry run is a plan that also holds what a live run of the same parameters would do now.
import { sql } from 'drizzle-orm';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { checkbox, previewOrEmitMode } from '../action-fields';
import { defineRecipe } from '../define';
import { actorOf, invalidInput, refuse, runRecipe } from '../run';
import { instantiateInputSchema, runTagSchema, type InstantiateInput } from '../schemas';
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

// `actor`, `user` or any other unknown field a form adds is stripped here: the user part of
// the actor comes from the session only.
export const instantiateActionInput = instantiateInputSchema.extend({
  preview: checkbox,
  runTag: runTagSchema,
  reason: reasonField,
});

/** What one instantiate call did or would do: its status and the instance key it names. */
interface InstantiateEffect {
  status: string;
  instanceCollectionKey: string | null;
}

function instantiateEffectOf(o: RecipeResult<unknown>): InstantiateEffect {
  const r = o.ok ? (o.result as InstantiateResult) : null;
  return { status: o.status, instanceCollectionKey: r?.instanceCollectionKey ?? null };
}

const action: RecipeAction<typeof instantiateActionInput, InstantiateResult> = {
  input: instantiateActionInput,
  mode: previewOrEmitMode,
  // every commit needs a reason: a live run, and a kept dry run (its dryrun: instance stays
  // until a rollback by actor removes it)
  reasonRequired: (v) => !v.preview,
  run: async (ctx, v) => {
    const r = await instantiateFromEvent(ctx, { ...v, commit: !v.preview });
    if (!v.preview || !r.ok || v.emitMode === 'live') return r;
    // a dry run also says what a live run of the same parameters would do now, from a live
    // call in a transaction of its own that rolls back: that is what its plan binds
    const live = await instantiateFromEvent(
      { db: ctx.db, user: ctx.user, runTag: ctx.runTag, gateWaitMs: ctx.gateWaitMs },
      { ...v, emitMode: 'live', commit: false },
    );
    const livePrediction: LivePrediction = live.ok
      ? {
          status: live.status,
          instanceCollectionKey: live.result.instanceCollectionKey,
          instanceCollectionId: live.result.instanceCollectionId,
          originalEventLogId: live.result.originalEventLogId,
          message: null,
        }
      : {
          status: live.status,
          instanceCollectionKey: null,
          instanceCollectionId: null,
          originalEventLogId: null,
          message: live.message,
        };
    return { ...r, result: { ...r.result, livePrediction } };
  },
  // a live run or a kept dry run applies a dry run's plan: the same event, template, suffix,
  // note and tag, and the outcome that dry run showed for that mode
  plan: {
    applies: (v) => !v.preview,
    params: (v) => ({
      eventId: v.eventId.toLowerCase(),
      eventType: v.eventType,
      templateCollectionId: v.templateCollectionId.toLowerCase(),
      uniqueSuffix: v.uniqueSuffix,
      note: v.note ?? null,
      runTag: v.runTag ?? null,
    }),
    effect: (o) => {
      const own = instantiateEffectOf(o);
      const live = o.result.emitMode === 'live' ? own : o.result.livePrediction;
      // the key a live run makes, whatever the prediction (a refused one names no instance)
      const liveKey = own.instanceCollectionKey?.startsWith('dryrun:')
        ? `inst:${own.instanceCollectionKey.slice('dryrun:'.length)}`
        : (live?.instanceCollectionKey ?? own.instanceCollectionKey);
      return {
        [o.result.emitMode]: own,
        ...(live ? { live: { status: live.status, instanceCollectionKey: live.instanceCollectionKey } } : {}),
        liveKey,
      };
    },
    drift: (planned, o, v) => {
      const want = planned[v.emitMode] as InstantiateEffect | undefined;
      const got = instantiateEffectOf(o);
      if (!want) return `This plan did not preview a ${v.emitMode} run; run the dry run again, then confirm.`;
      if (want.status === got.status && want.instanceCollectionKey === got.instanceCollectionKey) return null;
      return (
        `Your dry run showed a ${v.emitMode} run would answer ${want.status}${want.instanceCollectionKey ? ` (${want.instanceCollectionKey})` : ''}; ` +
        `now it would answer ${got.status}${got.instanceCollectionKey ? ` (${got.instanceCollectionKey})` : ''}. Nothing was written: run the dry run again.`
      );
    },
    // live needs the instance key typed; keeping a dry-run instance needs only a reason
    typed: (v, planned) =>
      v.emitMode === 'live'
        ? String(planned.liveKey ?? (planned.live as InstantiateEffect | undefined)?.instanceCollectionKey ?? '')
        : null,
  },
  summarize: (o) =>
    o.ok
      ? `${o.status}: ${o.result.emitMode} instance ${o.result.instanceCollectionKey ?? '—'} (${o.result.pieceCount ?? 0} pieces), actor ${o.result.actor}${o.committed ? '' : ', rolled back'}`
      : `${o.status}: ${o.message}`,
};

export const definition = defineRecipe('instantiate-from-event', action);
