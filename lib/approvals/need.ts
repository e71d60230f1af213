// What a plan's apply needs under the approval policy, for the preview's answer and the
// plan's page: the policy's sentence and the request already made for it, or null.
import type { Orm } from '@/db/client';
import type { ApprovalNeed } from '@/lib/auth/action-types';
import type { Plan } from '@/lib/auth/plans';
import { applyModeOf, approvalRuleFor } from './policy';
import { requestForPlan } from './requests';

export async function approvalNeedOf(
  db: Orm,
  plan: Pick<Plan, 'id' | 'recipe' | 'params'>,
): Promise<ApprovalNeed | null> {
  const mode = applyModeOf(plan.recipe, plan.params);
  const rule = mode ? await approvalRuleFor(db, plan.recipe, mode, plan.params) : null;
  if (!rule) return null;
  const open = await requestForPlan(db, plan.id);
  return {
    sentence: rule.sentence,
    approvers: rule.approvers,
    minRole: rule.minRole,
    requestId: open?.id ?? null,
    status: open?.status ?? null,
  };
}
