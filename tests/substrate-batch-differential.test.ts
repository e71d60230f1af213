// fn_iu_auto_instantiate_batch (046) against fn_iu_auto_instantiate_from_event (033): random
// transactions (seeded) run through the per-event function on one database and the batch
// entry point on its twin, where every chunk is first predicted (058: it must write nothing
// and equal the write); per-item results are compared after every transaction, and
// everything the substrate holds (log rows in order, instances, member links, pieces, tags,
// rollups, counters, views) after every seed. Generated ids become labels in order of first
// appearance, times become ranks. Variants of the batch function that are wrong in one way
// each must be caught by the same comparison.
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, useTestDatabase } from './helpers/db';
import {
  differences,
  orderDifferences,
  uniqueStampDifferences,
  randomSteps,
  setUpTwin,
  Twin,
  type Json,
  type Step,
} from './helpers/batch-differential';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

interface Coverage {
  statuses: Set<string>;
  inChunkReplays: number;
  inChunkCollisions: number;
  gateClosed: number;
  rolledBackTx: number;
  rollbackByActor: number;
}

function note(cov: Coverage, step: Step, results: Json[][]): void {
  if (step.kind === 'rollback-by-actor') {
    cov.rollbackByActor++;
    return;
  }
  if (!step.commit) cov.rolledBackTx++;
  for (const chunk of results) {
    const logs = new Set<unknown>();
    const okKeys = new Set<unknown>();
    for (const r of chunk) {
      cov.statuses.add(String(r.status));
      if (r.status === 'idempotent_replay' && logs.has(r.original_event_log_id)) cov.inChunkReplays++;
      if (r.status === 'instance_collection_key_collision' && okKeys.has(r.instance_collection_key))
        cov.inChunkCollisions++;
      if (String(r.status).endsWith('gate_closed')) cov.gateClosed++;
      if (r.status === 'ok') okKeys.add(r.instance_collection_key);
      logs.add(r.event_log_id);
    }
  }
}

/** Runs the steps on both twins; returns the differences (empty when the paths agree). */
async function runBoth(perEvent: Twin, batch: Twin, steps: Step[], cov?: Coverage): Promise<string[]> {
  for (const [k, step] of steps.entries()) {
    const a = await perEvent.runStep(step);
    const b = await batch.runStep(step);
    const d = differences(a, b);
    if (d.length) return [`step ${k} (${step.kind}) results:`, ...d];
    if (cov) note(cov, step, a);
  }
  return dumpDifferences(perEvent, batch);
}

async function dumpDifferences(perEvent: Twin, batch: Twin): Promise<string[]> {
  const { points: pa, ...a } = await perEvent.dump();
  const { points: pb, ...b } = await batch.dump();
  const d = [
    ...differences(a, b),
    ...orderDifferences(pa as [string, string][], pb as [string, string][]),
    ...uniqueStampDifferences(pb as [string, string][]),
  ];
  return d.length ? ['dump:', ...d] : [];
}

