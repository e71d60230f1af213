// The runbook's own recipes, copied verbatim into tests/fixtures/runbook with the
// placeholders filled in, run through the real psql and give the statuses the runbook promises.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bulkScaleOut } from '@/lib/recipes';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { bulkNotices, psqlFile, REPO_ROOT } from './helpers/psql';
import { ALL_CLOSED, count, gateValues, snapshot } from './helpers/substrate';

const DIR = path.join(REPO_ROOT, 'tests', 'fixtures', 'runbook');
const fixture = (name: string) => path.join('tests', 'fixtures', 'runbook', name);
const RUNBOOK = fs.readFileSync(path.join(DIR, 'OPERATOR_RUNBOOK_25000X_ADDENDUM.txt'), 'utf8');

const V1 = 'c7c1e921-0000-4000-8000-0000000000c1';
const V1_TWO = 'c7c1e921-0000-4000-8000-0000000000c2';
const OPERATOR = 'runbook-operator';

/** The lines of the runbook from `start` (after the heading `heading`) up to the line starting with `end`. */
function recipe(heading: string, start: string, end: string): string {
  const lines = RUNBOOK.split('\n').map((l) => l.trimEnd());
  const h = lines.findIndex((l) => l.trim() === heading);
  if (h < 0) throw new Error(`runbook heading not found: ${heading}`);
  const s = lines.findIndex((l, i) => i > h && l.startsWith(start));
  const e = lines.findIndex((l, i) => i >= s && l.startsWith(end));
  if (s < 0 || e < 0) throw new Error(`runbook block not found under ${heading}`);
  return lines.slice(s, e + 1).join('\n');
}

const fill = (text: string, pairs: [string, string][]) =>
  pairs.reduce((acc, [from, to]) => acc.split(from).join(to), text);
const norm = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();

const VERSIONING = recipe('File template versioning (recipe)', 'BEGIN;', 'COMMIT;');
const DRY_RUN = recipe('Event → instance auto-instantiate (dry_run recipe)', 'BEGIN;', 'ROLLBACK;');
const LIVE = recipe('Event → instance auto-instantiate (live recipe)', 'BEGIN;', 'COMMIT;');
const BULK = recipe('Bulk scaleout via the orchestrator', 'BEGIN;', 'COMMIT;');
const ROLLBACK_DRY = recipe('Rollback recipes', '-- Per-actor dry-run', 'SELECT');
const ROLLBACK_DURABLE = recipe('Rollback recipes', '-- Per-actor durable', 'COMMIT;');
const CHEATSHEET = recipe(
  'Observability cheatsheet',
  'SELECT * FROM v_iu_template_observability',
  '  FROM iu_auto_instantiate_event_log GROUP BY',
);

const versioning = (family: string, title: string, fullUuid: string, reused: string, v1: string) =>
  fill(VERSIONING, [
    ['<family>', family],
    ['<kind>', 'design_doc'],
    ['<title>', title],
    ['<description>', 'Second version of the runbook family'],
    ['<full uuid>', fullUuid],
    ['<macro>', 'runbook'],
    ['<piece-name>', 'intro'],
    ["'title','...', 'body','...'", "'title','Intro (v2)', 'body','The v2 introduction.'"],
    [
      '        -- ... remaining reused pieces by iu_id',
      `        jsonb_build_object('role','body','iu_id','${reused}')`,
    ],
    ['<actor>', OPERATOR],
    ['<label>', title],
    ['<note>', 'Composed from the runbook recipe'],
    ['<v1_coll_id>', v1],
  ]);
const dryRun = (suffix: string, note: string) =>
  fill(DRY_RUN, [
    ['<event_uuid>', '25000b00-0000-4000-8000-0000000000d1'],
    ['<template_coll_id>', V1],
    ['<unique_suffix>', suffix],
    ['<actor>', OPERATOR],
    ['<optional note>', note],
  ]);
const live = (event: string, suffix: string, note: string) =>
  fill(LIVE, [
    ['<event_uuid>', event],
    ['<event_type>', 'template.published'],
    ['<template_coll_id>', V1],
    ['<unique_suffix>', suffix],
    ['<actor>', OPERATOR],
    ['<note>', note],
  ]);
const bulk = (n: number, hex: string, tag: string, actor: string) =>
  fill(BULK, [
    ['1..N', `1..${n}`],
    ['25000bxx', hex],
    ['<template_key>', 'tpl:rbk/v2'],
    ['<batch-tag>', tag],
    ['<actor>', actor],
  ]);
const OPEN_LIVE_GATE = "UPDATE dot_config SET value='true' WHERE key='iu_core.auto_instantiate_enabled';\n";

