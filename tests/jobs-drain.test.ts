// The drain of a console process (SIGTERM): a running bulk job that cannot finish within the
// drain is cancelled by shutdown (rolled back, its end recorded), one that can finishes, and
// afterwards this process starts no run of its own (PGlite) or takes no job (PostgreSQL).
// Its own file: a drain is for the whole process.
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '@/lib/auth/identity';
import { drainBulkJobs, getBulkJob, isDraining, startBulkJob, waitForBulkJob } from '@/lib/bulk/jobs';
import { startBulkWorker, type BulkWorker } from '@/lib/jobs/worker';
import { backends, useTestDatabase } from './helpers/db';
import { ALL_CLOSED, count, gateValues, makeTemplate, uniq, type Template } from './helpers/substrate';

const olga: Identity = {
  userId: 'id-olga',
  username: 'olga',
  role: 'operator',
  mustChangePassword: false,
  source: 'session',
};

// one backend per run of this file's process: the drain cannot be undone
const backend = backends().at(-1)!;

describe(`the drain on ${backend.name}`, () => {
  const t = useTestDatabase(backend);
  let tpl: Template;
  let worker: BulkWorker | undefined;
  const caller = () => ({ db: t.db, identity: olga, request: { ip: null, userAgent: 'vitest' } });
  const input = () => ({
    templateCollectionId: tpl.id,
    n: 3000,
    uuidPrefix: `${crypto.randomBytes(4).toString('hex')}-`,
    batchTag: uniq('drain'),
    emitMode: 'live',
  });

  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 2 });
    if (backend.name === 'postgres') worker = await startBulkWorker(t.db, { pollingIntervalSeconds: 0.5 });
  });

  it('cancels by shutdown a run that does not finish within the drain; nothing written, no gate open', async () => {
    const i = input();
    const pre = await startBulkJob(caller(), { ...i, preview: true });
    if (!pre.ok) throw new Error(pre.result.message);
    const planned = (await waitForBulkJob(t.db, pre.jobId))!;
    const s = await startBulkJob(caller(), {
      ...i,
      planId: planned.planId,
      confirmText: i.batchTag,
      reason: 'drained',
    });
    if (!s.ok) throw new Error(s.result.message);
    for (let k = 0; k < 200; k++) {
      const v = await getBulkJob(t.db, s.jobId);
      if (v && v.status === 'running' && v.done > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (worker) await worker.stop(0.1);
    else await drainBulkJobs(0.1);
    expect(isDraining()).toBe(true);
    const end = (await waitForBulkJob(t.db, s.jobId, 10_000))!;
    expect(end).toMatchObject({ status: 'cancelled', committed: false });
    expect(end.message).toMatch(
      /^Cancelled by shutdown \(the console instance was stopped and the run did not finish within 0.1 s\)/,
    );
    expect(await count(t.db, 'iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1', [`${i.batchTag}-%`])).toBe(0);
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
    if (backend.name === 'pglite') {
      // a draining PGlite console starts no run of its own
      expect(await startBulkJob(caller(), { ...input(), preview: true })).toMatchObject({
        ok: false,
        result: { status: 'draining' },
      });
    } else {
      // on PostgreSQL the request is still recorded, for another instance's worker
      const queued = await startBulkJob(caller(), { ...input(), preview: true });
      expect(queued).toMatchObject({ ok: true, job: { status: 'queued' } });
    }
  });
});
