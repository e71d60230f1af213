// npm run bench:bulk:console [-- --n 10000 --rounds 3 --port 3490]
// The console's bulk scale-out end to end, against the runbook's raw psql loop, on one
// throwaway PostgreSQL database in the same run:
//   * starts the real console (scripts/start.sh → server.ts) on that database,
//   * signs in over HTTP as the lead `admin`,
//   * for each round: the preflight of N items and the live run of N items through
//     POST /api/bulk/jobs (the route the bulk page posts to, the same definition and
//     confirm rule), polling GET /api/bulk/jobs/<id> until each ends, and the runbook's
//     psql DO-loop of N live instances; the order rotates every round,
//   * prints the medians and the ratio console/psql (target at most 1.2), then stops the
//     server and drops the database.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { openDatabase } from '@/db/client';
import { migrate } from '@/db/migrate';
import { composeTemplateVersion } from '@/lib/recipes';
import { psqlLoop } from './runbook-loop';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive whole number`);
  return v;
}

const N = arg('n', 10_000);
const ROUNDS = arg('rounds', 3);
const PORT = arg('port', 3490);
const BASE = `http://127.0.0.1:${PORT}`;
const POLL_MS = 50;
const admin = process.env.BENCH_ADMIN_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `iu_bench_console_${Date.now().toString(36)}`;
const url = new URL(admin);
url.pathname = `/${dbName}`;
const PASSWORD = `bench-${crypto.randomBytes(9).toString('base64url')}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stopping = false;
let serverLog = () => '';

function startServer(): ChildProcess {
  const child = spawn('bash', ['scripts/start.sh'], {
    env: {
      ...process.env,
      PORT: String(PORT),
      DATABASE_URL: url.toString(),
      BETTER_AUTH_SECRET: crypto.randomBytes(32).toString('base64'),
      IU_ADMIN_PASSWORD: PASSWORD,
      IU_PUBLIC_URL: BASE,
      NEXT_TELEMETRY_DISABLED: '1',
      IU_AUTH_MODE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`the console exited (code ${code}, signal ${signal}):\n${log}\n`);
  });
  serverLog = () => log;
  return child;
}

/**
 * One HTTP request on a fresh connection. Not fetch: its pooled keep-alive sockets go stale
 * while the psql loop runs (the server closes idle ones after 5 s) and the next request
 * fails with "fetch failed".
 */
function request(method: 'GET' | 'POST', path: string, opts: { cookie?: string; body?: unknown } = {}): Promise<{ status: number; json: any; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const req = http.request(
      `${BASE}${path}`,
      {
        method,
        agent: false,
        headers: {
          origin: BASE,
          ...(opts.cookie ? { cookie: opts.cookie } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = { text };
          }
          const sc = res.headers['set-cookie'] ?? [];
          resolve({ status: res.statusCode ?? 0, json, cookies: sc.map((c) => c.split(';')[0]) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function waitForServer(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('the console stopped while starting');
    try {
      const res = await request('GET', '/api/health');
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(500);
  }
  throw new Error('the console did not start within 10 minutes');
}

async function signIn(): Promise<string> {
  const res = await request('POST', '/api/auth/sign-in/username', { body: { username: 'admin', password: PASSWORD } });
  if (res.status !== 200) throw new Error(`sign-in failed: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  if (!res.cookies.length) throw new Error('sign-in set no cookie');
  return res.cookies.join('; ');
}

interface JobView {
  id: string;
  status: string;
  done: number;
  total: number;
  counts: Record<string, number>;
  elapsedMs: number;
  message: string | null;
}

