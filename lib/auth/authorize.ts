// The one wrapper every console mutation goes through, in this order: session → role → zod
// parse → reason → plan (an apply names its own unused, unexpired plan) → approval (an apply
// the policy covers needs an approved request for exactly that plan, or a lead's break-glass)
// → recipe (the apply's effect must equal the plan's, checked in its transaction, where the
// plan and its request are used up) → audit row. Each step is a small function in
// lib/auth/pipeline/. The actor's user part is the session's user name; a form can only add a
// validated run tag. A committed run's audit row is written inside the recipe's transaction
// (beforeFinish), so the run and its record exist together or not at all; anything that
// rolled back (previews, dry runs, refusals, errors), and every denied or invalid attempt, is
// recorded in a write of its own that survives.
import type { z } from 'zod';
import { approvalNeedOf } from '@/lib/approvals/need';
import { logError, redactText } from '@/lib/log/redact';
import type { RecipeContext, RecipeResult, Tx } from '@/lib/recipes/types';
import { toPlainInput, type ActionDefinition, type ActionResult, type ApprovalNeed, type Caller } from './action-types';
import { auditParams } from './audit';
import { signedOutMessage } from './signed-out';
import { createPlan, type Plan } from './plans';
import { auditWriter, type AuditEntry } from './pipeline/audit-step';
import { approvalAudit, approvalClaim, approvalStep, voidApproval, type ApprovalPass } from './pipeline/approval-step';
import { denial, modeOf, parseInput, summaryOf } from './pipeline/check-steps';
import { planRefusal, planVerifier } from './pipeline/plan-step';
import { ERROR_MESSAGE, resultOf } from './pipeline/result-step';

export * from './action-types';
export { previewKey } from './plans';

/**
 * Runs one authorized action for `caller`; every path but "signed out" leaves exactly one
 * audit row (a break-glass apply two: its own and the `break_glass` row beside it).
 */
