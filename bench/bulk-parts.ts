// What both bulk benchmarks measure besides their own path: the benchmark template, the
// set-based lower bound, the event-id prefixes and the printed rows, so that bench:bulk
// (through the recipe engine) and bench:bulk:console (over HTTP) compare the same things, in
// the same round loop (benchRounds).
import type { Database } from '@/db/client';
import { composeTemplateVersion } from '@/lib/recipes';
import { median } from './common';
import { psqlLoop } from './runbook-loop';

export const BENCH_PIECES = 8;

/** Composes and registers the 8-piece benchmark template; returns its collection key. */
export async function composeBenchTemplate(db: Database): Promise<string> {
  const roles = ['title', 'context', 'goals', 'proposal', 'risks', 'alternatives', 'rollout', 'open-questions'].slice(
    0,
    BENCH_PIECES,
  );
  const composed = await composeTemplateVersion(
    { db, user: 'bench' },
    {
      family: 'bench',
      title: 'Benchmark template',
      label: 'bench',
      commit: true,
      pieces: roles.map((role) => ({
        role,
        newPiece: {
          canonicalAddress: `iu_core/template/bench/bench-v1/${role}`,
          title: role,
          body: `The ${role} section.`,
        },
      })),
    },
  );
  if (!composed.ok) throw new Error(`could not compose the benchmark template: ${composed.message}`);
  return composed.result.collectionKey;
}

/** A 24-character event-id prefix per contender (a letter) and round, so no two runs share an event. */
export const prefixFor = (letter: string, round: number) =>
  `${letter}${String(round).padStart(7, '0')}-0000-4000-8000-`;

/**
 * The same rows as a live run of N items (ok log rows, instances, member links, through the
 * same triggers and constraints) with none of the checks: a lower bound. JIT off as in the
 * batch function, since compiling this statement costs seconds and a bound should not pay them.
 * Timed from its first statement to COMMIT; returns ms.
 */
export function lowerBound(
  db: Database,
  o: { prefix: string; tag: string; n: number; templateKey: string },
): Promise<number> {
  const width = Math.max(3, String(o.n).length);
  return db.withSession(async (s) => {
    await s.query('BEGIN');
    await s.query('SET LOCAL jit = off');
    const t0 = performance.now();
    await s.query(
      `WITH src AS MATERIALIZED (
         SELECT i, ($1 || lpad(i::text, 12, '0'))::uuid AS e, gen_random_uuid() AS inst,
                $2 || '-' || lpad(i::text, $3, '0') AS sfx
           FROM generate_series(1, $4::int) i),
       t AS (SELECT id, collection_key, kind, title FROM iu_piece_collection WHERE collection_key = $5),
       lg AS (INSERT INTO iu_auto_instantiate_event_log (event_id, event_type, template_collection_id,
                  instance_collection_id, unique_suffix, emit_mode, status, triggered_by)
              SELECT src.e, 'template.published', t.id, src.inst, src.sfx, 'live', 'ok', 'bench-lower'
                FROM src, t ORDER BY src.i),
       ic AS (INSERT INTO iu_piece_collection (id, collection_key, kind, title, description, created_by,
                  instance_emit_mode, instance_template_id, instance_event_id)
              SELECT src.inst, 'inst:' || t.collection_key || '/' || src.sfx, t.kind, t.title,
                     'Instance of ' || t.collection_key || ' from event ' || src.e, 'bench-lower', 'live', t.id, src.e
                FROM src, t ORDER BY src.i)
       INSERT INTO iu_piece_collection_member (collection_id, position, role, iu_id)
       SELECT src.inst, m.position, m.role, m.iu_id
         FROM src, t JOIN iu_piece_collection_member m ON m.collection_id = t.id
        ORDER BY src.i, m.position`,
      [o.prefix, o.tag, width, o.n, o.templateKey],
    );
    await s.query('COMMIT');
    return performance.now() - t0;
  });
}

/** One printed row: what, how long, and the rate of N items in that time. */
export function printRow(label: string, ms: number, n: number, unit = 'instances/s'): void {
  console.log(
    `  ${label.padEnd(46)} ${ms.toFixed(0).padStart(7)} ms  ${((n / ms) * 1000).toFixed(0).padStart(7)} ${unit}`,
  );
}

