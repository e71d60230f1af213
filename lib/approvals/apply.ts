// The requester applies an approved request's plan (or a lead breaks glass): the plan's own
// parameters as the recipe's apply input, through the same wrapper as every apply (a bulk as
// a job). The wrapper decides everything: own plan, unexpired, unused, approved, unchanged.
import type { ActionResult, Caller } from '@/lib/auth/action-types';
import { executeAuthorized } from '@/lib/auth/authorize';
import { getPlan } from '@/lib/auth/plans';
import { startBulkJob } from '@/lib/bulk/jobs';
import { missingRequestDefinition } from './missing-request';
import { definitionOf, inputFromPlan } from './plan-input';
import { getApprovalRequest, parseRequestId } from './requests';

export type ApplyRequestResult =
  | { ok: true; result: ActionResult<unknown>; jobId?: string }
  | { ok: false; result: Extract<ActionResult<unknown>, { ok: false }> };

export interface ApplyFieldsIn {
  reason?: unknown;
  confirmText?: unknown;
  breakGlass?: unknown;
}

/** Applies request `rawId` (as the URL or the command line gave it) for `caller`. */
export async function applyRequest(caller: Caller, rawId: unknown, body: ApplyFieldsIn): Promise<ApplyRequestResult> {
  const requestId = parseRequestId(rawId);
  const r = requestId ? await getApprovalRequest(caller.db.orm, requestId) : null;
  const plan = r ? await getPlan(caller.db.orm, r.planId) : null;
  const def = r ? await definitionOf(r.recipe) : null;
  if (!r || !plan || !def) {
    // refused (and audited) by the wrapper: no request, a bad id, or a caller who may not ask
    const refused = await executeAuthorized(missingRequestDefinition('approval_apply'), caller, {
      requestId: rawId,
      reason: body.reason,
    });
    return refused.ok ? { ok: true, result: refused } : { ok: false, result: refused };
  }
  const input = {
    ...inputFromPlan(r.recipe, plan.params, true, r.mode),
    planId: plan.id,
    reason: body.reason,
    confirmText: body.confirmText,
    ...(body.breakGlass === undefined ? {} : { breakGlass: body.breakGlass }),
  };
  if (r.recipe === 'bulk_scale_out') {
    const job = await startBulkJob(caller, input);
    if (!job.ok) return { ok: false, result: job.result as Extract<ActionResult<unknown>, { ok: false }> };
    return {
      ok: true,
      jobId: job.jobId,
      result: {
        ok: true,
        decision: 'ok',
        status: 'queued',
        committed: false,
        message: `Queued as bulk job ${job.jobId}; it applies plan #${plan.id} as you.`,
        result: { jobId: job.jobId },
        actor: job.job.actor,
        auditId: null,
      },
    };
  }
  const result = await executeAuthorized(def, caller, input);
  return result.ok ? { ok: true, result } : { ok: false, result };
}
