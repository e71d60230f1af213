// An instantiate dry run's plan can be applied two ways, live or kept (the dry-run instance
// committed), and the approval policy has a line for each. On PGlite and PostgreSQL: the
// plan's approval need says honestly which of the two needs approval; a request names the
// one it asks for (the one that needs it, or the one chosen), its sentence says that mode,
// the request's page applies the plan in that mode, and an approval of one never lets the
// other run.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { approveRequestDefinition, requestApprovalDefinition } from '@/lib/approvals/actions';
import { applyRequest } from '@/lib/approvals/apply';
import { getApprovalDetail } from '@/lib/approvals/detail';
import { changePolicyDefinition } from '@/lib/approvals/policy-actions';
import { recheckRequest } from '@/lib/approvals/recheck';
import { getApprovalRequest } from '@/lib/approvals/requests';
import { definition as instantiateFromEventDefinition } from '@/lib/recipes/instantiate-from-event/recipe';
import { backends, useTestDatabase } from './helpers/db';
import { makeTemplate, uniq, uuid, type Template } from './helpers/substrate';

const who = (username: string, role: Role): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: 'session',
});
const NEEDS = 'needs 1 approval by an operator or lead other than the requester';
const LIVE = `a live run of instantiate ${NEEDS}`;
const KEPT = `a kept dry run of instantiate ${NEEDS}`;

