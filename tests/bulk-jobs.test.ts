// Console bulk jobs (lib/bulk/jobs.ts, migration 043) on each backend: a job starts through
// the authorized wrapper with the bulk definition's rules, runs in the background with live
// progress, records its row and every item at the end, rolls everything back on cancel, and
// a job left "running" by a process that is gone reads as interrupted.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { listAudit } from '@/lib/auth/audit';
import {
  anyJobRunning,
  cancelBulkJobDefinition,
  getBulkJob,
  INTERRUPTED_MESSAGE,
  listBulkJobItems,
  listBulkJobs,
  markInterrupted,
  runnerId,
  startBulkJob,
  waitForBulkJob,
  type BulkJobView,
} from '@/lib/bulk/jobs';
import { state as jobsState } from '@/lib/bulk/job-state';
import { startBulkWorker, type BulkWorker } from '@/lib/jobs/worker';
import { backends, useTestDatabase } from './helpers/db';
import { failInsertsWhen } from './helpers/engine';
import { ALL_CLOSED, count, gateValues, makeTemplate, snapshot, uniq, type Template } from './helpers/substrate';

const who = (username: string, role: Role | null): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: 'session',
});
/** The substrate's tables only: the console's own audit and job rows are expected to change. */
const substrate = async (db: Parameters<typeof snapshot>[0]) =>
  Object.fromEntries(Object.entries(await snapshot(db)).filter(([k]) => !k.startsWith('console_')));
const prefix = () => `${crypto.randomBytes(4).toString('hex')}-`;

