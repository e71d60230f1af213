// Bulk runs as batches (lib/queries/batches.ts) and the history of a rolled-back instance
// (lib/queries/instances.ts, migration 055), on PGlite and PostgreSQL: a bulk run is one
// timeline entry with its counts and who rolled it back when; its rows open 50 at a time by
// keyset; single events stay single rows, also when their suffix ends in digits; an instance
// removed by a rollback keeps its history, and an id or key nothing ever made has none.
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bulkScaleOut } from '@/lib/recipes/bulk-scale-out/recipe';
import { instantiateFromEvent } from '@/lib/recipes/instantiate-from-event/recipe';
import { rollbackByActor } from '@/lib/recipes/rollback-by-actor/recipe';
import type { RecipeContext } from '@/lib/recipes/types';
import { getActorTimeline } from '@/lib/queries/actors';
import {
  batchId,
  batchTitle,
  listActorBatches,
  listBatchRows,
  parseBatchKey,
  summarizeBatches,
} from '@/lib/queries/batches';
import { decodeCursor, listEvents, type EventRow } from '@/lib/queries/events';
import type { EventFilters } from '@/lib/queries/events-sql';
import { getInstance, getRolledBackInstance } from '@/lib/queries/instances';
import { backends, useTestDatabase } from './helpers/db';
import { makeTemplate, uniq, type Template } from './helpers/substrate';

