// Plans (migration 045) tried the way a careless operator or an attacker would: a rollback
// whose actor made more instances after the dry run, a replayed durable request, a compose
// plan stretched to later versions, a bulk kept as dry-run instances with no preflight, an
// instantiate whose live outcome changed under it, and two applies of one plan at once.
import { beforeAll, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { openDatabase } from '@/db/client';
import { definition as bulkScaleOutDefinition } from '@/lib/recipes/bulk-scale-out/recipe';
import { definition as instantiateFromEventDefinition } from '@/lib/recipes/instantiate-from-event/recipe';
import { definition as rollbackByActorDefinition } from '@/lib/recipes/rollback-by-actor/recipe';
import { backends, hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { count, instantiate, makeTemplate, snapshot, uniq, uuid, type Template } from './helpers/substrate';

const who = (username: string, role: Role): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: 'session',
});
const substrate = async (db: Parameters<typeof snapshot>[0]) =>
  Object.fromEntries(Object.entries(await snapshot(db)).filter(([k]) => !k.startsWith('console_')));
const planIdOf = (r: { ok: boolean; plan?: { id: number } }) => {
  if (!r.ok || !r.plan) throw new Error('the preview made no plan');
  return r.plan.id;
};

describe.each(backends())('plans on $name', (backend) => {
  const t = useTestDatabase(backend);
  let tpl: Template;
  const caller = (identity: Identity): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const lena = () => caller(who('lena', 'lead'));
  const olga = () => caller(who('olga', 'operator'));
  const makeFor = async (actor: string, n: number) => {
    for (let i = 0; i < n; i++)
      expect((await instantiate(t.db, { templateId: tpl.id, mode: 'live', actor })).status).toBe('ok');
  };
  const standing = (actor: string) =>
    count(t.db, `iu_auto_instantiate_event_log WHERE triggered_by = $1 AND status = 'ok' AND rolled_back_at IS NULL`, [
      actor,
    ]);

  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 2 });
  });

  it('refuses a durable rollback when the actor made more instances since its dry run, then removes exactly the new dry run, once', async () => {
    const actor = `dana:${uniq('c')}`;
    await makeFor(actor, 4);
    const dry = await executeAuthorized(rollbackByActorDefinition, lena(), { targetActor: actor });
    expect(dry).toMatchObject({ ok: true, committed: false, result: { instanceCount: 4 } });
    await makeFor(actor, 2);
    const before = await substrate(t.db);
    const durable = { targetActor: actor, durable: true, reason: 'bad canary', confirmText: actor };
    const stale = await executeAuthorized(rollbackByActorDefinition, lena(), { ...durable, planId: planIdOf(dry) });
    expect(stale).toMatchObject({
      ok: false,
      decision: 'refused',
      status: 'plan_stale',
      committed: false,
      message: `2 more instances by ${actor} since your dry run (it listed 4); nothing was rolled back: dry run again.`,
    });
    expect(await substrate(t.db)).toEqual(before);
    expect(await standing(actor)).toBe(6);

    const again = await executeAuthorized(rollbackByActorDefinition, lena(), { targetActor: actor });
    expect(again).toMatchObject({ ok: true, result: { instanceCount: 6 } });
    const done = await executeAuthorized(rollbackByActorDefinition, lena(), { ...durable, planId: planIdOf(again) });
    expect(done).toMatchObject({
      ok: true,
      committed: true,
      result: { instanceCount: 6 },
      plan: { id: planIdOf(again) },
    });
    expect(await standing(actor)).toBe(0);

    // replaying that durable request removes nothing made later: the plan is used up
    await makeFor(actor, 1);
    const replay = await executeAuthorized(rollbackByActorDefinition, lena(), { ...durable, planId: planIdOf(again) });
    expect(replay).toMatchObject({ ok: false, status: 'plan_used' });
    expect(await standing(actor)).toBe(1);
    // the stale attempt's audit row names the plan it tried
    const [row] = await t.db.query<{ status: string; plan_id: string; summary: string }>(
      `SELECT status, plan_id, summary FROM console_audit_log WHERE recipe = 'rollback_by_actor' AND status = 'plan_stale' ORDER BY id DESC LIMIT 1`,
    );
    expect(Number(row.plan_id)).toBe(planIdOf(dry));
    expect(row.summary).toContain('2 more instances');
  });

  it('refuses a durable rollback whose listed instances were rolled back by someone else meanwhile', async () => {
    const actor = `dana:${uniq('d')}`;
    await makeFor(actor, 3);
    const mine = await executeAuthorized(rollbackByActorDefinition, lena(), { targetActor: actor });
    const other = await executeAuthorized(rollbackByActorDefinition, caller(who('leo', 'lead')), {
      targetActor: actor,
    });
    const durable = { targetActor: actor, durable: true, reason: 'cleanup', confirmText: actor };
    expect(
      await executeAuthorized(rollbackByActorDefinition, caller(who('leo', 'lead')), {
        ...durable,
        planId: planIdOf(other),
      }),
    ).toMatchObject({ ok: true, committed: true });
    const r = await executeAuthorized(rollbackByActorDefinition, lena(), { ...durable, planId: planIdOf(mine) });
    expect(r).toMatchObject({ ok: false, status: 'plan_stale', message: expect.stringContaining('3 fewer instances') });
  });

  it('refuses a live instantiate when its outcome changed since the dry run: someone took the key', async () => {
    const suffix = uniq('s');
    const p = { eventId: uuid(), eventType: 'template.published', templateCollectionId: tpl.id, uniqueSuffix: suffix };
    const dry = await executeAuthorized(instantiateFromEventDefinition, olga(), {
      ...p,
      emitMode: 'dry_run',
      preview: true,
    });
    expect(dry).toMatchObject({
      ok: true,
      result: { livePrediction: { status: 'ok', instanceCollectionKey: `inst:${tpl.key}/${suffix}` } },
    });
    // another event takes the same key live
    expect((await instantiate(t.db, { templateId: tpl.id, mode: 'live', suffix, actor: 'otto' })).status).toBe('ok');
    const before = await substrate(t.db);
    const r = await executeAuthorized(instantiateFromEventDefinition, olga(), {
      ...p,
      emitMode: 'live',
      planId: planIdOf(dry),
      reason: 'go',
      confirmText: `inst:${tpl.key}/${suffix}`,
    });
    expect(r).toMatchObject({ ok: false, status: 'plan_stale', committed: false });
    expect(r.message).toContain('now it would answer instance_collection_key_collision');
    // not even the refusal's log row: nothing but the audit row
    expect(await substrate(t.db)).toEqual(before);
  });

  it('confirms a live run onto a key taken before the dry run by that key, and records the refusal its plan predicted', async () => {
    const suffix = uniq('taken');
    expect((await instantiate(t.db, { templateId: tpl.id, mode: 'live', suffix, actor: 'otto' })).status).toBe('ok');
    const p = { eventId: uuid(), eventType: 'template.published', templateCollectionId: tpl.id, uniqueSuffix: suffix };
    const dry = await executeAuthorized(instantiateFromEventDefinition, olga(), {
      ...p,
      emitMode: 'dry_run',
      preview: true,
    });
    expect(dry).toMatchObject({
      ok: true,
      result: { livePrediction: { status: 'instance_collection_key_collision' } },
    });
    const r = await executeAuthorized(instantiateFromEventDefinition, olga(), {
      ...p,
      emitMode: 'live',
      planId: planIdOf(dry),
      reason: 'go',
      confirmText: `inst:${tpl.key}/${suffix}`,
    });
    expect(r).toMatchObject({ ok: false, status: 'instance_collection_key_collision', committed: true });
    expect(
      await count(
        t.db,
        `iu_auto_instantiate_event_log WHERE event_id = $1 AND status = 'instance_collection_key_collision'`,
        [p.eventId],
      ),
    ).toBe(1);
  });

  it('keeps a bulk as dry-run instances only with a preflight plan and a reason', async () => {
    const batch = {
      templateCollectionId: tpl.id,
      n: 5,
      uuidPrefix: '5eedbeef-',
      batchTag: uniq('keep'),
      emitMode: 'dry_run',
    };
    const before = await substrate(t.db);
    expect(await executeAuthorized(bulkScaleOutDefinition, olga(), { ...batch, preview: false })).toMatchObject({
      ok: false,
      decision: 'invalid',
      issues: [{ field: 'reason' }],
    });
    expect(
      await executeAuthorized(bulkScaleOutDefinition, olga(), { ...batch, preview: false, reason: 'keep them' }),
    ).toMatchObject({ ok: false, status: 'plan_required' });
    expect(await substrate(t.db)).toEqual(before);
    const pre = await executeAuthorized(bulkScaleOutDefinition, olga(), { ...batch, preview: true });
    expect(pre).toMatchObject({ ok: true, committed: false, result: { counts: { ok: 5 } } });
    // no typed text for a kept dry run (nothing goes live), as for a kept instantiate dry run
    const kept = await executeAuthorized(bulkScaleOutDefinition, olga(), {
      ...batch,
      preview: false,
      planId: planIdOf(pre),
      reason: 'keep them',
    });
    expect(kept).toMatchObject({ ok: true, committed: true, result: { counts: { ok: 5 }, emitMode: 'dry_run' } });
    expect(
      await count(t.db, `iu_piece_collection WHERE collection_key LIKE $1`, [`dryrun:${tpl.key}/${batch.batchTag}-%`]),
    ).toBe(5);
  });

  it('refuses a bulk run whose items would now differ from its preflight, naming the counts', async () => {
    const batch = {
      templateCollectionId: tpl.id,
      n: 4,
      uuidPrefix: '5eedc0de-',
      batchTag: uniq('wave'),
      emitMode: 'live',
    };
    const pre = await executeAuthorized(bulkScaleOutDefinition, olga(), { ...batch, preview: true });
    expect(pre).toMatchObject({ ok: true, result: { counts: { ok: 4 } } });
    // someone takes the second item's key in between
    expect(
      (await instantiate(t.db, { templateId: tpl.id, mode: 'live', suffix: `${batch.batchTag}-002`, actor: 'otto' }))
        .status,
    ).toBe('ok');
    const before = await substrate(t.db);
    const r = await executeAuthorized(bulkScaleOutDefinition, olga(), {
      ...batch,
      preview: false,
      planId: planIdOf(pre),
      reason: 'go',
      confirmText: batch.batchTag,
    });
    expect(r).toMatchObject({
      ok: false,
      status: 'plan_stale',
      message:
        'Your preflight showed ok 4; now the batch would give instance_collection_key_collision 1, ok 3. Nothing was written: run the preflight again.',
    });
    expect(await substrate(t.db)).toEqual(before);
  });
});

