// Step: the recipe's outcome as the caller's answer.
import { describeStatus } from '@/lib/recipes/messages';
import type { RecipeResult } from '@/lib/recipes/types';
import type { ActionResult, ApprovalNeed } from '../action-types';
import { planView, type Plan } from '../plans';

export const ERROR_MESSAGE =
  'Something went wrong and nothing was written; the attempt is in the audit trail. Try again, or ask a lead to look at the server log.';

export function resultOf<T>(
  outcome: RecipeResult<T>,
  o: {
    actor: string;
    auditId: number | null;
    shown: Plan | null;
    appliedPlan: Plan | null;
    approval?: ApprovalNeed | null;
  },
): ActionResult<T> {
  if (outcome.ok) {
    return {
      ok: true,
      decision: 'ok',
      status: outcome.status,
      committed: outcome.committed,
      message: outcome.committed ? 'Done: committed.' : 'Preview: the run was rolled back, nothing was written.',
      result: outcome.result,
      actor: o.actor,
      auditId: o.auditId,
      ...(o.shown ? { plan: planView(o.shown) } : {}),
      ...(o.approval !== undefined ? { approval: o.approval } : {}),
    };
  }
  return {
    ok: false,
    decision: outcome.status === 'invalid_input' ? 'invalid' : 'refused',
    status: outcome.status,
    committed: outcome.committed,
    message: outcome.message || describeStatus(outcome.status),
    issues: outcome.issues,
    actor: o.actor,
    auditId: o.auditId,
    ...(o.appliedPlan ? { planId: o.appliedPlan.id } : {}),
  };
}
