// npm run bench:bulk [-- --n 10000 --rounds 4 --db iu_bench_mine --keep]
// On a throwaway PostgreSQL database, with an 8-piece template, per round and in a rotating
// order: the operator's whole wait through the recipe engine (the preflight, rolled back,
// then the live run of the same items), the runbook's psql DO-loop verbatim and without its
// notices, and a set-based INSERT … SELECT that writes the same rows (log rows, instances,
// member links) and fires the same triggers with no checks at all: a lower bound. Prints the
// medians, instances per second and the ratios the targets are stated in.
import { openDatabase } from '@/db/client';
import { migrate } from '@/db/migrate';
import { bulkScaleOut } from '@/lib/recipes';
import { BENCH_PIECES, composeBenchTemplate, lowerBound, prefixFor, printRatio, printRow } from './bulk-parts';
import {
  adminClient,
  checkDbName,
  dbUrl,
  dropDatabase,
  flag,
  hasFlag,
  median,
  numberFlag,
  serverVersion,
} from './common';
import { psqlLoop as runbookLoop } from './runbook-loop';

const N = numberFlag('n', 1000);
const ROUNDS = numberFlag('rounds', 4);
const KEEP = hasFlag('keep');
const dbName = checkDbName(flag('db') ?? `iu_bench_${Date.now().toString(36)}`);
const url = dbUrl(dbName);

async function main() {
  const admin = await adminClient();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const db = await openDatabase({ url, max: 2 });
  try {
    await migrate(db);
    const ctx = { db, user: 'bench' };
    const key = await composeBenchTemplate(db);

    const times: Record<'preflight' | 'live' | 'psql' | 'quiet' | 'lower', number[]> = {
      preflight: [],
      live: [],
      psql: [],
      quiet: [],
      lower: [],
    };
    const engineRun = async (prefix: string, tag: string, commit: boolean) => {
      const t0 = performance.now();
      const r = await bulkScaleOut(ctx, {
        templateKey: key,
        n: N,
        uuidPrefix: prefix,
        batchTag: tag,
        emitMode: 'live',
        commit,
        onProgress: () => {},
      });
      const ms = performance.now() - t0;
      if (!r.ok || r.result.counts.ok !== N) throw new Error(`engine run failed: ${JSON.stringify(r).slice(0, 300)}`);
      return ms;
    };

    for (let round = 0; round < ROUNDS; round++) {
      const loop = { url, n: N, templateKey: key, sessionTimed: true };
      const contenders = [
        async () => {
          // the operator's whole wait: the preflight of a batch, then its live run
          times.preflight.push(await engineRun(prefixFor('e', round), `eng${round}`, false));
          times.live.push(await engineRun(prefixFor('e', round), `eng${round}`, true));
        },
        async () => {
          times.psql.push(
            runbookLoop({
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
            runbookLoop({
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
            await lowerBound(db, { prefix: prefixFor('c', round), tag: `lower${round}`, n: N, templateKey: key }),
          );
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
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<
      keyof typeof times,
      number
    >;
    const wait = median(times.preflight.map((p, i) => p + times.live[i]));
    console.log(
      `bulk scale-out, N = ${N.toLocaleString('en')} live instances, template of ${BENCH_PIECES} pieces, PostgreSQL ${await serverVersion(admin)}, median of ${ROUNDS} rounds`,
    );
    console.log(
      `  (database ${dbName}; psql timed from its first statement to COMMIT, without its start and connection)`,
    );
    printRow('recipe engine, live run', m.live, N);
    printRow('recipe engine, preflight (rolled back)', m.preflight, N);
    printRow("operator's whole wait (preflight + live)", wait, N);
    printRow('runbook psql DO-loop (verbatim)', m.psql, N);
    printRow('same loop, RAISE NOTICE cut', m.quiet, N);
    printRow('set-based INSERT … SELECT (lower bound)', m.lower, N);
    printRatio('live / psql loop', m.live / m.psql, 'at most 0.6');
    printRatio('live / lower bound', m.live / m.lower, 'at most 1.3');
    printRatio('whole wait / psql loop', wait / m.psql, 'at most 1.0');
    printRatio('live / loop without notices', m.live / m.quiet);
  } finally {
    await db.close();
    if (!KEEP) await dropDatabase(admin, dbName);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
