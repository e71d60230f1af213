// npm run bench:bulk [-- --n 10000 --rounds 4 --db iu_bench_mine --keep]
// On a throwaway PostgreSQL database, with an 8-piece template, per round and in a rotating
// order: the operator's whole wait through the recipe engine (the preflight, predicted (058),
// then the live run of the same items), the runbook's psql DO-loop verbatim and without its
// notices, and a set-based INSERT … SELECT that writes the same rows (log rows, instances,
// member links) and fires the same triggers with no checks at all: a lower bound. Prints the
// medians, instances per second and the ratios the targets are stated in.
import { openDatabase } from '@/db/client';
import { migrate } from '@/db/migrate';
import { bulkScaleOut } from '@/lib/recipes';
import { BENCH_PIECES, benchRounds, composeBenchTemplate, prefixFor, printRatio, printRow } from './bulk-parts';
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
    const { times, m } = await benchRounds({
      db,
      url,
      n: N,
      templateKey: key,
      rounds: ROUNDS,
      keys: ['preflight', 'live'] as const,
      lowerLetter: 'c',
      // the operator's whole wait: the preflight of a batch, then its live run
      run: async (round, t) => {
        t.preflight.push(await engineRun(prefixFor('e', round), `eng${round}`, false));
        t.live.push(await engineRun(prefixFor('e', round), `eng${round}`, true));
      },
      describe: (last) => `preflight ${last('preflight')} ms, live ${last('live')} ms`,
    });
    const wait = median(times.preflight.map((p, i) => p + times.live[i]));
    console.log(
      `bulk scale-out, N = ${N.toLocaleString('en')} live instances, template of ${BENCH_PIECES} pieces, PostgreSQL ${await serverVersion(admin)}, median of ${ROUNDS} rounds`,
    );
    console.log(
      `  (database ${dbName}; psql timed from its first statement to COMMIT, without its start and connection)`,
    );
    printRow('recipe engine, live run', m.live, N);
    printRow('recipe engine, preflight (predicted, writes nothing)', m.preflight, N);
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
