// The authorized-action wrapper (lib/auth/authorize.ts) on each backend: every decision
// path leaves exactly one audit row naming the signed-in person, and nothing else.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { listAudit } from '@/lib/auth/audit';
import { addUserDefinition, setDisabledDefinition, setRoleDefinition } from '@/lib/auth/user-actions';
import { definition as bulkScaleOutDefinition } from '@/lib/recipes/bulk-scale-out/recipe';
import { definition as closeAllGatesDefinition } from '@/lib/recipes/close-all-gates/recipe';
import { definition as instantiateFromEventDefinition } from '@/lib/recipes/instantiate-from-event/recipe';
import { definition as rollbackByActorDefinition } from '@/lib/recipes/rollback-by-actor/recipe';
import { createUser, findUser } from '@/lib/auth/users';
import { instantiateFromEvent } from '@/lib/recipes';
import { backends, useTestDatabase } from './helpers/db';
import { count, makeTemplate, uniq, uuid, type Template } from './helpers/substrate';

const who = (username: string, role: Role | null): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: 'session',
});

describe.each(backends())('authorized actions on $name', (backend) => {
  const t = useTestDatabase(backend);
  let tpl: Template;
  const caller = (identity: Identity | null): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const auditCount = () => count(t.db, 'console_audit_log');
  const logCount = () => count(t.db, 'iu_auto_instantiate_event_log');
  const lastAudit = async () => (await listAudit(t.db.orm, { limit: 1 }))[0];
  const form = (over: Record<string, string> = {}) => {
    const f = new FormData();
    const v: Record<string, string> = {
      eventId: uuid(),
      eventType: 'template.published',
      templateCollectionId: tpl.id,
      uniqueSuffix: uniq('s'),
      emitMode: 'live',
      reason: 'canary for the design review',
      ...over,
    };
    for (const [k, x] of Object.entries(v)) f.set(k, x);
    return f;
  };

  beforeAll(async () => {
    tpl = await makeTemplate(t.db);
  });

  /** The console's path to a live run: a dry run of the same parameters, then live with the instance key typed. */
  const previewThenLive = async (f: FormData, as = who('olga', 'operator'), def = instantiateFromEventDefinition) => {
    const p = new FormData();
    for (const [k, v] of f.entries()) p.set(k, v);
    p.set('preview', 'on');
    p.set('emitMode', 'dry_run');
    const preview = await executeAuthorized(instantiateFromEventDefinition, caller(as), p);
    expect(preview).toMatchObject({
      ok: true,
      committed: false,
      plan: { id: expect.any(Number), username: as.username },
    });
    f.set('confirmText', `inst:${tpl.key}/${f.get('uniqueSuffix')}`);
    if (preview.ok && preview.plan) f.set('planId', String(preview.plan.id));
    return executeAuthorized(def, caller(as), f);
  };

  let before: { audit: number; log: number };
  beforeEach(async () => {
    before = { audit: await auditCount(), log: await logCount() };
  });

  it('does nothing and records nothing for a signed-out caller', async () => {
    const r = await executeAuthorized(instantiateFromEventDefinition, caller(null), form());
    expect(r).toMatchObject({ ok: false, decision: 'unauthenticated' });
    expect(await auditCount()).toBe(before.audit);
    expect(await logCount()).toBe(before.log);
  });

  it('denies a viewer a live run, records the denial and writes nothing else', async () => {
    const r = await executeAuthorized(instantiateFromEventDefinition, caller(who('vera', 'viewer')), form());
    expect(r).toMatchObject({ ok: false, decision: 'denied', status: 'denied' });
    expect(r.message).toMatch(/needs operator/);
    expect(await auditCount()).toBe(before.audit + 1);
    expect(await logCount()).toBe(before.log);
    expect(await lastAudit()).toMatchObject({
      username: 'vera',
      role: 'viewer',
      recipe: 'instantiate_from_event',
      mode: 'live',
      decision: 'denied',
      committed: false,
      actor: null,
      reason: 'canary for the design review',
      ip: '127.0.0.1',
      userAgent: 'vitest',
    });
  });

  it('denies a user with no role anything, and says to ask a lead', async () => {
    const r = await executeAuthorized(
      instantiateFromEventDefinition,
      caller(who('nobody', null)),
      form({ emitMode: 'dry_run', preview: 'on' }),
    );
    expect(r).toMatchObject({ ok: false, decision: 'denied' });
    expect(r.message).toMatch(/ask a lead/);
    expect(await lastAudit()).toMatchObject({ username: 'nobody', role: null, decision: 'denied', mode: 'preview' });
    expect(await logCount()).toBe(before.log);
  });

  it('denies everything to someone who has not yet changed a one-time password, whatever the role', async () => {
    const r = await executeAuthorized(
      instantiateFromEventDefinition,
      caller({ ...who('newlead', 'lead'), mustChangePassword: true }),
      form({ preview: 'on' }),
    );
    expect(r).toMatchObject({ ok: false, decision: 'denied' });
    expect(r.message).toMatch(/one-time password/);
    expect(await lastAudit()).toMatchObject({ username: 'newlead', role: 'lead', decision: 'denied', mode: 'preview' });
    expect(await logCount()).toBe(before.log);
  });

  it('refuses to take the lead role from, or disable, the last enabled lead', async () => {
    const solo = uniq('solo').toLowerCase();
    // this file's database has no enabled lead account yet: make exactly one
    await createUser(t.db.orm, {
      username: solo,
      password: 'correct horse battery',
      role: 'lead',
      mustChangePassword: false,
    });
    const demote = await executeAuthorized(setRoleDefinition, caller(who(solo, 'lead')), {
      username: solo,
      role: 'operator',
      reason: 'step down',
    });
    expect(demote).toMatchObject({ ok: false, decision: 'invalid' });
    expect(demote.message).toMatch(/last enabled lead/);
    expect(await findUser(t.db.orm, solo)).toMatchObject({ role: 'lead' });
    const other = uniq('lead2').toLowerCase();
    await createUser(t.db.orm, {
      username: other,
      password: 'correct horse battery',
      role: 'lead',
      mustChangePassword: false,
    });
    const disable = await executeAuthorized(setDisabledDefinition, caller(who(other, 'lead')), {
      username: solo,
      disabled: 'true',
      reason: 'handover',
    });
    expect(disable).toMatchObject({ ok: true, committed: true });
    const last = await executeAuthorized(setRoleDefinition, caller(who(other, 'lead')), {
      username: other,
      role: '',
      reason: 'oops',
    });
    expect(last).toMatchObject({ ok: false, decision: 'invalid' });
  });

  it('denies an operator a rollback by actor, recorded as denied', async () => {
    const r = await executeAuthorized(rollbackByActorDefinition, caller(who('olga', 'operator')), {
      targetActor: 'alice',
      durable: 'on',
      reason: 'cleanup',
    });
    expect(r).toMatchObject({ ok: false, decision: 'denied' });
    expect(await lastAudit()).toMatchObject({
      username: 'olga',
      role: 'operator',
      recipe: 'rollback_by_actor',
      mode: 'durable',
      decision: 'denied',
    });
    expect(await auditCount()).toBe(before.audit + 1);
  });

  it('refuses invalid input with field messages, one invalid row and nothing else', async () => {
    const r = await executeAuthorized(
      instantiateFromEventDefinition,
      caller(who('olga', 'operator')),
      form({ eventId: 'not-a-uuid' }),
    );
    expect(r).toMatchObject({ ok: false, decision: 'invalid', status: 'invalid_input' });
    expect(r.ok ? [] : r.issues?.map((i) => i.field)).toContain('eventId');
    expect(await auditCount()).toBe(before.audit + 1);
    expect(await logCount()).toBe(before.log);
    expect(await lastAudit()).toMatchObject({
      username: 'olga',
      decision: 'invalid',
      status: 'invalid_input',
      committed: false,
    });
  });

  it('refuses a live run without a reason', async () => {
    const r = await executeAuthorized(
      instantiateFromEventDefinition,
      caller(who('olga', 'operator')),
      form({ reason: '  ' }),
    );
    expect(r).toMatchObject({ ok: false, decision: 'invalid' });
    expect(r.ok ? [] : r.issues?.map((i) => i.field)).toEqual(['reason']);
    expect(await logCount()).toBe(before.log);
    expect(await auditCount()).toBe(before.audit + 1);
  });

  it('refuses a run tag that is not valid', async () => {
    const r = await executeAuthorized(
      instantiateFromEventDefinition,
      caller(who('olga', 'operator')),
      form({ runTag: 'bad tag!' }),
    );
    expect(r).toMatchObject({ ok: false, decision: 'invalid' });
    expect(await logCount()).toBe(before.log);
  });

  it('records a preview as a preview, and its audit row survives the rollback', async () => {
    const r = await executeAuthorized(
      instantiateFromEventDefinition,
      caller(who('olga', 'operator')),
      form({ preview: 'on', reason: '' }),
    );
    expect(r).toMatchObject({ ok: true, committed: false, status: 'ok' });
    expect(await logCount()).toBe(before.log);
    expect(await auditCount()).toBe(before.audit + 1);
    expect(await lastAudit()).toMatchObject({
      username: 'olga',
      role: 'operator',
      mode: 'preview',
      decision: 'ok',
      committed: false,
      actor: 'olga',
    });
  });

  it('commits a live run with its audit row, naming the session user whatever actor the form sent', async () => {
    const r = await previewThenLive(form({ actor: 'mallory', user: 'mallory', runTag: 'canary-3' }));
    expect(r).toMatchObject({ ok: true, committed: true, actor: 'olga:canary-3' });
    const [ev] = await t.db.query<{ triggered_by: string }>(
      'SELECT triggered_by FROM iu_auto_instantiate_event_log ORDER BY id DESC LIMIT 1',
    );
    expect(ev.triggered_by).toBe('olga:canary-3');
    const a = await lastAudit();
    expect(a).toMatchObject({
      username: 'olga',
      actor: 'olga:canary-3',
      mode: 'live',
      decision: 'ok',
      committed: true,
      reason: 'canary for the design review',
    });
    expect(a.params).not.toHaveProperty('actor');
    expect(a.params).not.toHaveProperty('user');
    expect(a.params).toMatchObject({ runTag: 'canary-3', emitMode: 'live' });
    expect(a.startedAt.getTime()).toBeLessThanOrEqual(a.finishedAt.getTime());
    expect(await logCount()).toBe(before.log + 1);
    expect(await auditCount()).toBe(before.audit + 2);
  });

  it('refuses a live run that names no plan, and writes nothing but its audit row', async () => {
    const f = form();
    f.set('confirmText', `inst:${tpl.key}/${f.get('uniqueSuffix')}`);
    const r = await executeAuthorized(instantiateFromEventDefinition, caller(who('olga', 'operator')), f);
    expect(r).toMatchObject({ ok: false, decision: 'refused', status: 'plan_required', committed: false });
    expect(r.message).toMatch(/run the preview \(or dry run\) first/);
    expect(await logCount()).toBe(before.log);
    expect(await auditCount()).toBe(before.audit + 1);
    expect(await lastAudit()).toMatchObject({
      decision: 'refused',
      status: 'plan_required',
      mode: 'live',
      committed: false,
    });
  });

  it('applies only a plan of the same person, of the same parameters, unexpired and unused', async () => {
    const olga = who('olga', 'operator');
    const f = form();
    const p = new FormData();
    for (const [k, v] of f.entries()) p.set(k, v);
    p.set('preview', 'on');
    p.set('emitMode', 'dry_run');
    const planOf = async (as: Identity, body: FormData) => {
      const r = await executeAuthorized(instantiateFromEventDefinition, caller(as), body);
      if (!r.ok || !r.plan) throw new Error(`no plan: ${r.message}`);
      return r.plan.id;
    };
    f.set('confirmText', `inst:${tpl.key}/${f.get('uniqueSuffix')}`);
    const apply = (planId: number | string) => {
      f.set('planId', String(planId));
      return executeAuthorized(instantiateFromEventDefinition, caller(olga), f);
    };
    // someone else's plan reads as no plan of hers
    const otto = await planOf(who('otto', 'operator'), p);
    expect(await apply(otto)).toMatchObject({
      status: 'plan_required',
      message: `You have no plan #${otto}; run the preview (or dry run) yourself, then confirm your own plan.`,
    });
    // a plan of another suffix
    const other = new FormData();
    for (const [k, v] of p.entries()) other.set(k, v);
    other.set('uniqueSuffix', uniq('other'));
    const otherPlan = await planOf(olga, other);
    expect(await apply(otherPlan)).toMatchObject({
      status: 'plan_required',
      message: expect.stringContaining('uniqueSuffix differ'),
    });
    // not a plan number at all, and a number nobody has
    expect(await apply('12; DROP TABLE x')).toMatchObject({
      status: 'plan_required',
      message: expect.stringContaining('plan number'),
    });
    expect(await apply(987654321)).toMatchObject({ status: 'plan_required' });
    // the right one, but expired
    const mine = await planOf(olga, p);
    await t.db.query(
      `UPDATE console_plan SET created_at = created_at - interval '2 hours', expires_at = expires_at - interval '2 hours' WHERE id = $1`,
      [mine],
    );
    expect(await apply(mine)).toMatchObject({
      status: 'plan_expired',
      message: expect.stringContaining(`Plan #${mine} expired`),
    });
    // a fresh one runs once; the same plan again is used up
    const fresh = await planOf(olga, p);
    expect(await apply(fresh)).toMatchObject({ ok: true, committed: true, status: 'ok', plan: { id: fresh } });
    expect(await apply(fresh)).toMatchObject({
      ok: false,
      status: 'plan_used',
      message: expect.stringContaining(`Plan #${fresh} was already applied`),
    });
    expect(await logCount()).toBe(before.log + 1);
    // the apply's audit row names its plan, as the preview's does
    const rows = await t.db.query<{ mode: string; status: string; plan_id: string }>(
      `SELECT mode, status, plan_id FROM console_audit_log WHERE username = 'olga' AND plan_id = $1 ORDER BY id`,
      [fresh],
    );
    expect(rows.map((r) => [r.mode, r.status])).toEqual([
      ['preview', 'ok'],
      ['live', 'ok'],
      ['live', 'plan_used'],
    ]);
  });

  it('refuses a live run whose typed confirmation does not match the instance key', async () => {
    const f = form();
    const p = new FormData();
    for (const [k, v] of f.entries()) p.set(k, v);
    p.set('preview', 'on');
    p.set('emitMode', 'dry_run');
    const pre = await executeAuthorized(instantiateFromEventDefinition, caller(who('olga', 'operator')), p);
    expect(pre).toMatchObject({ ok: true });
    if (pre.ok && pre.plan) f.set('planId', String(pre.plan.id));
    for (const typed of [null, '', `inst:${tpl.key}/${f.get('uniqueSuffix')} `.toUpperCase(), 'yes']) {
      if (typed === null) f.delete('confirmText');
      else f.set('confirmText', typed);
      const r = await executeAuthorized(instantiateFromEventDefinition, caller(who('olga', 'operator')), f);
      expect(r).toMatchObject({ ok: false, status: 'confirmation_required' });
    }
    expect(await logCount()).toBe(before.log);
  });

  it('writes the committed audit row in the recipe transaction: when that transaction fails, neither stays', async () => {
    const eventId = uuid();
    const failing = {
      ...instantiateFromEventDefinition,
      run: (
        ctx: Parameters<typeof instantiateFromEventDefinition.run>[0],
        v: Parameters<typeof instantiateFromEventDefinition.run>[1],
      ) =>
        instantiateFromEvent(
          {
            ...ctx,
            async beforeFinish(tx, o) {
              await ctx.beforeFinish!(tx, o);
              throw new Error('injected failure after the audit row');
            },
          },
          { ...v, commit: true },
        ),
    };
    const r = await previewThenLive(form({ eventId }), who('olga', 'operator'), failing);
    expect(r).toMatchObject({ ok: false, decision: 'error' });
    expect(await count(t.db, 'iu_auto_instantiate_event_log WHERE event_id = $1', [eventId])).toBe(0);
    // the preview's row and the error written afterwards; the in-transaction 'ok' row rolled back
    expect(await auditCount()).toBe(before.audit + 2);
    // and the plan was not used up: its claim rolled back with the run
    const [plan] = await t.db.query<{ used_at: Date | null }>(
      `SELECT used_at FROM console_plan WHERE username = 'olga' ORDER BY id DESC LIMIT 1`,
    );
    expect(plan.used_at).toBeNull();
    expect(await lastAudit()).toMatchObject({ decision: 'error', status: 'error', committed: false, username: 'olga' });
  });

  it('records a recipe refusal as refused', async () => {
    const r = await executeAuthorized(
      instantiateFromEventDefinition,
      caller(who('olga', 'operator')),
      form({ templateCollectionId: uuid(), emitMode: 'dry_run', preview: 'on' }),
    );
    expect(r).toMatchObject({ ok: false, decision: 'refused', status: 'template_collection_not_found' });
    const a = await lastAudit();
    // a refused preview makes no plan
    expect(a).toMatchObject({ decision: 'refused', username: 'olga', mode: 'preview', planId: null });
    expect(a.status).toBe(r.status);
    expect(await auditCount()).toBe(before.audit + 1);
  });

  it('lets a lead roll back an actor durably, with a reason, and records it', async () => {
    const target = `olga:${uniq('rb')}`;
    const tag = target.split(':')[1];
    const made = await previewThenLive(form({ runTag: tag }));
    expect(made.ok).toBe(true);
    const lena = caller(who('lena', 'lead'));
    const noReason = await executeAuthorized(rollbackByActorDefinition, lena, { targetActor: target, durable: true });
    expect(noReason).toMatchObject({ ok: false, decision: 'invalid' });
    const noPlan = { targetActor: target, durable: true, reason: 'bad canary', confirmText: target };
    expect(await executeAuthorized(rollbackByActorDefinition, lena, noPlan)).toMatchObject({
      ok: false,
      status: 'plan_required',
    });
    const dry = await executeAuthorized(rollbackByActorDefinition, lena, { targetActor: target });
    expect(dry).toMatchObject({ ok: true, committed: false, plan: { id: expect.any(Number) } });
    const durable = { ...noPlan, planId: dry.ok ? dry.plan?.id : null };
    expect(await executeAuthorized(rollbackByActorDefinition, lena, { ...durable, confirmText: 'olga' })).toMatchObject(
      { ok: false, status: 'confirmation_required' },
    );
    const r = await executeAuthorized(rollbackByActorDefinition, lena, durable);
    expect(r).toMatchObject({ ok: true, committed: true });
    expect(await lastAudit()).toMatchObject({
      username: 'lena',
      role: 'lead',
      mode: 'durable',
      decision: 'ok',
      committed: true,
      actor: 'lena',
      reason: 'bad canary',
    });
  });

  it('lets an operator preview a bulk run, recorded once as a preview, and denies a viewer', async () => {
    const input = {
      templateCollectionId: tpl.id,
      n: '3',
      uuidPrefix: '5eedb0e2-',
      batchTag: uniq('b'),
      emitMode: 'live',
      preview: 'on',
    };
    expect(await executeAuthorized(bulkScaleOutDefinition, caller(who('vera', 'viewer')), input)).toMatchObject({
      decision: 'denied',
    });
    const r = await executeAuthorized(bulkScaleOutDefinition, caller(who('olga', 'operator')), input);
    expect(r).toMatchObject({ ok: true, committed: false, actor: 'olga', plan: { id: expect.any(Number) } });
    const planId = r.ok ? r.plan?.id : null;
    expect(r.ok && r.result.itemCount).toBe(3);
    expect(await lastAudit()).toMatchObject({
      recipe: 'bulk_scale_out',
      mode: 'preview',
      decision: 'ok',
      committed: false,
      username: 'olga',
    });
    expect(await auditCount()).toBe(before.audit + 2);
    expect(await logCount()).toBe(before.log);
    const live = await executeAuthorized(bulkScaleOutDefinition, caller(who('olga', 'operator')), {
      ...input,
      preview: '',
    });
    expect(live).toMatchObject({ ok: false, decision: 'invalid', issues: [{ field: 'reason' }] });
    // the preflight above counts for a live run of the same batch, with the batch tag typed
    const wrongTag = await executeAuthorized(bulkScaleOutDefinition, caller(who('olga', 'operator')), {
      ...input,
      preview: '',
      planId,
      reason: 'go',
      confirmText: 'nope',
    });
    expect(wrongTag).toMatchObject({ ok: false, status: 'confirmation_required' });
    const other = await executeAuthorized(bulkScaleOutDefinition, caller(who('olga', 'operator')), {
      ...input,
      n: '4',
      preview: '',
      planId,
      reason: 'go',
      confirmText: input.batchTag,
    });
    expect(other).toMatchObject({ ok: false, status: 'plan_required', message: expect.stringContaining('(n differ)') });
    expect(await logCount()).toBe(before.log);
    const ok = await executeAuthorized(bulkScaleOutDefinition, caller(who('olga', 'operator')), {
      ...input,
      preview: '',
      planId,
      reason: 'go',
      confirmText: input.batchTag,
    });
    expect(ok).toMatchObject({ ok: true, committed: true });
    expect(await logCount()).toBe(before.log + 3);
  });

  it('lets only a lead close the gates: a plan of the open gates, the phrase typed on the server, a reason', async () => {
    const lena = caller(who('lena', 'lead'));
    expect(
      await executeAuthorized(closeAllGatesDefinition, caller(who('olga', 'operator')), { reason: 'x' }),
    ).toMatchObject({ decision: 'denied' });
    expect(await executeAuthorized(closeAllGatesDefinition, lena, {})).toMatchObject({ decision: 'invalid' });
    expect(
      await executeAuthorized(closeAllGatesDefinition, lena, { reason: 'leak drill', confirmText: 'close all gates' }),
    ).toMatchObject({ status: 'plan_required' });
    const pre = await executeAuthorized(closeAllGatesDefinition, lena, { preview: true });
    expect(pre).toMatchObject({ ok: true, committed: false, result: [], plan: { id: expect.any(Number) } });
    const planId = pre.ok ? pre.plan?.id : null;
    // the phrase is checked by the server, not only by the dialog
    expect(
      await executeAuthorized(closeAllGatesDefinition, lena, {
        reason: 'leak drill',
        planId,
        confirmText: 'close gates',
      }),
    ).toMatchObject({ status: 'confirmation_required' });
    const r = await executeAuthorized(closeAllGatesDefinition, lena, {
      reason: 'leak drill',
      planId,
      confirmText: 'close all gates',
    });
    expect(r).toMatchObject({ ok: true, committed: true, result: [] });
    expect(await lastAudit()).toMatchObject({ recipe: 'close_all_gates', mode: 'admin', committed: true, planId });
  });

  it('lets a lead add a user with a one-time password, set the role and disable them; an operator cannot', async () => {
    const name = uniq('u').toLowerCase();
    expect(
      await executeAuthorized(addUserDefinition, caller(who('olga', 'operator')), {
        username: name,
        role: 'viewer',
        reason: 'x',
      }),
    ).toMatchObject({
      decision: 'denied',
    });
    expect(await findUser(t.db.orm, name)).toBeNull();
    const added = await executeAuthorized(addUserDefinition, caller(who('lena', 'lead')), {
      username: name,
      role: 'viewer',
      reason: 'new starter',
    });
    expect(added.ok && added.result.oneTimePassword).toMatch(/^\S{12,}$/);
    const a = await lastAudit();
    expect(a).toMatchObject({ recipe: 'user_add', mode: 'admin', committed: true });
    expect(JSON.stringify(a)).not.toContain(added.ok ? added.result.oneTimePassword : 'x');
    expect(await findUser(t.db.orm, name)).toMatchObject({ role: 'viewer', mustChangePassword: true, disabled: false });
    await executeAuthorized(setRoleDefinition, caller(who('lena', 'lead')), {
      username: name,
      role: 'operator',
      reason: 'promoted',
    });
    await executeAuthorized(setDisabledDefinition, caller(who('lena', 'lead')), {
      username: name,
      disabled: 'on',
      reason: 'left',
    });
    expect(await findUser(t.db.orm, name)).toMatchObject({ role: 'operator', disabled: true });
    const dup = await executeAuthorized(addUserDefinition, caller(who('lena', 'lead')), {
      username: name,
      role: '',
      reason: 'again',
    });
    expect(dup).toMatchObject({ ok: false, decision: 'invalid' });
    expect(await lastAudit()).toMatchObject({ recipe: 'user_add', decision: 'invalid', committed: false });
  });
});