describe.each(backends())('approvals of an instantiate plan on $name', (backend) => {
  const t = useTestDatabase(backend, { approvalPolicy: true });
  let tpl: Template;
  const caller = (username: string, role: Role): Caller => ({
    db: t.db,
    identity: who(username, role),
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const olga = () => caller('olga', 'operator');
  const omar = () => caller('omar', 'operator');
  const lena = () => caller('lena', 'lead');
  /** The lead sets the two instantiate lines (live, kept dry run) as the policy page does. */
  const policy = async (live: boolean, kept: boolean) => {
    for (const [mode, required] of [
      ['live', live],
      ['dry_run', kept],
    ] as const) {
      const r = await executeAuthorized(changePolicyDefinition, lena(), {
        recipe: 'instantiate_from_event',
        mode,
        required,
        approvers: 1,
        minRole: 'operator',
        condition: 'always',
        reason: 'instantiate approvals under test',
      });
      expect(r.ok, r.message).toBe(true);
    }
  };
  const params = () => ({
    eventId: uuid(),
    eventType: 'template.published',
    templateCollectionId: tpl.id,
    uniqueSuffix: uniq('ap'),
  });
  /** olga's dry run of fresh parameters: its plan and what its apply needs. */
  const dryRun = async () => {
    const p = params();
    const r = await executeAuthorized(instantiateFromEventDefinition, olga(), {
      ...p,
      emitMode: 'dry_run',
      preview: 'on',
    });
    if (!r.ok || !r.plan) throw new Error(r.message);
    return { p, planId: r.plan.id, approval: r.approval };
  };
  const request = async (planId: number, mode?: string) => {
    const r = await executeAuthorized(requestApprovalDefinition, olga(), {
      planId,
      reason: 'needs a look',
      ...(mode ? { mode } : {}),
    });
    return r;
  };
  const approved = async (planId: number, mode?: string) => {
    const r = await request(planId, mode);
    if (!r.ok) throw new Error(r.message);
    const a = await executeAuthorized(approveRequestDefinition, omar(), {
      requestId: r.result.requestId,
      reason: 'ok',
    });
    expect(a).toMatchObject({ ok: true, result: { status: 'approved' } });
    return r.result;
  };
  const liveKey = (p: { uniqueSuffix: string }) => `inst:${tpl.key}/${p.uniqueSuffix}`;

  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 1 });
  });
  beforeEach(() => policy(false, false));

  it('needs nothing by default: the shipped policy asks no approval of instantiate', async () => {
    expect((await dryRun()).approval).toBeNull();
  });

  it('a kept dry run that needs approval says so, is requested as a kept dry run, and the request keeps it', async () => {
    await policy(false, true);
    const { p, planId, approval } = await dryRun();
    expect(approval).toMatchObject({
      sentence: `${KEPT}; a live run of instantiate needs none`,
      modes: [{ mode: 'dry_run', sentence: KEPT }],
      requestId: null,
    });
    // keeping without approval is refused with the kept dry run's sentence
    const keep = await executeAuthorized(instantiateFromEventDefinition, olga(), {
      ...p,
      emitMode: 'dry_run',
      planId,
      reason: 'keep it',
    });
    expect(keep).toMatchObject({ ok: false, status: 'approval_required' });
    expect(keep.message).toContain(KEPT);
    // and the request the refusal points to can be made (it used to answer "needs no approval")
    const req = await approved(planId);
    expect(req).toMatchObject({ mode: 'dry_run', rule: KEPT });
    const detail = await getApprovalDetail(t.db, req.requestId, who('olga', 'operator'));
    expect(detail?.request.mode).toBe('dry_run');
    // a kept dry run types nothing to confirm
    expect(detail?.confirmText).toBeNull();
    const look = await recheckRequest(omar(), req.requestId);
    expect(look).toMatchObject({ ok: true, drift: null });
    const done = await applyRequest(olga(), req.requestId, { reason: 'keep it for the review' });
    expect(done.ok, done.ok ? '' : done.result.message).toBe(true);
    expect(done.result).toMatchObject({ committed: true, status: 'ok', result: { emitMode: 'dry_run' } });
    expect((await getApprovalRequest(t.db.orm, req.requestId))?.status).toBe('applied');
  });

  it('a live run that needs approval is requested as live, and the request runs it live', async () => {
    await policy(true, false);
    const { p, planId, approval } = await dryRun();
    expect(approval).toMatchObject({
      sentence: `${LIVE}; a kept dry run of instantiate needs none`,
      modes: [{ mode: 'live', sentence: LIVE }],
    });
    const req = await approved(planId);
    expect(req).toMatchObject({ mode: 'live', rule: LIVE });
    expect((await getApprovalDetail(t.db, req.requestId, who('olga', 'operator')))?.confirmText).toBe(liveKey(p));
    expect(await recheckRequest(omar(), req.requestId)).toMatchObject({ ok: true, drift: null });
    const done = await applyRequest(olga(), req.requestId, { reason: 'go live', confirmText: liveKey(p) });
    expect(done.ok, done.ok ? '' : done.result.message).toBe(true);
    expect(done.result).toMatchObject({
      committed: true,
      status: 'ok',
      result: { emitMode: 'live', instanceCollectionKey: liveKey(p) },
    });
  });

  it('when both need approval, the request names the one it asks for, and its approval never lets the other run', async () => {
    await policy(true, true);
    const { p, planId, approval } = await dryRun();
    expect(approval?.sentence).toBe(`${LIVE}, and ${KEPT}`);
    expect(approval?.modes.map((m) => m.mode)).toEqual(['live', 'dry_run']);
    const req = await approved(planId, 'dry_run');
    expect(req).toMatchObject({ mode: 'dry_run', rule: KEPT });
    const live = await executeAuthorized(instantiateFromEventDefinition, olga(), {
      ...p,
      emitMode: 'live',
      planId,
      reason: 'go',
      confirmText: liveKey(p),
    });
    expect(live).toMatchObject({ ok: false, status: 'approval_required', committed: false });
    expect(live.message).toBe(
      `Request #${req.requestId} asks approval for a kept dry run of plan #${planId}, and this is a live run, which needs approval of its own: ${LIVE}. ` +
        `Apply the plan as its request says (/approvals/${req.requestId}), or run the dry run again and request approval for a live run. Nothing was run.`,
    );
    const kept = await executeAuthorized(instantiateFromEventDefinition, olga(), {
      ...p,
      emitMode: 'dry_run',
      planId,
      reason: 'keep it',
    });
    expect(kept).toMatchObject({ ok: true, committed: true });
  });

  it('refuses a request for a mode the plan has no apply in, or one that needs no approval, with a sentence', async () => {
    await policy(true, false);
    const { planId } = await dryRun();
    const durable = await request(planId, 'durable');
    expect(durable).toMatchObject({ ok: false, status: 'invalid_input' });
    expect(durable.message).toBe(
      `Plan #${planId} cannot be applied as a durable run; it applies as a live run or a kept dry run.`,
    );
    const kept = await request(planId, 'dry_run');
    expect(kept).toMatchObject({ ok: false, status: 'invalid_input' });
    expect(kept.message).toBe(
      `Plan #${planId} needs no approval as a kept dry run under the approval policy; apply it directly.`,
    );
    const bad = await request(planId, 'sideways');
    expect(bad).toMatchObject({ ok: false, decision: 'invalid' });
    expect(bad.message).toContain('The mode must be live, durable or dry_run.');
  });
});
