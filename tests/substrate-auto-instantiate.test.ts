// fn_iu_auto_instantiate_from_event: every status, the order of the checks, what each call
// writes (one log row from the gate checks on, nothing before), replays and instance shape.
import { describe, expect, it } from 'vitest';
import { backends, useTestDatabase } from './helpers/db';
import {
  call,
  count,
  gated,
  instancesOfEvent,
  instantiate,
  instantiateOn,
  logRowsFor,
  makeTemplate,
  membersOf,
  snapshot,
  uniq,
  uuid,
  type InstantiateArgs,
  type Json,
  type Snapshot,
} from './helpers/substrate';

describe.each(backends())('fn_iu_auto_instantiate_from_event on $name', (backend) => {
  const t = useTestDatabase(backend);

  /**
   * Everything but the event log (and its rollups, which the log's triggers keep) must be
   * unchanged; the log must have grown by `logRows`.
   */
  function expectOnlyLogRows(before: Snapshot, after: Snapshot, logRows: number) {
    const {
      iu_auto_instantiate_event_log: logBefore,
      iu_aiel_rollup_daily: _d0,
      iu_aiel_rollup_actor: _a0,
      ...restBefore
    } = before;
    const {
      iu_auto_instantiate_event_log: logAfter,
      iu_aiel_rollup_daily: _d1,
      iu_aiel_rollup_actor: _a1,
      ...restAfter
    } = after;
    expect(restAfter).toEqual(restBefore);
    expect(logAfter.count - logBefore.count).toBe(logRows);
  }

  async function refusal(
    a: InstantiateArgs,
    gates?: { composer?: boolean; live?: boolean },
    logRows = 1,
  ): Promise<Json> {
    const before = await snapshot(t.db);
    const r = await instantiate(t.db, a, gates ? { gates } : {});
    expectOnlyLogRows(before, await snapshot(t.db), logRows);
    return r;
  }

  describe('ok', () => {
    it('creates a dry-run instance keyed dryrun:<template key>/<suffix> that links the template pieces in order', async () => {
      const tpl = await makeTemplate(t.db, { pieces: 3 });
      const eventId = uuid();
      const suffix = uniq('s');
      const r = await instantiate(t.db, {
        eventId,
        templateId: tpl.id,
        suffix,
        mode: 'dry_run',
        actor: 'ops-1',
        note: 'hello',
      });
      expect(r).toMatchObject({
        status: 'ok',
        instance_collection_key: `dryrun:${tpl.key}/${suffix}`,
        piece_count: 3,
        emit_mode: 'dry_run',
      });
      expect(typeof r.event_log_id).toBe('number');
      const [inst] = await t.db.query(
        `SELECT collection_key, created_by, instance_emit_mode, instance_template_id, instance_event_id, is_template
           FROM iu_piece_collection WHERE id = $1`,
        [r.instance_collection_id],
      );
      expect(inst).toEqual({
        collection_key: `dryrun:${tpl.key}/${suffix}`,
        created_by: 'ops-1',
        instance_emit_mode: 'dry_run',
        instance_template_id: tpl.id,
        instance_event_id: eventId,
        is_template: false,
      });
      const members = await membersOf(t.db, String(r.instance_collection_id));
      expect(members).toEqual(tpl.pieceIds.map((iu_id, i) => ({ position: i + 1, role: tpl.roles[i], iu_id })));
      const [log] = await logRowsFor(t.db, eventId);
      expect(log).toMatchObject({
        id: r.event_log_id,
        event_id: eventId,
        event_type: 'template.published',
        template_collection_id: tpl.id,
        instance_collection_id: r.instance_collection_id,
        unique_suffix: suffix,
        emit_mode: 'dry_run',
        status: 'ok',
        triggered_by: 'ops-1',
        note: 'hello',
        replay_of_event_log_id: null,
        rolled_back_at: null,
        rolled_back_by: null,
      });
      expect(log.created_at).toBeInstanceOf(Date);
    });

    it('creates a live instance keyed inst:<template key>/<suffix> when both gates are open', async () => {
      const tpl = await makeTemplate(t.db);
      const suffix = uniq('s');
      const r = await instantiate(t.db, { templateId: tpl.id, suffix, mode: 'live' });
      expect(r).toMatchObject({
        status: 'ok',
        instance_collection_key: `inst:${tpl.key}/${suffix}`,
        emit_mode: 'live',
        piece_count: 3,
      });
    });

    it('links only the active pieces, renumbered in template order', async () => {
      const tpl = await makeTemplate(t.db, { pieces: 3 });
      await t.db.query(`UPDATE information_unit SET status = 'retired' WHERE id = $1`, [tpl.pieceIds[1]]);
      const r = await instantiate(t.db, { templateId: tpl.id });
      expect(r.piece_count).toBe(2);
      expect(await membersOf(t.db, String(r.instance_collection_id))).toEqual([
        { position: 1, role: tpl.roles[0], iu_id: tpl.pieceIds[0] },
        { position: 2, role: tpl.roles[2], iu_id: tpl.pieceIds[2] },
      ]);
    });

    it('links pieces by reference: no piece is copied', async () => {
      const tpl = await makeTemplate(t.db);
      const before = await count(t.db, 'information_unit');
      await instantiate(t.db, { templateId: tpl.id, mode: 'live' });
      expect(await count(t.db, 'information_unit')).toBe(before);
    });

    it('treats dry_run and live of one event as separate claims', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      const suffix = uniq('s');
      expect((await instantiate(t.db, { eventId, templateId: tpl.id, suffix, mode: 'dry_run' })).status).toBe('ok');
      expect((await instantiate(t.db, { eventId, templateId: tpl.id, suffix, mode: 'live' })).status).toBe('ok');
      expect((await instancesOfEvent(t.db, eventId)).map((i) => i.instance_emit_mode).sort()).toEqual([
        'dry_run',
        'live',
      ]);
    });

    it('orders the log rows of one transaction by created_at (clock_timestamp), id breaking ties', async () => {
      const tpl = await makeTemplate(t.db);
      const events = [uuid(), uuid(), uuid(), uuid()];
      await gated(t.db, { composer: true }, async (s) => {
        for (const eventId of events) await instantiateOn(s, { eventId, templateId: tpl.id });
      });
      const rows = await t.db.query<{ event_id: string; created_at: Date }>(
        `SELECT event_id, created_at FROM iu_auto_instantiate_event_log WHERE event_id = ANY($1::uuid[]) ORDER BY created_at, id`,
        [events],
      );
      expect(rows.map((r) => r.event_id)).toEqual(events);
      const byId = await t.db.query<{ created_at: Date }>(
        `SELECT created_at FROM iu_auto_instantiate_event_log WHERE event_id = ANY($1::uuid[]) ORDER BY id`,
        [events],
      );
      for (let i = 1; i < byId.length; i++)
        expect(byId[i].created_at.getTime()).toBeGreaterThanOrEqual(byId[i - 1].created_at.getTime());
      if (backend.name === 'postgres') {
        // PostgreSQL's clock has microseconds, so every call gets its own time; PGlite's clock
        // ticks in milliseconds, where rows of one transaction may tie (id orders them).
        const [{ distinct }] = await t.db.query<{ distinct: number }>(
          `SELECT count(DISTINCT created_at)::int AS distinct FROM iu_auto_instantiate_event_log WHERE event_id = ANY($1::uuid[])`,
          [events],
        );
        expect(distinct).toBe(4);
      }
    });

    it('rolls back with its transaction: the runbook dry run ending in ROLLBACK leaves nothing', async () => {
      const tpl = await makeTemplate(t.db);
      const before = await snapshot(t.db);
      const r = await instantiate(t.db, { templateId: tpl.id }, { commit: false });
      expect(r.status).toBe('ok');
      expect(await snapshot(t.db)).toEqual(before);
    });
  });

  describe('idempotent_replay', () => {
    it('returns the original instance, logs the caller as actor and points at the original row', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      const first = await instantiate(t.db, {
        eventId,
        templateId: tpl.id,
        suffix: 'first',
        mode: 'live',
        actor: 'alice',
      });
      const before = await snapshot(t.db);
      const again = await instantiate(t.db, {
        eventId,
        templateId: tpl.id,
        suffix: 'other-suffix',
        mode: 'live',
        actor: 'bob',
      });
      expectOnlyLogRows(before, await snapshot(t.db), 1);
      expect(again).toMatchObject({
        status: 'idempotent_replay',
        instance_collection_id: first.instance_collection_id,
        instance_collection_key: first.instance_collection_key,
        original_event_log_id: first.event_log_id,
        emit_mode: 'live',
      });
      const rows = await logRowsFor(t.db, eventId);
      expect(rows.map((r) => [r.status, r.triggered_by, r.replay_of_event_log_id])).toEqual([
        ['ok', 'alice', null],
        ['idempotent_replay', 'bob', first.event_log_id],
      ]);
      expect(rows[1].id).toBe(again.event_log_id);
      expect(rows[1].instance_collection_id).toBeNull();
      expect(await instancesOfEvent(t.db, eventId)).toHaveLength(1);
    });

    it('is never touched by a rollback of the replaying actor', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      const replayer = uniq('replayer');
      await instantiate(t.db, { eventId, templateId: tpl.id, actor: uniq('original') });
      expect((await instantiate(t.db, { eventId, templateId: tpl.id, actor: replayer })).status).toBe(
        'idempotent_replay',
      );
      const before = await snapshot(t.db);
      const r = await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor($1, false)`, [replayer]);
      expect(r).toMatchObject({ status: 'ok', instance_count: 0, instance_collection_ids: [] });
      expect(await snapshot(t.db)).toEqual(before);
      expect(await instancesOfEvent(t.db, eventId)).toHaveLength(1);
    });

    it('comes before the template checks: a template that lost its pieces still replays', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      const first = await instantiate(t.db, { eventId, templateId: tpl.id });
      await t.db.query(`UPDATE information_unit SET status = 'retired' WHERE id = ANY($1::uuid[])`, [tpl.pieceIds]);
      expect((await instantiate(t.db, { templateId: tpl.id })).status).toBe('template_has_no_active_pieces');
      const again = await refusal({ eventId, templateId: tpl.id });
      expect(again).toMatchObject({
        status: 'idempotent_replay',
        instance_collection_id: first.instance_collection_id,
      });
    });

    it('comes before the template checks: an unmarked template still replays', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      await instantiate(t.db, { eventId, templateId: tpl.id });
      await t.db.query(`UPDATE iu_piece_collection SET is_template = false WHERE id = $1`, [tpl.id]);
      expect((await refusal({ eventId, templateId: tpl.id })).status).toBe('idempotent_replay');
      expect((await refusal({ templateId: tpl.id })).status).toBe('template_not_marked');
    });

    it('comes before the key check: the same event and suffix replays instead of colliding', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      await instantiate(t.db, { eventId, templateId: tpl.id, suffix: 'same' });
      expect((await refusal({ eventId, templateId: tpl.id, suffix: 'same' })).status).toBe('idempotent_replay');
    });
  });

  describe('refusals', () => {
    it.each([
      ['the event id is null', { eventId: null }],
      ['the event type is blank', { eventType: '  ' }],
      ['the event type is null', { eventType: null }],
      ['the template id is null', { templateId: null }],
      ['the suffix is null', { suffix: null }],
      ['the suffix is blank', { suffix: '' }],
      ['the suffix starts with a dash', { suffix: '-abc' }],
      ['the suffix has a space', { suffix: 'a b' }],
      ['the suffix has a slash', { suffix: 'a/b' }],
      ['the suffix is 65 characters', { suffix: 'a'.repeat(65) }],
      ['the suffix is hostile text', { suffix: "x'); DROP TABLE dot_config; --" }],
      ['the emit mode is null', { mode: null }],
      ['the emit mode is blank', { mode: ' ' }],
      ['the actor is null', { actor: null }],
      ['the actor is blank', { actor: '' }],
      ['the actor has a trailing space', { actor: 'ops ' }],
      ['the actor has a leading newline', { actor: '\nops' }],
    ] as const)('refuses with invalid_input when %s, writing no log row', async (_why, o) => {
      const tpl = await makeTemplate(t.db);
      const r = await refusal(
        { templateId: tpl.id, ...(o as Partial<InstantiateArgs>) },
        { composer: true, live: true },
        0,
      );
      expect(r.status).toBe('invalid_input');
    });

    it('accepts a 64-character suffix of letters, digits, dot, dash and underscore', async () => {
      const tpl = await makeTemplate(t.db);
      const suffix = `A9._-${'x'.repeat(59)}`;
      expect((await instantiate(t.db, { templateId: tpl.id, suffix })).status).toBe('ok');
    });

    it.each(['production', 'LIVE', 'dry-run'])(
      'refuses the emit mode %s with invalid_emit_mode, writing no log row',
      async (mode) => {
        const tpl = await makeTemplate(t.db);
        const r = await refusal({ templateId: tpl.id, mode }, { composer: true, live: true }, 0);
        expect(r).toMatchObject({ status: 'invalid_emit_mode', emit_mode: mode });
      },
    );

    it.each(['dry_run', 'live'])(
      'refuses a %s run with composer_gate_closed while the composer gate is closed, logging one row',
      async (mode) => {
        const tpl = await makeTemplate(t.db);
        const eventId = uuid();
        const r = await refusal(
          { eventId, templateId: tpl.id, mode, actor: 'closed-gate-actor' },
          { composer: false, live: true },
        );
        expect(r).toMatchObject({ status: 'composer_gate_closed', emit_mode: mode });
        const [log] = await logRowsFor(t.db, eventId);
        expect(log).toMatchObject({
          id: r.event_log_id,
          status: 'composer_gate_closed',
          triggered_by: 'closed-gate-actor',
          instance_collection_id: null,
        });
      },
    );

    it('refuses a live run with live_gate_closed while the live gate is closed, logging one row', async () => {
      const tpl = await makeTemplate(t.db);
      const r = await refusal({ templateId: tpl.id, mode: 'live' }, { composer: true, live: false });
      expect(r.status).toBe('live_gate_closed');
    });

    it('lets a dry run through while the live gate is closed', async () => {
      const tpl = await makeTemplate(t.db);
      expect(
        (await instantiate(t.db, { templateId: tpl.id, mode: 'dry_run' }, { gates: { composer: true } })).status,
      ).toBe('ok');
    });

    it('refuses with template_collection_not_found for an unknown template, logging the id sent', async () => {
      const missing = uuid();
      const eventId = uuid();
      const r = await refusal({ eventId, templateId: missing });
      expect(r.status).toBe('template_collection_not_found');
      expect((await logRowsFor(t.db, eventId))[0].template_collection_id).toBe(missing);
    });

    it('refuses with template_not_marked for a collection that is not a template', async () => {
      const c = await makeTemplate(t.db, { mark: false });
      expect((await refusal({ templateId: c.id })).status).toBe('template_not_marked');
    });

    it('refuses with template_not_marked when the template named is an instance', async () => {
      const tpl = await makeTemplate(t.db);
      const inst = await instantiate(t.db, { templateId: tpl.id });
      expect((await refusal({ templateId: String(inst.instance_collection_id) })).status).toBe('template_not_marked');
    });

    it('refuses with template_has_no_active_pieces when every piece is retired', async () => {
      const tpl = await makeTemplate(t.db, { pieces: 2 });
      await t.db.query(`UPDATE information_unit SET status = 'retired' WHERE id = ANY($1::uuid[])`, [tpl.pieceIds]);
      expect((await refusal({ templateId: tpl.id })).status).toBe('template_has_no_active_pieces');
    });

    it('refuses with instance_collection_key_collision when another event took the key', async () => {
      const tpl = await makeTemplate(t.db);
      const first = await instantiate(t.db, { templateId: tpl.id, suffix: 'taken', mode: 'live' });
      const r = await refusal({ templateId: tpl.id, suffix: 'taken', mode: 'live' });
      expect(r).toMatchObject({
        status: 'instance_collection_key_collision',
        instance_collection_key: first.instance_collection_key,
      });
    });

    it('keeps a refusal log row when the runbook transaction commits, and none when it rolls back', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      await instantiate(
        t.db,
        { eventId, templateId: tpl.id, mode: 'live' },
        { gates: { composer: true }, commit: false },
      );
      expect(await logRowsFor(t.db, eventId)).toHaveLength(0);
      await instantiate(t.db, { eventId, templateId: tpl.id, mode: 'live' }, { gates: { composer: true } });
      expect((await logRowsFor(t.db, eventId)).map((r) => r.status)).toEqual(['live_gate_closed']);
    });
  });

  describe('check order', () => {
    it('gives invalid_input before invalid_emit_mode', async () => {
      const tpl = await makeTemplate(t.db);
      expect((await refusal({ templateId: tpl.id, suffix: '-bad', mode: 'bogus' }, { composer: true }, 0)).status).toBe(
        'invalid_input',
      );
    });

    it('gives invalid_emit_mode before composer_gate_closed', async () => {
      const tpl = await makeTemplate(t.db);
      expect((await refusal({ templateId: tpl.id, mode: 'bogus' }, { composer: false }, 0)).status).toBe(
        'invalid_emit_mode',
      );
    });

    it('gives invalid_input before composer_gate_closed', async () => {
      const tpl = await makeTemplate(t.db);
      expect((await refusal({ templateId: tpl.id, actor: '' }, { composer: false }, 0)).status).toBe('invalid_input');
    });

    it('gives composer_gate_closed before live_gate_closed', async () => {
      const tpl = await makeTemplate(t.db);
      expect((await refusal({ templateId: tpl.id, mode: 'live' }, { composer: false, live: false })).status).toBe(
        'composer_gate_closed',
      );
    });

    it('gives composer_gate_closed before idempotent_replay and the template checks', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      await instantiate(t.db, { eventId, templateId: tpl.id });
      expect((await refusal({ eventId, templateId: tpl.id }, { composer: false })).status).toBe('composer_gate_closed');
      expect((await refusal({ templateId: uuid() }, { composer: false })).status).toBe('composer_gate_closed');
    });

    it('gives live_gate_closed before idempotent_replay', async () => {
      const tpl = await makeTemplate(t.db);
      const eventId = uuid();
      await instantiate(t.db, { eventId, templateId: tpl.id, mode: 'live' });
      expect(
        (await refusal({ eventId, templateId: tpl.id, mode: 'live' }, { composer: true, live: false })).status,
      ).toBe('live_gate_closed');
    });

    it('gives live_gate_closed before template_collection_not_found', async () => {
      expect((await refusal({ templateId: uuid(), mode: 'live' }, { composer: true, live: false })).status).toBe(
        'live_gate_closed',
      );
    });

    it('gives template_not_marked before template_has_no_active_pieces', async () => {
      const c = await makeTemplate(t.db, { mark: false });
      await t.db.query(`UPDATE information_unit SET status = 'retired' WHERE id = ANY($1::uuid[])`, [c.pieceIds]);
      expect((await refusal({ templateId: c.id })).status).toBe('template_not_marked');
    });

    it('gives template_has_no_active_pieces before instance_collection_key_collision', async () => {
      const tpl = await makeTemplate(t.db);
      await instantiate(t.db, { templateId: tpl.id, suffix: 'taken' });
      await t.db.query(`UPDATE information_unit SET status = 'retired' WHERE id = ANY($1::uuid[])`, [tpl.pieceIds]);
      expect((await refusal({ templateId: tpl.id, suffix: 'taken' })).status).toBe('template_has_no_active_pieces');
    });
  });
});
