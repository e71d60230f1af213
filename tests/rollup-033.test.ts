// The event-log rollups and the template instance counters: they agree with the log and the
// instance tags after inserts, a key race's status change, rollbacks and previews; the 033
// rollback drops the rollups and re-migrating rebuilds them from the archive. Their first and
// last times are the log's own, also after rows move between buckets (049).
import { describe, expect, it } from 'vitest';
import { migrate } from '@/db/migrate';
import { backends, hasPostgres, PG_ONLY, useTestDatabase, type TestDatabase } from './helpers/db';
import { psql } from './helpers/psql';
import { call, gated, instantiate, instantiateOn, makeTemplate, uuid } from './helpers/substrate';

const ROLLBACK_FILE = 'db/rollback/033_auto_instantiate_from_event.rollback.sql';

async function expectRollupsMatchLog(t: TestDatabase) {
  const diff = async (a: string, b: string) =>
    (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ((${a}) EXCEPT (${b})) x`))[0].n;
  // first and last times too: a row that moved out of a bucket takes its time with it (049)
  const fromLogDaily = `SELECT (created_at AT TIME ZONE 'UTC')::date, event_type, emit_mode, status, count(*), count(rolled_back_at),
                               min(created_at), max(created_at) FROM iu_auto_instantiate_event_log GROUP BY 1, 2, 3, 4`;
  const daily = `SELECT day, event_type, emit_mode, status, event_count, rolled_back_count, first_at, last_at FROM iu_aiel_rollup_daily`;
  const fromLogActor = `SELECT triggered_by, event_type, emit_mode, status, count(*), count(rolled_back_at), min(created_at), max(created_at)
                          FROM iu_auto_instantiate_event_log GROUP BY 1, 2, 3, 4`;
  const actor = `SELECT triggered_by, event_type, emit_mode, status, event_count, rolled_back_count, first_at, last_at FROM iu_aiel_rollup_actor`;
  expect([await diff(fromLogDaily, daily), await diff(daily, fromLogDaily)]).toEqual([0, 0]);
  expect([await diff(fromLogActor, actor), await diff(actor, fromLogActor)]).toEqual([0, 0]);
  const counters = `SELECT collection_id, live_instance_count, dry_run_instance_count, last_instantiated_at FROM v_iu_template_observability`;
  const fromTags = `SELECT c.id, (SELECT count(*) FROM iu_piece_collection x WHERE x.instance_template_id = c.id AND x.instance_emit_mode = 'live')::int,
                           (SELECT count(*) FROM iu_piece_collection x WHERE x.instance_template_id = c.id AND x.instance_emit_mode = 'dry_run')::int,
                           (SELECT max(created_at) FROM iu_piece_collection x WHERE x.instance_template_id = c.id)
                      FROM iu_piece_collection c WHERE c.is_template`;
  expect([await diff(counters, fromTags), await diff(fromTags, counters)]).toEqual([0, 0]);
  expect(
    (
      await t.db.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM iu_aiel_rollup_pending) + (SELECT count(*) FROM iu_template_instance_count_pending) AS n',
      )
    )[0].n,
  ).toBe(0);
}

describe.each(backends())('rollups of the event log on $name', (backend) => {
  const t = useTestDatabase(backend);

  it('agree with the log and the tags after ok calls, refusals, replays and a rollback by actor', async () => {
    const tpl = await makeTemplate(t.db);
    const ev = uuid();
    for (const [mode, actor] of [
      ['live', 'ann'],
      ['dry_run', 'ann'],
      ['live', 'ben:run-1'],
    ] as const) {
      expect((await instantiate(t.db, { templateId: tpl.id, mode, actor })).status).toBe('ok');
    }
    expect((await instantiate(t.db, { eventId: ev, templateId: tpl.id, mode: 'live', actor: 'ann' })).status).toBe(
      'ok',
    );
    expect((await instantiate(t.db, { eventId: ev, templateId: tpl.id, mode: 'live', actor: 'cat' })).status).toBe(
      'idempotent_replay',
    );
    expect(
      (
        await instantiate(
          t.db,
          { templateId: tpl.id, mode: 'live', actor: 'ann' },
          { gates: { composer: true, live: false } },
        )
      ).status,
    ).toBe('live_gate_closed');
    await expectRollupsMatchLog(t);
    await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor('ann', false)`);
    await expectRollupsMatchLog(t);
    // the same events may be instantiated again after the rollback
    expect((await instantiate(t.db, { eventId: ev, templateId: tpl.id, mode: 'live', actor: 'ann' })).status).toBe(
      'ok',
    );
    await expectRollupsMatchLog(t);
    // backdating (as the demo seed does) moves rows between day buckets and instance times
    await t.db.query(
      `UPDATE iu_auto_instantiate_event_log SET created_at = created_at - interval '3 days' WHERE triggered_by = 'ann'`,
    );
    await t.db.query(
      `UPDATE iu_piece_collection SET created_at = created_at - interval '3 days' WHERE instance_template_id = $1`,
      [tpl.id],
    );
    await expectRollupsMatchLog(t);
  });

  it('count nothing from a transaction that rolls back, and fold many calls of one transaction once', async () => {
    const tpl = await makeTemplate(t.db);
    await gated(
      t.db,
      { composer: true, live: true },
      async (s) => {
        for (let i = 0; i < 5; i++) await instantiateOn(s, { templateId: tpl.id, mode: 'live', actor: 'previewer' });
      },
      { commit: false },
    );
    await expectRollupsMatchLog(t);
    await gated(t.db, { composer: true, live: true }, async (s) => {
      for (let i = 0; i < 30; i++) await instantiateOn(s, { templateId: tpl.id, mode: 'live', actor: 'bulk' });
      // an update and an insert in the same transaction as the inserts it follows
      await call(s, `fn_iu_auto_instantiate_rollback_by_actor('bulk', false)`);
      await instantiateOn(s, { templateId: tpl.id, mode: 'dry_run', actor: 'bulk' });
    });
    await expectRollupsMatchLog(t);
  });
});