export async function executeAuthorized<S extends z.ZodType<Record<string, unknown>>, T>(
  def: ActionDefinition<S, T>,
  caller: Caller,
  raw: unknown,
): Promise<ActionResult<T>> {
  const startedAt = new Date();
  const input = toPlainInput(raw);
  const who = caller.identity;
  if (!who) {
    return {
      ok: false,
      decision: 'unauthenticated',
      status: 'unauthenticated',
      committed: false,
      // a bad token's request was recorded as a security event when its identity was looked up
      message: signedOutMessage(caller.request),
      auditId: null,
    };
  }
  const record = auditWriter(def, caller, who, startedAt);
  const rawReason = typeof input.reason === 'string' && input.reason.trim() ? input.reason.trim().slice(0, 2000) : null;
  const early = { actor: null, reason: rawReason, committed: false } as const;

  const denied = denial(def, who);
  if (denied) {
    const auditId = await record({
      ...early,
      params: auditParams(input),
      mode: modeOf(def, input),
      decision: 'denied',
      status: 'denied',
      summary: denied,
    });
    return { ok: false, decision: 'denied', status: 'denied', committed: false, message: denied, auditId };
  }

  const parsed = parseInput(def, raw, input);
  if ('issues' in parsed) {
    const message = `The input was refused and nothing was run: ${parsed.issues.map((i) => i.message).join(' ')}`;
    const auditId = await record({
      ...early,
      params: auditParams(input),
      mode: modeOf(def, parsed.parsed ?? input),
      decision: 'invalid',
      status: 'invalid_input',
      summary: message,
    });
    return {
      ok: false,
      decision: 'invalid',
      status: 'invalid_input',
      committed: false,
      message,
      issues: parsed.issues,
      auditId,
    };
  }

  const data = parsed.data;
  const mode = modeOf(def, data);
  const runTag = data.runTag || undefined;
  const actor = runTag ? `${who.username}:${runTag}` : who.username;
  let params = auditParams(Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'reason')));
  const rule = def.plan;
  const isApply = rule ? rule.applies(data) : false;
  const reason = data.reason ?? null;
  const refuse = async (status: string, message: string, planId: number | null, requestId?: number) => {
    const auditId = await record({
      params,
      mode,
      decision: 'refused',
      status,
      summary: message,
      actor: null,
      reason,
      committed: false,
      planId,
    });
    return {
      ok: false as const,
      decision: 'refused' as const,
      status,
      committed: false,
      message,
      auditId,
      ...(planId ? { planId } : {}),
      ...(requestId ? { requestId } : {}),
    };
  };

  // an apply names its plan: the caller's own, for these parameters, unexpired and unused;
  // then, when the policy covers it, an approved request for exactly that plan
  let plan: Plan | null = null;
  let pass: ApprovalPass | null = null;
  if (rule && isApply) {
    const checked = await planRefusal(caller.db, def.name, who.username, rule, data, input);
    if ('status' in checked) return refuse(checked.status, checked.message, checked.planId ?? null);
    plan = checked.plan;
    const approval = await approvalStep(caller.db, { recipe: def.name, mode, plan, who, raw: input });
    if ('status' in approval) return refuse(approval.status, approval.message, plan.id, approval.requestId);
    pass = approval.pass;
    if (pass) params = { ...params, ...approvalAudit(pass).params };
  }

  const entryFor = (o: RecipeResult<T>, committed: boolean, planId: number | null): AuditEntry => {
    const extra = def.auditExtra?.(o);
    return {
      params: extra?.params ? { ...params, ...auditParams(extra.params) } : params,
      mode,
      decision: o.ok ? 'ok' : o.status === 'invalid_input' ? 'invalid' : 'refused',
      status: o.status,
      summary: summaryOf(def, o) + (pass ? approvalAudit(pass).summarySuffix : ''),
      actor,
      reason,
      committed,
      planId: extra?.planId ?? planId,
    };
  };

  let auditId: number | null = null;
  const ctx: RecipeContext = {
    db: caller.db,
    user: who.username,
    role: who.role,
    runTag,
    async beforeFinish(tx: Tx, o: RecipeResult<unknown>) {
      // only a commit records here: a rolled-back write would vanish with the run
      if (!o.committed) return;
      auditId = await record(entryFor(o as RecipeResult<T>, true, plan?.id ?? null), tx);
      if (pass?.breakGlass)
        await record(
          breakGlassEntry(def.name, pass, plan, auditId, entryFor(o as RecipeResult<T>, true, null)),
          tx,
          'break_glass',
        );
    },
    verify:
      plan && rule
        ? planVerifier(plan, rule, data, pass ? approvalClaim(pass, plan, who.username) : undefined)
        : undefined,
  };

  let outcome: RecipeResult<T>;
  try {
    outcome = await def.run(ctx, data);
  } catch (err) {
    logError(`[iu-console] ${def.name} by ${who.username} failed:`, err);
    const summary = redactText(err instanceof Error ? err.message : String(err)).slice(0, 500);
    const id = await record({
      params,
      mode,
      decision: 'error',
      status: 'error',
      summary,
      actor,
      reason,
      committed: false,
      planId: plan?.id ?? null,
    });
    return {
      ok: false,
      decision: 'error',
      status: 'error',
      committed: false,
      message: ERROR_MESSAGE,
      actor,
      auditId: id,
    };
  }
  if (pass?.requestId && !pass.breakGlass && outcome.status === 'plan_stale')
    await voidApproval(caller.db, pass.requestId);

  // a successful preview becomes a plan, stored before its audit row so the row can name it
  let made: Plan | null = null;
  let need: ApprovalNeed | null | undefined;
  if (rule && !isApply && outcome.ok && !outcome.committed) {
    made = await createPlan(caller.db.orm, {
      recipe: def.name,
      username: who.username,
      actor,
      params: rule.params(data),
      effect: rule.effect(outcome, data),
      summary: summaryOf(def, outcome),
    });
    need = await approvalNeedOf(caller.db.orm, made);
  }
  if (!outcome.committed || auditId === null) {
    // rolled back (or the recipe never called beforeFinish): record it on its own
    auditId = await record(entryFor(outcome, outcome.committed, made?.id ?? plan?.id ?? null));
  }
  return resultOf(outcome, { actor, auditId, shown: made ?? plan, appliedPlan: plan, approval: need });
}

/** The `break_glass` row beside a lead's apply without approval, in the apply's own transaction. */
function breakGlassEntry(
  recipe: string,
  pass: ApprovalPass,
  plan: Plan | null,
  applyAuditId: number | null,
  apply: AuditEntry,
): AuditEntry {
  return {
    ...apply,
    params: {
      recipe,
      planId: plan?.id ?? null,
      applyAuditId,
      requestId: pass.requestId,
      requester: pass.requester,
      rule: pass.rule.sentence,
    },
    summary: `break-glass: ${pass.requester} applied plan #${plan?.id} of ${recipe} without approval (${pass.rule.sentence})`,
    planId: plan?.id ?? null,
  };
}