/** One printed ratio with its target, if it has one. */
export function printRatio(label: string, ratio: number, target?: string): void {
  console.log(`  ${label.padEnd(46)} ${ratio.toFixed(3)}${target ? `   (target ${target})` : ''}`);
}

let checkpointRefused = false;

/**
 * Before each contender, untimed: a quiet server. It waits (up to 60 s) until no autovacuum
 * worker runs, then issues a CHECKPOINT, so that each contender starts with the write-ahead log
 * flushed and nothing else working, and pays for its own writes only. Without it the vacuum and
 * analyze that the previous contender's 10,000 instances set off (every contender writes that
 * many) ran on the 2 cores beside the next one, and a checkpoint (every 5 minutes or 1 GB of
 * log) landed on whichever contender ran then, with the full-page images it forces on the next
 * writes. A server where the bench's user may not checkpoint runs without one (said once).
 */
export async function settle(db: Database): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 200) {
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`,
    );
    if (row.n === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (checkpointRefused) return;
  try {
    await db.exec('CHECKPOINT');
  } catch (err) {
    checkpointRefused = true;
    process.stderr.write(
      `CHECKPOINT refused (${err instanceof Error ? err.message : String(err)}): contenders run without one\n`,
    );
  }
}

/** What both bulk benches time beside their own contender: the runbook's loop, with and without its notices, and the lower bound. */
export type BaselineKey = 'psql' | 'quiet' | 'lower';

/**
 * The round loop of bench:bulk and bench:bulk:console: per round, the contender under test and
 * the three baselines, in an order rotated so that a growing table favours none, each round's
 * times on stderr; every time and the medians at the end. `run` pushes its own times into `times`.
 */
export async function benchRounds<K extends string>(opts: {
  db: Database;
  url: string;
  n: number;
  templateKey: string;
  rounds: number;
  keys: readonly K[];
  /** The letter of the lower bound's UUID prefix (the contender's own prefixes use others). */
  lowerLetter: string;
  run: (round: number, times: Record<K, number[]>) => Promise<void>;
  /** The round's line for the contender, from the last time of each of its keys. */
  describe: (last: (k: K) => string) => string;
}): Promise<{ times: Record<K | BaselineKey, number[]>; m: Record<K | BaselineKey, number> }> {
  const { db, url, n, templateKey, rounds } = opts;
  const times = Object.fromEntries([...opts.keys, 'psql', 'quiet', 'lower'].map((k) => [k, [] as number[]])) as Record<
    K | BaselineKey,
    number[]
  >;
  for (let round = 0; round < rounds; round++) {
    const loop = { url, n, templateKey, sessionTimed: true };
    const contenders = [
      () => opts.run(round, times),
      async () => {
        times.psql.push(
          psqlLoop({
            ...loop,
            prefix: prefixFor('f', round),
            batch: `psql${round}`,
            actor: 'bench-psql',
            notices: true,
          }),
        );
      },
      async () => {
        times.quiet.push(
          psqlLoop({
            ...loop,
            prefix: prefixFor('d', round),
            batch: `quiet${round}`,
            actor: 'bench-quiet',
            notices: false,
          }),
        );
      },
      async () => {
        times.lower.push(
          await lowerBound(db, { prefix: prefixFor(opts.lowerLetter, round), tag: `lower${round}`, n, templateKey }),
        );
      },
    ];
    for (let k = 0; k < contenders.length; k++) {
      await settle(opts.db);
      await contenders[(k + round) % contenders.length]();
    }
    const last = (k: K | BaselineKey) => times[k].at(-1)!.toFixed(0);
    process.stderr.write(
      `round ${round + 1}/${rounds}: ${opts.describe(last)}, psql loop ${last('psql')} ms, ` +
        `without notices ${last('quiet')} ms, INSERT … SELECT ${last('lower')} ms\n`,
    );
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v as number[])]));
  return { times, m: m as Record<K | BaselineKey, number> };
}