const EXPECTED: Record<string, string> = {
  '01_template_versioning.sql': versioning(
    'rbk',
    'Runbook design doc v2',
    'c7c1e921-0000-4000-8000-000000000001',
    'c7c1e921-0000-4000-8000-000000000003',
    V1,
  ),
  '01b_template_versioning_v1_registered.sql': versioning(
    'rbk2',
    'Runbook two v2',
    'c7c1e921-0000-4000-8000-000000000011',
    'c7c1e921-0000-4000-8000-000000000012',
    V1_TWO,
  ),
  '02_dry_run.sql': dryRun('dry-001', 'runbook dry run'),
  '03_dry_run_commit.sql': fill(dryRun('keep-001', 'runbook dry run kept'), [
    ['ROLLBACK;  -- or COMMIT to keep the dry_run-tagged instance durable', 'COMMIT;'],
  ]),
  '04_live.sql': live('25000b00-0000-4000-8000-0000000000e1', 'live-001', 'runbook live run'),
  '05_live_gate_not_opened.sql': live(
    '25000b00-0000-4000-8000-0000000000e2',
    'live-002',
    'live gate left closed',
  ).replace(OPEN_LIVE_GATE, ''),
  '06_bulk.sql': bulk(5, '25000b00', 'wave1', OPERATOR),
  '07_rollback_dry_run.sql': fill(ROLLBACK_DRY, [['<actor>', OPERATOR]]),
  '08_rollback_durable.sql': fill(ROLLBACK_DURABLE, [['<actor>', OPERATOR]]),
  '09_observability.sql': CHEATSHEET,
  '10_bulk_n1000_collides.sql': bulk(1000, '25000b01', 'wave2', 'runbook-bulk-1000'),
};

describe('the runbook fixtures', () => {
  it.each(Object.keys(EXPECTED))('%s is the runbook recipe with only its placeholders filled in', (name) => {
    const text = fs.readFileSync(path.join(DIR, name), 'utf8');
    expect(norm(text)).toBe(norm(EXPECTED[name]));
    expect(text).not.toMatch(/<[a-z_ -]+>|25000bxx|1\.\.N\b|'\.\.\.'/);
  });

  it('covers every fixture in the folder', () => {
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.sql') && f !== '00_setup.sql');
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });
});

