// npm run bench:bulk [-- --n 10000 --rounds 4 --db iu_bench_mine --keep]
// On a throwaway PostgreSQL database, with an 8-piece template, per round and in a rotating
// order: the operator's whole wait through the recipe engine (the preflight, rolled back,
// then the live run of the same items), the runbook's psql DO-loop verbatim and without its
// notices, and a set-based INSERT … SELECT that writes the same rows (log rows, instances,
// member links) and fires the same triggers with no checks at all: a lower bound. Prints the
// medians, instances per second and the ratios the targets of issue 12 are stated in.
import pg from 'pg';
import { openDatabase } from '@/db/client';
import { migrate } from '@/db/migrate';
import { bulkScaleOut, composeTemplateVersion } from '@/lib/recipes';
import { psqlLoop as runbookLoop } from './runbook-loop';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function numberFlag(name: string, fallback: number): number {
  const raw = flag(name);
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive whole number`);
  return v;
}

const N = numberFlag('n', 1000);
const ROUNDS = numberFlag('rounds', 4);
const PIECES = 8;
const KEEP = process.argv.includes('--keep');
const admin = process.env.BENCH_ADMIN_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = flag('db') ?? `iu_bench_${Date.now().toString(36)}`;
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbName)) throw new Error('--db must be a plain lower-case database name');
const url = new URL(admin);
url.pathname = `/${dbName}`;

/** The median; of an even count, the mean of the two middle values. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const prefixFor = (letter: string, round: number) => `${letter}${String(round).padStart(7, '0')}-0000-4000-8000-`;

async function main() {
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${dbName}`);
  const db = await openDatabase({ url: url.toString(), max: 2 });
  try {
    await migrate(db);
    const ctx = { db, user: 'bench' };
    const roles = ['title', 'context', 'goals', 'proposal', 'risks', 'alternatives', 'rollout', 'open-questions'].slice(0, PIECES);
    const composed = await composeTemplateVersion(ctx, {
      family: 'bench',
      title: 'Benchmark template',
      label: 'bench',
      commit: true,
      pieces: roles.map((role) => ({
        role,
        newPiece: { canonicalAddress: `iu_core/template/bench/bench-v1/${role}`, title: role, body: `The ${role} section.` },
      })),
    });
    if (!composed.ok) throw new Error(`could not compose the benchmark template: ${composed.message}`);
    const key = composed.result.collectionKey;
    const width = Math.max(3, String(N).length);

    const times: Record<'preflight' | 'live' | 'psql' | 'quiet' | 'lower', number[]> = { preflight: [], live: [], psql: [], quiet: [], lower: [] };
    const engineRun = async (prefix: string, tag: string, commit: boolean) => {
      const t0 = performance.now();
      const r = await bulkScaleOut(ctx, { templateKey: key, n: N, uuidPrefix: prefix, batchTag: tag, emitMode: 'live', commit, onProgress: () => {} });
      const ms = performance.now() - t0;
      if (!r.ok || r.result.counts.ok !== N) throw new Error(`engine run failed: ${JSON.stringify(r).slice(0, 300)}`);
      return ms;
    };
    // Same rows as a live run (ok log rows, instances, member links, through the same
    // triggers and constraints), none of the checks; JIT off as in the batch function,
    // since compiling this statement costs seconds and a lower bound should not pay them.
    const lowerBound = async (prefix: string, tag: string) =>
      db.withSession(async (s) => {
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
          [prefix, tag, width, N, key],
        );
        await s.query('COMMIT');
        return performance.now() - t0;
      });

    for (let round = 0; round < ROUNDS; round++) {
      const contenders = [
        async () => {
          // the operator's whole wait: the preflight of a batch, then its live run
          times.preflight.push(await engineRun(prefixFor('e', round), `eng${round}`, false));
          times.live.push(await engineRun(prefixFor('e', round), `eng${round}`, true));
        },
        async () => {
          const o = { url: url.toString(), n: N, templateKey: key, sessionTimed: true };
          times.psql.push(runbookLoop({ ...o, prefix: prefixFor('f', round), batch: `psql${round}`, actor: 'bench-psql', notices: true }));
        },
        async () => {
          const o = { url: url.toString(), n: N, templateKey: key, sessionTimed: true };
          times.quiet.push(runbookLoop({ ...o, prefix: prefixFor('d', round), batch: `quiet${round}`, actor: 'bench-quiet', notices: false }));
        },
        async () => {
          times.lower.push(await lowerBound(prefixFor('c', round), `lower${round}`));
        },
      ];
      // rotate the order so that a growing table favours no contender
      for (let k = 0; k < contenders.length; k++) await contenders[(k + round) % contenders.length]();
      const last = (xs: number[]) => xs.at(-1)!.toFixed(0);
      process.stderr.write(
        `round ${round + 1}/${ROUNDS}: preflight ${last(times.preflight)} ms, live ${last(times.live)} ms, psql loop ${last(times.psql)} ms, ` +
          `without notices ${last(times.quiet)} ms, INSERT … SELECT ${last(times.lower)} ms\n`,
      );
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<keyof typeof times, number>;
    const wait = median(times.preflight.map((p, i) => p + times.live[i]));
    const [{ v }] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    const row = (label: string, ms: number) =>
      console.log(`  ${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms  ${((N / ms) * 1000).toFixed(0).padStart(7)} instances/s`);
    console.log(`bulk scale-out, N = ${N.toLocaleString('en')} live instances of a ${PIECES}-piece template, PostgreSQL ${v}, median of ${ROUNDS} rounds`);
    console.log(`  (database ${dbName}; psql timed from its first statement to COMMIT, without its start and connection)`);
    row('recipe engine, live run', m.live);
    row('recipe engine, preflight (rolled back)', m.preflight);
    row("operator's whole wait (preflight + live)", wait);
    row('runbook psql DO-loop (verbatim)', m.psql);
    row('same loop, RAISE NOTICE cut', m.quiet);
    row('set-based INSERT … SELECT (lower bound)', m.lower);
    console.log(`  live / psql loop                  ${(m.live / m.psql).toFixed(3)}   (target at most 0.6)`);
    console.log(`  live / lower bound                ${(m.live / m.lower).toFixed(3)}   (target at most 1.3)`);
    console.log(`  whole wait / psql loop            ${(wait / m.psql).toFixed(3)}   (target at most 1.0)`);
    console.log(`  live / loop without notices      ${(m.live / m.quiet).toFixed(3)}`);
  } finally {
    await db.close();
    if (!KEEP) await adminClient.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await adminClient.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
