// Progress on the embedded PGlite: the batch's one transaction runs inside this process, so a
// request (a progress poll) is answered only if the run gives the event loop time between
// chunks. Here an HTTP server in the test's process answers polls the way the console's
// route does (several event-loop turns, then the job from memory), while a 2,000-item live
// run holds the database: some poll must see it strictly between 0 and 100 %, and the run
// must still commit exactly its plan. Before the pause between chunks, the first poll
// answered only after the whole run, at 100 %.
import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '@/lib/auth/authorize';
import { getBulkJob, startBulkJob, waitForBulkJob, type BulkJobView } from '@/lib/bulk/jobs';
import { PGLITE_CHUNK, yieldBetweenChunks } from '@/lib/bulk/job-run';
import { useTestDatabase } from './helpers/db';
import { ALL_CLOSED, count, gateValues, makeTemplate, uniq, type Template } from './helpers/substrate';

describe('bulk progress on PGlite', () => {
  const t = useTestDatabase('pglite');
  let tpl: Template;
  let server: http.Server;
  let port = 0;
  let jobId = '';
  const caller = (): Caller => ({
    db: t.db,
    identity: { userId: 'id-olga', username: 'olga', role: 'operator', mustChangePassword: false, source: 'session' },
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });

  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 8 });
    server = http.createServer(async (_req, res) => {
      // a route handler takes several turns of the event loop before it reads anything
      for (let k = 0; k < 5; k++) await new Promise((r) => setTimeout(r, 0));
      const j = await getBulkJob(t.db, jobId);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: j?.status, done: j?.done, total: j?.total }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers polls between chunks while a 2,000-item live run holds the database, then commits its plan', async () => {
    const i = {
      templateCollectionId: tpl.id,
      n: 2000,
      uuidPrefix: `${crypto.randomBytes(4).toString('hex')}-`,
      batchTag: uniq('wave'),
      emitMode: 'live',
    };
    const pre = await startBulkJob(caller(), { ...i, preview: true });
    if (!pre.ok) throw new Error(pre.result.message);
    const plan = (await waitForBulkJob(t.db, pre.jobId)) as BulkJobView;
    expect(plan).toMatchObject({ status: 'succeeded', counts: { ok: 2000 } });

    const run = await startBulkJob(caller(), {
      ...i,
      preview: false,
      planId: plan.planId,
      confirmText: i.batchTag,
      reason: 'scale out for the launch',
    });
    if (!run.ok) throw new Error(run.result.message);
    jobId = run.jobId;
    // the request answers once the run has started, not once it has ended
    expect(run.job.status).toBe('running');

    const seen: { status: string; done: number; total: number }[] = [];
    for (;;) {
      const a = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as (typeof seen)[number];
      seen.push(a);
      if (a.status !== 'running' && a.status !== 'queued') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const between = seen.filter((s) => s.status === 'running' && s.done > 0 && s.done < s.total);
    expect(between.length).toBeGreaterThanOrEqual(2);
    // progress only moves forward
    expect(seen.map((s) => s.done)).toEqual([...seen.map((s) => s.done)].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ status: 'succeeded', done: 2000 });

    const end = (await waitForBulkJob(t.db, jobId)) as BulkJobView;
    expect(end).toMatchObject({ status: 'succeeded', committed: true, counts: { ok: 2000 }, planId: plan.planId });
    expect(
      await count(t.db, `iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1 AND status = 'ok'`, [
        `${i.batchTag}-%`,
      ]),
    ).toBe(2000);
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });

  it('pauses for half the last chunk on PGlite (20 to 250 ms) and one turn on PostgreSQL', async () => {
    expect(PGLITE_CHUNK).toBeLessThanOrEqual(100);
    let at = Date.now();
    const next = await yieldBetweenChunks('pglite', at - 200);
    expect(next - at).toBeGreaterThanOrEqual(95);
    at = Date.now();
    await yieldBetweenChunks('pglite', at);
    expect(Date.now() - at).toBeGreaterThanOrEqual(19);
    at = Date.now();
    await yieldBetweenChunks('postgres', at - 10_000);
    expect(Date.now() - at).toBeLessThan(100);
  });
});