describe.each(backends())('the batch entry point against the per-event function on $name', (backend) => {
  const a = useTestDatabase(backend);
  const b = useTestDatabase(backend);
  let perEvent: Twin;
  let batch: Twin;
  const cov: Coverage = {
    statuses: new Set(),
    inChunkReplays: 0,
    inChunkCollisions: 0,
    gateClosed: 0,
    rolledBackTx: 0,
    rollbackByActor: 0,
  };

  beforeAll(async () => {
    perEvent = new Twin(a.db, 'per-event');
    batch = new Twin(b.db, 'batch');
    await setUpTwin(perEvent);
    await setUpTwin(batch);
  });

  it('starts from twins that are equal', async () => {
    expect(await dumpDifferences(perEvent, batch)).toEqual([]);
  });

  it.each(SEEDS)('gives the same results and writes the same rows for seed %i', async (seed) => {
    expect(await runBoth(perEvent, batch, randomSteps(seed), cov)).toEqual([]);
  });

  it("agrees on a 600-item chunk of distinct events run twice (the engine's shape), live then dry_run", async () => {
    const items = (mode: string) =>
      Array.from({ length: 600 }, (_, i) => ({
        eventId: `d1ffb16b-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        eventType: 'template.published',
        template: 't8' as const,
        suffix: `big-${String(i + 1).padStart(3, '0')}`,
        mode,
        note: 'bulk',
      }));
    const tx = (mode: string): Step => ({
      kind: 'tx',
      composer: true,
      live: true,
      commit: true,
      chunks: [{ actor: 'bulker', items: items(mode) }],
    });
    expect(await runBoth(perEvent, batch, [tx('live'), tx('live'), tx('dry_run')])).toEqual([]);
  });

  it('replays events whose template has lost its pieces since (step 5 comes before the template checks)', async () => {
    const steps = randomSteps(9, { steps: 10 });
    expect(await runBoth(perEvent, batch, steps.slice(0, 5), cov)).toEqual([]);
    const retire = `UPDATE information_unit SET status = 'retired' WHERE canonical_address LIKE 'iu_core/diff/t3/%'`;
    await a.db.query(retire);
    await b.db.query(retire);
    expect(await runBoth(perEvent, batch, steps.slice(5), cov)).toEqual([]);
  });

  it('covered every status, in-chunk replays and collisions, closed gates, rolled-back transactions and rollbacks by actor', () => {
    expect([...cov.statuses].sort()).toEqual([
      'composer_gate_closed',
      'idempotent_replay',
      'instance_collection_key_collision',
      'invalid_emit_mode',
      'invalid_input',
      'live_gate_closed',
      'ok',
      'template_collection_not_found',
      'template_has_no_active_pieces',
      'template_not_marked',
    ]);
    expect(cov.inChunkReplays).toBeGreaterThan(5);
    expect(cov.inChunkCollisions).toBeGreaterThan(5);
    expect(cov.gateClosed).toBeGreaterThan(5);
    expect(cov.rolledBackTx).toBeGreaterThan(0);
    expect(cov.rollbackByActor).toBeGreaterThan(0);
  });
});

// Each variant is wrong in one way; the comparison above must see it. They run on twins of
// their own, since a caught variant leaves its twin different.
const MUTANTS: { name: string; what: string; from: string; to: string }[] = [
  {
    name: 'forgets_in_chunk_replays',
    what: 'treats an event seen earlier in the same chunk as new',
    from: 'v_pos := array_position(v_taken_t, v_triple[i]);',
    to: 'v_pos := NULL;',
  },
  {
    name: 'same_stamp',
    what: 'stamps every log row of a chunk with one time',
    from: "v_base + (2 * (x.r - 1)) * interval '1 microsecond'",
    to: 'v_base',
  },
  {
    name: 'ok_rows_missing_from_rollups',
    what: 'leaves its ok rows out of the rollup deltas',
    from: 'WHERE u.stamp IS NOT NULL;',
    to: "WHERE u.stamp IS NOT NULL AND u.s <> 'ok';",
  },
  {
    name: 'counts_dry_runs_as_live',
    what: 'counts its dry-run instances as live',
    from: "(u.mode = 'live')::int, (u.mode = 'dry_run')::int",
    to: '1, 0',
  },
  {
    name: 'template_before_replay',
    what: 'checks the template before the replay',
    from: "WHEN x.orig IS NOT NULL THEN 'idempotent_replay'",
    to: "WHEN x.orig IS NOT NULL AND x.tkey IS NOT NULL AND x.is_template AND NOT x.is_instance AND x.active > 0 THEN 'idempotent_replay' WHEN x.orig IS NOT NULL THEN 'template_has_no_active_pieces'",
  },
  {
    name: 'predicts_own_key_for_in_chunk_replays',
    what: "predicts an in-chunk replay's own key instead of its original's",
    from: 'THEN v_key[u.orig_ord]',
    to: 'THEN u.key',
  },
  {
    name: 'prediction_takes_a_log_id',
    what: 'takes a log id while it predicts',
    from: 'IF p_predict THEN',
    to: "IF p_predict THEN PERFORM nextval(pg_get_serial_sequence('iu_auto_instantiate_event_log', 'id'));",
  },
];

describe.each(backends())('the differential comparison on $name', (backend) => {
  describe.each(MUTANTS)('catches a variant that $what', (m) => {
    const a = useTestDatabase(backend);
    const b = useTestDatabase(backend);

    it('reports a difference', async () => {
      const [{ def }] = await b.db.query<{ def: string }>(
        `SELECT pg_get_functiondef('fn_iu_auto_instantiate_batch(uuid[],text[],uuid[],text[],text[],text[],text,boolean)'::regprocedure) AS def`,
      );
      expect(def).toContain(m.from);
      const fn = `fn_iu_batch_mutant_${m.name}`;
      await b.db.exec(def.replace('fn_iu_auto_instantiate_batch(', `${fn}(`).replace(m.from, m.to));
      const perEvent = new Twin(a.db, 'per-event');
      const mutant = new Twin(b.db, 'batch', fn);
      await setUpTwin(perEvent);
      await setUpTwin(mutant);
      // retire the pieces of t3 half way, so that replays of its events meet a piece-less template
      const steps = randomSteps(9, { steps: 10 });
      // an error from the variant counts as caught too: the engine would fail the run
      const caught = (steps: Step[]) => runBoth(perEvent, mutant, steps).catch((e: Error) => [`error: ${e.message}`]);
      const d = await caught(steps.slice(0, 5));
      const retire = `UPDATE information_unit SET status = 'retired' WHERE canonical_address LIKE 'iu_core/diff/t3/%'`;
      await a.db.query(retire);
      await b.db.query(retire);
      const d2 = d.length ? d : await caught(steps.slice(5));
      expect(d2.length).toBeGreaterThan(0);
      return d2;
    });
  });
});
