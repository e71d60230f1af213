// What a request's page and GET /api/approvals/<id> show: the request, its decisions, its
// plan (parameters, the effect it showed, expiry), what the viewer may do, and the text the
// requester types to apply it.
import type { Database } from '@/db/client';
import { getPlan, type Effect } from '@/lib/auth/plans';
import type { Identity } from '@/lib/auth/identity';
import { hasRole } from '@/lib/auth/roles';
import { definitionOf, inputFromPlan } from './plan-input';
import { decisionRefusal, getApprovalRequest, type ApprovalRequestView } from './requests';

export interface ApprovalDetail {
  request: ApprovalRequestView;
  plan: {
    id: number;
    username: string;
    summary: string;
    params: Record<string, unknown>;
    effect: Effect;
    createdAt: string;
    expiresAt: string;
    usedAt: string | null;
    expired: boolean;
  };
  /** Null when the viewer may approve or reject; otherwise why not. */
  cannotDecide: string | null;
  /** Whether the viewer is the requester, who alone applies the plan (it is theirs). */
  mine: boolean;
  /** Whether the viewer may apply without the approval (a lead's break-glass, on their own plan). */
  mayBreakGlass: boolean;
  /** The text the apply's confirmation asks for (the batch tag, the actor, the version key). */
  confirmText: string | null;
}

export async function getApprovalDetail(db: Database, id: number, me: Identity): Promise<ApprovalDetail | null> {
  const request = await getApprovalRequest(db.orm, id);
  const plan = request ? await getPlan(db.orm, request.planId) : null;
  if (!request || !plan) return null;
  const def = await definitionOf(request.recipe);
  let confirmText: string | null = null;
  try {
    const parsed = def?.input.safeParse(inputFromPlan(request.recipe, plan.params, true, request.mode));
    if (def?.plan && parsed?.success) confirmText = def.plan.typed?.(parsed.data, plan.effect) ?? null;
  } catch {
    confirmText = null;
  }
  const mine = plan.username === me.username;
  return {
    request,
    plan: {
      id: plan.id,
      username: plan.username,
      summary: plan.summary,
      params: plan.params,
      effect: plan.effect,
      createdAt: plan.createdAt.toISOString(),
      expiresAt: plan.expiresAt.toISOString(),
      usedAt: plan.usedAt?.toISOString() ?? null,
      expired: plan.expiresAt.getTime() <= Date.now(),
    },
    cannotDecide: decisionRefusal(request, me)?.message ?? null,
    mine,
    mayBreakGlass: mine && hasRole(me.role, 'lead'),
    confirmText,
  };
}
