// Per-batch rollback (lib/recipes/rollback-batch) through the one wrapper, on PGlite and
// PostgreSQL: a dry run is a plan listing the batch's standing instances by template; the
// durable run applies exactly that plan, or nothing. Operators roll back their own batches,
// leads anyone's; a viewer, another operator, another person's plan, a changed batch, an
// actor with instances outside the batch, a malformed job id: each refused, nothing written
// but the audit row, every gate closed after.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { startBulkJob, waitForBulkJob, type BulkJobView } from '@/lib/bulk/jobs';
import { startBulkWorker, type BulkWorker } from '@/lib/jobs/worker';
import { getRolledBackInstance } from '@/lib/queries/instances';
import { instantiateFromEvent } from '@/lib/recipes/instantiate-from-event/recipe';
import { definition as rollbackBatchDefinition } from '@/lib/recipes/rollback-batch/recipe';
import { rollbackByActor } from '@/lib/recipes/rollback-by-actor/recipe';
import { backends, useTestDatabase } from './helpers/db';
import { ALL_CLOSED, count, gateValues, makeTemplate, uniq, type Template } from './helpers/substrate';

const who = (username: string, role: Role | null): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: 'session',
});

describe.each(backends())('rollback of one bulk batch on $name', (backend) => {
  const t = useTestDatabase(backend);
  let tpl: Template;
  let worker: BulkWorker | undefined;
  const caller = (identity: Identity | null): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const olga = who('olga', 'operator');

  /** A committed live batch of `n` by `as`, with its own run tag unless `runTag` says otherwise. */
  const batch = async (as: Identity, n = 30, runTag: string | null = uniq('w')): Promise<BulkJobView> => {
    const i = {
      templateCollectionId: tpl.id,
      n,
      uuidPrefix: `${crypto.randomBytes(4).toString('hex')}-`,
      batchTag: uniq('wave'),
      emitMode: 'live',
      ...(runTag ? { runTag } : {}),
    };
    const pre = await startBulkJob(caller(as), { ...i, preview: true });
    if (!pre.ok) throw new Error(pre.result.message);
    const plan = (await waitForBulkJob(t.db, pre.jobId))!;
    const run = await startBulkJob(caller(as), {
      ...i,
      preview: false,
      planId: plan.planId,
      confirmText: i.batchTag,
      reason: 'scale out',
    });
    if (!run.ok) throw new Error(run.result.message);
    const end = (await waitForBulkJob(t.db, run.jobId))!;
    expect(end).toMatchObject({ status: 'succeeded', committed: true });
    return end;
  };
  const standing = (actor: string) =>
    count(t.db, `iu_auto_instantiate_event_log WHERE triggered_by = $1 AND status = 'ok' AND rolled_back_at IS NULL`, [
      actor,
    ]);
  const dryRun = (as: Identity | null, jobId: string) =>
    executeAuthorized(rollbackBatchDefinition, caller(as), { jobId, durable: false });
  const apply = (as: Identity, jobId: string, planId: number | undefined, confirmText: string) =>
    executeAuthorized(rollbackBatchDefinition, caller(as), {
      jobId,
      durable: true,
      planId,
      confirmText,
      reason: 'wrong template',
    });

  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 2 });
    if (backend.name === 'postgres') worker = await startBulkWorker(t.db, { pollingIntervalSeconds: 0.5 });
  });
  afterAll(async () => {
    await worker?.stop(5);
  });

  it('plans, then rolls back exactly its own batch; the instance keeps its history; gates closed after', async () => {
    const job = await batch(olga);
    const plan = await dryRun(olga, job.id);
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.committed).toBe(false);
    expect(plan.result).toMatchObject({
      instanceCount: 30,
      byTemplate: { [tpl.key]: 30 },
      batchTag: job.params.batchTag,
    });
    expect(await standing(job.actor)).toBe(30);

    // the typed batch tag is checked by the server
    const wrongTyped = await apply(olga, job.id, plan.plan?.id, 'not-the-tag');
    expect(wrongTyped).toMatchObject({ ok: false, status: 'confirmation_required' });
    expect(await standing(job.actor)).toBe(30);

    const done = await apply(olga, job.id, plan.plan?.id, job.params.batchTag);
    if (!done.ok) throw new Error(done.message);
    expect(done).toMatchObject({ committed: true, result: { instanceCount: 30, rolledBackBy: 'olga' } });
    expect(await standing(job.actor)).toBe(0);
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
    // a plan applies once
    expect(await apply(olga, job.id, plan.plan?.id, job.params.batchTag)).toMatchObject({
      ok: false,
      status: 'plan_used',
    });
    // an instance of it keeps its history, with the rollback's audit row and reason
    const [item] = await t.db.query<{ instance_collection_id: string }>(
      `SELECT instance_collection_id FROM console_bulk_job_item WHERE job_id = $1 ORDER BY seq LIMIT 1`,
      [job.id],
    );
    const h = await getRolledBackInstance(t.db, item.instance_collection_id);
    expect(h).toMatchObject({ createdBy: job.actor, rolledBackBy: 'olga', batchTag: job.params.batchTag });
    expect(h?.rollbackAudit).toMatchObject({ recipe: 'rollback_batch', reason: 'wrong template' });
  });

  it("refuses a viewer, another operator and another person's plan; a lead may roll back anyone's batch", async () => {
    const job = await batch(olga);
    expect(await dryRun(who('vic', 'viewer'), job.id)).toMatchObject({ ok: false, decision: 'denied' });
    expect(await dryRun(null, job.id)).toMatchObject({ ok: false, decision: 'unauthenticated' });
    const other = await dryRun(who('pia', 'operator'), job.id);
    expect(other).toMatchObject({ ok: false, status: 'denied' });
    expect(other.message).toContain('Only olga, who ran this batch, or a lead');

    const mine = await dryRun(olga, job.id);
    if (!mine.ok) throw new Error(mine.message);
    // a lead applying olga's plan: someone else's plan reads as no plan
    const lead = who('lena', 'lead');
    expect(await apply(lead, job.id, mine.plan?.id, job.params.batchTag)).toMatchObject({
      ok: false,
      status: 'plan_required',
    });
    expect(await standing(job.actor)).toBe(30);
    const leadPlan = await dryRun(lead, job.id);
    if (!leadPlan.ok) throw new Error(leadPlan.message);
    const done = await apply(lead, job.id, leadPlan.plan?.id, job.params.batchTag);
    expect(done).toMatchObject({ ok: true, committed: true, result: { instanceCount: 30, rolledBackBy: 'lena' } });
    expect(await standing(job.actor)).toBe(0);
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });

  it('refuses an apply when the batch changed since the plan (plan_stale), writing nothing', async () => {
    const job = await batch(olga);
    const plan = await dryRun(olga, job.id);
    if (!plan.ok) throw new Error(plan.message);
    // meanwhile a lead rolls back the whole actor
    await rollbackByActor({ db: t.db, user: 'lena' }, { actor: job.actor, dryRun: false });
    const stale = await apply(olga, job.id, plan.plan?.id, job.params.batchTag);
    expect(stale).toMatchObject({ ok: false, status: 'plan_stale', committed: false });
    expect(stale.message).toContain('has no standing instance');
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });

  it('refuses a batch whose actor has instances outside it: the substrate rolls back by actor only', async () => {
    const job = await batch(olga, 20, null);
    // olga (no run tag) also has a single instance
    const single = await instantiateFromEvent(
      { db: t.db, user: 'olga' },
      {
        eventId: crypto.randomUUID(),
        eventType: 'order_placed',
        templateCollectionId: tpl.id,
        uniqueSuffix: uniq('single'),
        emitMode: 'live',
        commit: true,
      },
    );
    expect(single.ok).toBe(true);
    const before = await standing('olga');
    const r = await dryRun(olga, job.id);
    expect(r).toMatchObject({ ok: false, status: 'batch_not_isolated', committed: false });
    expect(r.message).toContain('outside batch');
    expect(await standing('olga')).toBe(before);
  });

  it('answers malformed and unknown job ids, and a preflight, with a sentence and writes nothing', async () => {
    expect(await dryRun(olga, 'x\u0000')).toMatchObject({ ok: false, decision: 'invalid' });
    expect(await dryRun(olga, 'not-a-job')).toMatchObject({ ok: false, status: 'invalid_input' });
    expect(await dryRun(olga, crypto.randomUUID())).toMatchObject({ ok: false, status: 'not_found' });
    const [pre] = await t.db.query<{ id: string }>(
      `SELECT id FROM console_bulk_job WHERE mode = 'preview' AND username = 'olga' LIMIT 1`,
    );
    const r = await dryRun(olga, pre.id);
    expect(r).toMatchObject({ ok: false, status: 'not_found' });
    expect(r.message).toContain('committed nothing');
  });
});
