// The bulk preflight predicts (058) instead of writing and rolling back: it writes nothing and
// takes no id, and every item's outcome is the one the live run then gives, across chunks,
// with events already seen (replays), keys already taken (collisions) and fresh items in one
// batch. And on PostgreSQL, a job recorded by a process that works jobs starts at once (the
// process wakes its own worker) rather than at the worker's next poll.
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Identity } from '@/lib/auth/identity';
import { startBulkJob, waitForBulkJob } from '@/lib/bulk/jobs';
import { setLocalWorker } from '@/lib/jobs/engine';
import { startBulkWorker, type BulkWorker } from '@/lib/jobs/worker';
import { bulkScaleOut, type RecipeContext } from '@/lib/recipes';
import { backends, hasPostgres, useTestDatabase } from './helpers/db';
import { ALL_CLOSED, count, gateValues, makeTemplate, uniq } from './helpers/substrate';

const prefix = () => `${crypto.randomBytes(4).toString('hex')}-`;

describe.each(backends())('the bulk preflight on $name', (backend) => {
  const t = useTestDatabase(backend);
  const ctx = (): RecipeContext => ({ db: t.db, user: 'bulker', gateWaitMs: 10_000 });
  const footprint = async () =>
    JSON.stringify(
      await t.db.query(
        `SELECT (SELECT count(*) FROM iu_auto_instantiate_event_log) AS logs,
                (SELECT count(*) FROM iu_piece_collection) AS collections,
                (SELECT count(*) FROM iu_piece_collection_member) AS members,
                (SELECT last_value FROM iu_auto_instantiate_event_log_id_seq) AS seq`,
      ),
    );

  it('writes nothing, takes no id, and predicts every outcome the live run then gives (chunks of 7 and of the default)', async () => {
    const tpl = await makeTemplate(t.db, { pieces: 3 });
    const uuidPrefix = prefix();
    const batchTag = uniq('pf');
    // items 1-12 already ran live (replays now); a foreign instance holds item 20's key (a collision)
    const first = await bulkScaleOut(ctx(), {
      templateCollectionId: tpl.id,
      n: 12,
      uuidPrefix,
      batchTag,
      emitMode: 'live',
      commit: true,
    });
    expect(first.ok).toBe(true);
    await bulkScaleOut(ctx(), {
      templateCollectionId: tpl.id,
      n: 20,
      uuidPrefix: prefix(),
      batchTag,
      emitMode: 'live',
      commit: true,
    });
    const input = { templateCollectionId: tpl.id, n: 40, uuidPrefix, batchTag, emitMode: 'live' as const };
    for (const chunkSize of [7, undefined]) {
      const before = await footprint();
      const pre = await bulkScaleOut(ctx(), { ...input, commit: false, chunkSize });
      expect(await footprint()).toBe(before);
      expect(pre).toMatchObject({ ok: true, committed: false });
      if (!pre.ok) return;
      expect(pre.result.counts).toEqual({ idempotent_replay: 12, instance_collection_key_collision: 8, ok: 20 });
      expect(pre.result.items.every((i) => i.eventLogId === null)).toBe(true);
      expect(pre.result.items.filter((i) => i.status === 'ok').every((i) => i.instanceCollectionId === null)).toBe(
        true,
      );
      // a replay names the instance that exists
      expect(pre.result.items[0]).toMatchObject({
        status: 'idempotent_replay',
        instanceCollectionKey: `inst:${tpl.key}/${batchTag}-001`,
      });
      expect(pre.result.items[0].instanceCollectionId).toBe(first.ok ? first.result.items[0].instanceCollectionId : '');
      if (chunkSize === undefined) {
        const live = await bulkScaleOut(ctx(), { ...input, commit: true });
        expect(live.ok).toBe(true);
        if (!live.ok) return;
        const outcome = (i: { index: number; status: string; instanceCollectionKey: string | null }) =>
          `${i.index} ${i.status} ${i.instanceCollectionKey}`;
        expect(live.result.items.map(outcome)).toEqual(pre.result.items.map(outcome));
      }
    }
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });
});

const who: Identity = {
  userId: 'id-olga',
  username: 'olga',
  role: 'operator',
  mustChangePassword: false,
  source: 'session',
};

describe.skipIf(!hasPostgres)('waking the worker of the process that records a job (PostgreSQL)', () => {
  const t = useTestDatabase('postgres');
  let worker: BulkWorker | undefined;
  afterAll(async () => {
    await worker?.stop(5);
  });

  it('starts a recorded job at once although the worker polls once a minute, and not without the wake', async () => {
    const tpl = await makeTemplate(t.db, { pieces: 2 });
    worker = await startBulkWorker(t.db, { pollingIntervalSeconds: 60 });
    // the worker fetched once as it started; let that fetch end before asking
    await new Promise((r) => setTimeout(r, 500));
    const ask = () =>
      startBulkJob(
        { db: t.db, identity: who, request: { ip: null, userAgent: 'vitest' } },
        {
          templateCollectionId: tpl.id,
          n: 3,
          uuidPrefix: prefix(),
          batchTag: uniq('wk'),
          emitMode: 'dry_run',
          preview: true,
        },
      );
    const woken = await ask();
    if (!woken.ok) throw new Error(woken.result.message);
    const end = await waitForBulkJob(t.db, woken.jobId, 20_000);
    expect(end?.status).toBe('succeeded');

    // without the wake (as when another process records it) the job waits for the next poll
    setLocalWorker(t.db, null);
    const unwoken = await ask();
    if (!unwoken.ok) throw new Error(unwoken.result.message);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await count(t.db, `console_bulk_job WHERE id = $1 AND status = 'queued'`, [unwoken.jobId])).toBe(1);
  });
});
