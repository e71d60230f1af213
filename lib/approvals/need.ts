// What a plan's apply needs under the approval policy, for the preview's answer and the
// plan's page: the policy's sentence and the request already made for it, or null.
import type { Orm } from '@/db/client';
import type { ApprovalNeed } from '@/lib/auth/action-types';
import type { Plan } from '@/lib/auth/plans';
import { approvalRulesFor, describeNeed, type ApprovalRule } from './policy';
import { requestForPlan } from './requests';

export async function approvalNeedOf(
  db: Orm,
  plan: Pick<Plan, 'id' | 'recipe' | 'params'>,
): Promise<ApprovalNeed | null> {
  const rules = await approvalRulesFor(db, plan.recipe, plan.params);
  const needing = rules.filter((r): r is { mode: typeof r.mode; rule: ApprovalRule } => r.rule !== null);
  const sentence = describeNeed(plan.recipe, rules);
  if (!needing.length || !sentence) return null;
  const open = await requestForPlan(db, plan.id);
  // the request made names its mode; before one, the first that needs approval
  const asked = needing.find((r) => r.mode === open?.mode) ?? needing[0];
  return {
    sentence,
    approvers: asked.rule.approvers,
    minRole: asked.rule.minRole,
    modes: needing.map((r) => ({ mode: r.mode, sentence: r.rule.sentence })),
    requestId: open?.id ?? null,
    status: open?.status ?? null,
  };
}
