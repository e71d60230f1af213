// Two console instances and one worker on one PostgreSQL (TEST_DATABASE_URL), behind a small
// round-robin reverse proxy (http-proxy, started here): consoles A and B are started like
// `npm start` with IU_WORKERS=0, and the bulk jobs run in a worker process (`npm run worker`).
// Every request goes through the proxy, which hands them to A and B in turn (the test takes
// the turn it needs, and each answer says who served it). A bulk is
//   * requested landing on A, watched and cancelled landing on B: the worker stops it within seconds;
//   * run again, and its worker killed with SIGKILL: `interrupted` read through the proxy within 20 s;
//   * run again with no worker at all: it waits queued, and a cancel through B ends it at once;
//   * run again, and its worker (IU_DRAIN_SECONDS=1) gets SIGTERM: `cancelled` by shutdown;
//   * run again on a third console C that works jobs itself (a deploy adding it behind the proxy,
//     IU_DRAIN_SECONDS=60), which gets SIGTERM mid-run: C's readiness answers 503 at once while
//     A, B and the proxy go on answering, the run finishes inside the drain, C exits and the
//     proxy hands C's turns to the others.
// After each unfinished run: 0 gates open and 0 rows of the batch.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import { expect, test } from '@playwright/test';
import httpProxy from 'http-proxy';
import { openDatabase, type Database } from '../db/client';
import { E2E_ADMIN_PASSWORD } from '../playwright.config';
import { ALL_CLOSED, count, gateValues, makeTemplate } from '../tests/helpers/substrate';
import { PG_SKIP_REASON, PG_URL } from './pg-console';

const base = Number(process.env.E2E_PORT ?? 3100);
const PROXY_PORT = base + 7;
const PROXY_URL = `http://localhost:${PROXY_PORT}`;
const secret = crypto.randomBytes(32).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  proc: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}
interface Instance extends Proc {
  name: 'A' | 'B' | 'C';
  url: string;
}

function launch(command: string, args: string[], env: Record<string, string>, detached: boolean): Proc {
  const output: string[] = [];
  const proc = spawn(command, args, { detached, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output, exited };
}

async function startInstance(
  name: Instance['name'],
  dbUrl: string,
  port: number,
  env: Record<string, string> = {},
): Promise<Instance> {
  // the public address is the proxy's: the browser's origin, and better-auth's base URL
  const p = launch(
    'bash',
    ['scripts/start.sh'],
    {
      DATABASE_URL: dbUrl,
      PORT: String(port),
      BETTER_AUTH_SECRET: secret,
      IU_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      IU_AUTH_MODE: '',
      IU_PUBLIC_URL: PROXY_URL,
      BETTER_AUTH_URL: '',
      IU_SIGNIN_MAX_ATTEMPTS: '200',
      IU_WORKERS: '0',
      ...env,
    },
    true,
  );
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (p.proc.exitCode !== null) throw new Error(`console ${name} on ${port} exited:\n${p.output.join('')}`);
    const ready = await fetch(`${url}/api/health/ready`).catch(() => null);
    if (ready?.ok) return { ...p, name, url };
    if (Date.now() > deadline) throw new Error(`console ${name} on ${port} did not get ready:\n${p.output.join('')}`);
    await sleep(1000);
  }
}

/** `npm run worker` as one node process, so a signal reaches the worker itself. */
async function startWorker(dbUrl: string, drainSeconds: number): Promise<Proc> {
  const w = launch(
    process.execPath,
    ['--import', 'tsx', 'scripts/worker.ts'],
    { DATABASE_URL: dbUrl, IU_WORKERS: '', IU_DRAIN_SECONDS: String(drainSeconds) },
    false,
  );
  const deadline = Date.now() + 120_000;
  while (!w.output.join('').includes('working bulk jobs')) {
    if (w.proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`the worker did not start:\n${w.output.join('')}`);
    await sleep(200);
  }
  return w;
}

