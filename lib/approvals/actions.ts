// The approval actions, each one audited mutation through the wrapper in an admin transaction
// (its audit row lands with the change): request approval for a plan, approve, reject. The
// audit rows carry what the notifications need: request, plan, recipe, requester, approvers.
import { eq, sql } from 'drizzle-orm';
import { consoleApprovalDecision, consoleApprovalRequest } from '@/db/approvals-schema';
import { consolePlan } from '@/db/auth-schema';
import type { ActionDefinition } from '@/lib/auth/action-types';
import type { Plan } from '@/lib/auth/plans';
import { runAdminTransaction } from '@/lib/recipes/run';
import type { RecipeResult, Refusal, Status, Tx } from '@/lib/recipes/types';
import { approvalRulesFor, MODE_WORDS } from './policy';
import { decisionRefusal, getApprovalRequest, requestForPlan } from './requests';
import { decideInput, requestApprovalInput } from './schemas';

export interface ApprovalActionResult {
  requestId: number;
  planId: number;
  recipe: string;
  mode: string;
  requester: string;
  status: string;
  approvers: string[];
  rejectedBy?: string;
  rule: string;
}

function no(status: Exclude<Status, 'ok'>, message: string, detail: Record<string, unknown> = {}): Refusal {
  return { ok: false, status, committed: false, message, detail };
}

const auditExtra = (o: RecipeResult<ApprovalActionResult>) => {
  const d = o.ok ? (o.result as unknown as Record<string, unknown>) : (o.detail ?? {});
  return { params: d, planId: typeof d.planId === 'number' ? d.planId : null };
};

async function lockedPlan(tx: Tx, id: number): Promise<Plan | null> {
  const [row] = await tx.select().from(consolePlan).where(eq(consolePlan.id, id)).for('update');
  return (row as Plan | undefined) ?? null;
}

export const requestApprovalDefinition: ActionDefinition<typeof requestApprovalInput, ApprovalActionResult> = {
  name: 'approval_requested',
  role: 'operator',
  input: requestApprovalInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  auditExtra,
  run: (ctx, v) =>
    runAdminTransaction<ApprovalActionResult>(ctx, async (tx) => {
      const plan = await lockedPlan(tx, v.planId);
      // another person's plan reads as missing, as it does for an apply
      if (!plan || plan.username !== ctx.user)
        return no(
          'plan_required',
          `You have no plan #${v.planId}; run the preview yourself, then request approval for your own plan.`,
        );
      const detail = { planId: plan.id, recipe: plan.recipe, requester: ctx.user };
      if (plan.usedAt) return no('plan_used', `Plan #${plan.id} was applied already; a plan runs once.`, detail);
      const fresh = plan.expiresAt.getTime() > Date.now();
      if (!fresh)
        return no(
          'plan_expired',
          `Plan #${plan.id} has expired; run the preview again and request approval for the new plan.`,
          detail,
        );
      // the request names one apply of the plan: the one asked for, else the first that needs approval
      const rules = await approvalRulesFor(tx, plan.recipe, plan.params);
      const asked = v.mode ? rules.find((r) => r.mode === v.mode) : rules.find((r) => r.rule);
      if (v.mode && !asked)
        return no(
          'invalid_input',
          `Plan #${plan.id} cannot be applied as a ${MODE_WORDS[v.mode]}; it applies as ${rules.map((r) => `a ${MODE_WORDS[r.mode]}`).join(' or ')}.`,
          detail,
        );
      if (!asked?.rule)
        return no(
          'invalid_input',
          `Plan #${plan.id} needs no approval${v.mode ? ` as a ${MODE_WORDS[v.mode]}` : ''} under the approval policy; apply it directly.`,
          detail,
        );
      const { mode, rule } = asked;
      const open = await requestForPlan(tx, plan.id);
      if (open && ['pending', 'approved'].includes(open.status))
        return no(
          'approval_closed',
          `Request #${open.id} for plan #${plan.id} is ${open.status} already; open it at /approvals/${open.id}.`,
          {
            ...detail,
            requestId: open.id,
          },
        );
      const [row] = await tx
        .insert(consoleApprovalRequest)
        .values({
          planId: plan.id,
          recipe: plan.recipe,
          mode,
          status: 'pending',
          breakGlass: false,
          requester: ctx.user,
          reason: v.reason ?? '',
          approversNeeded: rule.approvers,
          minRole: rule.minRole,
          rule: rule.sentence,
          createdAt: sql`clock_timestamp()` as unknown as Date,
        })
        .returning({ id: consoleApprovalRequest.id });
      return {
        ok: true,
        status: 'ok',
        committed: false,
        result: { requestId: row.id, ...detail, mode, status: 'pending', approvers: [], rule: rule.sentence },
      };
    }),
  summarize: (o) =>
    o.ok
      ? `requested approval #${o.result.requestId} for plan #${o.result.planId} (${o.result.recipe} ${o.result.mode}): ${o.result.rule}`
      : `${o.status}: ${o.message}`,
};