describe.skipIf(!hasPostgres)(`rollups across the 033 rollback (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');

  it('are dropped with 033 and rebuilt from the archive when 033 is applied again', async () => {
    const tpl = await makeTemplate(t.db);
    for (let i = 0; i < 4; i++)
      expect(
        (await instantiate(t.db, { templateId: tpl.id, mode: i % 2 ? 'live' : 'dry_run', actor: `a${i % 2}` })).status,
      ).toBe('ok');
    await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor('a1', false)`);
    const before = await t.db.query('SELECT * FROM v_iu_auto_instantiate_event_summary ORDER BY 1, 2, 3');
    const r = await psql(t.psqlEnv(), ['-X', '-c', 'SET iu_core.force_rollback_033=true;', '-f', ROLLBACK_FILE]);
    expect(r.code).toBe(0);
    const gone = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('iu_aiel_rollup_daily', 'iu_aiel_rollup_actor', 'iu_aiel_rollup_pending', 'iu_aiel_rollup_flush')`,
    );
    expect(gone[0].n).toBe(0);
    // the template counters belong to 032 and stay
    const [obs] = await t.db.query<{ live_instance_count: number; dry_run_instance_count: number }>(
      'SELECT live_instance_count, dry_run_instance_count FROM v_iu_template_observability WHERE collection_id = $1',
      [tpl.id],
    );
    expect(obs).toEqual({ live_instance_count: 0, dry_run_instance_count: 2 });
    expect(await migrate(t.db)).toEqual(['033', '046', '049', '058', '060']);
    expect(await t.db.query('SELECT * FROM v_iu_auto_instantiate_event_summary ORDER BY 1, 2, 3')).toEqual(before);
    await expectRollupsMatchLog(t);
    expect((await instantiate(t.db, { templateId: tpl.id, mode: 'live', actor: 'after' })).status).toBe('ok');
    await expectRollupsMatchLog(t);
  });
});
