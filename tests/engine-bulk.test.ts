// bulkScaleOut: N events in one transaction, all or nothing, with progress and cancel.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bulkScaleOut, readGates, type BulkProgress, type RecipeContext } from '@/lib/recipes';
import { backends, useTestDatabase } from './helpers/db';
import { failInsertsWhen, installDeliveryRetentionGuard } from './helpers/engine';
import { ALL_CLOSED, count, gateValues, makeTemplate, snapshot, uniq } from './helpers/substrate';

/** A fresh hex prefix such as `5f3a09c1-`: events of one test never meet another's. */
const prefix = () =>
  `${Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0')}-`;

describe.each(backends())('bulk scale-out on $name', (backend) => {
  const t = useTestDatabase(backend);
  const ctx = (user = 'bulker', runTag?: string): RecipeContext => ({ db: t.db, user, runTag, gateWaitMs: 10_000 });

  beforeAll(async () => {
    await installDeliveryRetentionGuard(t.db);
  });

  afterEach(async () => {
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });

  const input = (templateCollectionId: string, over: Record<string, unknown> = {}) => ({
    templateCollectionId,
    n: 60,
    uuidPrefix: prefix(),
    batchTag: uniq('batch'),
    emitMode: 'live' as 'live' | 'dry_run',
    commit: true,
    ...over,
  });

  it('makes N live instances in one transaction, recording user:tag, with the runbook event ids and suffixes', async () => {
    const tpl = await makeTemplate(t.db, { pieces: 2 });
    const i = input(tpl.id, { n: 30 });
    const r = await bulkScaleOut(ctx('bulker', 'wave-1'), i);
    expect(r).toMatchObject({
      ok: true,
      status: 'ok',
      committed: true,
      result: { total: 30, counts: { ok: 30 }, emitMode: 'live', actor: 'bulker:wave-1' },
    });
    if (!r.ok) return;
    expect(r.result.items[0]).toMatchObject({
      index: 1,
      eventId: `${i.uuidPrefix}0000-4000-8000-000000000001`,
      uniqueSuffix: `${i.batchTag}-001`,
      status: 'ok',
      instanceCollectionKey: `inst:${tpl.key}/${i.batchTag}-001`,
    });
    expect(
      await count(t.db, `iu_piece_collection WHERE instance_template_id = $1 AND created_by = 'bulker:wave-1'`, [
        tpl.id,
      ]),
    ).toBe(30);
    expect(
      await count(
        t.db,
        `iu_auto_instantiate_event_log WHERE unique_suffix LIKE $1 AND triggered_by = 'bulker:wave-1' AND status = 'ok'`,
        [`${i.batchTag}-%`],
      ),
    ).toBe(30);
    expect(
      await count(
        t.db,
        `iu_piece_collection_member m JOIN iu_piece_collection c ON c.id = m.collection_id WHERE c.instance_template_id = $1`,
        [tpl.id],
      ),
    ).toBe(60);
  });

  it('finds the template by key too, and refuses an unknown key writing nothing', async () => {
    const tpl = await makeTemplate(t.db);
    const ok = await bulkScaleOut(ctx(), { ...input(''), templateCollectionId: undefined, templateKey: tpl.key, n: 3 });
    expect(ok).toMatchObject({ ok: true, result: { templateCollectionId: tpl.id, counts: { ok: 3 } } });
    const before = await snapshot(t.db);
    const missing = await bulkScaleOut(ctx(), {
      ...input(''),
      templateCollectionId: undefined,
      templateKey: 'tpl:nope/v9',
      n: 3,
    });
    expect(missing).toMatchObject({ ok: false, status: 'template_collection_not_found', committed: false });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('answers idempotent_replay for every item when the same bulk runs again', async () => {
    const tpl = await makeTemplate(t.db);
    const i = input(tpl.id, { n: 5 });
    await bulkScaleOut(ctx(), i);
    const again = await bulkScaleOut(ctx('second'), i);
    expect(again).toMatchObject({ ok: true, committed: true, result: { counts: { idempotent_replay: 5 } } });
    expect(await count(t.db, 'iu_piece_collection WHERE instance_template_id = $1', [tpl.id])).toBe(5);
  });

  it.each(['live', 'dry_run'] as const)(
    'previews a %s bulk without writing anything when commit is false',
    async (emitMode) => {
      const tpl = await makeTemplate(t.db);
      const before = await snapshot(t.db);
      const preview = await bulkScaleOut(ctx(), input(tpl.id, { n: 40, emitMode, commit: false }));
      expect(preview).toMatchObject({ ok: true, committed: false, result: { counts: { ok: 40 } } });
      expect(await snapshot(t.db)).toEqual(before);
    },
  );

  it('keeps dryrun: instances when a dry-run bulk commits', async () => {
    const tpl = await makeTemplate(t.db);
    const r = await bulkScaleOut(ctx(), input(tpl.id, { n: 4, emitMode: 'dry_run' }));
    expect(r).toMatchObject({ ok: true, committed: true, result: { counts: { ok: 4 } } });
    expect(
      await count(t.db, `iu_piece_collection WHERE instance_template_id = $1 AND collection_key LIKE 'dryrun:%'`, [
        tpl.id,
      ]),
    ).toBe(4);
  });

  it('reports progress with increasing done counts and every item exactly once', async () => {
    const tpl = await makeTemplate(t.db);
    const calls: BulkProgress[] = [];
    const r = await bulkScaleOut(ctx(), { ...input(tpl.id, { n: 60 }), onProgress: (p) => void calls.push(p) });
    expect(r.ok).toBe(true);
    const done = calls.map((c) => c.done);
    expect(done.length).toBeGreaterThanOrEqual(2);
    for (let k = 1; k < done.length; k++) expect(done[k]).toBeGreaterThan(done[k - 1]);
    expect(done.at(-1)).toBe(60);
    expect(calls.every((c) => c.total === 60)).toBe(true);
    const seen = calls.flatMap((c) => c.items.map((it) => it.index));
    expect(seen).toEqual(Array.from({ length: 60 }, (_, k) => k + 1));
    expect(calls.at(-1)!.counts).toEqual({ ok: 60 });
  });

  it('is all or nothing: a failure mid-run leaves nothing and closes the gates', async () => {
    const tpl = await makeTemplate(t.db);
    const i = input(tpl.id, { n: 60 });
    // the 40th instance fails, after the first chunk (25) has already been reported
    const restore = await failInsertsWhen(t.db, 'iu_piece_collection', `NEW.collection_key LIKE '%/${i.batchTag}-040'`);
    try {
      const before = await snapshot(t.db);
      const progress: number[] = [];
      await expect(bulkScaleOut(ctx(), { ...i, onProgress: (p) => void progress.push(p.done) })).rejects.toThrow();
      expect(progress).toEqual([25]);
      expect(await snapshot(t.db)).toEqual(before);
    } finally {
      await restore();
    }
  });

  it('rolls everything back with status cancelled when the signal aborts mid-run', async () => {
    const tpl = await makeTemplate(t.db);
    const before = await snapshot(t.db);
    const ac = new AbortController();
    const r = await bulkScaleOut(ctx(), {
      ...input(tpl.id, { n: 60 }),
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done >= 25) ac.abort();
      },
    });
    expect(r).toMatchObject({ ok: false, status: 'cancelled', committed: false });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('rolls everything back with status cancelled when the signal aborts after the last item', async () => {
    const tpl = await makeTemplate(t.db);
    const before = await snapshot(t.db);
    const ac = new AbortController();
    const r = await bulkScaleOut(ctx(), {
      ...input(tpl.id, { n: 10 }),
      signal: ac.signal,
      onProgress: (p) => void (p.done === 10 && ac.abort()),
    });
    expect(r).toMatchObject({ ok: false, status: 'cancelled', committed: false });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('pads suffixes to the width of N: 1000 items make 1000 instances with no collision', async () => {
    const tpl = await makeTemplate(t.db, { pieces: 1 });
    const i = input(tpl.id, { n: 1000 });
    const r = await bulkScaleOut(ctx(), i);
    expect(r).toMatchObject({ ok: true, committed: true, result: { counts: { ok: 1000 } } });
    if (!r.ok) return;
    expect(r.result.items[0].uniqueSuffix).toBe(`${i.batchTag}-0001`);
    expect(r.result.items[99].uniqueSuffix).toBe(`${i.batchTag}-0100`);
    expect(r.result.items[999].uniqueSuffix).toBe(`${i.batchTag}-1000`);
    expect(new Set(r.result.items.map((x) => x.instanceCollectionKey)).size).toBe(1000);
    expect(await count(t.db, 'iu_piece_collection WHERE instance_template_id = $1', [tpl.id])).toBe(1000);
    expect((await readGates(t.db)).every((g) => !g.open)).toBe(true);
  });
});
