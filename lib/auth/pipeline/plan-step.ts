// Steps of an apply's plan: before the run, the caller's own usable plan and the typed text;
// inside the run's transaction, the plan used up and the effect compared with the plan's.
import type { Database } from '@/db/client';
import { describeStatus } from '@/lib/recipes/messages';
import type { RecipeContext, RecipeResult, Refusal, Tx } from '@/lib/recipes/types';
import type { PlanRule } from '../action-types';
import { checkPlan, claimPlan, parsePlanId, type Plan } from '../plans';

export type PlanStepRefusal = {
  status: 'plan_required' | 'plan_expired' | 'plan_used' | 'confirmation_required';
  message: string;
  planId?: number;
};

/** Why an apply may not run: no usable plan of the caller's own, or the typed text does not match. */
export async function planRefusal<V, T>(
  db: Database,
  recipe: string,
  username: string,
  rule: PlanRule<V, T>,
  data: V,
  raw: Record<string, unknown>,
): Promise<{ plan: Plan } | PlanStepRefusal> {
  const checked = await checkPlan(db, { recipe, username, params: rule.params(data), planId: raw.planId });
  if (!('plan' in checked)) return { ...checked, planId: parsePlanId(raw.planId) ?? undefined };
  const expected = rule.typed?.(data, checked.plan.effect) ?? null;
  const typed = typeof raw.confirmText === 'string' ? raw.confirmText : '';
  if (expected !== null && typed !== expected) {
    return {
      status: 'confirmation_required',
      message: describeStatus('confirmation_required'),
      planId: checked.plan.id,
    };
  }
  return checked;
}

/**
 * Step, inside the apply's transaction: the plan is used up there, and the effect must be the
 * plan's. `after` runs once both hold (the approval step uses its request up there too).
 */
export function planVerifier<V, T>(
  plan: Plan,
  rule: PlanRule<V, T>,
  data: V,
  after?: (tx: Tx) => Promise<Refusal | null>,
): NonNullable<RecipeContext['verify']> {
  return async (tx: Tx, o: RecipeResult<unknown>): Promise<Refusal | null> => {
    // claimed first: an apply that raced another apply of this plan is told it was used
    const used = await claimPlan(tx, plan);
    if (used) return { ok: false, status: used.status, committed: false, message: used.message };
    const drift = rule.drift(plan.effect, o, data);
    if (drift) return { ok: false, status: 'plan_stale', committed: false, message: drift };
    return after ? after(tx) : null;
  };
}
