// fn_iu_auto_instantiate_rollback_by_actor called directly, as in the runbook's rollback recipes.
import { describe, expect, it } from 'vitest';
import { backends, useTestDatabase } from './helpers/db';
import {
  call,
  count,
  instancesOfEvent,
  instantiate,
  logRowsFor,
  makeTemplate,
  sessionUser,
  snapshot,
  tx,
  uniq,
  uuid,
} from './helpers/substrate';

describe.each(backends())('fn_iu_auto_instantiate_rollback_by_actor on $name', (backend) => {
  const t = useTestDatabase(backend);

  /** One actor with a live and a dry-run instance, and a bystander with one of each too. */
  async function scene() {
    const tpl = await makeTemplate(t.db);
    const actor = uniq('actor');
    const other = uniq('bystander');
    const mine = { live: uuid(), dry: uuid() };
    const theirs = { live: uuid(), dry: uuid() };
    const a = await instantiate(t.db, { eventId: mine.live, templateId: tpl.id, mode: 'live', actor });
    const b = await instantiate(t.db, { eventId: mine.dry, templateId: tpl.id, mode: 'dry_run', actor });
    await instantiate(t.db, { eventId: theirs.live, templateId: tpl.id, mode: 'live', actor: other });
    await instantiate(t.db, { eventId: theirs.dry, templateId: tpl.id, mode: 'dry_run', actor: other });
    // a refusal and a replay by the same actor: neither has an instance to roll back
    await instantiate(t.db, { templateId: uuid(), actor });
    await instantiate(t.db, { eventId: theirs.live, templateId: tpl.id, mode: 'live', actor });
    return { tpl, actor, other, mine, theirs, ids: [a.instance_collection_id, b.instance_collection_id] as string[] };
  }

  // 060 builds the id list as text[] (to_jsonb of a uuid[] cost 10-12 ms for 4,000 ids): the
  // answer must be 033's, byte for byte, in the substrate's order, also when there is nothing.
  it('answers its id list exactly as 033 built it, in order, and an empty list for nobody (060)', async () => {
    const s = await scene();
    const old = (actor: string) =>
      t.db.query<{ ids: unknown }>(
        `SELECT to_jsonb(coalesce(array_agg(instance_collection_id ORDER BY created_at, id), '{}')) AS ids
           FROM iu_auto_instantiate_event_log
          WHERE triggered_by = $1 AND status = 'ok' AND rolled_back_at IS NULL AND instance_collection_id IS NOT NULL`,
        [actor],
      );
    for (const actor of [s.actor, s.other, uniq('nobody')]) {
      const r = await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, true)`, [actor]);
      const [{ ids }] = await old(actor);
      expect(JSON.stringify(r.instance_collection_ids)).toBe(JSON.stringify(ids));
    }
    const [{ same }] = await t.db.query<{ same: boolean }>(
      `SELECT (fn_iu_auto_instantiate_rollback_by_actor($1, true) -> 'instance_collection_ids')
              = (SELECT to_jsonb(coalesce(array_agg(instance_collection_id ORDER BY created_at, id), '{}'))
                   FROM iu_auto_instantiate_event_log
                  WHERE triggered_by = $1 AND status = 'ok' AND rolled_back_at IS NULL
                    AND instance_collection_id IS NOT NULL) AS same`,
      [s.actor],
    );
    expect(same).toBe(true);
  });

  it('reports on a dry run and changes nothing', async () => {
    const s = await scene();
    const before = await snapshot(t.db);
    const r = await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, true)`, [s.actor]);
    expect(r).toMatchObject({ status: 'ok', dry_run: true, actor: s.actor, instance_count: 2 });
    expect([...(r.instance_collection_ids as string[])].sort()).toEqual([...s.ids].sort());
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('deletes the instances of both emit modes and their links, keeps the pieces, and stamps the log', async () => {
    const s = await scene();
    const pieces = await count(t.db, 'information_unit');
    const r = await tx(t.db, (q) => call(q, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [s.actor]));
    expect(r).toMatchObject({ status: 'ok', dry_run: false, actor: s.actor, instance_count: 2 });
    expect([...(r.instance_collection_ids as string[])].sort()).toEqual([...s.ids].sort());
    expect(await count(t.db, 'iu_piece_collection WHERE id = ANY($1::uuid[])', [s.ids])).toBe(0);
    expect(await count(t.db, 'iu_piece_collection_member WHERE collection_id = ANY($1::uuid[])', [s.ids])).toBe(0);
    expect(await count(t.db, 'information_unit')).toBe(pieces);
    expect(
      await count(t.db, 'information_unit WHERE id = ANY($1::uuid[]) AND status = $2', [s.tpl.pieceIds, 'active']),
    ).toBe(3);
    const who = await sessionUser(t.db);
    for (const eventId of [s.mine.live, s.mine.dry]) {
      const [log] = await logRowsFor(t.db, eventId);
      expect(log.status).toBe('ok');
      expect(log.instance_collection_id).not.toBeNull(); // the log keeps its history
      expect(log.rolled_back_at).toBeInstanceOf(Date);
      expect(log.rolled_back_by).toBe(who);
    }
  });

  it('leaves other actors, their log rows and the replay row untouched', async () => {
    const s = await scene();
    const theirsBefore = [...(await logRowsFor(t.db, s.theirs.live)), ...(await logRowsFor(t.db, s.theirs.dry))];
    await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [s.actor]);
    const theirsAfter = [...(await logRowsFor(t.db, s.theirs.live)), ...(await logRowsFor(t.db, s.theirs.dry))];
    expect(theirsAfter).toEqual(theirsBefore);
    expect(theirsAfter.every((l) => l.rolled_back_at === null)).toBe(true);
    expect(await instancesOfEvent(t.db, s.theirs.live)).toHaveLength(1);
    expect(await instancesOfEvent(t.db, s.theirs.dry)).toHaveLength(1);
  });

  it('matches the actor exactly: a prefix, a case change or a run tag is another actor', async () => {
    const tpl = await makeTemplate(t.db);
    const actor = uniq('Exact');
    await instantiate(t.db, { templateId: tpl.id, actor });
    await instantiate(t.db, { templateId: tpl.id, actor: `${actor}:tag` });
    for (const other of [actor.toLowerCase(), actor.slice(0, -1), `${actor}:tag2`]) {
      expect((await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, true)`, [other])).instance_count).toBe(0);
    }
    expect((await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, true)`, [actor])).instance_count).toBe(1);
    expect(
      (await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, true)`, [`${actor}:tag`])).instance_count,
    ).toBe(1);
  });

  it('records iu_core.request_actor as rolled_back_by when the transaction sets it', async () => {
    const s = await scene();
    await tx(t.db, async (q) => {
      await q.query(`SELECT set_config('iu_core.request_actor', 'lead-on-duty', true)`);
      return call(q, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [s.actor]);
    });
    const [log] = await logRowsFor(t.db, s.mine.live);
    expect(log.rolled_back_by).toBe('lead-on-duty');
  });

  it('rolls back nothing the second time: a rolled-back instance is not reported again', async () => {
    const s = await scene();
    expect((await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [s.actor])).instance_count).toBe(2);
    const before = await snapshot(t.db);
    expect(await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [s.actor])).toMatchObject({
      status: 'ok',
      instance_count: 0,
      instance_collection_ids: [],
    });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('lets the same events be instantiated again after a rollback, as new instances', async () => {
    const s = await scene();
    await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [s.actor]);
    const live = await instantiate(t.db, { eventId: s.mine.live, templateId: s.tpl.id, mode: 'live', actor: s.actor });
    const dry = await instantiate(t.db, { eventId: s.mine.dry, templateId: s.tpl.id, mode: 'dry_run', actor: s.actor });
    expect(live.status).toBe('ok');
    expect(dry.status).toBe('ok');
    expect(s.ids).not.toContain(live.instance_collection_id);
    expect(s.ids).not.toContain(dry.instance_collection_id);
    expect((await logRowsFor(t.db, s.mine.live)).map((l) => [l.status, l.rolled_back_at === null])).toEqual([
      ['ok', false],
      ['ok', true],
    ]);
    // and the new instance replays like any other
    expect(
      (await instantiate(t.db, { eventId: s.mine.live, templateId: s.tpl.id, mode: 'live' })).instance_collection_id,
    ).toBe(live.instance_collection_id);
  });

  it('answers ok with no instances for an actor that never acted', async () => {
    const before = await snapshot(t.db);
    expect(await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [uniq('nobody')])).toMatchObject({
      status: 'ok',
      instance_count: 0,
    });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('feeds the observability views the columns the dashboards rely on', async () => {
    const family = `tpl:${uniq('obs')}`;
    const tpl = await makeTemplate(t.db, { key: `${family}/v1`, pieces: 2 });
    expect(
      (
        await call(t.db, `fn_iu_collection_register_template_version($1::uuid, $2, 'v1', 1, NULL, 'registrar')`, [
          tpl.id,
          family,
        ])
      ).status,
    ).toBe('ok');
    const actor = uniq('viewer');
    const live = uuid();
    await instantiate(t.db, { eventId: live, templateId: tpl.id, mode: 'live', actor, eventType: 'obs.live' });
    await instantiate(t.db, { templateId: tpl.id, mode: 'dry_run', actor, eventType: 'obs.dry' });
    await instantiate(t.db, { templateId: tpl.id, mode: 'dry_run', actor, eventType: 'obs.dry' });
    await instantiate(
      t.db,
      { templateId: tpl.id, mode: 'live', actor, eventType: 'obs.live' },
      { gates: { composer: true } },
    );
    await t.db.query(`UPDATE information_unit SET status = 'retired' WHERE id = $1`, [tpl.pieceIds[1]]);

    const [obs] = await t.db.query(
      `SELECT collection_id, collection_key, title, template_label, template_family, version_label, version_seq,
              active_piece_count, live_instance_count, dry_run_instance_count, last_instantiated_at IS NOT NULL AS has_last
         FROM v_iu_template_observability WHERE collection_id = $1`,
      [tpl.id],
    );
    expect(obs).toEqual({
      collection_id: tpl.id,
      collection_key: tpl.key,
      title: 'A template',
      template_label: 'label',
      template_family: family,
      version_label: 'v1',
      version_seq: 1,
      active_piece_count: 1,
      live_instance_count: 1,
      dry_run_instance_count: 2,
      has_last: true,
    });

    const [chain] = await t.db.query(
      `SELECT template_family, version_seq, version_label, collection_id, collection_key, previous_collection_id,
              previous_version_label, registered_by, registered_at IS NOT NULL AS has_at, is_latest
         FROM v_iu_template_version_chain WHERE template_family = $1`,
      [family],
    );
    expect(chain).toEqual({
      template_family: family,
      version_seq: 1,
      version_label: 'v1',
      collection_id: tpl.id,
      collection_key: tpl.key,
      previous_collection_id: null,
      previous_version_label: null,
      registered_by: 'registrar',
      has_at: true,
      is_latest: true,
    });

    const [logView] = await t.db.query(
      `SELECT template_collection_key, template_family, template_version_label, instance_collection_key, status, triggered_by
         FROM v_iu_auto_instantiate_event_log WHERE event_id = $1`,
      [live],
    );
    expect(logView).toMatchObject({
      template_collection_key: tpl.key,
      template_family: family,
      template_version_label: 'v1',
      status: 'ok',
      triggered_by: actor,
    });
    expect(String(logView.instance_collection_key)).toMatch(new RegExp(`^inst:${tpl.key}/`));

    await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [actor]);
    const summary = await t.db.query<{
      event_type: string;
      emit_mode: string;
      status: string;
      event_count: number;
      rolled_back_count: number;
      ordered: boolean;
    }>(
      `SELECT event_type, emit_mode, status, event_count, rolled_back_count, first_at <= last_at AS ordered
         FROM v_iu_auto_instantiate_event_summary WHERE event_type LIKE 'obs.%' ORDER BY 1, 2, 3`,
    );
    expect(summary).toEqual([
      {
        event_type: 'obs.dry',
        emit_mode: 'dry_run',
        status: 'ok',
        event_count: 2,
        rolled_back_count: 2,
        ordered: true,
      },
      {
        event_type: 'obs.live',
        emit_mode: 'live',
        status: 'live_gate_closed',
        event_count: 1,
        rolled_back_count: 0,
        ordered: true,
      },
      { event_type: 'obs.live', emit_mode: 'live', status: 'ok', event_count: 1, rolled_back_count: 1, ordered: true },
    ]);
    // after the rollback the template view counts from the instance tags: none are left
    const [after] = await t.db.query(
      `SELECT live_instance_count, dry_run_instance_count FROM v_iu_template_observability WHERE collection_id = $1`,
      [tpl.id],
    );
    expect(after).toEqual({ live_instance_count: 0, dry_run_instance_count: 0 });
  });

  it.each([
    ['an empty actor', '', false],
    ['a blank actor', '   ', false],
    ['a null actor', null, false],
    ['a null dry_run', 'someone', null],
  ] as const)('refuses %s with invalid_input, writing nothing', async (_why, actor, dryRun) => {
    const before = await snapshot(t.db);
    expect(
      (await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, $2::boolean)`, [actor, dryRun])).status,
    ).toBe('invalid_input');
    expect(await snapshot(t.db)).toEqual(before);
  });
});
