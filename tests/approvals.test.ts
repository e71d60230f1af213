// Approvals bound to the exact plan (migrations 050 and 051), through the one wrapper, on
// PGlite and PostgreSQL: the shipped policy, requests, decisions by other people of the right
// role, the apply recorded with its approvers, drift voiding an approval, break-glass.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { approveRequestDefinition, rejectRequestDefinition, requestApprovalDefinition } from '@/lib/approvals/actions';
import { changePolicyDefinition, markFamilyDefinition } from '@/lib/approvals/policy-actions';
import { applyModeOf, approvalRuleFor, listPolicy, describeRule } from '@/lib/approvals/policy';
import { getApprovalDetail } from '@/lib/approvals/detail';
import { inputFromPlan } from '@/lib/approvals/plan-input';
import { startBulkJob, waitForBulkJob } from '@/lib/bulk/jobs';
import { startBulkWorker, type BulkWorker } from '@/lib/jobs/worker';
import { APPROVABLE_RECIPES, RECIPE_CATALOG, RECIPE_SLUGS } from '@/lib/recipes/catalog';
import { loadDefinition } from '@/lib/recipes/load-definition';
import { definition as rollbackBatchDefinition } from '@/lib/recipes/rollback-batch/recipe';
import { recheckRequest } from '@/lib/approvals/recheck';
import { applyRequest } from '@/lib/approvals/apply';
import { countDecidable, getApprovalRequest } from '@/lib/approvals/requests';
import { definition as rollbackByActorDefinition } from '@/lib/recipes/rollback-by-actor/recipe';
import { definition as bulkScaleOutDefinition } from '@/lib/recipes/bulk-scale-out/recipe';
import { backends, useTestDatabase } from './helpers/db';
import { ALL_CLOSED, count, gateValues, instantiate, makeTemplate, uniq, type Template } from './helpers/substrate';

const who = (username: string, role: Role): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: 'session',
});

