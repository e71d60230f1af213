// The substrate rollback of migration 033 through the real psql, exactly as the runbook shows,
// and its undoing by migrate().
import { describe, expect, it } from 'vitest';
import { listMigrationFiles, migrate, migrationStatus } from '@/db/migrate';
import { bulkScaleOut, instantiateFromEvent, readGates, rollbackByActor } from '@/lib/recipes';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { psql } from './helpers/psql';
import {
  ALL_CLOSED,
  call,
  count,
  gateValues,
  instantiate,
  makeTemplate,
  snapshot,
  uuid,
  type Template,
} from './helpers/substrate';

const ROLLBACK_FILE = 'db/rollback/033_auto_instantiate_from_event.rollback.sql';
const SYMLINKED_FILE = 'sql/iu-core/rollback/033_auto_instantiate_from_event.rollback.sql';
const FORCE = 'SET iu_core.force_rollback_033=true;';
// every migration on disk, and the same without 033: later migrations do not change what this file proves
const ALL_VERSIONS = listMigrationFiles().map((f) => f.version);
// the 033 rollback also marks 046 (the batch entry point, built on 033's tables) not applied
const WITHOUT_033 = ALL_VERSIONS.filter((v) => v !== '033' && v !== '046' && v !== '049' && v !== '058' && v !== '060');

