// npm run bench:bulk:console [-- --n 10000 --rounds 3 --port 3490 --db iu_bench_mine --keep]
// The console's bulk scale-out end to end, on one throwaway PostgreSQL database, against
// the same contenders as bench:bulk in the same run:
//   * starts the real console (scripts/start.sh → server.ts) on that database and signs in
//     over HTTP as the lead `admin`,
//   * per round, in a rotating order: the operator's whole wait through the console — the
//     preflight of N items and then their live run, each through POST /api/bulk/jobs (the
//     route the bulk page posts to) and polled as the page polls, GET /api/bulk/jobs/<id>?wait=500
//     back to back, to its end —,
//     the runbook's psql DO-loop verbatim and without its notices (timed on the server from
//     the first statement to COMMIT, as bench:bulk does), and the set-based INSERT … SELECT
//     lower bound,
//   * prints the medians and the ratios (whole wait / psql loop: target at most 1.0), then
//     stops the server and drops the database.
import { openDatabase } from '@/db/client';
import { migrate } from '@/db/migrate';
import { BENCH_PIECES, benchRounds, composeBenchTemplate, prefixFor, printRatio, printRow } from './bulk-parts';
import { adminClient, checkDbName, dbUrl, dropDatabase, flag, hasFlag, numberFlag, serverVersion } from './common';
import { benchPassword, signIn, startConsole, type Console } from './console';

const N = numberFlag('n', 10_000);
const ROUNDS = numberFlag('rounds', 3);
const PORT = numberFlag('port', 3490);
const KEEP = hasFlag('keep');
const dbName = checkDbName(flag('db') ?? `iu_bench_console_${Date.now().toString(36)}`);
const url = dbUrl(dbName);

interface JobView {
  id: string;
  status: string;
  counts: Record<string, number>;
  elapsedMs: number;
  message: string | null;
  /** The preflight's plan, which the live run applies. */
  planId: number | null;
}

/** Starts a job over HTTP and polls it to its end; the time is what the person waits. */
async function runJob(
  c: Console,
  cookie: string,
  body: Record<string, unknown>,
): Promise<{ ms: number; job: JobView }> {
  const t0 = performance.now();
  const res = await c.request('POST', '/api/bulk/jobs', { cookie, body });
  const started = res.json;
  if (res.status !== 202 || !started?.ok)
    throw new Error(`the job was refused: HTTP ${res.status} ${res.text.slice(0, 400)}`);
  for (;;) {
    // as the bulk page polls: each poll waits on the server up to 500 ms for the end
    const r = await c.request('GET', `/api/bulk/jobs/${started.jobId}?wait=500`, { cookie });
    const job = r.json?.job as JobView | undefined;
    if (!job) throw new Error(`the job could not be read: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    if (job.status !== 'running' && job.status !== 'queued') {
      const ms = performance.now() - t0;
      if (job.status !== 'succeeded') throw new Error(`the job ended ${job.status}: ${job.message}`);
      return { ms, job };
    }
  }
}

async function main() {
  const admin = await adminClient();
  await admin.query(`CREATE DATABASE ${dbName}`);
  let server: Console | undefined;
  const db = await openDatabase({ url, max: 2 });
  try {
    await migrate(db);
    // one operator's own wait is measured: the shipped policy's bulk line (N >= 1,000 live
    // needs a second person) is switched off here, as a lead would on /approvals/policy
    await db.exec(`UPDATE console_approval_policy SET required = false WHERE recipe = 'bulk_scale_out'`);
    const key = await composeBenchTemplate(db);
    const password = benchPassword();
    process.stderr.write(
      `starting the console on port ${PORT} (scripts/start.sh; builds first if the build is stale)…\n`,
    );
    server = await startConsole({ port: PORT, databaseUrl: url, password });
    const cookie = await signIn(server, 'admin', password);

    const { m } = await benchRounds({
      db,
      url,
      n: N,
      templateKey: key,
      rounds: ROUNDS,
      keys: ['preflight', 'live', 'wait', 'job'] as const,
      lowerLetter: 'b',
      run: async (round, t) => {
        const params = {
          templateKey: key,
          n: N,
          uuidPrefix: prefixFor('c', round).slice(0, 9),
          batchTag: `console${round}`,
          emitMode: 'live',
        };
        const pre = await runJob(server!, cookie, { ...params, preview: true });
        if (pre.job.counts.ok !== N) throw new Error(`preflight counts ${JSON.stringify(pre.job.counts)}`);
        const live = await runJob(server!, cookie, {
          ...params,
          preview: false,
          planId: pre.job.planId,
          confirmText: params.batchTag,
          reason: 'benchmark',
        });
        if (live.job.counts.ok !== N) throw new Error(`live counts ${JSON.stringify(live.job.counts)}`);
        t.preflight.push(pre.ms);
        t.live.push(live.ms);
        t.wait.push(pre.ms + live.ms);
        t.job.push(live.job.elapsedMs);
      },
      describe: (last) => `console wait ${last('wait')} ms (preflight ${last('preflight')}, live ${last('live')})`,
    });
    console.log(
      `console bulk scale-out over HTTP, N = ${N.toLocaleString('en')} live instances, template of ${BENCH_PIECES} pieces, ` +
        `PostgreSQL ${await serverVersion(admin)}, median of ${ROUNDS} rounds`,
    );
    console.log('  (psql timed from its first statement to COMMIT, without its start and connection)');
    printRow("operator's whole wait (preflight + live)", m.wait, N);
    printRow('  console preflight (POST → polled to the end)', m.preflight, N, 'items/s');
    printRow('  console live run (POST → polled to the end)', m.live, N);
    printRow('    of which the live job itself (server-side)', m.job, N);
    printRow('runbook psql DO-loop (verbatim)', m.psql, N);
    printRow('same loop, RAISE NOTICE cut', m.quiet, N);
    printRow('set-based INSERT … SELECT (lower bound)', m.lower, N);
    printRatio('whole wait / psql loop', m.wait / m.psql, 'at most 1.0');
    printRatio('whole wait / loop without notices', m.wait / m.quiet);
    printRatio('live run / psql loop', m.live / m.psql, 'at most 0.6');
    printRatio('live run / lower bound', m.live / m.lower, 'at most 1.3');
  } finally {
    await server?.stop();
    await db.close();
    if (!KEEP) await dropDatabase(admin, dbName);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : err);
  process.exit(1);
});