/** Starts a job over HTTP and polls it to its end; the time is what the person waits. */
async function runJob(cookie: string, body: Record<string, unknown>): Promise<{ ms: number; job: JobView }> {
  const t0 = performance.now();
  const res = await request('POST', '/api/bulk/jobs', { cookie, body });
  const started = res.json;
  if (res.status !== 202 || !started.ok) throw new Error(`the job was refused: HTTP ${res.status} ${JSON.stringify(started).slice(0, 400)}`);
  for (;;) {
    const r = await request('GET', `/api/bulk/jobs/${started.jobId}`, { cookie });
    const job = r.json.job as JobView;
    if (!job) throw new Error(`the job could not be read: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    if (job.status !== 'running' && job.status !== 'queued') {
      const ms = performance.now() - t0;
      if (job.status !== 'succeeded') throw new Error(`the job ended ${job.status}: ${job.message}`);
      return { ms, job };
    }
    await sleep(POLL_MS);
  }
}

async function main() {
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${dbName}`);
  let server: ChildProcess | undefined;
  try {
    const db = await openDatabase({ url: url.toString(), max: 2 });
    let key: string;
    try {
      await migrate(db);
      const roles = ['title', 'context', 'goals', 'proposal', 'risks'];
      const composed = await composeTemplateVersion(
        { db, user: 'bench' },
        {
          family: 'bench',
          title: 'Benchmark template',
          label: 'bench',
          commit: true,
          pieces: roles.map((role) => ({ role, newPiece: { canonicalAddress: `iu_core/template/bench/bench-v1/${role}`, title: role, body: `The ${role} section.` } })),
        },
      );
      if (!composed.ok) throw new Error(`could not compose the benchmark template: ${composed.message}`);
      key = composed.result.collectionKey;
    } finally {
      await db.close();
    }

    process.stderr.write(`starting the console on port ${PORT} (scripts/start.sh; builds first if the build is stale)…\n`);
    server = startServer();
    await waitForServer(server);
    const cookie = await signIn();

    const consoleMs: number[] = [];
    const serverMs: number[] = [];
    const preflightMs: number[] = [];
    const psqlMs: number[] = [];
    const quietMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const params = { templateKey: key, n: N, uuidPrefix: `c${String(round).padStart(7, '0')}-`, batchTag: `console${round}`, emitMode: 'live' };
      const runConsole = async () => {
        const pre = await runJob(cookie, { ...params, preview: true });
        if (pre.job.counts.ok !== N) throw new Error(`preflight counts ${JSON.stringify(pre.job.counts)}`);
        preflightMs.push(pre.ms);
        const live = await runJob(cookie, { ...params, preview: false, confirmText: params.batchTag, reason: 'benchmark' });
        if (live.job.counts.ok !== N) throw new Error(`live counts ${JSON.stringify(live.job.counts)}`);
        consoleMs.push(live.ms);
        serverMs.push(live.job.elapsedMs);
      };
      const runPsql = async () => {
        psqlMs.push(psqlLoop({ url: url.toString(), n: N, templateKey: key, prefix: `f${String(round).padStart(7, '0')}-0000-4000-8000-`, batch: `psql${round}`, actor: 'bench-psql', notices: true }));
      };
      const runQuiet = async () => {
        quietMs.push(psqlLoop({ url: url.toString(), n: N, templateKey: key, prefix: `d${String(round).padStart(7, '0')}-0000-4000-8000-`, batch: `quiet${round}`, actor: 'bench-quiet', notices: false }));
      };
      // rotate the order so that a growing table favours no contender
      const order = [runConsole, runPsql, runQuiet];
      for (let k = 0; k < order.length; k++) await order[(k + round) % order.length]();
      process.stderr.write(
        `round ${round + 1}/${ROUNDS}: console live ${consoleMs.at(-1)!.toFixed(0)} ms (preflight ${preflightMs.at(-1)!.toFixed(0)} ms), psql loop ${psqlMs.at(-1)!.toFixed(0)} ms, without notices ${quietMs.at(-1)!.toFixed(0)} ms\n`,
      );
    }
    const c = median(consoleMs);
    const s = median(serverMs);
    const f = median(preflightMs);
    const p = median(psqlMs);
    const q = median(quietMs);
    const [{ v }] = (await adminClient.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows;
    const rate = (ms: number) => ((N / ms) * 1000).toFixed(0).padStart(7);
    console.log(`console bulk scale-out over HTTP, N = ${N.toLocaleString('en')} live instances, PostgreSQL ${v}, median of ${ROUNDS} rounds`);
    console.log(`  console live run (POST → polled to the end) ${c.toFixed(0).padStart(7)} ms  ${rate(c)} instances/s`);
    console.log(`    of which the job itself (server-side)    ${s.toFixed(0).padStart(7)} ms`);
    console.log(`  console preflight (rolled back)            ${f.toFixed(0).padStart(7)} ms  ${rate(f)} items/s`);
    console.log(`  runbook psql DO-loop (verbatim)            ${p.toFixed(0).padStart(7)} ms  ${rate(p)} instances/s`);
    console.log(`  same loop, RAISE NOTICE cut                ${q.toFixed(0).padStart(7)} ms  ${rate(q)} instances/s`);
    console.log(`  ratio console/psql                         ${(c / p).toFixed(3)}   (target at most 1.2)`);
    console.log(`  ratio console/psql, no notices             ${(c / q).toFixed(3)}`);
  } finally {
    stopping = true;
    if (server?.pid) {
      // the whole group: bash and the tsx/node server it exec'd
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await sleep(1000);
    }
    await adminClient.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await adminClient.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : err);
  if (process.env.BENCH_VERBOSE) console.error(serverLog());
  process.exit(1);
});