describe.skipIf(!hasPostgres)(`two applies of one plan at once (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');

  it('commits exactly one of two concurrent durable rollbacks of the same plan; the other is told it was used', async () => {
    const tpl = await makeTemplate(t.db, { pieces: 1 });
    const actor = `dana:${uniq('race')}`;
    for (let i = 0; i < 3; i++) await instantiate(t.db, { templateId: tpl.id, mode: 'live', actor });
    // two consoles: separate pools on the same database
    const other = await openDatabase({ url: t.url, max: 2 });
    try {
      const lena: Identity = who('lena', 'lead');
      const dry = await executeAuthorized(
        rollbackByActorDefinition,
        { db: t.db, identity: lena, request: { ip: null, userAgent: null } },
        { targetActor: actor },
      );
      const body = { targetActor: actor, durable: true, reason: 'race', confirmText: actor, planId: planIdOf(dry) };
      const results = await Promise.all([
        executeAuthorized(
          rollbackByActorDefinition,
          { db: t.db, identity: lena, request: { ip: null, userAgent: null } },
          body,
        ),
        executeAuthorized(
          rollbackByActorDefinition,
          { db: other, identity: lena, request: { ip: null, userAgent: null } },
          body,
        ),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['ok', 'plan_used']);
      expect(results.filter((r) => r.committed)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
