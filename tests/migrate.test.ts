import { describe, expect, it } from 'vitest';
import { migrate, migrationStatus } from '@/db/migrate';
import { readGates } from '@/lib/recipes';
import { backends, useTestDatabase } from './helpers/db';
import { ALL_CLOSED, ALL_GATES, gateValues, snapshot } from './helpers/substrate';

describe.each(backends())('migrations on $name', (backend) => {
  const t = useTestDatabase(backend, { migrated: false });

  it('lists every migration as pending on an empty database', async () => {
    const status = await migrationStatus(t.db);
    expect(status.map((s) => s.version)).toEqual([
      '001',
      '031',
      '032',
      '033',
      '040',
      '041',
      '042',
      '043',
      '044',
      '045',
      '046',
      '047',
      '048',
      '049',
      '050',
      '051',
      '052',
      '053',
      '055',
      '056',
      '058',
      '059',
      '060',
    ]);
    expect(status.every((s) => !s.applied)).toBe(true);
  });

  it('applies every migration in order and records them', async () => {
    expect(await migrate(t.db)).toEqual([
      '001',
      '031',
      '032',
      '033',
      '040',
      '041',
      '042',
      '043',
      '044',
      '045',
      '046',
      '047',
      '048',
      '049',
      '050',
      '051',
      '052',
      '053',
      '055',
      '056',
      '058',
      '059',
      '060',
    ]);
    const status = await migrationStatus(t.db);
    expect(status.map((s) => [s.version, s.applied, s.drifted])).toEqual([
      ['001', true, false],
      ['031', true, false],
      ['032', true, false],
      ['033', true, false],
      ['040', true, false],
      ['041', true, false],
      ['042', true, false],
      ['043', true, false],
      ['044', true, false],
      ['045', true, false],
      ['046', true, false],
      ['047', true, false],
      ['048', true, false],
      ['049', true, false],
      ['050', true, false],
      ['051', true, false],
      ['052', true, false],
      ['053', true, false],
      ['055', true, false],
      ['056', true, false],
      ['058', true, false],
      ['059', true, false],
      ['060', true, false],
    ]);
    for (const s of status) {
      expect(s.appliedAt).toBeInstanceOf(Date);
      expect(s.appliedBy).toBeTruthy();
    }
  });

  it('is idempotent: a second migrate applies nothing and changes nothing', async () => {
    const before = await snapshot(t.db);
    expect(await migrate(t.db)).toEqual([]);
    expect(await migrate(t.db)).toEqual([]);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('creates the four gates, all closed', async () => {
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
    const gates = await readGates(t.db);
    expect(gates.map((g) => g.key)).toEqual(ALL_GATES);
    expect(gates.every((g) => !g.open)).toBe(true);
    expect(gates.filter((g) => g.neverOpenedHere).map((g) => g.key)).toEqual([
      'iu_core.delivery_enabled',
      'iu_core.retention_enabled',
    ]);
  });

  it('creates every function and view the runbook names', async () => {
    const fns = await t.db.query<{ proname: string }>(
      `SELECT DISTINCT proname FROM pg_proc WHERE proname IN ('fn_iu_compose', 'fn_iu_collection_mark_as_template',
         'fn_iu_collection_register_template_version', 'fn_iu_auto_instantiate_from_event',
         'fn_iu_auto_instantiate_rollback_by_actor') ORDER BY 1`,
    );
    expect(fns).toHaveLength(5);
    for (const v of [
      'v_iu_template_observability',
      'v_iu_template_version_chain',
      'v_iu_auto_instantiate_event_log',
      'v_iu_auto_instantiate_event_summary',
    ]) {
      await expect(t.db.query(`SELECT * FROM ${v} LIMIT 1`)).resolves.toEqual([]);
    }
  });
});
