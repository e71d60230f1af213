// The plans behind the bulk path and the rollback listing: with a few thousand instances in
// the database, no statement of a batch call and not the rollback listing reads the whole
// event log or every collection. As joins, the planner chose exactly that (046's header), and
// the cost of every chunk grew with the log.
import { beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { makeTemplate, type Template } from './helpers/substrate';

const WHOLE_TABLE = /Seq Scan on (iu_auto_instantiate_event_log|iu_piece_collection)\s/;

describe.skipIf(!hasPostgres)(`plans of the batch entry point and the rollback listing (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');
  let tpl: Template;

  const batchSql = `SELECT count(*)::int AS n FROM fn_iu_auto_instantiate_batch($1::uuid[], array_fill('plan'::text, ARRAY[$5::int]),
      array_fill($2::uuid, ARRAY[$5::int]), $3::text[], array_fill($6::text, ARRAY[$5::int]), NULL, $4)`;
  const items = (letter: string, from: number, n: number) => ({
    events: Array.from(
      { length: n },
      (_, i) => `${letter}0000000-0000-4000-8000-${String(from + i).padStart(12, '0')}`,
    ),
    suffixes: Array.from({ length: n }, (_, i) => `${letter}-${from + i}`),
  });

  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 4 });
    const c = await t.client();
    await c.query('BEGIN');
    await c.query(
      `UPDATE dot_config SET value = 'true' WHERE key IN ('iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled')`,
    );
    // as at scale, the actor is one among many: 200 of 4,200 instances
    for (let k = 0; k < 8; k++) {
      const { events, suffixes } = items('a', k * 500 + 1, 500);
      await c.query(batchSql, [events, tpl.id, suffixes, `other-${k}`, 500, 'live']);
    }
    const busy = items('c', 1, 200);
    await c.query(batchSql, [busy.events, tpl.id, busy.suffixes, 'busy', 200, 'live']);
    await c.query(
      `UPDATE dot_config SET value = 'false' WHERE key IN ('iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled')`,
    );
    await c.query('COMMIT');
    await c.query('ANALYZE');
  });

  it('reads neither the whole log nor every collection in any statement of a chunk, replays included', async () => {
    const c = await t.client();
    const plans: string[] = [];
    c.on('notice', (n) => plans.push(String(n.message)));
    await c.query(`LOAD 'auto_explain'`);
    await c.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
                   SET auto_explain.log_level = notice`);
    await c.query('BEGIN');
    await c.query(
      `UPDATE dot_config SET value = 'true' WHERE key IN ('iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled')`,
    );
    // half new events, half already instantiated (replays of committed rows), both modes
    const fresh = items('b', 1, 250);
    const seen = items('a', 1, 250);
    const [{ n }] = (
      await c.query<{ n: number }>(batchSql, [
        [...fresh.events, ...seen.events],
        tpl.id,
        [...fresh.suffixes, ...seen.suffixes],
        'planner',
        500,
        'live',
      ])
    ).rows;
    await c.query(batchSql, [fresh.events, tpl.id, fresh.suffixes, 'planner', 250, 'dry_run']);
    await c.query('ROLLBACK');
    expect(n).toBe(500);
    const batchPlans = plans.filter((p) => /fn_iu_auto_instantiate_batch|unnest/.test(p));
    expect(batchPlans.length).toBeGreaterThan(5);
    expect(plans.filter((p) => WHOLE_TABLE.test(p))).toEqual([]);
  });

  it('lists an actor for rollback by primary-key probes, not by reading every collection', async () => {
    // the two queries of lib/recipes/rollback-by-actor/recipe.ts, as they stand: every open row
    // counted by template and mode, then the first 200 listed with their keys
    const open = `l.triggered_by = 'busy' AND l.status = 'ok' AND l.rolled_back_at IS NULL
           AND l.instance_collection_id IS NOT NULL`;
    const explain = () =>
      t.db.withSession(async (s) => {
        const plan = async (q: string) =>
          (await s.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q}`)).map((r) => r['QUERY PLAN']).join('\n');
        return [
          await plan(`SELECT l.template_collection_id, l.emit_mode, count(*)::int AS n
                        FROM iu_auto_instantiate_event_log l WHERE ${open} GROUP BY 1, 2`),
          await plan(`SELECT l.instance_collection_id,
               (SELECT i.collection_key FROM iu_piece_collection i WHERE i.id = l.instance_collection_id) AS instance_collection_key,
               l.template_collection_id, l.emit_mode, l.event_id, l.created_at
          FROM iu_auto_instantiate_event_log l
         WHERE ${open}
         ORDER BY l.created_at, l.id
         LIMIT 200`),
        ].join('\n---\n');
      });
    // freshly written and never vacuumed, the actor's rows are read on an actor index
    const fresh = await explain();
    expect(fresh).toMatch(/iu_aiel_actor_(open_cover_)?idx/);
    expect(fresh).not.toMatch(WHOLE_TABLE);
    expect(fresh).not.toMatch(/iu_aiel_created_idx/);
    // once vacuumed (as autovacuum leaves a table), from 060's covering index alone
    await t.db.exec('VACUUM ANALYZE iu_auto_instantiate_event_log');
    const settled = await explain();
    for (const part of settled.split('\n---\n'))
      expect(part).toMatch(/Index Only Scan using iu_aiel_actor_open_cover_idx/);
    expect(settled).not.toMatch(WHOLE_TABLE);
  });
});