describe.skipIf(!hasPostgres)(`the runbook recipes through psql (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');

  async function run(name: string) {
    const r = await psqlFile(t.psqlEnv(), fixture(name));
    expect(r.stderr, `${name} printed an error`).not.toMatch(/ERROR/);
    expect(r.code, `${name} exited with ${r.code}: ${r.stderr}`).toBe(0);
    // "Always close all gates before COMMIT"
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
    return r;
  }

  // The recipes build on each other in runbook order, as an operator would run them.
  it('runs the set-up: v1 pieces exist and v1 is marked as a template', async () => {
    const r = await run('00_setup.sql');
    expect(r.json.map((j) => j.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('composes v2, marks it, registers v1 and v2: ok, ok, ok, ok', async () => {
    const r = await run('01_template_versioning.sql');
    expect(r.json.map((j) => j.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(r.json[0]).toMatchObject({ collection_key: 'tpl:rbk/v2', piece_count: 3 });
    const chain = await t.db.query(
      `SELECT version_label, collection_key, previous_version_label, registered_by, is_latest
         FROM v_iu_template_version_chain WHERE template_family = 'tpl:rbk' ORDER BY version_seq`,
    );
    expect(chain).toEqual([
      {
        version_label: 'v1',
        collection_key: 'tpl:rbk/v1',
        previous_version_label: null,
        registered_by: OPERATOR,
        is_latest: false,
      },
      {
        version_label: 'v2',
        collection_key: 'tpl:rbk/v2',
        previous_version_label: 'v1',
        registered_by: OPERATOR,
        is_latest: true,
      },
    ]);
  });

  it('answers idempotent_replay for the v1 registration when v1 was already registered', async () => {
    const r = await run('01b_template_versioning_v1_registered.sql');
    expect(r.json.map((j) => j.status)).toEqual(['ok', 'ok', 'idempotent_replay', 'ok']);
  });

  it('runs the dry-run recipe: ok, and its ROLLBACK leaves nothing', async () => {
    const before = await snapshot(t.db);
    const r = await run('02_dry_run.sql');
    expect(r.json).toHaveLength(1);
    expect(r.json[0]).toMatchObject({
      status: 'ok',
      emit_mode: 'dry_run',
      instance_collection_key: 'dryrun:tpl:rbk/v1/dry-001',
      piece_count: 3,
    });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('keeps the dry_run-tagged instance when the dry-run recipe ends in COMMIT', async () => {
    const r = await run('03_dry_run_commit.sql');
    expect(r.json[0]).toMatchObject({ status: 'ok', instance_collection_key: 'dryrun:tpl:rbk/v1/keep-001' });
    expect(
      await count(
        t.db,
        `iu_piece_collection WHERE collection_key = 'dryrun:tpl:rbk/v1/keep-001' AND instance_emit_mode = 'dry_run'`,
      ),
    ).toBe(1);
  });

  it('runs the live recipe: ok, a durable inst: instance', async () => {
    const r = await run('04_live.sql');
    expect(r.json[0]).toMatchObject({
      status: 'ok',
      emit_mode: 'live',
      instance_collection_key: 'inst:tpl:rbk/v1/live-001',
    });
    expect(await count(t.db, `iu_piece_collection WHERE collection_key = 'inst:tpl:rbk/v1/live-001'`)).toBe(1);
  });

  it('refuses the live recipe with live_gate_closed when the auto-instantiate gate is not opened, keeping only its log row', async () => {
    const before = await snapshot(t.db);
    const r = await run('05_live_gate_not_opened.sql');
    expect(r.json.map((j) => j.status)).toEqual(['live_gate_closed']);
    const after = await snapshot(t.db);
    expect(after.iu_piece_collection).toEqual(before.iu_piece_collection);
    expect(after.iu_auto_instantiate_event_log.count).toBe(before.iu_auto_instantiate_event_log.count + 1);
  });

  it('runs the bulk DO loop with N = 5: five notices of ok and five instances', async () => {
    const r = await run('06_bulk.sql');
    expect(bulkNotices(r.stderr)).toEqual([1, 2, 3, 4, 5].map((i) => ({ i, status: 'ok' })));
    const keys = await t.db.query<{ collection_key: string }>(
      `SELECT collection_key FROM iu_piece_collection WHERE collection_key LIKE 'inst:tpl:rbk/v2/wave1-%' ORDER BY 1`,
    );
    expect(keys.map((k) => k.collection_key)).toEqual(
      ['001', '002', '003', '004', '005'].map((n) => `inst:tpl:rbk/v2/wave1-${n}`),
    );
    const [{ n }] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM iu_auto_instantiate_event_log WHERE event_id::text LIKE '25000b00-0000-4000-8000-00000000000%' AND status = 'ok'`,
    );
    expect(n).toBe(5);
  });

  it('reports with the rollback dry-run recipe and changes nothing', async () => {
    const before = await snapshot(t.db);
    const r = await run('07_rollback_dry_run.sql');
    // the kept dry run, the live run and the five bulk instances
    expect(r.json[0]).toMatchObject({ status: 'ok', dry_run: true, actor: OPERATOR, instance_count: 7 });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('rolls back with the durable recipe: instances gone, pieces kept, log stamped by the psql user', async () => {
    const pieces = await count(t.db, 'information_unit');
    const r = await run('08_rollback_durable.sql');
    expect(r.json[0]).toMatchObject({ status: 'ok', dry_run: false, instance_count: 7 });
    expect(await count(t.db, `iu_piece_collection WHERE instance_template_id IS NOT NULL`)).toBe(0);
    expect(await count(t.db, 'information_unit')).toBe(pieces);
    const stamped = await t.db.query<{ rolled_back_by: string }>(
      `SELECT DISTINCT rolled_back_by FROM iu_auto_instantiate_event_log WHERE triggered_by = $1 AND status = 'ok'`,
      [OPERATOR],
    );
    expect(stamped).toEqual([{ rolled_back_by: t.psqlEnv().PGUSER }]);
    expect((await run('07_rollback_dry_run.sql')).json[0]).toMatchObject({ instance_count: 0 });
  });

  it('runs every query of the observability cheatsheet', async () => {
    const r = await run('09_observability.sql');
    expect(r.stdout).toContain('tpl:rbk/v2');
    expect(r.stdout).toContain('template.published|live|live_gate_closed');
    expect(r.stdout).toContain(OPERATOR);
  });

  it('documents that the verbatim loop collides at N = 1000 (lpad cuts 1000 to "100") while the engine does not', async () => {
    const r = await run('10_bulk_n1000_collides.sql');
    const notices = bulkNotices(r.stderr);
    expect(notices).toHaveLength(1000);
    expect(notices.filter((x) => x.status !== 'ok')).toEqual([
      { i: 1000, status: 'instance_collection_key_collision' },
    ]);
    expect(await count(t.db, `iu_piece_collection WHERE collection_key LIKE 'inst:tpl:rbk/v2/wave2-%'`)).toBe(999);

    const [{ id }] = await t.db.query<{ id: string }>(
      `SELECT id FROM iu_piece_collection WHERE collection_key = 'tpl:rbk/v2'`,
    );
    const engine = await bulkScaleOut(
      { db: t.db, user: 'engine-bulk', gateWaitMs: 10_000 },
      { templateCollectionId: id, n: 1000, uuidPrefix: '25000b02-', batchTag: 'wave3', emitMode: 'live', commit: true },
    );
    expect(engine).toMatchObject({ ok: true, committed: true, result: { counts: { ok: 1000 } } });
    expect(await count(t.db, `iu_piece_collection WHERE collection_key LIKE 'inst:tpl:rbk/v2/wave3-%'`)).toBe(1000);
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });
});
