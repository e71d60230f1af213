// Each recipe's plan parameters as the server computes them: the form's input parsed with the
// recipe's own zod schema, then the definition's `plan.params` (lib/recipes/<slug>/recipe.ts,
// which is server code, so the few lines of `params` are mirrored here, and
// components/plan/plan-flow.test.ts holds each mirror against the server's preview key).
// Input that does not parse cannot match a plan; its loosely trimmed fields still name what
// changed.
import { z } from 'zod';
import { bulkInputSchema, composeInputSchema, instantiateInputSchema, runTagSchema } from '@/lib/recipes/schemas';
import type { PlanParams } from './plan-flow';

/** The parameters, and whether the input parsed (only parsed input can match a plan). */
export interface FormParams {
  params: PlanParams;
  valid: boolean;
}

function loose(v: unknown): unknown {
  if (typeof v === 'string') return v.trim() || null;
  if (Array.isArray(v)) return v.map(loose);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, loose(x)]));
  return v ?? null;
}

function planParamsWith<S extends z.ZodType>(
  schema: S,
  pick: (v: z.output<S>) => PlanParams,
  fields: readonly string[],
) {
  return (input: Record<string, unknown>): FormParams => {
    const parsed = schema.safeParse(input);
    if (parsed.success) return { params: pick(parsed.data), valid: true };
    return { params: Object.fromEntries(fields.map((f) => [f, loose(input[f])])), valid: false };
  };
}

const withRunTag = { runTag: runTagSchema };

/** instantiate-from-event's definition.plan.params */
export const instantiatePlanParams = planParamsWith(
  instantiateInputSchema.extend(withRunTag),
  (v) => ({
    eventId: v.eventId.toLowerCase(),
    eventType: v.eventType,
    templateCollectionId: v.templateCollectionId.toLowerCase(),
    uniqueSuffix: v.uniqueSuffix,
    note: v.note ?? null,
    runTag: v.runTag ?? null,
  }),
  ['eventId', 'eventType', 'templateCollectionId', 'uniqueSuffix', 'note', 'runTag'],
);

/** bulk-scale-out's definition.plan.params */
export const bulkPlanParams = planParamsWith(
  bulkInputSchema.safeExtend(withRunTag),
  (v) => ({
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
  ['templateCollectionId', 'templateKey', 'eventType', 'n', 'uuidPrefix', 'batchTag', 'emitMode', 'note', 'runTag'],
);

/** rollback-by-actor's definition.plan.params (its input schema trims the actor) */
export const rollbackPlanParams = planParamsWith(
  z.object({ targetActor: z.string().trim().min(1).max(200) }),
  (v) => ({ targetActor: v.targetActor }),
  ['targetActor'],
);

/** compose-template-version's definition.plan.params: the whole parsed input but preview and reason */
export const composePlanParams = planParamsWith(
  composeInputSchema.safeExtend(withRunTag),
  (v) => ({ ...v, runTag: v.runTag ?? null }),
  ['family', 'kind', 'title', 'description', 'pieces', 'label', 'note', 'previousCollectionId', 'runTag'],
);

/** close-all-gates' definition.plan.params: a close applies whatever its preview listed */
export const closeGatesPlanParams = (): FormParams => ({ params: {}, valid: true });
