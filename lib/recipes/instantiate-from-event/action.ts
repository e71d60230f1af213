// The console's instantiate action: input, mode, plan rule and summary around the recipe.
// A dry run is a plan that also holds what a live run of the same parameters would do now.
import type { z } from 'zod';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { instantiateInputSchema, runTagSchema } from '../schemas';
import type { RecipeResult } from '../types';
import { checkbox, previewOrEmitMode } from '../action-fields';
import { instantiateFromEvent, type InstantiateResult, type LivePrediction } from './recipe';

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

export const instantiateFromEventAction: RecipeAction<typeof instantiateActionInput, InstantiateResult> = {
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

/** The key a live instance of this template and suffix gets, named after 033's rule. */
export type InstantiateActionInput = z.input<typeof instantiateActionInput>;
