// Step, after the plan check: an apply the approval policy (050) covers runs only with an
// approved request for exactly its plan (051), or as a lead's break-glass. Inside the apply's
// transaction, once the plan is claimed and its effect equals the plan's, the request is used
// up with it; an apply refused plan_stale voids the approval, so it never carries over.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { consoleApprovalRequest } from '@/db/approvals-schema';
import { approvalRuleFor, MODE_WORDS, type ApprovalRule } from '@/lib/approvals/policy';
import { requestForPlan } from '@/lib/approvals/requests';
import type { Refusal, Tx } from '@/lib/recipes/types';
import type { Identity } from '../identity';
import type { Plan } from '../plans';
import { hasRole } from '../roles';

/** What the apply carries into its audit row: who approved it, or that a lead broke glass. */
export interface ApprovalPass {
  rule: ApprovalRule;
  requestId: number | null;
  requester: string;
  approvers: string[];
  breakGlass: boolean;
}

export type ApprovalRefusal = {
  status: 'approval_required' | 'approval_pending' | 'approval_rejected';
  message: string;
  requestId?: number;
};

/** Whether the raw input asks for a break-glass (a JSON true, or a form's "true"/"on"). */
export function wantsBreakGlass(raw: Record<string, unknown>): boolean {
  return raw.breakGlass === true || raw.breakGlass === 'true' || raw.breakGlass === 'on';
}

const requestHint = (planId: number) =>
  `request approval for plan #${planId} (the page's Request approval, \`iu requests create --plan ${planId} --reason …\`, or POST /api/approvals)`;

/**
 * Step: null when the policy asks nothing of this apply; the pass (approvers, or a break-glass)
 * when it may run; otherwise the refusal with its sentence.
 */
export async function approvalStep(
  db: Database,
  q: { recipe: string; mode: string; plan: Plan; who: Identity; raw: Record<string, unknown> },
): Promise<{ pass: ApprovalPass | null } | ApprovalRefusal> {
  const rule = await approvalRuleFor(db.orm, q.recipe, q.mode, q.plan.params);
  if (!rule) return { pass: null };
  const request = await requestForPlan(db.orm, q.plan.id);
  if (wantsBreakGlass(q.raw)) {
    if (!hasRole(q.who.role, 'lead'))
      return {
        status: 'approval_required',
        message: `Only a lead may apply without approval (break-glass); ${rule.sentence}, so ${requestHint(q.plan.id)}. Nothing was run.`,
      };
    return {
      pass: {
        rule,
        requestId: request && ['pending', 'approved'].includes(request.status) ? request.id : null,
        requester: q.who.username,
        approvers: [],
        breakGlass: true,
      },
    };
  }
  if (!request || request.status === 'applied') {
    return {
      status: 'approval_required',
      message: `This apply needs approval: ${rule.sentence}. Nothing was run; ${requestHint(q.plan.id)}.`,
    };
  }
  // a request approves one apply of its plan: a kept dry run is not the live run that was approved
  if (request.mode !== q.mode && ['pending', 'approved'].includes(request.status)) {
    const asked = MODE_WORDS[request.mode as keyof typeof MODE_WORDS] ?? request.mode;
    const here = MODE_WORDS[q.mode as keyof typeof MODE_WORDS] ?? q.mode;
    return {
      status: 'approval_required',
      requestId: request.id,
      message:
        `Request #${request.id} asks approval for a ${asked} of plan #${q.plan.id}, and this is a ${here}, which needs approval of its own: ${rule.sentence}. ` +
        `Apply the plan as its request says (/approvals/${request.id}), or run the dry run again and request approval for a ${here}. Nothing was run.`,
    };
  }
  if (request.status === 'stale') {
    return {
      status: 'approval_required',
      requestId: request.id,
      message: `The approval of request #${request.id} was voided when an apply of plan #${q.plan.id} found its effect changed; an approval never carries over. Run the preview again and request approval for the new plan. Nothing was run.`,
    };
  }
  if (request.status === 'rejected') {
    const by = request.decisions.find((d) => d.decision === 'reject');
    return {
      status: 'approval_rejected',
      requestId: request.id,
      message: `Request #${request.id} for plan #${q.plan.id} was rejected${by ? ` by ${by.username} ("${by.reason}")` : ''}; nothing was run.`,
    };
  }
  // approvals count while the approver's role still meets the policy's current minimum
  const approvers = request.decisions
    .filter((d) => d.decision === 'approve' && hasRole(d.role as Identity['role'], rule.minRole))
    .map((d) => d.username);
  if (request.status !== 'approved' || approvers.length < rule.approvers) {
    return {
      status: 'approval_pending',
      requestId: request.id,
      message: `Request #${request.id} for plan #${q.plan.id} waits for approval: ${rule.sentence} (${approvers.length} of ${rule.approvers} so far). Nothing was run.`,
    };
  }
  return { pass: { rule, requestId: request.id, requester: request.requester, approvers, breakGlass: false } };
}

/**
 * Inside the apply's transaction, after the plan is claimed and its effect holds: the request
 * is used up with the plan (a break-glass closes any open request of the plan as applied).
 */
export function approvalClaim(pass: ApprovalPass, plan: Plan, username: string) {
  return async (tx: Tx): Promise<Refusal | null> => {
    const set = {
      status: 'applied' as const,
      appliedAt: sql`clock_timestamp()` as unknown as Date,
      appliedBy: username,
      ...(pass.breakGlass ? { breakGlass: true } : {}),
    };
    if (pass.breakGlass) {
      await tx
        .update(consoleApprovalRequest)
        .set(set)
        .where(
          and(
            eq(consoleApprovalRequest.planId, plan.id),
            inArray(consoleApprovalRequest.status, ['pending', 'approved']),
          ),
        );
      return null;
    }
    const used = await tx
      .update(consoleApprovalRequest)
      .set(set)
      .where(and(eq(consoleApprovalRequest.id, pass.requestId ?? 0), eq(consoleApprovalRequest.status, 'approved')))
      .returning({ id: consoleApprovalRequest.id });
    if (used.length) return null;
    return {
      ok: false,
      status: 'approval_required',
      committed: false,
      message: `Request #${pass.requestId} was no longer approved when the apply ran; nothing was written. Open the request to see why.`,
    };
  };
}

/** After an apply refused plan_stale: its approval is void, so it never carries over. */
export async function voidApproval(db: Database, requestId: number): Promise<void> {
  await db.orm
    .update(consoleApprovalRequest)
    .set({ status: 'stale' })
    .where(and(eq(consoleApprovalRequest.id, requestId), eq(consoleApprovalRequest.status, 'approved')));
}

/** The audit row's params and summary for an approved or break-glass apply. */
export function approvalAudit(pass: ApprovalPass): { params: Record<string, unknown>; summarySuffix: string } {
  if (pass.breakGlass)
    return {
      params: { breakGlass: true, approval: { requestId: pass.requestId, rule: pass.rule.sentence } },
      summarySuffix: ` (BREAK-GLASS by ${pass.requester}: applied without approval)`,
    };
  return {
    params: {
      approval: { requestId: pass.requestId, requester: pass.requester, approvers: pass.approvers },
    },
    summarySuffix: ` (requested by ${pass.requester}, approved by ${pass.approvers.join(', ')}, request #${pass.requestId})`,
  };
}