/** A round-robin reverse proxy over the consoles; a GET that finds one stopped goes to the next. */
function roundRobin(targets: Instance[]) {
  const proxy = httpProxy.createProxyServer({});
  let turn = 0;
  proxy.on('proxyRes', (proxyRes, req) => {
    proxyRes.headers['x-served-by'] = (req as http.IncomingMessage & { servedBy?: string }).servedBy;
  });
  const server = http.createServer((req, res) => {
    const forward = (attempt: number) => {
      const t = targets[turn++ % targets.length];
      (req as http.IncomingMessage & { servedBy?: string }).servedBy = t.name;
      proxy.web(req, res, { target: t.url }, () => {
        if (!res.headersSent && req.method === 'GET' && attempt < targets.length) return forward(attempt + 1);
        res.statusCode = 502;
        res.end();
      });
    };
    forward(1);
  });
  return {
    server,
    /** Puts one more console behind the proxy. */
    add: (i: Instance) => void targets.push(i),
    /** Who the next request goes to. */
    next: () => targets[turn % targets.length].name,
    listen: () => new Promise<void>((r) => server.listen(PROXY_PORT, '127.0.0.1', r)),
    close: () => {
      server.close();
      proxy.close();
    },
  };
}

test.describe('bulk jobs on two console instances and a worker behind a round-robin proxy', () => {
  test.skip(!PG_URL, PG_SKIP_REASON);
  let dbName = '';
  let dbUrl = '';
  let db: Database;
  let a: Instance;
  let b: Instance;
  let c: Instance | undefined;
  let rr: ReturnType<typeof roundRobin>;
  const workers: Proc[] = [];
  let cookie = '';
  const table: string[] = [];

  /** A request through the proxy; with `on`, sent when it is that instance's turn (a health probe takes the other turn). */
  const call = async (path: string, body?: unknown, on?: 'A' | 'B') => {
    while (on && rr.next() !== on) await fetch(`${PROXY_URL}/api/health/live`);
    const res = await fetch(`${PROXY_URL}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie, origin: PROXY_URL, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const servedBy = res.headers.get('x-served-by');
    if (on) expect(servedBy).toBe(on);
    return { status: res.status, body: await res.json(), servedBy };
  };
  const job = async (id: string, on?: 'A' | 'B') => (await call(`/api/bulk/jobs/${id}`, undefined, on)).body.job;
  const until = async <T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  test.beforeAll(async () => {
    test.setTimeout(600_000);
    dbName = `iu_e2e_${crypto.randomBytes(5).toString('hex')}`;
    const admin = await openDatabase({ url: PG_URL!, max: 1 });
    await admin.exec(`CREATE DATABASE ${dbName}`);
    await admin.close();
    const u = new URL(PG_URL!);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
    a = await startInstance('A', dbUrl, base + 5);
    b = await startInstance('B', dbUrl, base + 6);
    rr = roundRobin([a, b]);
    await rr.listen();
    db = await openDatabase({ url: dbUrl, max: 2 });
    const res = await fetch(`${PROXY_URL}/api/auth/sign-in/username`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PROXY_URL },
      body: JSON.stringify({ username: 'admin', password: E2E_ADMIN_PASSWORD }),
    });
    expect(res.ok).toBe(true);
    cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    // this journey is about the job across instances, not its approval: the lead switches the bulk line off
    const policy = await call('/api/approvals/policy', {
      recipe: 'bulk_scale_out',
      mode: 'live',
      required: false,
      approvers: 1,
      minRole: 'operator',
      condition: 'bulk_items_at_least',
      threshold: 1000,
      reason: 'e2e: this journey tests jobs across instances, not approvals',
    });
    expect(policy.status).toBe(200);
  });

  test.afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    for (const i of [a, b, c]) {
      if (i?.proc.pid && i.proc.exitCode === null) {
        process.kill(-i.proc.pid, 'SIGTERM');
        await Promise.race([i.exited, sleep(15_000)]);
      }
    }
    rr?.close();
    await db?.close();
    if (dbName) {
      const admin = await openDatabase({ url: PG_URL!, max: 1 });
      await admin.exec(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.close();
    }
    if (table.length)
      console.log(
        ['fault (through the proxy) | job state after | rows written | gates open | seconds', ...table].join('\n'),
      );
  });

  test("a bulk started through the proxy on A is cancelled on B, interrupted by kill -9, cancelled by a short drain, and finishes inside a console's long drain", async () => {
    test.setTimeout(600_000);
    const tpl = await makeTemplate(db, { pieces: 2 });
    // slowed, so each fault lands mid-run: a few ms per event-log row
    await db.exec(`
      CREATE FUNCTION e2e_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.003); RETURN NEW; END $$;
      CREATE TRIGGER e2e_slow BEFORE INSERT ON iu_auto_instantiate_event_log FOR EACH ROW EXECUTE FUNCTION e2e_slow();`);
    const tag = `rr-${crypto.randomBytes(4).toString('hex')}`;
    const N = 3000;
    const input = {
      templateCollectionId: tpl.id,
      n: N,
      uuidPrefix: `${crypto.randomBytes(4).toString('hex')}-`,
      batchTag: tag,
      emitMode: 'live',
    };
    const written = () => count(db, 'iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1', [`${tag}-%`]);
    const leftovers = async () => ({ rows: await written(), gates: await gateValues(db) });
    const record = async (fault: string, state: string, seconds: number) => {
      const gatesOpen = Object.entries(await gateValues(db)).filter(([k, v]) => ALL_CLOSED[k] !== v).length;
      table.push(`${fault} | ${state} | ${await written()} | ${gatesOpen} | ${seconds.toFixed(1)}`);
    };
    const running = (id: string) =>
      until('progress seen through the proxy', async () => (await job(id)).done > 0, 120_000);

    let worker = await startWorker(dbUrl, 60);
    workers.push(worker);
    const pre = await call('/api/bulk/jobs', { ...input, preview: true }, 'A');
    expect(pre.status).toBe(202);
    const planned = await until(
      'the preflight',
      async () => {
        const j = await job(pre.body.jobId);
        return j.status === 'succeeded' && j;
      },
      120_000,
    );
    const live = () =>
      call('/api/bulk/jobs', { ...input, planId: planned.planId, confirmText: tag, reason: 'behind the proxy' }, 'A');

    // requested landing on A, watched and cancelled landing on B
    const first = await live();
    expect(first.status).toBe(202);
    await until('progress seen on B', async () => (await job(first.body.jobId, 'B')).done > 0, 120_000);
    let t0 = Date.now();
    expect((await call(`/api/bulk/jobs/${first.body.jobId}/cancel`, { reason: 'through B' }, 'B')).status).toBe(202);
    const cancelled = await until(
      'the cancel',
      async () => {
        const j = await job(first.body.jobId, 'B');
        return j.status !== 'running' && j;
      },
      10_000,
    );
    expect(cancelled).toMatchObject({ status: 'cancelled', committed: false });
    expect(cancelled.message).toMatch(/^Cancelled by admin \(through B\)/);
    expect(Date.now() - t0).toBeLessThan(5000);
    await record('started on A, cancelled on B', 'cancelled', (Date.now() - t0) / 1000);
    expect(await leftovers()).toEqual({ rows: 0, gates: ALL_CLOSED });

    // the worker killed with SIGKILL mid-run: interrupted, read through the proxy
    const second = await live();
    await running(second.body.jobId);
    worker.proc.kill('SIGKILL');
    await worker.exited;
    t0 = Date.now();
    const interrupted = await until(
      'interrupted',
      async () => {
        const j = await job(second.body.jobId);
        return j.status !== 'running' && j;
      },
      25_000,
    );
    const killSeconds = (Date.now() - t0) / 1000;
    expect(interrupted).toMatchObject({ status: 'interrupted', committed: false });
    expect(interrupted.message).toMatch(/nothing of this batch was written/);
    expect(killSeconds).toBeLessThan(20);
    await record('kill -9 of the worker mid-run', 'interrupted', killSeconds);
    expect(await leftovers()).toEqual({ rows: 0, gates: ALL_CLOSED });

    // run again with no worker: it waits queued, and a cancel through B ends it at once
    const queued = await call(`/api/bulk/jobs/${second.body.jobId}/rerun`, {}, 'A');
    expect(queued.status).toBe(202);
    expect(queued.body.job).toMatchObject({ status: 'queued', planId: planned.planId });
    expect((await call(`/api/bulk/jobs/${queued.body.jobId}/cancel`, { reason: 'no worker today' }, 'B')).status).toBe(
      202,
    );
    expect(await job(queued.body.jobId, 'B')).toMatchObject({
      status: 'cancelled',
      message: expect.stringMatching(/^Cancelled by admin \(no worker today\) before it started/),
    });
    expect(await written()).toBe(0);

    // SIGTERM to a worker whose drain (1 s) is shorter than the run: cancelled by shutdown
    worker = await startWorker(dbUrl, 1);
    workers.push(worker);
    const third = await call(`/api/bulk/jobs/${second.body.jobId}/rerun`, {}, 'B');
    expect(third.status).toBe(202);
    await running(third.body.jobId);
    t0 = Date.now();
    worker.proc.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const drained = await job(third.body.jobId);
    expect(drained).toMatchObject({ status: 'cancelled', committed: false });
    expect(drained.message).toMatch(/^Cancelled by shutdown/);
    await record('SIGTERM to the worker, IU_DRAIN_SECONDS=1', 'cancelled (by shutdown)', (Date.now() - t0) / 1000);
    expect(await leftovers()).toEqual({ rows: 0, gates: ALL_CLOSED });

    // a third console that works jobs itself joins behind the proxy; SIGTERM mid-run: not ready at
    // once, the run finishes inside its 60 s drain, and the proxy hands its turns to the others
    c = await startInstance('C', dbUrl, base + 8, { IU_WORKERS: '', IU_DRAIN_SECONDS: '60' });
    rr.add(c);
    const fourth = await call(`/api/bulk/jobs/${third.body.jobId}/rerun`, {}, 'A');
    expect(fourth.status).toBe(202);
    await running(fourth.body.jobId);
    t0 = Date.now();
    process.kill(-c.proc.pid!, 'SIGTERM');
    const notReady = await until(
      'C reporting not ready',
      async () => {
        const r = await fetch(`${c!.url}/api/health/ready`).catch(() => null);
        return r && r.status === 503 && r.json();
      },
      3000,
    );
    expect(notReady).toMatchObject({ ready: false, reason: 'draining' });
    expect((await fetch(`${a.url}/api/health/ready`)).status).toBe(200);
    expect((await fetch(`${b.url}/api/health/ready`)).status).toBe(200);
    expect((await job(fourth.body.jobId)).status).toBe('running');
    await Promise.race([c.exited, sleep(100_000)]);
    expect(c.proc.exitCode).toBe(0);
    const finished = await job(fourth.body.jobId);
    expect(finished).toMatchObject({ status: 'succeeded', committed: true, done: N, planId: planned.planId });
    await record(
      'SIGTERM to console C running it, IU_DRAIN_SECONDS=60',
      'succeeded (in the drain)',
      (Date.now() - t0) / 1000,
    );
    expect(await leftovers()).toEqual({ rows: N, gates: ALL_CLOSED });
    // C is gone: three requests in a row are answered, each by A or B
    const servers = [];
    for (let i = 0; i < 3; i++) servers.push((await call(`/api/bulk/jobs/${fourth.body.jobId}`)).servedBy);
    expect(servers.every((x) => x === 'A' || x === 'B')).toBe(true);
  });
});
