// An approver runs a request's plan again as a preview (the same parameters, rolled back,
// through the wrapper as the approver, audited) and sees the effect now beside the plan's.
import type { Caller } from '@/lib/auth/action-types';
import { executeAuthorized } from '@/lib/auth/authorize';
import { getPlan, type Effect } from '@/lib/auth/plans';
import type { RecipeResult } from '@/lib/recipes/types';
import { signedOutMessage } from '@/lib/auth/signed-out';
import { missingRequestDefinition } from './missing-request';
import { definitionOf, inputFromPlan } from './plan-input';
import { getApprovalRequest, parseRequestId } from './requests';

export type RecheckResult =
  | {
      ok: true;
      requestId: number;
      planId: number;
      planned: Effect;
      /** The effect of the preview run now (null when the preview was refused). */
      now: Effect | null;
      /** Null when nothing drifted; otherwise the plan's own drift sentence. */
      drift: string | null;
      message: string;
      auditId: number | null;
    }
  | { ok: false; status: string; decision?: string; message: string; auditId?: number | null };

/** Re-checks request `rawId` (as the URL or the command line gave it) as `caller`. */
export async function recheckRequest(caller: Caller, rawId: unknown): Promise<RecheckResult> {
  if (!caller.identity) return { ok: false, status: 'unauthenticated', message: signedOutMessage(caller.request) };
  const requestId = parseRequestId(rawId);
  const r = requestId ? await getApprovalRequest(caller.db.orm, requestId) : null;
  const plan = r ? await getPlan(caller.db.orm, r.planId) : null;
  const def = r ? await definitionOf(r.recipe) : null;
  if (!r || !plan || !def?.plan) {
    // refused (and audited) by the wrapper: no request, a bad id, or a role that may not look
    const refused = await executeAuthorized(missingRequestDefinition('approval_recheck'), caller, {
      requestId: rawId,
    });
    return {
      ok: false,
      status: refused.status,
      decision: refused.decision,
      message: refused.message,
      auditId: refused.auditId,
    };
  }
  const rule = def.plan;
  let seen: { outcome: RecipeResult<unknown>; input: Parameters<typeof rule.params>[0] } | null = null;
  // the recipe's own preview, without making a plan: the approver looks, nothing else
  const looking = {
    ...def,
    plan: undefined,
    run: async (ctx: Parameters<typeof def.run>[0], v: Parameters<typeof def.run>[1]) => {
      const outcome = await def.run(ctx, v);
      seen = { outcome, input: v };
      return outcome;
    },
    summarize: (o: Parameters<NonNullable<typeof def.summarize>>[0]) =>
      `re-check of plan #${plan.id} for approval request #${r.id}: ${def.summarize?.(o) ?? o.status}`,
    auditExtra: () => ({ params: { recheckOf: r.id, requester: r.requester }, planId: plan.id }),
  };
  const answer = await executeAuthorized(looking, caller, inputFromPlan(r.recipe, plan.params, false, r.mode));
  const got = seen as { outcome: RecipeResult<unknown>; input: Parameters<typeof rule.params>[0] } | null;
  if (!got)
    return {
      ok: false,
      status: answer.status,
      decision: answer.decision,
      message: answer.message,
      auditId: answer.auditId,
    };
  const now = got.outcome.ok ? rule.effect(got.outcome as Parameters<typeof rule.effect>[0], got.input) : null;
  const drift = rule.drift(plan.effect, got.outcome, got.input);
  return {
    ok: true,
    requestId: r.id,
    planId: plan.id,
    planned: plan.effect,
    now,
    drift,
    message: drift
      ? `The effect changed since plan #${plan.id}: ${drift}`
      : `No drift: the preview now does exactly what plan #${plan.id} showed.`,
    auditId: answer.auditId,
  };
}