describe.each(backends())('console bulk jobs on $name', (backend) => {
  const t = useTestDatabase(backend);
  let tpl: Template;
  const caller = (identity: Identity | null = who('olga', 'operator')): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const input = (over: Record<string, unknown> = {}) => ({
    templateCollectionId: tpl.id,
    n: 40,
    uuidPrefix: prefix(),
    batchTag: uniq('wave'),
    emitMode: 'live',
    ...over,
  });

  /** Starts a job and waits for its end. */
  const run = async (raw: Record<string, unknown>, c = caller()): Promise<BulkJobView> => {
    const s = await startBulkJob(c, raw);
    if (!s.ok) throw new Error(`refused: ${s.result.status} ${s.result.message}`);
    return (await waitForBulkJob(t.db, s.jobId))!;
  };

  /** Asks to cancel a job through the action wrapper, as the cancel route does. */
  const cancel = (jobId: string, identity: Identity, reason: string | undefined = 'stop it') =>
    executeAuthorized(cancelBulkJobDefinition, caller(identity), { jobId, reason });

  // on PostgreSQL a pg-boss worker runs the jobs (here, in the test's process); on PGlite the process runs them itself
  let worker: BulkWorker | undefined;
  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 2 });
    if (backend.name === 'postgres') worker = await startBulkWorker(t.db, { pollingIntervalSeconds: 0.5 });
  });
  afterAll(async () => {
    await worker?.stop(5);
  });

  it('a run asked for with an API token keeps the token: the audit row of the run names it', async () => {
    const via = { kind: 'token' as const, id: 7, name: 'nightly', prefix: 'iuc_AbCdEfGh', scope: 'operate' as const };
    const pre = await run(
      { ...input(), n: 3, preview: true },
      caller({ ...who('olga', 'operator'), source: 'token', via }),
    );
    expect(pre).toMatchObject({ status: 'succeeded', mode: 'preview', username: 'olga' });
    const [row] = await t.db.query<{ audit_id: number; source: string }>(
      'SELECT audit_id, source FROM console_bulk_job WHERE id = $1',
      [pre.id],
    );
    expect(row.source).toBe('token');
    const [audit] = await listAudit(t.db.orm, { id: Number(row.audit_id) });
    expect(audit).toMatchObject({ username: 'olga', via: 'token "nightly" (iuc_AbCdEfGh…, operate)' });
  });

  it('runs a preflight then the live batch, records both jobs with counts, items and the audit row of the signed-in user', async () => {
    const i = input();
    const pre = await run({ ...i, preview: true });
    expect(pre).toMatchObject({
      status: 'succeeded',
      mode: 'preview',
      committed: false,
      total: 40,
      done: 40,
      counts: { ok: 40 },
      username: 'olga',
      actor: 'olga',
    });
    expect(await count(t.db, 'iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1', [`${i.batchTag}-%`])).toBe(0);

    expect(pre.planId).toEqual(expect.any(Number));
    const live = await run({
      ...i,
      preview: false,
      planId: pre.planId,
      confirmText: i.batchTag,
      reason: 'scale out for the launch',
    });
    expect(live).toMatchObject({
      status: 'succeeded',
      mode: 'live',
      committed: true,
      counts: { ok: 40 },
      resultStatus: 'ok',
      reason: 'scale out for the launch',
      planId: pre.planId,
    });
    expect(
      await count(
        t.db,
        `iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1 AND triggered_by = 'olga' AND status = 'ok'`,
        [`${i.batchTag}-%`],
      ),
    ).toBe(40);
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);

    // the row, read back from the database once the process has let go of it
    const [row] = await t.db.query<{
      status: string;
      done: number;
      counts: Record<string, number>;
      audit_id: number;
      runner: string;
      finished_at: Date;
    }>('SELECT status, done, counts, audit_id, runner, finished_at FROM console_bulk_job WHERE id = $1', [live.id]);
    expect(row).toMatchObject({ status: 'succeeded', done: 40, counts: { ok: 40 }, runner: runnerId() });
    expect(row.finished_at).toBeInstanceOf(Date);
    const audit = (await listAudit(t.db.orm, { limit: 5 })).find((a) => a.id === Number(row.audit_id));
    expect(audit).toMatchObject({
      recipe: 'bulk_scale_out',
      mode: 'live',
      decision: 'ok',
      committed: true,
      username: 'olga',
      actor: 'olga',
    });
    expect(await count(t.db, 'console_bulk_job_item WHERE job_id = $1', [live.id])).toBe(40);
    expect(await count(t.db, 'console_bulk_job_item WHERE job_id = $1', [pre.id])).toBe(40);

    const first = await listBulkJobItems(t.db, live.id, { limit: 3 });
    expect(first.items.map((x) => [x.seq, x.eventId, x.uniqueSuffix, x.instanceCollectionKey])).toEqual([
      [1, `${i.uuidPrefix}0000-4000-8000-000000000001`, `${i.batchTag}-001`, `inst:${tpl.key}/${i.batchTag}-001`],
      [2, `${i.uuidPrefix}0000-4000-8000-000000000002`, `${i.batchTag}-002`, `inst:${tpl.key}/${i.batchTag}-002`],
      [3, `${i.uuidPrefix}0000-4000-8000-000000000003`, `${i.batchTag}-003`, `inst:${tpl.key}/${i.batchTag}-003`],
    ]);
    expect(first).toMatchObject({ prev: null, next: 3 });
    const second = await listBulkJobItems(t.db, live.id, { limit: 3, after: 3 });
    expect(second.items.map((x) => x.seq)).toEqual([4, 5, 6]);
    expect(second).toMatchObject({ prev: 4, next: 6 });
    const back = await listBulkJobItems(t.db, live.id, { limit: 3, before: 4 });
    expect(back.items.map((x) => x.seq)).toEqual([1, 2, 3]);
    expect(back.prev).toBeNull();
    expect((await listBulkJobs(t.db)).map((j) => j.id)).toEqual(expect.arrayContaining([live.id, pre.id]));
  });

  it("records a live job's items chunk by chunk with the batch: every item equals its log row and instance, across chunk ends", async () => {
    // 530 items cross the first chunk (25) and a full one on PostgreSQL (500), and several on PGlite
    const i = input({ n: 530 });
    const pre = await run({ ...i, preview: true });
    const live = await run({ ...i, planId: pre.planId, confirmText: i.batchTag, reason: 'chunked items' });
    expect(live).toMatchObject({ status: 'succeeded', committed: true, counts: { ok: 530 } });
    // read back as the job page reads them: keyset pages of at most 500
    const first = await listBulkJobItems(t.db, live.id, { limit: 500 });
    const items = [
      ...first.items,
      ...(await listBulkJobItems(t.db, live.id, { limit: 500, after: first.next! })).items,
    ];
    expect(items.map((x) => x.seq)).toEqual(Array.from({ length: 530 }, (_, k) => k + 1));
    // the same facts read from the substrate: the log row each item names, and its instance
    const truth = await t.db.query<{
      id: string;
      event_id: string;
      unique_suffix: string;
      status: string;
      inst: string;
      key: string;
    }>(
      `SELECT l.id::text, l.event_id::text, l.unique_suffix, l.status, l.instance_collection_id::text AS inst,
              c.collection_key AS key
         FROM iu_auto_instantiate_event_log l JOIN iu_piece_collection c ON c.id = l.instance_collection_id
        WHERE l.unique_suffix LIKE $1 AND l.triggered_by = 'olga'`,
      [`${i.batchTag}-%`],
    );
    const byLog = new Map(truth.map((r) => [r.id, r]));
    expect(truth).toHaveLength(530);
    for (const x of items) {
      const k = String(x.seq).padStart(12, '0');
      const row = byLog.get(String(x.eventLogId));
      expect(row, `item ${x.seq}'s log row`).toBeDefined();
      expect([x.eventId, x.uniqueSuffix, x.status, x.instanceCollectionId, x.instanceCollectionKey]).toEqual([
        row!.event_id,
        row!.unique_suffix,
        row!.status,
        row!.inst,
        row!.key,
      ]);
      expect(x.eventId).toBe(`${i.uuidPrefix}0000-4000-8000-${k}`);
      expect(x.uniqueSuffix).toBe(`${i.batchTag}-${String(x.seq).padStart(3, '0')}`);
    }
  });

  it('refuses a live run without a preflight plan or without the typed batch tag: no job, nothing written', async () => {
    const i = input();
    const before = await substrate(t.db);
    const jobs = await count(t.db, 'console_bulk_job');
    const noPreview = await startBulkJob(caller(), { ...i, confirmText: i.batchTag, reason: 'go' });
    expect(noPreview).toMatchObject({ ok: false, result: { status: 'plan_required' } });
    const pre = await run({ ...i, preview: true });
    const noTag = await startBulkJob(caller(), { ...i, planId: pre.planId, confirmText: 'wrong', reason: 'go' });
    expect(noTag).toMatchObject({ ok: false, result: { status: 'confirmation_required' } });
    const viewer = await startBulkJob(caller(who('vera', 'viewer')), { ...i, preview: true });
    expect(viewer).toMatchObject({ ok: false, result: { decision: 'denied' } });
    const badPrefix = await startBulkJob(caller(), { ...i, uuidPrefix: '25000bk0-', preview: true });
    expect(badPrefix).toMatchObject({ ok: false, result: { status: 'invalid_input' } });
    expect(await substrate(t.db)).toEqual(before);
    expect(await count(t.db, 'console_bulk_job')).toBe(jobs + 1);
  });

  it('records per-item refusals: a second batch with the same tag but new event ids collides on every key', async () => {
    const i = input({ n: 5 });
    const first = await run({ ...i, preview: true });
    await run({ ...i, planId: first.planId, confirmText: i.batchTag, reason: 'first' });
    const again = { ...i, uuidPrefix: prefix() };
    const pre = await run({ ...again, preview: true });
    expect(pre).toMatchObject({ status: 'succeeded', counts: { instance_collection_key_collision: 5 } });
    const refused = await listBulkJobItems(t.db, pre.id, { status: 'refused' });
    expect(refused.items).toHaveLength(5);
    expect(await listBulkJobItems(t.db, pre.id, { status: 'ok' })).toMatchObject({ items: [] });
  });

  it('shows live progress while it runs and rolls everything back on cancel', async () => {
    const i = input({ n: 3000 });
    const pre = await run({ ...i, preview: true });
    const before = await substrate(t.db);
    // the run is held after its first chunks until the cancel below aborts it, so it can
    // neither finish first nor be cancelled before it made progress, however fast the machine
    let held!: () => void;
    const heldAt = new Promise<void>((resolve) => (held = resolve));
    jobsState().afterChunk = async (job) => {
      if (job.done < 25 || job.controller.signal.aborted) return;
      held();
      await new Promise((resolve) => job.controller.signal.addEventListener('abort', resolve, { once: true }));
    };
    try {
      const s = await startBulkJob(caller(), {
        ...i,
        planId: pre.planId,
        confirmText: i.batchTag,
        reason: 'to be cancelled',
      });
      if (!s.ok) throw new Error(s.result.message);
      if (backend.name === 'pglite') expect(anyJobRunning()).toBe(true);
      // its progress, read from memory (on PGlite the database is held by the run)
      await heldAt;
      const view = (await getBulkJob(t.db, s.jobId))!;
      expect(view).toMatchObject({ status: 'running', live: true, total: 3000 });
      expect(view.done).toBeGreaterThan(0);
      expect(view.done).toBeLessThan(3000);
      // someone else may not cancel it; a lead may, and so may its owner
      // (on PGlite the audit rows of these attempts wait for the run's transaction to end, so
      // the refused one is not awaited before the owner's cancel)
      const denied = cancel(s.jobId, who('otto', 'operator'));
      expect(await cancel(s.jobId, who('olga', 'operator'), 'wrong batch')).toMatchObject({
        ok: true,
        result: { cancelRequested: true },
      });
      expect(await denied).toMatchObject({ ok: false, status: 'denied' });
      const end = (await waitForBulkJob(t.db, s.jobId))!;
      expect(end).toMatchObject({ status: 'cancelled', resultStatus: 'cancelled', committed: false });
      expect(end.message).toMatch(/^Cancelled by olga \(wrong batch\) after [\d,]+ of 3,000 items/);
      expect(await substrate(t.db)).toEqual(before);
      expect(await count(t.db, 'iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1', [`${i.batchTag}-%`])).toBe(
        0,
      );
      expect(await count(t.db, 'console_bulk_job_item WHERE job_id = $1', [s.jobId])).toBe(0);
      expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
      expect(await cancel(s.jobId, who('olga', 'operator'))).toMatchObject({ ok: false, status: 'not_running' });
      expect(await cancel(s.jobId, who('olga', 'operator'), '')).toMatchObject({
        ok: false,
        decision: 'invalid',
        issues: [{ field: 'reason' }],
      });
      const trail = await listAudit(t.db.orm, { limit: 6 });
      expect(trail.find((a) => a.recipe === 'bulk_scale_out')).toMatchObject({
        status: 'cancelled',
        committed: false,
        username: 'olga',
      });
      // every cancel attempt is in the trail, with who asked and why
      // (the denied attempt and the owner's cancel race each other to the trail: compare as a set)
      const cancels = trail
        .filter((a) => a.recipe === 'bulk_cancel')
        .map((a) => [a.username, a.decision, a.status, a.reason]);
      expect(cancels).toHaveLength(4);
      expect(cancels).toEqual(
        expect.arrayContaining([
          ['olga', 'invalid', 'invalid_input', null],
          ['olga', 'refused', 'not_running', 'stop it'],
          ['olga', 'ok', 'ok', 'wrong batch'],
          ['otto', 'refused', 'denied', 'stop it'],
        ]),
      );
    } finally {
      jobsState().afterChunk = undefined;
    }
  });

  it('writes a committed batch and its job record in one transaction: a failure at the commit leaves neither', async () => {
    const i = input({ n: 30 });
    const pre = await run({ ...i, preview: true });
    const before = await substrate(t.db);
    // the audit row is the last write of the batch's transaction, after the job's end and items
    const restore = await failInsertsWhen(
      t.db,
      'console_audit_log',
      `NEW.committed AND NEW.params->>'batchTag' = '${i.batchTag}'`,
    );
    try {
      const end = await run({ ...i, planId: pre.planId, confirmText: i.batchTag, reason: 'will fail at the commit' });
      expect(end).toMatchObject({ status: 'failed', committed: false, resultStatus: 'error' });
    } finally {
      await restore();
    }
    expect(await substrate(t.db)).toEqual(before);
    const [row] = await t.db.query<{ status: string; committed: boolean }>(
      `SELECT status, committed FROM console_bulk_job WHERE params->>'batchTag' = $1 AND mode = 'live'`,
      [i.batchTag],
    );
    expect(row).toEqual({ status: 'failed', committed: false });
    expect(
      await count(
        t.db,
        `console_bulk_job_item x JOIN console_bulk_job j ON j.id = x.job_id WHERE j.params->>'batchTag' = $1 AND j.mode = 'live'`,
        [i.batchTag],
      ),
    ).toBe(0);
  });

  it('marks a job no live process runs as interrupted when it is read', async () => {
    const id = crypto.randomUUID();
    const stale = new Date(Date.now() - 5 * 60_000);
    // left by a process that died: another runner, no heartbeat for five minutes
    await t.db.query(
      `INSERT INTO console_bulk_job (id, username, actor, params, mode, status, total, done, runner, started_at, updated_at)
       VALUES ($1, 'olga', 'olga', '{}'::jsonb, 'live', 'running', 100, 50, 'gone-host:1:dead', $2, $2)`,
      [id, stale],
    );
    const view = await getBulkJob(t.db, id);
    expect(view).toMatchObject({
      status: 'interrupted',
      resultStatus: 'interrupted',
      message: INTERRUPTED_MESSAGE,
      done: 50,
      live: false,
    });
    const [row] = await t.db.query<{ status: string }>('SELECT status FROM console_bulk_job WHERE id = $1', [id]);
    expect(row.status).toBe('interrupted');
    expect(await getBulkJob(t.db, crypto.randomUUID())).toBeNull();
    expect(await getBulkJob(t.db, 'not-a-uuid')).toBeNull();
  });

  it(`treats a running row as ${backend.name === 'pglite' ? 'interrupted at once on PGlite (one process)' : 'alive on PostgreSQL while another runner keeps its heartbeat'}`, async () => {
    const id = crypto.randomUUID();
    await t.db.query(
      `INSERT INTO console_bulk_job (id, username, actor, params, mode, status, total, runner)
       VALUES ($1, 'olga', 'olga', '{}'::jsonb, 'live', 'running', 10, 'other-host:2:alive')`,
      [id],
    );
    await markInterrupted(t.db);
    const [row] = await t.db.query<{ status: string }>('SELECT status FROM console_bulk_job WHERE id = $1', [id]);
    expect(row.status).toBe(backend.name === 'pglite' ? 'interrupted' : 'running');
    await t.db.query(`UPDATE console_bulk_job SET status = 'interrupted' WHERE id = $1`, [id]);
  });
});
