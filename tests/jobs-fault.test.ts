// Bulk jobs across processes and through faults (PostgreSQL only). Two console instances (A
// and B: pools of their own in this process, which runs no worker) and two worker processes
// (`npm run worker`, spawned) share one database. A bulk is requested through A and:
//   * cancelled through B: the worker running it stops within seconds, nothing written;
//   * its worker is killed with SIGKILL: B reads it `interrupted` within 20 s;
//   * its worker gets SIGTERM with a short drain: recorded `cancelled` by shutdown;
//   * its worker gets SIGTERM with a long drain: the run finishes, then the worker exits;
//   * PostgreSQL (a cluster this test starts on its own port) stops and starts mid-run: the
//     job ends failed or interrupted once it is back, never running.
// After each: 0 gates open, 0 rows of the unfinished batch. Each run is slowed by a trigger
// (a few ms per event-log row) so that the fault lands mid-run however fast the batch is.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import {
  cancelBulkJobDefinition,
  getBulkJob,
  rerunBulkJob,
  startBulkJob,
  waitForBulkJob,
  type BulkJobView,
} from '@/lib/bulk/jobs';
import { guardDatabase } from '@/lib/health/database-guard';
import { approvalPolicyOff, hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { ALL_CLOSED, count, gateValues, makeTemplate, uniq, type Template } from './helpers/substrate';

const ROOT = path.resolve(__dirname, '..');
const olga: Identity = {
  userId: 'id-olga',
  username: 'olga',
  role: 'operator',
  mustChangePassword: false,
  source: 'session',
};
const callerOn = (db: Database): Caller => ({ db, identity: olga, request: { ip: '127.0.0.1', userAgent: 'vitest' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What each fault left, printed at the end as the fault table. */
const table: { fault: string; state: string; rows: number; gatesOpen: number; seconds: number }[] = [];

interface Worker {
  proc: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

/** `npm run worker` as one node process (no wrapper, so a signal reaches the worker itself). */
async function spawnWorker(url: string, env: Record<string, string> = {}): Promise<Worker> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, IU_WORKERS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  const out: string[] = [];
  proc.stdout!.on('data', (d) => out.push(String(d)));
  proc.stderr!.on('data', (d) => out.push(String(d)));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const until = Date.now() + 60_000;
  while (!out.join('').includes('working bulk jobs')) {
    if (Date.now() > until || proc.exitCode !== null) throw new Error(`the worker did not start:\n${out.join('')}`);
    await sleep(100);
  }
  return { proc, out, exited };
}

/** Slows every event-log insert, so a run of a few thousand items takes several seconds. */
async function slowRuns(db: Database, ms: number): Promise<void> {
  await db.exec(`
    CREATE OR REPLACE FUNCTION test_slow_event_log() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_sleep(${ms / 1000}); RETURN NEW; END $$;
    DROP TRIGGER IF EXISTS test_slow_event_log ON iu_auto_instantiate_event_log;
    CREATE TRIGGER test_slow_event_log BEFORE INSERT ON iu_auto_instantiate_event_log FOR EACH ROW EXECUTE FUNCTION test_slow_event_log();`);
}

async function request(db: Database, raw: Record<string, unknown>): Promise<string> {
  const s = await startBulkJob(callerOn(db), raw);
  if (!s.ok) throw new Error(`refused: ${s.result.status} ${s.result.message}`);
  return s.jobId;
}

/** A preflight through `db`, run by a worker: its plan id. */
async function preflight(db: Database, input: Record<string, unknown>): Promise<number> {
  const id = await request(db, { ...input, preview: true });
  const end = await waitForBulkJob(db, id, 120_000);
  expect(end).toMatchObject({ status: 'succeeded', mode: 'preview' });
  return end!.planId!;
}

/** Waits until the job runs and has made progress (read through `db`). */
async function runningWithProgress(db: Database, id: string): Promise<BulkJobView> {
  const until = Date.now() + 60_000;
  for (;;) {
    const v = (await getBulkJob(db, id))!;
    if (v.status === 'running' && v.done > 0) return v;
    if (v.status !== 'running' && v.status !== 'queued')
      throw new Error(`the job ended before the fault: ${v.status} ${v.message}`);
    if (Date.now() > until) throw new Error('the job did not start running');
    await sleep(100);
  }
}

async function waitEnded(db: Database, id: string, timeoutMs: number): Promise<{ view: BulkJobView; seconds: number }> {
  const t0 = Date.now();
  for (;;) {
    const v = (await getBulkJob(db, id).catch(() => null))!;
    if (v && v.status !== 'running' && v.status !== 'queued') return { view: v, seconds: (Date.now() - t0) / 1000 };
    if (Date.now() - t0 > timeoutMs) throw new Error(`still ${v?.status} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

function runnerPid(view: { id: string }, rows: { runner: string | null }[]): number {
  const pid = Number(rows[0]?.runner?.split(':')[1]);
  if (!pid) throw new Error(`no runner recorded for ${view.id}`);
  return pid;
}

/** Waits until no session of this database is inside a statement or a transaction (an orphaned run has ended). */
async function quiet(db: Database, name: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const [r] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state NOT IN ('idle') AND query NOT ILIKE '%pgboss%'`,
      [name],
    );
    if (r.n === 0) return;
    await sleep(200);
  }
}

async function leftovers(db: Database, batchTag: string): Promise<{ rows: number; gatesOpen: number }> {
  const rows = await count(db, 'iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1', [`${batchTag}-%`]);
  const gates = await gateValues(db);
  const gatesOpen = Object.entries(ALL_CLOSED).filter(([k, v]) => gates[k] !== v).length;
  return { rows, gatesOpen };
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (table.length) {
    console.log(
      [
        'fault | job state after | rows written | gates open | seconds',
        ...table.map((r) => `${r.fault} | ${r.state} | ${r.rows} | ${r.gatesOpen} | ${r.seconds.toFixed(1)}`),
      ].join('\n'),
    );
  }
});

describe.skipIf(!hasPostgres)(`bulk jobs on two instances and two workers, through faults (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');
  let a: Database;
  let b: Database;
  let tpl: Template;
  let workers: Worker[] = [];
  let input: Record<string, unknown>;
  let planId: number;
  let killed = '';
  let drained = '';
  const N = 2500;

  const live = () => request(a, { ...input, planId, confirmText: input.batchTag, reason: 'fault test' });
  const byPid = (pid: number) => workers.find((w) => w.proc.pid === pid)!;
  const runnerOf = async (id: string) =>
    runnerPid(
      { id },
      await b.query<{ runner: string | null }>('SELECT runner FROM console_bulk_job WHERE id = $1', [id]),
    );

  beforeAll(async () => {
    a = await openDatabase({ url: t.url, max: 3 });
    b = await openDatabase({ url: t.url, max: 3 });
    tpl = await makeTemplate(t.db, { pieces: 2 });
    await slowRuns(t.db, 3);
    workers = [await spawnWorker(t.url), await spawnWorker(t.url)];
    input = {
      templateCollectionId: tpl.id,
      n: N,
      uuidPrefix: `${crypto.randomBytes(4).toString('hex')}-`,
      batchTag: uniq('fault'),
      emitMode: 'live',
    };
    planId = await preflight(a, input);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    await a?.close();
    await b?.close();
  });

  it('cancels through instance B a bulk requested through instance A: the worker stops within seconds and nothing is written', async () => {
    const id = await live();
    await runningWithProgress(b, id);
    const asked = Date.now();
    const r = await executeAuthorized(cancelBulkJobDefinition, callerOn(b), { jobId: id, reason: 'wrong batch' });
    expect(r).toMatchObject({ ok: true, result: { cancelRequested: true } });
    const { view } = await waitEnded(b, id, 10_000);
    const seconds = (Date.now() - asked) / 1000;
    expect(view).toMatchObject({ status: 'cancelled', committed: false });
    expect(view.message).toMatch(/^Cancelled by olga \(wrong batch\)/);
    expect(seconds).toBeLessThan(5);
    await quiet(b, t.name);
    const left = await leftovers(b, String(input.batchTag));
    table.push({ fault: 'cancel through B while A requested it', state: view.status, ...left, seconds });
    expect(left).toEqual({ rows: 0, gatesOpen: 0 });
  }, 120_000);

  it('reads a job interrupted within 20 s from instance B when its worker is killed with SIGKILL', async () => {
    const id = await live();
    killed = id;
    await runningWithProgress(b, id);
    const pid = await runnerOf(id);
    const victim = byPid(pid);
    victim.proc.kill('SIGKILL');
    await victim.exited;
    const { view, seconds } = await waitEnded(b, id, 25_000);
    expect(view).toMatchObject({ status: 'interrupted', committed: false });
    expect(view.message).toMatch(/nothing of this batch was written/);
    expect(seconds).toBeLessThan(20);
    await quiet(b, t.name);
    const left = await leftovers(b, String(input.batchTag));
    table.push({ fault: 'kill -9 of the worker running it', state: view.status, ...left, seconds });
    expect(left).toEqual({ rows: 0, gatesOpen: 0 });
    workers = workers.filter((w) => w !== victim);
  }, 120_000);

  it('records cancelled by shutdown when its worker gets SIGTERM and the run cannot finish within the drain', async () => {
    // only a worker with a 1 s drain may take this one: the others are stopped while idle
    const shortDrain = await spawnWorker(t.url, { IU_DRAIN_SECONDS: '1' });
    for (const w of workers) {
      w.proc.kill('SIGTERM');
      await w.exited;
    }
    workers = [shortDrain];
    const id = await live();
    drained = id;
    await runningWithProgress(b, id);
    expect(await runnerOf(id)).toBe(shortDrain.proc.pid);
    const t0 = Date.now();
    shortDrain.proc.kill('SIGTERM');
    const code = await shortDrain.exited;
    const exitSeconds = (Date.now() - t0) / 1000;
    expect(code).toBe(0);
    const { view } = await waitEnded(b, id, 5_000);
    expect(view).toMatchObject({ status: 'cancelled', committed: false });
    expect(view.message).toMatch(/^Cancelled by shutdown/);
    const left = await leftovers(b, String(input.batchTag));
    table.push({
      fault: 'SIGTERM, IU_DRAIN_SECONDS=1 (run longer than the drain)',
      state: `${view.status} (by shutdown)`,
      ...left,
      seconds: exitSeconds,
    });
    expect(left).toEqual({ rows: 0, gatesOpen: 0 });
  }, 120_000);

  it('runs the interrupted job again with its plan, lets it finish through a SIGTERM with a long drain, then asks for a new preflight', async () => {
    const w = await spawnWorker(t.url, { IU_DRAIN_SECONDS: '60' });
    workers = [w];
    // one click on the interrupted job's page: the same request, the plan the faults left unused
    const again = await rerunBulkJob(callerOn(b), killed);
    if (!again.ok) throw new Error(`refused: ${again.result.status} ${again.result.message}`);
    const id = again.jobId;
    await runningWithProgress(b, id);
    const t0 = Date.now();
    w.proc.kill('SIGTERM');
    const code = await w.exited;
    const exitSeconds = (Date.now() - t0) / 1000;
    expect(code).toBe(0);
    const view = (await getBulkJob(b, id))!;
    expect(view).toMatchObject({ status: 'succeeded', committed: true, done: N, planId });
    const left = await leftovers(b, String(input.batchTag));
    table.push({
      fault: 'SIGTERM, IU_DRAIN_SECONDS=60 (run finishes in the drain)',
      state: view.status,
      ...left,
      seconds: exitSeconds,
    });
    expect(left).toEqual({ rows: N, gatesOpen: 0 });
    // the plan is used now: running the job the drain cancelled again asks for a new preflight
    expect(await rerunBulkJob(callerOn(a), drained)).toMatchObject({ ok: false, result: { status: 'plan_used' } });
    expect(await rerunBulkJob(callerOn(a), id)).toMatchObject({ ok: false, result: { status: 'not_rerunnable' } });
  }, 120_000);
});

const PG_BIN = '/usr/lib/postgresql/15/bin';

describe.skipIf(!hasPostgres || !fs.existsSync(`${PG_BIN}/initdb`) || process.getuid?.() !== 0)(
  `a bulk job through a PostgreSQL outage, on a cluster of the test's own (${PG_ONLY}; initdb as root)`,
  () => {
    const port = 3391;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iu-fault-pg-'));
    const url = `postgres://postgres@127.0.0.1:${port}/iu_fault`;
    const pgctl = (...args: string[]) =>
      execFileSync('su', ['postgres', '-c', [`${PG_BIN}/pg_ctl`, '-D', `${dir}/data`, ...args].join(' ')], {
        stdio: 'pipe',
        timeout: 60_000,
      });
    let db: Database | undefined;

    beforeAll(async () => {
      fs.chmodSync(dir, 0o777);
      execFileSync('su', ['postgres', '-c', `${PG_BIN}/initdb -D ${dir}/data -U postgres --auth=trust -E UTF8`], {
        stdio: 'pipe',
        timeout: 120_000,
      });
      pgctl('-o', `"-p ${port} -k ${dir} -c listen_addresses=127.0.0.1"`, '-l', `${dir}/log`, '-w', 'start');
      execFileSync('su', ['postgres', '-c', `${PG_BIN}/createdb -h 127.0.0.1 -p ${port} iu_fault`], { stdio: 'pipe' });
      db = await openDatabase({ url, max: 3 });
      await migrate(db);
      // its bulks are live runs of 1,000 items and more, which the shipped policy sends for approval
      await approvalPolicyOff(db);
    }, 180_000);

    afterAll(async () => {
      await db?.close().catch(() => {});
      try {
        pgctl('-m', 'immediate', 'stop');
      } catch {
        /* already stopped */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('answers 503 with the sentence while PostgreSQL is down, and ends the job failed or interrupted once it is back, with an audit row, nothing written and no gate open', async () => {
      const d = db!;
      const tpl = await makeTemplate(d, { pieces: 2 });
      await slowRuns(d, 3);
      const w = await spawnWorker(url);
      try {
        const input = {
          templateCollectionId: tpl.id,
          n: N_OUTAGE,
          uuidPrefix: `${crypto.randomBytes(4).toString('hex')}-`,
          batchTag: uniq('outage'),
          emitMode: 'live',
        };
        const planId = await preflight(d, input);
        const id = await request(d, { ...input, planId, confirmText: input.batchTag, reason: 'outage test' });
        await runningWithProgress(d, id);
        // what server.ts puts in front of Next, here in front of a handler that answers 200
        const server = http.createServer(guardDatabase(async (_req, res) => void res.end('next'), url));
        await new Promise<void>((r) => server.listen(3392, '127.0.0.1', r));
        const get = async (p: string) => {
          const res = await fetch(`http://127.0.0.1:3392${p}`);
          return { status: res.status, body: await res.text() };
        };
        try {
          expect(await get('/bulk')).toEqual({ status: 200, body: 'next' });
          pgctl('-m', 'fast', 'stop');
          await sleep(1200);
          const page = await get('/bulk');
          expect(page.status).toBe(503);
          expect(page.body).toContain('PostgreSQL could not be reached (ECONNREFUSED)');
          const api = await get('/api/gates');
          expect(api.status).toBe(503);
          expect(JSON.parse(api.body).error).toMatch(/^PostgreSQL could not be reached/);
          expect((await get('/api/health/live')).status).toBe(200);
          await sleep(2800);
          pgctl('-o', `"-p ${port} -k ${dir} -c listen_addresses=127.0.0.1"`, '-l', `${dir}/log`, '-w', 'start');
          await sleep(1200);
          expect(await get('/api/gates')).toEqual({ status: 200, body: 'next' });
        } finally {
          server.close();
        }
        const t0 = Date.now();
        const { view } = await waitEnded(d, id, 60_000);
        expect(['failed', 'interrupted']).toContain(view.status);
        expect(view.committed).toBe(false);
        // the run's own row (the request's row, written when it was queued, says "requested")
        const [audit] = await d.query<{ status: string; committed: boolean }>(
          `SELECT status, committed, summary FROM console_audit_log
            WHERE params->>'batchTag' = $1 AND mode = 'live' AND summary NOT LIKE 'requested:%' ORDER BY id DESC LIMIT 1`,
          [input.batchTag],
        );
        expect(audit).toMatchObject({ committed: false });
        expect(audit.status).not.toBe('ok');
        const left = await leftovers(d, input.batchTag);
        table.push({
          fault: 'PostgreSQL stopped 4 s mid-run, then started',
          state: `${view.status} (${view.resultStatus})`,
          ...left,
          seconds: (Date.now() - t0) / 1000,
        });
        expect(left).toEqual({ rows: 0, gatesOpen: 0 });
      } finally {
        w.proc.kill('SIGKILL');
      }
    }, 180_000);
  },
);

const N_OUTAGE = 2500;
