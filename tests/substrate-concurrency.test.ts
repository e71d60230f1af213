// Real concurrency on PostgreSQL: racing sessions on one event, the engine's queueing on the
// gate rows, and its busy answer when a gate row stays locked.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { instantiateFromEvent, readGates } from '@/lib/recipes';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import {
  COMPOSER,
  instancesOfEvent,
  logRowsFor,
  makeTemplate,
  snapshot,
  uniq,
  uuid,
  waitUntilBlocked,
  type Json,
} from './helpers/substrate';

const FN = `SELECT fn_iu_auto_instantiate_from_event($1::uuid, 'template.published', $2::uuid, $3, 'dry_run', $4) AS r`;

async function pidOf(c: pg.Client): Promise<number> {
  return (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
}

describe.skipIf(!hasPostgres)(`racing sessions (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');

  /**
   * Test-only set-up: the composer gate committed open, so that two sessions can call the
   * function at once (opening it inside each transaction would queue them on the gate row
   * before they reach the function). Always closed again.
   */
  async function withComposerGateCommittedOpen<T>(fn: () => Promise<T>): Promise<T> {
    await t.db.query(`UPDATE dot_config SET value = 'true' WHERE key = $1`, [COMPOSER]);
    try {
      return await fn();
    } finally {
      await t.db.query(`UPDATE dot_config SET value = 'false' WHERE key = $1`, [COMPOSER]);
    }
  }

  async function twoSessions() {
    const a = await t.client();
    const b = await t.client();
    return { a, b, bPid: await pidOf(b) };
  }

  it('gives the loser idempotent_replay and makes one instance when the winner commits', async () => {
    const tpl = await makeTemplate(t.db);
    const eventId = uuid();
    const { a, b, bPid } = await twoSessions();
    const [ra, rb] = await withComposerGateCommittedOpen(async () => {
      await a.query('BEGIN');
      const ra = (await a.query<{ r: Json }>(FN, [eventId, tpl.id, 'same', 'racer-a'])).rows[0].r;
      await b.query('BEGIN');
      const pending = b.query<{ r: Json }>(FN, [eventId, tpl.id, 'same', 'racer-b']);
      await waitUntilBlocked(t.db, bPid);
      await a.query('COMMIT');
      const rb = (await pending).rows[0].r;
      await b.query('COMMIT');
      return [ra, rb];
    });
    expect(ra.status).toBe('ok');
    expect(rb).toMatchObject({
      status: 'idempotent_replay',
      instance_collection_id: ra.instance_collection_id,
      original_event_log_id: ra.event_log_id,
    });
    expect(await instancesOfEvent(t.db, eventId)).toHaveLength(1);
    expect((await logRowsFor(t.db, eventId)).map((l) => [l.status, l.triggered_by])).toEqual([
      ['ok', 'racer-a'],
      ['idempotent_replay', 'racer-b'],
    ]);
  });

  it('gives the loser idempotent_replay when the racers use different suffixes', async () => {
    const tpl = await makeTemplate(t.db);
    const eventId = uuid();
    const { a, b, bPid } = await twoSessions();
    const [ra, rb] = await withComposerGateCommittedOpen(async () => {
      await a.query('BEGIN');
      const ra = (await a.query<{ r: Json }>(FN, [eventId, tpl.id, 'suffix-a', 'racer-a'])).rows[0].r;
      await b.query('BEGIN');
      const pending = b.query<{ r: Json }>(FN, [eventId, tpl.id, 'suffix-b', 'racer-b']);
      await waitUntilBlocked(t.db, bPid);
      await a.query('COMMIT');
      const rb = (await pending).rows[0].r;
      await b.query('COMMIT');
      return [ra, rb];
    });
    expect(rb).toMatchObject({ status: 'idempotent_replay', instance_collection_id: ra.instance_collection_id });
    expect(await instancesOfEvent(t.db, eventId)).toHaveLength(1);
  });

  it('lets the loser make the instance when the winner rolls back', async () => {
    const tpl = await makeTemplate(t.db);
    const eventId = uuid();
    const { a, b, bPid } = await twoSessions();
    const [ra, rb] = await withComposerGateCommittedOpen(async () => {
      await a.query('BEGIN');
      const ra = (await a.query<{ r: Json }>(FN, [eventId, tpl.id, 'same', 'racer-a'])).rows[0].r;
      await b.query('BEGIN');
      const pending = b.query<{ r: Json }>(FN, [eventId, tpl.id, 'same', 'racer-b']);
      await waitUntilBlocked(t.db, bPid);
      await a.query('ROLLBACK');
      const rb = (await pending).rows[0].r;
      await b.query('COMMIT');
      return [ra, rb];
    });
    expect(ra.status).toBe('ok');
    expect(rb.status).toBe('ok');
    expect(rb.instance_collection_id).not.toBe(ra.instance_collection_id);
    const instances = await instancesOfEvent(t.db, eventId);
    expect(instances.map((i) => [i.id, i.created_by])).toEqual([[rb.instance_collection_id, 'racer-b']]);
    expect((await logRowsFor(t.db, eventId)).map((l) => [l.status, l.triggered_by])).toEqual([['ok', 'racer-b']]);
  });

  it('gives the loser idempotent_replay when the winner commits between its replay check and its key check', async () => {
    // C queues for an exclusive lock on information_unit behind the winner A; the loser B
    // passes its replay check (A is not committed yet) and then queues behind C in the
    // template check, which reads information_unit. A commits, C lets go, and B reaches its
    // key check with A's instance committed under the very key B wants.
    const tpl = await makeTemplate(t.db);
    const eventId = uuid();
    const { a, b, bPid } = await twoSessions();
    const c = await t.client();
    const cPid = await pidOf(c);
    const [ra, rb] = await withComposerGateCommittedOpen(async () => {
      await a.query('BEGIN');
      const ra = (await a.query<{ r: Json }>(FN, [eventId, tpl.id, 'same', 'racer-a'])).rows[0].r;
      await c.query('BEGIN');
      const locked = c.query('LOCK TABLE information_unit IN ACCESS EXCLUSIVE MODE');
      await waitUntilBlocked(t.db, cPid);
      await b.query('BEGIN');
      const pending = b.query<{ r: Json }>(FN, [eventId, tpl.id, 'same', 'racer-b']);
      await waitUntilBlocked(t.db, bPid);
      const [{ replayCheckDone }] = await t.db.query<{ replayCheckDone: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND relation = 'iu_auto_instantiate_event_log'::regclass) AS "replayCheckDone"`,
        [bPid],
      );
      expect(replayCheckDone).toBe(true);
      await a.query('COMMIT');
      await locked;
      await c.query('ROLLBACK');
      const rb = (await pending).rows[0].r;
      await b.query('COMMIT');
      return [ra, rb];
    });
    expect(ra.status).toBe('ok');
    expect(rb).toMatchObject({ status: 'idempotent_replay', instance_collection_id: ra.instance_collection_id });
    expect(await instancesOfEvent(t.db, eventId)).toHaveLength(1);
  });

  it('runs two engine instantiations of one event in parallel on separate pools: one ok, one idempotent_replay, one instance', async () => {
    const tpl = await makeTemplate(t.db);
    const eventId = uuid();
    const one = await t.openAnother();
    const two = await t.openAnother();
    const input = {
      eventId,
      eventType: 'template.published',
      templateCollectionId: tpl.id,
      uniqueSuffix: uniq('p'),
      emitMode: 'live' as const,
      commit: true,
    };
    const results = await Promise.all([
      instantiateFromEvent({ db: one, user: 'racer-one', gateWaitMs: 20_000 }, input),
      instantiateFromEvent({ db: two, user: 'racer-two', gateWaitMs: 20_000 }, input),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['idempotent_replay', 'ok']);
    expect(results.every((r) => r.ok && r.committed)).toBe(true);
    const ids = results.map((r) => (r.ok ? r.result.instanceCollectionId : null));
    expect(ids[0]).toBe(ids[1]);
    expect(await instancesOfEvent(t.db, eventId)).toHaveLength(1);
    expect((await readGates(t.db)).every((g) => !g.open)).toBe(true);
  });

  it('answers busy within a bounded time, writing nothing, while another transaction holds the composer gate row', async () => {
    const tpl = await makeTemplate(t.db);
    const holder = await t.client();
    await holder.query('BEGIN');
    await holder.query(`UPDATE dot_config SET value = 'true' WHERE key = $1`, [COMPOSER]);
    try {
      const before = await snapshot(t.db);
      const started = Date.now();
      const r = await instantiateFromEvent(
        { db: t.db, user: 'patient', gateWaitMs: 200 },
        {
          eventId: uuid(),
          eventType: 'template.published',
          templateCollectionId: tpl.id,
          uniqueSuffix: uniq('b'),
          emitMode: 'dry_run',
          commit: true,
        },
      );
      const elapsed = Date.now() - started;
      expect(r).toMatchObject({ ok: false, status: 'busy', committed: false });
      expect(r.ok ? '' : r.message).toMatch(/200 ms/);
      expect(elapsed).toBeGreaterThanOrEqual(150);
      expect(elapsed).toBeLessThan(5_000);
      expect(await snapshot(t.db)).toEqual(before);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect((await readGates(t.db)).every((g) => !g.open)).toBe(true);
  });
});
