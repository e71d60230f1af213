// npm run bench:bulk [-- --n 10000 --rounds 3]
// On a throwaway PostgreSQL database: a bulk scale-out of N live instances through the
// recipe engine, and the runbook's raw psql DO-loop on the same template, in the same run,
// alternating which goes first. Prints both times, instances per second and engine/psql.
import pg from 'pg';
import { openDatabase } from '@/db/client';
import { migrate } from '@/db/migrate';
import { bulkScaleOut, composeTemplateVersion } from '@/lib/recipes';
import { psqlLoop as runbookLoop } from './runbook-loop';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive whole number`);
  return v;
}

const N = arg('n', 1000);
const ROUNDS = arg('rounds', 3);
const admin = process.env.BENCH_ADMIN_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `iu_bench_${Date.now().toString(36)}`;
const url = new URL(admin);
url.pathname = `/${dbName}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function psqlLoop(templateKey: string, prefix: string, batch: string, actor: string, notices: boolean): number {
  return runbookLoop({ url: url.toString(), n: N, templateKey, prefix, batch, actor, notices });
}

async function main() {
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${dbName}`);
  const db = await openDatabase({ url: url.toString(), max: 2 });
  try {
    await migrate(db);
    const ctx = { db, user: 'bench' };
    const roles = ['title', 'context', 'goals', 'proposal', 'risks'];
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

    const engine: number[] = [];
    const psql: number[] = [];
    const quiet: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const runEngine = async () => {
        const t0 = performance.now();
        const r = await bulkScaleOut(ctx, {
          templateKey: key, n: N, uuidPrefix: `e${String(round).padStart(7, '0')}-0000-4000-8000-`, batchTag: `eng${round}`, emitMode: 'live', commit: true,
          onProgress: () => {},
        });
        const ms = performance.now() - t0;
        if (!r.ok || r.result.counts.ok !== N) throw new Error(`engine run failed: ${JSON.stringify(r).slice(0, 300)}`);
        engine.push(ms);
      };
      const runPsql = async () => {
        psql.push(psqlLoop(key, `f${String(round).padStart(7, '0')}-0000-4000-8000-`, `psql${round}`, 'bench-psql', true));
      };
      const runQuiet = async () => {
        quiet.push(psqlLoop(key, `d${String(round).padStart(7, '0')}-0000-4000-8000-`, `quiet${round}`, 'bench-quiet', false));
      };
      // rotate the order so that a growing table favours no contender
      const order = [runEngine, runPsql, runQuiet];
      for (let k = 0; k < order.length; k++) await order[(k + round) % order.length]();
      process.stderr.write(
        `round ${round + 1}/${ROUNDS}: engine ${engine.at(-1)!.toFixed(0)} ms, psql loop ${psql.at(-1)!.toFixed(0)} ms, psql loop without notices ${quiet.at(-1)!.toFixed(0)} ms\n`,
      );
    }
    const e = median(engine);
    const p = median(psql);
    const q = median(quiet);
    const [{ v }] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    console.log(`bulk scale-out, N = ${N.toLocaleString('en')} live instances, PostgreSQL ${v}, median of ${ROUNDS} rounds`);
    console.log(`  recipe engine (bulkScaleOut)  ${e.toFixed(0).padStart(7)} ms  ${((N / e) * 1000).toFixed(0).padStart(7)} instances/s`);
    console.log(`  runbook psql DO-loop (verbatim) ${p.toFixed(0).padStart(7)} ms  ${((N / p) * 1000).toFixed(0).padStart(7)} instances/s`);
    console.log(`  same loop, RAISE NOTICE cut   ${q.toFixed(0).padStart(7)} ms  ${((N / q) * 1000).toFixed(0).padStart(7)} instances/s`);
    console.log(`  ratio engine/psql            ${(e / p).toFixed(3)}   (target at most 1.15)`);
    console.log(`  ratio engine/psql, no notices ${(e / q).toFixed(3)}`);
  } finally {
    await db.close();
    await adminClient.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await adminClient.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