describe.skipIf(!hasPostgres)(`the substrate rollback of 033 (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');
  let tpl: Template;
  const events = { live: uuid(), dry: uuid(), other: uuid() };
  const instances: Record<string, string> = {};
  let logCount = 0;
  let maxLogId = 0;

  const functionsOf033 = () =>
    count(
      t.db,
      `pg_proc WHERE proname IN ('fn_iu_auto_instantiate_from_event', 'fn_iu_auto_instantiate_rollback_by_actor')`,
    );
  const viewsOf033 = () =>
    count(
      t.db,
      `pg_views WHERE viewname IN ('v_iu_auto_instantiate_event_log', 'v_iu_auto_instantiate_event_summary')`,
    );
  const batchFunction = () => count(t.db, `pg_proc WHERE proname = 'fn_iu_auto_instantiate_batch'`);
  const applied = async () => (await migrationStatus(t.db)).filter((s) => s.applied).map((s) => s.version);
  const tableExists = async (name: string) =>
    (await t.db.query<{ e: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS e`, [name]))[0].e;

  it('starts from history: instances of two actors in both modes', async () => {
    tpl = await makeTemplate(t.db);
    for (const [k, mode, actor] of [
      ['live', 'live', 'before-rollback'],
      ['dry', 'dry_run', 'before-rollback'],
      ['other', 'live', 'someone-else'],
    ] as const) {
      const r = await instantiate(t.db, { eventId: events[k], templateId: tpl.id, mode, actor });
      expect(r.status).toBe('ok');
      instances[k] = String(r.instance_collection_id);
    }
    [{ n: logCount, m: maxLogId }] = (
      await t.db.query<{ n: number; m: number }>(
        `SELECT count(*)::int AS n, max(id)::int AS m FROM iu_auto_instantiate_event_log`,
      )
    ).map((r) => ({ n: r.n, m: r.m }));
    expect(logCount).toBe(3);
  });

  it('refuses without the setting: psql exits non-zero and the schema and data are unchanged', async () => {
    const before = await snapshot(t.db);
    for (const args of [
      ['-f', ROLLBACK_FILE],
      ['-c', 'SET iu_core.force_rollback_033=false;', '-f', ROLLBACK_FILE],
    ]) {
      const r = await psql(t.psqlEnv(), ['-X', ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/refusing to roll back migration 033 without iu_core\.force_rollback_033=true/);
    }
    expect(await snapshot(t.db)).toEqual(before);
    expect(await functionsOf033()).toBe(2);
    expect(await viewsOf033()).toBe(2);
    expect(await applied()).toEqual(ALL_VERSIONS);
  });

  it('applies with the setting: functions and views gone, the log archived, 033 not applied', async () => {
    const r = await psql(t.psqlEnv(), ['-X', '-c', FORCE, '-f', ROLLBACK_FILE]);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(await functionsOf033()).toBe(0);
    expect(await batchFunction()).toBe(0);
    expect(await viewsOf033()).toBe(0);
    expect(await tableExists('iu_auto_instantiate_event_log')).toBe(false);
    expect(await count(t.db, 'iu_auto_instantiate_event_log_archive_033')).toBe(logCount);
    expect(await applied()).toEqual(WITHOUT_033);
    expect((await migrationStatus(t.db)).find((s) => s.version === '033')).toMatchObject({
      applied: false,
      appliedAt: null,
    });
  });

  it('keeps what belongs to earlier migrations: instances, their tags and the template views', async () => {
    expect(await count(t.db, 'iu_piece_collection WHERE id = ANY($1::uuid[])', [Object.values(instances)])).toBe(3);
    const [obs] = await t.db.query<{ live_instance_count: number; dry_run_instance_count: number }>(
      `SELECT live_instance_count, dry_run_instance_count FROM v_iu_template_observability WHERE collection_id = $1`,
      [tpl.id],
    );
    expect(obs).toEqual({ live_instance_count: 2, dry_run_instance_count: 1 });
    await expect(t.db.query('SELECT * FROM v_iu_template_version_chain')).resolves.toBeDefined();
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
    expect((await readGates(t.db)).every((g) => !g.open)).toBe(true);
  });

  it('makes the engine answer substrate_unavailable, writing nothing', async () => {
    const before = await snapshot(t.db);
    const ctx = { db: t.db, user: 'ops', gateWaitMs: 5_000 };
    const results = [
      await instantiateFromEvent(ctx, {
        eventId: uuid(),
        eventType: 'template.published',
        templateCollectionId: tpl.id,
        uniqueSuffix: 'after-rollback',
        emitMode: 'live',
        commit: true,
      }),
      await bulkScaleOut(ctx, {
        templateCollectionId: tpl.id,
        n: 3,
        uuidPrefix: '25000b00-',
        batchTag: 'gone',
        emitMode: 'dry_run',
        commit: true,
      }),
      await rollbackByActor(ctx, { actor: 'before-rollback', dryRun: true }),
    ];
    for (const r of results) expect(r).toMatchObject({ ok: false, status: 'substrate_unavailable', committed: false });
    expect(await snapshot(t.db)).toEqual(before);
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });

  it('refuses a second rollback while 033 is absent, changing nothing', async () => {
    const before = await snapshot(t.db);
    const r = await psql(t.psqlEnv(), ['-X', '-c', FORCE, '-f', ROLLBACK_FILE]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/migration 033 is not applied/);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('is undone by migrate: 033 applied again with its history', async () => {
    expect(await migrate(t.db)).toEqual(['033', '046', '049', '058', '060']);
    expect(await applied()).toEqual(ALL_VERSIONS);
    expect(await tableExists('iu_auto_instantiate_event_log_archive_033')).toBe(false);
    expect(await count(t.db, 'iu_auto_instantiate_event_log')).toBe(logCount);
    expect(await functionsOf033()).toBe(2);
    expect(await batchFunction()).toBe(1);
    expect(await viewsOf033()).toBe(2);
    expect(await count(t.db, 'v_iu_auto_instantiate_event_log WHERE template_collection_key = $1', [tpl.key])).toBe(
      logCount,
    );
    // the claim index came back with the table: the partial unique index still guards events
    expect(
      await count(
        t.db,
        `pg_indexes WHERE tablename = 'iu_auto_instantiate_event_log' AND indexname = 'iu_aiel_claim_uidx'`,
      ),
    ).toBe(1);
  });

  it('answers idempotent_replay for events instantiated before the rollback', async () => {
    const r = await instantiate(t.db, {
      eventId: events.live,
      templateId: tpl.id,
      mode: 'live',
      actor: 'after-restore',
    });
    expect(r).toMatchObject({ status: 'idempotent_replay', instance_collection_id: instances.live });
    expect(Number(r.event_log_id)).toBeGreaterThan(maxLogId);
    const dry = await instantiate(t.db, { eventId: events.dry, templateId: tpl.id, mode: 'dry_run' });
    expect(dry).toMatchObject({ status: 'idempotent_replay', instance_collection_id: instances.dry });
  });

  it('still rolls back by actor the instances made before the rollback', async () => {
    const r = await rollbackByActor({ db: t.db, user: 'lead' }, { actor: 'before-rollback', dryRun: false });
    expect(r).toMatchObject({ ok: true, committed: true, result: { instanceCount: 2, rolledBackBy: 'lead' } });
    if (r.ok) expect([...r.result.instanceCollectionIds].sort()).toEqual([instances.live, instances.dry].sort());
    expect(await count(t.db, 'iu_piece_collection WHERE id = $1', [instances.other])).toBe(1);
    const again = await instantiate(t.db, {
      eventId: events.live,
      templateId: tpl.id,
      mode: 'live',
      actor: 'after-restore',
    });
    expect(again.status).toBe('ok');
  });

  it('works the same through the symlinked path the runbook comment names', async () => {
    const before = await count(t.db, 'iu_auto_instantiate_event_log');
    const refused = await psql(t.psqlEnv(), ['-X', '-f', SYMLINKED_FILE]);
    expect(refused.code).not.toBe(0);
    const r = await psql(t.psqlEnv(), ['-X', '-c', FORCE, '-f', SYMLINKED_FILE]);
    expect(r.code).toBe(0);
    expect(await functionsOf033()).toBe(0);
    expect(await count(t.db, 'iu_auto_instantiate_event_log_archive_033')).toBe(before);
    expect(await applied()).toEqual(WITHOUT_033);
    expect(await migrate(t.db)).toEqual(['033', '046', '049', '058', '060']);
    expect(await count(t.db, 'iu_auto_instantiate_event_log')).toBe(before);
    expect(await call(t.db, `fn_iu_auto_instantiate_rollback_by_actor('after-restore', true)`)).toMatchObject({
      status: 'ok',
      instance_count: 1,
    });
  });
});
