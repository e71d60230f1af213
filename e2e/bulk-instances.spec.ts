// Two console instances on one PostgreSQL (TEST_DATABASE_URL), started like `npm start`: A
// works bulk jobs, B does not (IU_WORKERS=0). A bulk requested through A is watched and
// cancelled through B; then A gets SIGTERM mid-run: its readiness answers 503 at once, and the
// run is cancelled by shutdown within IU_DRAIN_SECONDS; run again through B with no worker left,
// it waits queued, and a cancel through B ends it at once. Nothing of any batch is written and
// no gate is left open.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { expect, test } from '@playwright/test';
import { openDatabase, type Database } from '../db/client';
import { E2E_ADMIN_PASSWORD } from '../playwright.config';
import { ALL_CLOSED, count, gateValues, makeTemplate } from '../tests/helpers/substrate';
import { PG_SKIP_REASON, PG_URL } from './pg-console';

const base = Number(process.env.E2E_PORT ?? 3100);
const secret = crypto.randomBytes(32).toString('base64');

interface Instance {
  url: string;
  proc: ChildProcess;
  output: string[];
}

async function startInstance(dbUrl: string, port: number, env: Record<string, string>): Promise<Instance> {
  const output: string[] = [];
  const proc = spawn('bash', ['scripts/start.sh'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), BETTER_AUTH_SECRET: secret, IU_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD, IU_AUTH_MODE: '', IU_PUBLIC_URL: '', BETTER_AUTH_URL: '', IU_SIGNIN_MAX_ATTEMPTS: '200', ...env },
  });
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the console on ${port} exited:\n${output.join('')}`);
    const ready = await fetch(`${url}/api/health/ready`).catch(() => null);
    if (ready?.ok) return { url, proc, output };
    if (Date.now() > deadline) throw new Error(`the console on ${port} did not get ready:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test.describe('bulk jobs on two console instances', () => {
  test.skip(!PG_URL, PG_SKIP_REASON);
  let dbName = '';
  let db: Database;
  let a: Instance;
  let b: Instance;
  let cookie = '';

  const call = async (i: Instance, path: string, body?: unknown) => {
    const res = await fetch(`${i.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie, origin: i.url, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const job = async (i: Instance, id: string) => (await call(i, `/api/bulk/jobs/${id}`)).body.job;
  const until = async <T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  test.beforeAll(async () => {
    test.setTimeout(420_000);
    dbName = `iu_e2e_${crypto.randomBytes(5).toString('hex')}`;
    const admin = await openDatabase({ url: PG_URL!, max: 1 });
    await admin.exec(`CREATE DATABASE ${dbName}`);
    await admin.close();
    const u = new URL(PG_URL!);
    u.pathname = `/${dbName}`;
    a = await startInstance(u.toString(), base + 5, { IU_DRAIN_SECONDS: '2' });
    b = await startInstance(u.toString(), base + 6, { IU_WORKERS: '0' });
    db = await openDatabase({ url: u.toString(), max: 2 });
    const res = await fetch(`${a.url}/api/auth/sign-in/username`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: a.url },
      body: JSON.stringify({ username: 'admin', password: E2E_ADMIN_PASSWORD }),
    });
    expect(res.ok).toBe(true);
    cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  });

  test.afterAll(async () => {
    for (const i of [a, b]) {
      if (i?.proc.pid && i.proc.exitCode === null) {
        const exited = new Promise((r) => i.proc.once('exit', r));
        process.kill(-i.proc.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      }
    }
    await db?.close();
    if (dbName) {
      const admin = await openDatabase({ url: PG_URL!, max: 1 });
      await admin.exec(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.close();
    }
  });

  test('a bulk requested through A is cancelled through B, drained by shutdown on A, and a queued re-run is cancelled through B', async () => {
    test.setTimeout(300_000);
    const tpl = await makeTemplate(db, { pieces: 2 });
    // slowed, so each fault lands mid-run: a few ms per event-log row
    await db.exec(`
      CREATE FUNCTION e2e_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.003); RETURN NEW; END $$;
      CREATE TRIGGER e2e_slow BEFORE INSERT ON iu_auto_instantiate_event_log FOR EACH ROW EXECUTE FUNCTION e2e_slow();`);
    const tag = `two-${crypto.randomBytes(4).toString('hex')}`;
    const input = { templateCollectionId: tpl.id, n: 3000, uuidPrefix: `${crypto.randomBytes(4).toString('hex')}-`, batchTag: tag, emitMode: 'live' };
    const written = () => count(db, 'iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1', [`${tag}-%`]);

    const pre = await call(a, '/api/bulk/jobs', { ...input, preview: true });
    expect(pre.status).toBe(202);
    const planned = await until('the preflight, read through B', async () => {
      const j = await job(b, pre.body.jobId);
      return j.status === 'succeeded' && j;
    }, 120_000);
    const live = () => call(a, '/api/bulk/jobs', { ...input, planId: planned.planId, confirmText: tag, reason: 'two instances' });

    // cancel through B: B runs no worker, so the cancel reaches A's worker through the job row
    const first = await live();
    expect(first.status).toBe(202);
    await until('progress seen from B', async () => (await job(b, first.body.jobId)).done > 0, 60_000);
    const asked = Date.now();
    expect((await call(b, `/api/bulk/jobs/${first.body.jobId}/cancel`, { reason: 'through B' })).status).toBe(202);
    const cancelled = await until('the cancel', async () => {
      const j = await job(b, first.body.jobId);
      return j.status !== 'running' && j;
    }, 10_000);
    expect(cancelled).toMatchObject({ status: 'cancelled', committed: false });
    expect(cancelled.message).toMatch(/^Cancelled by admin \(through B\)/);
    expect(Date.now() - asked).toBeLessThan(5000);
    expect(await written()).toBe(0);
    expect(await gateValues(db)).toEqual(ALL_CLOSED);

    // SIGTERM on A mid-run: not ready at once, the run cancelled by shutdown after 2 s
    const second = await live();
    await until('progress seen from B', async () => (await job(b, second.body.jobId)).done > 0, 60_000);
    const exited = new Promise((r) => a.proc.once('exit', r));
    process.kill(-a.proc.pid!, 'SIGTERM');
    const ready = await until('A reporting not ready', async () => {
      const r = await fetch(`${a.url}/api/health/ready`).catch(() => null);
      return r && r.status === 503 && r.json();
    }, 2000);
    expect(ready).toMatchObject({ ready: false, reason: 'draining' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    const drained = await job(b, second.body.jobId);
    expect(drained).toMatchObject({ status: 'cancelled', committed: false });
    expect(drained.message).toMatch(/^Cancelled by shutdown/);
    expect(await written()).toBe(0);
    expect(await gateValues(db)).toEqual(ALL_CLOSED);

    // run it again through B (one click on its page): no worker is left, so it waits queued; a cancel ends it at once
    const again = await call(b, `/api/bulk/jobs/${second.body.jobId}/rerun`, {});
    expect(again.status).toBe(202);
    expect(again.body.job).toMatchObject({ status: 'queued', planId: planned.planId });
    expect((await call(b, `/api/bulk/jobs/${again.body.jobId}/cancel`, { reason: 'no worker today' })).status).toBe(202);
    expect(await job(b, again.body.jobId)).toMatchObject({ status: 'cancelled', message: expect.stringMatching(/^Cancelled by admin \(no worker today\) before it started/) });
    expect(await written()).toBe(0);
  });
});