function decideDefinition(decision: 'approve' | 'reject'): ActionDefinition<typeof decideInput, ApprovalActionResult> {
  return {
    name: decision === 'approve' ? 'approval_approved' : 'approval_rejected',
    role: 'operator',
    input: decideInput,
    mode: () => 'admin',
    reasonRequired: () => true,
    auditExtra,
    run: (ctx, v) =>
      runAdminTransaction<ApprovalActionResult>(ctx, async (tx) => {
        // the request row is locked: two approvers at once are counted one after the other
        await tx
          .select({ id: consoleApprovalRequest.id })
          .from(consoleApprovalRequest)
          .where(eq(consoleApprovalRequest.id, v.requestId))
          .for('update');
        const r = await getApprovalRequest(tx, v.requestId);
        if (!r)
          return no('not_found', `There is no approval request #${v.requestId}; check the number on /approvals.`, {
            requestId: v.requestId,
          });
        const detail = {
          requestId: r.id,
          planId: r.planId,
          recipe: r.recipe,
          mode: r.mode,
          requester: r.requester,
          approvers: r.approvers,
        };
        const refusal = decisionRefusal(r, { username: ctx.user, role: (ctx.role ?? null) as never });
        if (refusal) return no(refusal.status, refusal.message, detail);
        if (decision === 'approve') {
          const [plan] = await tx.select().from(consolePlan).where(eq(consolePlan.id, r.planId));
          const fresh = plan.expiresAt.getTime() > Date.now();
          if (plan.usedAt || !fresh)
            return no(
              plan.usedAt ? 'plan_used' : 'plan_expired',
              `Plan #${r.planId} ${plan.usedAt ? 'was applied already' : 'has expired'}; an approval of it could never be used. ${r.requester} must preview again and request approval for the new plan.`,
              detail,
            );
        }
        await tx.insert(consoleApprovalDecision).values({
          requestId: r.id,
          username: ctx.user,
          role: ctx.role ?? 'none',
          decision,
          reason: v.reason ?? '',
          rechecked: false,
          createdAt: sql`clock_timestamp()` as unknown as Date,
        });
        const approvers = decision === 'approve' ? [...r.approvers, ctx.user] : r.approvers;
        const status =
          decision === 'reject' ? 'rejected' : approvers.length >= r.approversNeeded ? 'approved' : 'pending';
        if (status !== 'pending')
          await tx
            .update(consoleApprovalRequest)
            .set({ status, decidedAt: sql`clock_timestamp()` as unknown as Date })
            .where(eq(consoleApprovalRequest.id, r.id));
        return {
          ok: true,
          status: 'ok',
          committed: false,
          result: {
            ...detail,
            approvers,
            status,
            rule: r.rule,
            ...(decision === 'reject' ? { rejectedBy: ctx.user } : {}),
          },
        };
      }),
    summarize: (o) =>
      o.ok
        ? `${decision === 'approve' ? 'approved' : 'rejected'} request #${o.result.requestId} (plan #${o.result.planId}, ${o.result.recipe} by ${o.result.requester}); now ${o.result.status}${o.result.approvers.length ? `, approved by ${o.result.approvers.join(', ')}` : ''}`
        : `${o.status}: ${o.message}`,
  };
}

export const approveRequestDefinition = decideDefinition('approve');
export const rejectRequestDefinition = decideDefinition('reject');