describe.each(backends())('bulk batches and rolled-back history on $name', (backend) => {
  const t = useTestDatabase(backend);
  let tpl: Template;
  const ctx = (user: string, runTag?: string): RecipeContext => ({ db: t.db, user, runTag });
  const prefix = () => `${crypto.randomBytes(4).toString('hex')}-`;

  beforeAll(async () => {
    tpl = await makeTemplate(t.db, { pieces: 2 });
  });

  it('groups a bulk run into one timeline entry, pages its rows by keyset and keeps single events single', async () => {
    const runTag = uniq('wave');
    const actor = `olga:${runTag}`;
    const tag = 'wave-2';
    const bulk = await bulkScaleOut(ctx('olga', runTag), {
      templateCollectionId: tpl.id,
      n: 120,
      uuidPrefix: prefix(),
      batchTag: tag,
      emitMode: 'live',
      eventType: 'scale_out',
      commit: true,
    });
    expect(bulk.ok).toBe(true);
    // a single event whose suffix ends in digits is not a bulk row: its event id does not carry the number
    const single = await instantiateFromEvent(ctx('olga', runTag), {
      eventId: crypto.randomUUID(),
      eventType: 'order_placed',
      templateCollectionId: tpl.id,
      uniqueSuffix: 'order-007',
      emitMode: 'live',
      commit: true,
    });
    expect(single.ok).toBe(true);

    const { entries } = await getActorTimeline(t.db, actor, { limit: 50 });
    const batches = entries.filter((e) => e.kind === 'batch');
    expect(batches).toHaveLength(1);
    expect(batches[0].title).toBe(`bulk wave-2: 120 live instances of ${tpl.key}`);
    expect(batches[0].batch).toMatchObject({ rows: 120, made: 120, rolledBack: 0, batchTag: tag });
    // the 120 rows are not listed one by one; the single event is
    expect(entries.filter((e) => e.kind === 'instance')).toHaveLength(1);
    expect(entries.find((e) => e.kind === 'instance')!.title).toContain('/order-007');

    const key = parseBatchKey(actor, { batch: tag, tpl: tpl.id, mode: 'live' })!;
    const first = await listBatchRows(t.db, key);
    expect(first.rows).toHaveLength(50);
    expect(first.next).toBe(first.rows[49].id);
    const second = await listBatchRows(t.db, key, { after: first.next! });
    const third = await listBatchRows(t.db, key, { after: second.next! });
    expect(third.rows).toHaveLength(20);
    expect(third.next).toBeNull();
    const suffixes = [...first.rows, ...second.rows, ...third.rows].map((r) => r.uniqueSuffix);
    expect(new Set(suffixes).size).toBe(120);
    expect(suffixes[0]).toBe('wave-2-001');
    expect(suffixes.at(-1)).toBe('wave-2-120');

    // the event log, grouped: the batch is one row (its newest), the single event its own
    const flat = await listEvents(t.db, { actor }, { limit: 500 });
    expect(flat.rows).toHaveLength(121);
    const grouped = await listEvents(t.db, { actor }, { groupBatches: true });
    expect(grouped.rows.map((r) => r.uniqueSuffix)).toEqual(['order-007', 'wave-2-120']);
    const summaries = await summarizeBatches(t.db, grouped.rows);
    expect(summaries.size).toBe(1);
    const g = summaries.get(batchId({ actor, batchTag: tag, templateId: tpl.id, emitMode: 'live' }));
    expect(g).toMatchObject({ rows: 120, made: 120, rolledBack: 0 });
    // with a filter the batch's row is its newest row that matches
    const older = await listEvents(
      t.db,
      { actor, to: new Date(Date.now() + 60_000).toISOString(), status: 'ok' },
      { groupBatches: true, limit: 1, after: decodeCursor(grouped.rows[0].cursor) },
    );
    expect(older.rows.map((r) => r.uniqueSuffix)).toEqual(['wave-2-120']);

    // a malformed key opens nothing
    expect(parseBatchKey(actor, { batch: 'x\u0000', tpl: tpl.id, mode: 'live' })).toBeNull();
    expect(parseBatchKey(actor, { batch: tag, tpl: 'not-a-uuid', mode: 'live' })).toBeNull();
    expect(parseBatchKey(actor, { batch: tag, tpl: tpl.id, mode: 'both' })).toBeNull();
    expect(parseBatchKey(actor, { batch: 'a'.repeat(65), tpl: tpl.id, mode: 'live' })).toBeNull();
  });

  it('says who rolled a batch back and when, and a rolled-back instance keeps its history (a never-made one has none)', async () => {
    const runTag = uniq('canary');
    const actor = `dana:${runTag}`;
    const bulk = await bulkScaleOut(ctx('dana', runTag), {
      templateCollectionId: tpl.id,
      n: 30,
      uuidPrefix: prefix(),
      batchTag: 'canary-3',
      emitMode: 'live',
      eventType: 'scale_out',
      commit: true,
    });
    if (!bulk.ok) throw new Error(bulk.message);
    const item = bulk.result.items[4];
    const liveBefore = await getInstance(t.db, item.instanceCollectionId!);
    expect(liveBefore?.collectionKey).toBe(item.instanceCollectionKey);
    expect(await getRolledBackInstance(t.db, item.instanceCollectionId!)).toBeNull();

    const rb = await rollbackByActor(ctx('admin'), { actor, dryRun: false });
    expect(rb.ok && rb.result.instanceCount).toBe(30);

    const [g] = await listActorBatches(t.db, actor, { before: new Date(Date.now() + 60_000), limit: 10 });
    expect(g).toMatchObject({ rows: 30, made: 30, rolledBack: 30, rolledBackBy: ['admin'] });
    expect(g.rolledBackAt).toBeInstanceOf(Date);
    expect(batchTitle(g)).toBe(`bulk canary-3: 30 live instances of ${tpl.key}, rolled back by admin`);
    const rows = await listBatchRows(t.db, parseBatchKey(actor, { batch: 'canary-3', tpl: tpl.id, mode: 'live' })!);
    expect(rows.rows.every((r) => r.rolledBackBy === 'admin' && r.rolledBackAt && r.instanceKey === null)).toBe(true);

    // the instance is gone; its history is not, by id and by the key it had
    expect(await getInstance(t.db, item.instanceCollectionId!)).toBeNull();
    for (const ref of [item.instanceCollectionId!, item.instanceCollectionKey!]) {
      const h = await getRolledBackInstance(t.db, ref);
      expect(h).toMatchObject({
        id: item.instanceCollectionId,
        collectionKey: item.instanceCollectionKey,
        createdBy: actor,
        emitMode: 'live',
        eventId: item.eventId,
        eventType: 'scale_out',
        logId: item.eventLogId,
        templateKey: tpl.key,
        rolledBackBy: 'admin',
        batchTag: 'canary-3',
      });
      expect(h!.rolledBackAt.getTime()).toBeGreaterThanOrEqual(h!.createdAt.getTime());
      expect(h!.events.map((e) => e.id)).toContain(item.eventLogId);
    }
    // never made: no history, so the page answers 404
    expect(await getRolledBackInstance(t.db, crypto.randomUUID())).toBeNull();
    expect(await getRolledBackInstance(t.db, `inst:${tpl.key}/never-made-001`)).toBeNull();
    expect(await getRolledBackInstance(t.db, 'not an id\u0000')).toBeNull();
  });

  // 059: the three reads of a batch (the timeline's grouping, the event log's counts per batch,
  // a batch's rows) find the actor's bulk rows on iu_aiel_actor_batch_idx alone, and the
  // timeline's single events the actor's other rows on iu_aiel_actor_single_idx. The indexes
  // are partial, and the planner uses them only while the queries' conditions match their
  // predicates word for word: an edit to bulkRowSql or batchTagSql that forgets them fails here.
  // A test's log is small enough that the planner would rightly read it any way at all, so
  // each EXPLAIN runs with the log's other indexes dropped and sequential and bitmap scans off,
  // in a transaction rolled back: a read the index cannot serve falls back to a sequential scan.
  it("reads every batch query and the timeline's single events from their indexes alone (059)", async () => {
    const runTag = uniq('plan');
    const actor = `olga:${runTag}`;
    const bulk = await bulkScaleOut(ctx('olga', runTag), {
      templateCollectionId: tpl.id,
      n: 30,
      uuidPrefix: prefix(),
      batchTag: 'plan-1',
      emitMode: 'live',
      eventType: 'scale_out',
      commit: true,
    });
    expect(bulk.ok).toBe(true);
    const seen: { text: string; params: unknown[] }[] = [];
    const recording = {
      query: <T>(text: string, params: unknown[] = []) => {
        seen.push({ text, params });
        return t.db.query<T>(text, params);
      },
    };
    const key = parseBatchKey(actor, { batch: 'plan-1', tpl: tpl.id, mode: 'live' })!;
    const groups = await listActorBatches(recording, actor, { before: new Date(Date.now() + 60_000), limit: 5 });
    expect(groups.map((g) => g.rows)).toEqual([30]);
    const rows = await listBatchRows(recording, key);
    expect(rows.rows).toHaveLength(30);
    const summary = await summarizeBatches(recording, [
      {
        triggeredBy: actor,
        uniqueSuffix: rows.rows[6].uniqueSuffix,
        eventId: rows.rows[6].eventId,
        templateCollectionId: tpl.id,
        emitMode: 'live',
      },
    ]);
    expect([...summary.values()].map((g) => g.rows)).toEqual([30]);
    expect(seen).toHaveLength(3);
    // the timeline's single events: the actor's rows without the bulk naming
    const before = seen.length;
    await getActorTimeline(recording, actor, { limit: 50 });
    seen.splice(before, seen.length - before, ...seen.slice(before).filter((q) => q.text.includes('unique_suffix ~')));
    expect(seen).toHaveLength(5);
    for (const q of seen) {
      const plan = await t.db.withSession(async (s) => {
        await s.exec('BEGIN');
        try {
          // only 059's two indexes are left to the planner (DDL in a transaction, rolled back)
          await s.exec(`DO $$ DECLARE r record; BEGIN
              ALTER TABLE iu_auto_instantiate_event_log DROP CONSTRAINT iu_auto_instantiate_event_log_pkey;
              FOR r IN SELECT indexrelid::regclass AS ix FROM pg_index
                        WHERE indrelid = 'iu_auto_instantiate_event_log'::regclass
                          AND indexrelid NOT IN ('iu_aiel_actor_batch_idx'::regclass, 'iu_aiel_actor_single_idx'::regclass) LOOP
                  EXECUTE format('DROP INDEX %s', r.ix);
              END LOOP; END $$;
            SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`);
          return (await s.query<Record<string, string>>(`EXPLAIN ${q.text}`, q.params)).map((r) => Object.values(r)[0]);
        } finally {
          await s.exec('ROLLBACK');
        }
      });
      const onLog = plan.filter((l) => / on iu_auto_instantiate_event_log /.test(l));
      expect(onLog.length, plan.join('\n')).toBeGreaterThan(0);
      const want = /\bNOT \(/.test(q.text)
        ? /Index Scan( Backward)? using iu_aiel_actor_single_idx/
        : /Index Only Scan using iu_aiel_actor_batch_idx/;
      for (const line of onLog) expect(line, plan.join('\n')).toMatch(want);
    }
  });

  // 059: the grouped event log of one actor is read from the two indexes (single rows, and
  // each batch's head). It must give exactly the rows the rule gives: every single row, and
  // of each batch its newest row among those the filters match; page by page, both ways.
  it("gives an actor's grouped event log by the rule, page by page in both directions, under every filter", async () => {
    const runTag = uniq('grp');
    const actor = `olga:${runTag}`;
    const other = await makeTemplate(t.db, { pieces: 1 });
    const bulk = (
      tag: string,
      n: number,
      emitMode: 'live' | 'dry_run',
      templateCollectionId = tpl.id,
      uuidPrefix = prefix(),
    ) =>
      bulkScaleOut(ctx('olga', runTag), {
        templateCollectionId,
        n,
        uuidPrefix,
        batchTag: tag,
        emitMode,
        eventType: 'scale_out',
        commit: true,
      });
    const single = (uniqueSuffix: string, emitMode: 'live' | 'dry_run' = 'live') =>
      instantiateFromEvent(ctx('olga', runTag), {
        eventId: crypto.randomUUID(),
        eventType: 'order_placed',
        templateCollectionId: tpl.id,
        uniqueSuffix,
        emitMode,
        commit: true,
      });
    const again = prefix();
    expect((await bulk('g-1', 7, 'live', tpl.id, again)).ok).toBe(true);
    expect((await single('order-001')).ok).toBe(true);
    expect((await bulk('g-2', 5, 'dry_run')).ok).toBe(true);
    expect((await single('note-x', 'dry_run')).ok).toBe(true);
    expect((await bulk('g-1', 4, 'live', other.id)).ok).toBe(true);
    // the same batch again: its rows are replays, in the same batch as the first run's
    expect((await bulk('g-1', 7, 'live', tpl.id, again)).ok).toBe(true);
    expect((await single('order-002')).ok).toBe(true);

    const isBulk = (r: { uniqueSuffix: string; eventId: string }) => {
      const m = /-([0-9]{3,12})$/.exec(r.uniqueSuffix);
      const tail = r.eventId.slice(-12);
      return !!m && /^[0-9]{12}$/.test(tail) && Number(tail) === Number(m[1]);
    };
    const keyOf = (r: { uniqueSuffix: string; templateCollectionId: string; emitMode: string }) =>
      `${r.uniqueSuffix.replace(/-[0-9]{3,12}$/, '')}|${r.templateCollectionId}|${r.emitMode}`;
    const firstAt = (await listEvents(t.db, { actor }, { limit: 500 })).rows.at(-1)!.createdAt;
    const filters: EventFilters[] = [
      { actor },
      { actor, status: 'ok' },
      { actor, status: 'idempotent_replay' },
      { actor, mode: 'dry_run' },
      { actor, template: other.id },
      { actor, type: 'scale_out', from: new Date(firstAt).toISOString() },
    ];
    for (const f of filters) {
      const flat = (await listEvents(t.db, f, { limit: 500 })).rows;
      const seen = new Set<string>();
      const expected = flat.filter((r) => {
        if (!isBulk(r)) return true;
        const k = keyOf(r);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      for (const size of [1, 2, 3, 50]) {
        const forward: EventRow[] = [];
        let page = await listEvents(t.db, f, { groupBatches: true, limit: size });
        forward.push(...page.rows);
        while (page.older) {
          page = await listEvents(t.db, f, { groupBatches: true, limit: size, after: decodeCursor(page.older) });
          forward.push(...page.rows);
        }
        expect(
          forward.map((r) => r.id),
          JSON.stringify(f),
        ).toEqual(expected.map((r) => r.id));
        // and back from the oldest row, towards newer ones
        if (!expected.length) continue;
        const backward: EventRow[] = [expected.at(-1)!];
        let cursor: string | null = expected.at(-1)!.cursor;
        while (cursor) {
          const back = await listEvents(t.db, f, { groupBatches: true, limit: size, before: decodeCursor(cursor) });
          backward.unshift(...back.rows);
          cursor = back.newer;
        }
        expect(
          backward.map((r) => r.id),
          JSON.stringify(f),
        ).toEqual(expected.map((r) => r.id));
      }
    }
  });
});