describe.each(backends())('approvals on $name', (backend) => {
  const t = useTestDatabase(backend, { approvalPolicy: true });
  let tpl: Template;
  const caller = (username: string, role: Role): Caller => ({
    db: t.db,
    identity: who(username, role),
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const lena = () => caller('lena', 'lead');
  const lars = () => caller('lars', 'lead');
  const olga = () => caller('olga', 'operator');
  const omar = () => caller('omar', 'operator');
  const audit = async (id: number | null) =>
    (await t.db.query<Record<string, unknown>>('SELECT * FROM console_audit_log WHERE id = $1', [id]))[0];
  const makeFor = async (actor: string, n: number) => {
    for (let i = 0; i < n; i++)
      expect((await instantiate(t.db, { templateId: tpl.id, mode: 'live', actor })).status).toBe('ok');
  };
  /** A rollback dry run by lena and her request for its plan. */
  const requested = async (actor: string) => {
    const dry = await executeAuthorized(rollbackByActorDefinition, lena(), { targetActor: actor });
    if (!dry.ok || !dry.plan) throw new Error(dry.message);
    expect(dry.approval).toMatchObject({ approvers: 1, minRole: 'lead', requestId: null });
    const req = await executeAuthorized(requestApprovalDefinition, lena(), {
      planId: dry.plan.id,
      reason: 'bad canary',
    });
    if (!req.ok) throw new Error(req.message);
    return { planId: dry.plan.id, requestId: req.result.requestId, auditId: req.auditId };
  };
  const apply = (planId: number, actor: string, extra: Record<string, unknown> = {}) =>
    executeAuthorized(rollbackByActorDefinition, lena(), {
      targetActor: actor,
      durable: true,
      planId,
      reason: 'bad canary',
      confirmText: actor,
      ...extra,
    });

  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 1 });
  });

  it('ships the default policy: bulk live from 1,000 items by an operator, any durable rollback and critical compose by a lead', async () => {
    const lines = (await listPolicy(t.db.orm)).filter((r) => r.required).map(describeRule);
    expect(lines).toEqual([
      'a live run of bulk scale-out of 1,000 items or more needs 1 approval by an operator or lead other than the requester',
      'a live run of new template version of a family marked critical needs 1 approval by a lead other than the requester',
      'a durable run of batch rollback needs 1 approval by a lead other than the requester',
      'a durable run of rollback by actor needs 1 approval by a lead other than the requester',
    ]);
    expect(await approvalRuleFor(t.db.orm, 'bulk_scale_out', 'live', { n: 999 })).toBeNull();
    expect(await approvalRuleFor(t.db.orm, 'bulk_scale_out', 'live', { n: 1000 })).toMatchObject({
      minRole: 'operator',
    });
    expect(await approvalRuleFor(t.db.orm, 'compose_template_version', 'live', { family: 'plain' })).toBeNull();
  });

  it('covers every recipe with a plan: a policy line for the mode its apply runs in; closing gates alone has none', async () => {
    const lines = await listPolicy(t.db.orm);
    // the only recipe outside the policy is the emergency exit
    expect(RECIPE_SLUGS.filter((slug) => RECIPE_CATALOG[slug].approval === null)).toEqual(['close-all-gates']);
    expect([...new Set(lines.map((l) => l.recipe))].sort()).toEqual([...APPROVABLE_RECIPES].sort());
    for (const slug of RECIPE_SLUGS) {
      const def = await loadDefinition(slug);
      if (!def.plan) continue;
      const mine = lines.filter((l) => l.recipe === def.name);
      if (RECIPE_CATALOG[slug].approval === null) {
        expect(mine, `${slug} is the emergency exit and has no policy line`).toEqual([]);
        continue;
      }
      expect(mine.length, `${slug} has a plan but no approval policy line`).toBeGreaterThan(0);
      // the mode the pipeline checks (the definition's own) is the one read off the plan, and listed
      const params = { emitMode: 'live' };
      const mode = (def.mode as (v: Record<string, unknown>) => string)(inputFromPlan(def.name, params, true));
      expect(applyModeOf(def.name, params), slug).toBe(mode);
      expect(
        mine.map((l) => l.mode),
        slug,
      ).toContain(mode);
    }
  });

  it('refuses a durable rollback without an approved request, then runs it once a second lead approved, recorded as the requester with the approver', async () => {
    const actor = `dana:${uniq('a')}`;
    await makeFor(actor, 2);
    const { planId, requestId, auditId } = await requested(actor);
    expect(await audit(auditId)).toMatchObject({
      recipe: 'approval_requested',
      decision: 'ok',
    });
    expect(Number((await audit(auditId))!.plan_id)).toBe(planId);
    expect((await audit(auditId))!.params).toMatchObject({
      requestId,
      planId,
      recipe: 'rollback_by_actor',
      requester: 'lena',
    });

    const early = await apply(planId, actor);
    expect(early).toMatchObject({ ok: false, status: 'approval_pending', requestId });
    expect(early.message).toContain(`Request #${requestId} for plan #${planId} waits for approval`);

    // nobody approves their own request; an operator cannot decide a request that needs a lead
    const own = await executeAuthorized(approveRequestDefinition, lena(), { requestId, reason: 'fine' });
    expect(own).toMatchObject({ ok: false, status: 'denied', committed: false });
    expect(own.message).toContain('is your own; nobody approves or rejects their own request');
    expect(await audit(own.auditId)).toMatchObject({
      recipe: 'approval_approved',
      decision: 'refused',
      status: 'denied',
    });
    const low = await executeAuthorized(approveRequestDefinition, olga(), { requestId, reason: 'fine' });
    expect(low).toMatchObject({ ok: false, status: 'denied' });
    expect(low.message).toContain('needs a lead to decide it, and your role is operator');
    expect(await countDecidable(t.db.orm, 'olga', 'operator')).toBe(0);
    expect(await countDecidable(t.db.orm, 'lars', 'lead')).toBeGreaterThanOrEqual(1);

    const look = await recheckRequest(lars(), requestId);
    expect(look).toMatchObject({ ok: true, drift: null, planId });
    const ok = await executeAuthorized(approveRequestDefinition, lars(), { requestId, reason: 'checked, no drift' });
    expect(ok).toMatchObject({ ok: true, committed: true, result: { status: 'approved', approvers: ['lars'] } });
    expect((await audit(ok.auditId))!.params).toMatchObject({
      requestId,
      planId,
      requester: 'lena',
      approvers: ['lars'],
    });
    const twice = await executeAuthorized(approveRequestDefinition, lars(), { requestId, reason: 'again' });
    expect(twice).toMatchObject({ ok: false, status: 'approval_closed' });

    const done = await apply(planId, actor);
    expect(done).toMatchObject({ ok: true, committed: true, actor: 'lena' });
    const row = (await audit(done.auditId))!;
    expect(row).toMatchObject({ recipe: 'rollback_by_actor', username: 'lena', committed: true });
    expect(row.params).toMatchObject({ approval: { requestId, requester: 'lena', approvers: ['lars'] } });
    expect(row.summary).toContain(`approved by lars, request #${requestId}`);
    expect(await getApprovalRequest(t.db.orm, requestId)).toMatchObject({ status: 'applied', appliedBy: 'lena' });
    expect(await apply(planId, actor)).toMatchObject({ ok: false, status: 'plan_used' });
  });

  it('refuses an approved plan whose effect drifted (plan_stale), voids the approval, and a new plan needs a new request', async () => {
    const actor = `dana:${uniq('d')}`;
    await makeFor(actor, 2);
    const { planId, requestId } = await requested(actor);
    await executeAuthorized(approveRequestDefinition, lars(), { requestId, reason: 'ok' });
    await makeFor(actor, 1);
    const look = await recheckRequest(lars(), requestId);
    expect(look).toMatchObject({ ok: true });
    expect(look.ok && look.drift).toContain('1 more instance');
    const stale = await apply(planId, actor);
    expect(stale).toMatchObject({ ok: false, status: 'plan_stale', committed: false });
    expect(await getApprovalRequest(t.db.orm, requestId)).toMatchObject({ status: 'stale' });
    const again = await apply(planId, actor);
    expect(again).toMatchObject({ ok: false, status: 'approval_required' });
    expect(again.message).toContain('an approval never carries over');
    const fresh = await executeAuthorized(rollbackByActorDefinition, lena(), { targetActor: actor });
    expect(fresh.ok && fresh.plan).toBeTruthy();
    const planless = await apply(fresh.ok ? fresh.plan!.id : 0, actor);
    expect(planless).toMatchObject({ ok: false, status: 'approval_required' });
  });

  it('lets a rejection stop the apply, and refuses approving an expired plan', async () => {
    const actor = `dana:${uniq('r')}`;
    await makeFor(actor, 1);
    const a = await requested(actor);
    const no = await executeAuthorized(rejectRequestDefinition, lars(), {
      requestId: a.requestId,
      reason: 'not today',
    });
    expect(no).toMatchObject({ ok: true, result: { status: 'rejected', rejectedBy: 'lars' } });
    expect(await apply(a.planId, actor)).toMatchObject({ ok: false, status: 'approval_rejected' });

    const b = await requested(actor);
    await t.db.query(`UPDATE console_plan SET expires_at = created_at + interval '1 millisecond' WHERE id = $1`, [
      b.planId,
    ]);
    const late = await executeAuthorized(approveRequestDefinition, lars(), { requestId: b.requestId, reason: 'ok' });
    expect(late).toMatchObject({ ok: false, status: 'plan_expired', committed: false });
  });

  it('lets a lead break glass with a reason, flagged on the apply row and in a break_glass row; an operator cannot', async () => {
    const actor = `dana:${uniq('b')}`;
    await makeFor(actor, 1);
    const { planId, requestId } = await requested(actor);
    const done = await apply(planId, actor, { breakGlass: true, reason: 'outage: canary is corrupting pages' });
    expect(done).toMatchObject({ ok: true, committed: true });
    const row = (await audit(done.auditId))!;
    expect(row.params).toMatchObject({ breakGlass: true });
    expect(row.summary).toContain('BREAK-GLASS by lena');
    const bg = await t.db.query<Record<string, unknown>>(
      `SELECT * FROM console_audit_log WHERE recipe = 'break_glass' AND plan_id = $1`,
      [planId],
    );
    expect(bg).toHaveLength(1);
    expect(bg[0]).toMatchObject({ username: 'lena', committed: true, reason: 'outage: canary is corrupting pages' });
    expect(bg[0].params).toMatchObject({ recipe: 'rollback_by_actor', planId, applyAuditId: done.auditId, requestId });
    expect(await getApprovalRequest(t.db.orm, requestId)).toMatchObject({ status: 'applied', breakGlass: true });
  });

  describe('a durable rollback of one bulk batch', () => {
    let worker: BulkWorker | undefined;
    beforeAll(async () => {
      if (backend.name === 'postgres') worker = await startBulkWorker(t.db, { pollingIntervalSeconds: 0.5 });
    });
    afterAll(async () => {
      await worker?.stop(5);
    });
    const standing = (actor: string) =>
      count(
        t.db,
        `iu_auto_instantiate_event_log WHERE triggered_by = $1 AND status = 'ok' AND rolled_back_at IS NULL`,
        [actor],
      );

    it("needs a second lead's approval: a lead's apply is refused approval_required, requested, approved by another lead, applied once; self-approval refused", async () => {
      // olga's live batch of 2 (under the bulk line's 1,000), with its own run tag
      const i = {
        templateCollectionId: tpl.id,
        n: 2,
        uuidPrefix: `${crypto.randomBytes(4).toString('hex')}-`,
        batchTag: uniq('wave'),
        emitMode: 'live',
        runTag: uniq('w'),
      };
      const pre = await startBulkJob(olga(), { ...i, preview: true });
      if (!pre.ok) throw new Error(pre.result.message);
      const preflight = (await waitForBulkJob(t.db, pre.jobId))!;
      const run = await startBulkJob(olga(), {
        ...i,
        preview: false,
        planId: preflight.planId,
        confirmText: i.batchTag,
        reason: 'scale out',
      });
      if (!run.ok) throw new Error(run.result.message);
      const job = (await waitForBulkJob(t.db, run.jobId))!;
      expect(job).toMatchObject({ status: 'succeeded', committed: true });
      expect(await standing(job.actor)).toBe(2);

      const dry = await executeAuthorized(rollbackBatchDefinition, lena(), { jobId: job.id, durable: false });
      if (!dry.ok || !dry.plan) throw new Error(dry.message);
      expect(dry.approval).toMatchObject({
        sentence: 'a durable run of batch rollback needs 1 approval by a lead other than the requester',
        approvers: 1,
        minRole: 'lead',
        requestId: null,
      });
      const planId = dry.plan.id;
      const apply = (extra: Record<string, unknown> = {}) =>
        executeAuthorized(rollbackBatchDefinition, lena(), {
          jobId: job.id,
          durable: true,
          planId,
          confirmText: i.batchTag,
          reason: 'wrong template',
          ...extra,
        });

      const refused = await apply();
      expect(refused).toMatchObject({ ok: false, status: 'approval_required', committed: false });
      expect(refused.message).toContain('This apply needs approval: a durable run of batch rollback needs 1 approval');
      expect(await audit(refused.auditId)).toMatchObject({ recipe: 'rollback_batch', committed: false });
      expect(await standing(job.actor)).toBe(2);

      const req = await executeAuthorized(requestApprovalDefinition, lena(), { planId, reason: 'wrong template' });
      if (!req.ok) throw new Error(req.message);
      const requestId = req.result.requestId;
      expect((await audit(req.auditId))!.params).toMatchObject({
        requestId,
        planId,
        recipe: 'rollback_batch',
        requester: 'lena',
      });
      // the request's page asks the requester to type the batch tag
      expect((await getApprovalDetail(t.db, requestId, who('lena', 'lead')))?.confirmText).toBe(i.batchTag);
      expect(await apply()).toMatchObject({ ok: false, status: 'approval_pending', requestId });

      // nobody approves their own request; olga ran the batch, but the line asks for a lead
      const own = await executeAuthorized(approveRequestDefinition, lena(), { requestId, reason: 'fine' });
      expect(own).toMatchObject({ ok: false, status: 'denied', committed: false });
      expect(own.message).toContain('is your own; nobody approves or rejects their own request');
      const low = await executeAuthorized(approveRequestDefinition, olga(), { requestId, reason: 'fine' });
      expect(low).toMatchObject({ ok: false, status: 'denied' });
      expect(await getApprovalRequest(t.db.orm, requestId)).toMatchObject({ status: 'pending' });

      const look = await recheckRequest(lars(), requestId);
      expect(look).toMatchObject({ ok: true, drift: null, planId });
      const ok = await executeAuthorized(approveRequestDefinition, lars(), { requestId, reason: 'checked, no drift' });
      expect(ok).toMatchObject({ ok: true, committed: true, result: { status: 'approved', approvers: ['lars'] } });

      // the requester applies from the request: the plan's parameters back as the durable input
      const done = await applyRequest(lena(), requestId, { reason: 'wrong template', confirmText: i.batchTag });
      expect(done).toMatchObject({ ok: true, result: { ok: true, committed: true, actor: 'lena' } });
      const row = (await audit(done.result.auditId))!;
      expect(row).toMatchObject({ recipe: 'rollback_batch', username: 'lena', committed: true });
      expect(row.params).toMatchObject({ approval: { requestId, requester: 'lena', approvers: ['lars'] } });
      expect(row.summary).toContain(`approved by lars, request #${requestId}`);
      expect(await standing(job.actor)).toBe(0);
      expect(await getApprovalRequest(t.db.orm, requestId)).toMatchObject({ status: 'applied', appliedBy: 'lena' });
      expect(await apply()).toMatchObject({ ok: false, status: 'plan_used' });
      expect(await applyRequest(lena(), requestId, { reason: 'again', confirmText: i.batchTag })).toMatchObject({
        ok: false,
      });
      expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
    });
  });

  it('lets leads change the policy and mark a family critical, each audited; an operator is denied', async () => {
    const denied = await executeAuthorized(changePolicyDefinition, olga(), {
      recipe: 'bulk_scale_out',
      mode: 'live',
      required: true,
      approvers: 1,
      minRole: 'operator',
      condition: 'bulk_items_at_least',
      threshold: 3,
      reason: 'smaller',
    });
    expect(denied).toMatchObject({ ok: false, status: 'denied' });
    const wrong = await executeAuthorized(changePolicyDefinition, lena(), {
      recipe: 'rollback_by_actor',
      mode: 'live',
      required: true,
      approvers: 1,
      minRole: 'lead',
      condition: 'always',
      reason: 'x',
    });
    expect(wrong).toMatchObject({ ok: false, status: 'invalid_input' });
    // closing gates is not in the policy; the refusal names the recipes that are
    const exit = await executeAuthorized(changePolicyDefinition, lena(), {
      recipe: 'close_all_gates',
      mode: 'live',
      required: true,
      approvers: 1,
      minRole: 'lead',
      condition: 'always',
      reason: 'x',
    });
    expect(exit).toMatchObject({ ok: false, status: 'invalid_input' });
    expect(exit.message).toContain('rollback_batch');
    // the batch rollback line is switched off and on as the journeys do
    for (const required of [false, true]) {
      const line = await executeAuthorized(changePolicyDefinition, lena(), {
        recipe: 'rollback_batch',
        mode: 'durable',
        required,
        approvers: 1,
        minRole: 'lead',
        condition: 'always',
        reason: 'a journey tests the recipe alone',
      });
      expect(line).toMatchObject({ ok: true, committed: true });
      expect(!!(await approvalRuleFor(t.db.orm, 'rollback_batch', 'durable', {}))).toBe(required);
    }
    const changed = await executeAuthorized(changePolicyDefinition, lena(), {
      recipe: 'bulk_scale_out',
      mode: 'live',
      required: true,
      approvers: 1,
      minRole: 'operator',
      condition: 'bulk_items_at_least',
      threshold: '3',
      reason: 'tighter for the test',
    });
    expect(changed).toMatchObject({ ok: true, committed: true });
    const row = (await audit(changed.auditId))!;
    expect(row).toMatchObject({ recipe: 'approval_policy_changed', decision: 'ok' });
    expect(row.params).toMatchObject({ before: { threshold: 1000 }, after: { threshold: 3 } });
    const mark = await executeAuthorized(markFamilyDefinition, lena(), {
      family: 'billing',
      critical: true,
      reason: 'money',
    });
    expect(mark).toMatchObject({ ok: true, result: { sentence: 'tpl:billing is now marked critical' } });
    expect(await approvalRuleFor(t.db.orm, 'compose_template_version', 'live', { family: 'billing' })).not.toBeNull();
  });

  it('binds a bulk of 3 or more live items: an operator requests, another approves, the requester applies through the job', async () => {
    const input = {
      templateCollectionId: tpl.id,
      eventType: 'bulk.test',
      n: 4,
      uuidPrefix: '25000c00-',
      batchTag: uniq('wave'),
      emitMode: 'live',
    };
    const pre = await executeAuthorized(bulkScaleOutDefinition, olga(), { ...input, preview: true });
    if (!pre.ok || !pre.plan) throw new Error(pre.message);
    expect(pre.approval).toMatchObject({ minRole: 'operator' });
    const req = await executeAuthorized(requestApprovalDefinition, olga(), { planId: pre.plan.id, reason: 'wave' });
    if (!req.ok) throw new Error(req.message);
    const glass = await applyRequest(olga(), req.result.requestId, {
      reason: 'in a hurry',
      confirmText: input.batchTag,
      breakGlass: true,
    });
    expect(glass).toMatchObject({ ok: false, result: { status: 'approval_required' } });
    expect(glass.result.message).toContain('Only a lead may apply without approval (break-glass)');
    const other = await applyRequest(omar(), req.result.requestId, { reason: 'mine now', confirmText: input.batchTag });
    expect(other).toMatchObject({ ok: false, result: { status: 'plan_required' } });
    expect(
      await executeAuthorized(approveRequestDefinition, omar(), { requestId: req.result.requestId, reason: 'ok' }),
    ).toMatchObject({ ok: true });
    const run = await applyRequest(olga(), req.result.requestId, { reason: 'wave', confirmText: input.batchTag });
    expect(run).toMatchObject({ ok: true });
  });

  it('refuses NUL, wrong types and huge input with a sentence, writing only the audit row', async () => {
    for (const bad of [
      { requestId: 'a\u0000' },
      { requestId: [1] },
      { requestId: true },
      { requestId: '9'.repeat(40) },
    ]) {
      const r = await executeAuthorized(approveRequestDefinition, lars(), { ...bad, reason: 'x' });
      expect(r).toMatchObject({ ok: false, decision: 'invalid', status: 'invalid_input' });
      expect(r.auditId).not.toBeNull();
    }
    const huge = await executeAuthorized(requestApprovalDefinition, olga(), { planId: 1, reason: 'x'.repeat(5000) });
    expect(huge).toMatchObject({ ok: false, status: 'invalid_input' });
    const missing = await executeAuthorized(approveRequestDefinition, lars(), { requestId: 999999, reason: 'x' });
    expect(missing).toMatchObject({ ok: false, status: 'not_found' });
    const signedOut = await executeAuthorized(
      approveRequestDefinition,
      { ...lars(), identity: null },
      { requestId: 1, reason: 'x' },
    );
    expect(signedOut).toMatchObject({ ok: false, status: 'unauthenticated', auditId: null });
  });
});
