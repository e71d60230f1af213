// The scale seed (npm run db:seed -- --scale) on a small scale: the counts it promises, every
// gate closed afterwards, and the hot templates that make dashboards comparable across sizes.
import { describe, expect, it } from 'vitest';
import { readGates, scaleSeed } from '@/lib/recipes';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';

describe.skipIf(!hasPostgres)(`scale seed (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');

  it('makes the asked number of events across the templates and actors, skewed to a few hot templates', async () => {
    const out = await scaleSeed(t.db, { templates: 200, events: 6000, actors: 7, log: () => {} });
    expect(out.templates).toBeGreaterThanOrEqual(200);
    const [{ n, actors }] = await t.db.query<{ n: number; actors: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT triggered_by)::int AS actors FROM iu_auto_instantiate_event_log',
    );
    expect(n).toBe(6000);
    expect(actors).toBeGreaterThanOrEqual(7);
    const [{ busiest }] = await t.db.query<{ busiest: number }>(
      'SELECT max(c)::int AS busiest FROM (SELECT count(*) AS c FROM iu_auto_instantiate_event_log GROUP BY template_collection_id) x',
    );
    // spread evenly, 200 templates would hold 30 events each; a tenth of 6,000 over ten hot
    // templates gives each a full page (50) or more
    expect(busiest).toBeGreaterThanOrEqual(50);
    expect((await readGates(t.db)).every((g) => !g.open)).toBe(true);
    // the summary view (rollups) agrees with the log
    const [{ total }] = await t.db.query<{ total: number }>(
      'SELECT sum(event_count)::int AS total FROM v_iu_auto_instantiate_event_summary',
    );
    expect(total).toBe(6000);
  });
});
