// fn_iu_auto_instantiate_batch under racing sessions. An opened gate is row-locked until
// commit, so two gated writers never overlap; only a leaked (committed-open) gate lets two
// batches race on the same events. Then the later one waits for the earlier and fails as a
// whole if the earlier commits, and goes on if it rolls back: never two instances.
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { AUTO, COMPOSER, count, makeTemplate, setGate, uniq, waitUntilBlocked } from './helpers/substrate';

describe.skipIf(!hasPostgres)(`the batch entry point with racing sessions (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');

  afterEach(async () => {
    await setGate(t.db, COMPOSER, false);
    await setGate(t.db, AUTO, false);
  });

  const batch = (c: pg.Client, events: string[], tpl: string, suffixes: string[]) =>
    c.query<{ ord: number; result: { status: string } }>(
      `SELECT ord, result FROM fn_iu_auto_instantiate_batch($1::uuid[], array_fill('race'::text, ARRAY[$5::int]),
              array_fill($2::uuid, ARRAY[$5::int]), $3::text[], array_fill('live'::text, ARRAY[$5::int]), NULL, $4)`,
      [events, tpl, suffixes, 'racer', events.length],
    );

  it.each([
    ['commits', 'fails as a whole, and the winner holds every instance', 'COMMIT'],
    ['rolls back', 'goes on and makes them itself', 'ROLLBACK'],
  ])('when the first of two batches on the same events %s, the second %s', async (_w, _what, end) => {
    const tpl = await makeTemplate(t.db, { pieces: 2 });
    // a leaked gate, as a forgetful psql session leaves it
    await setGate(t.db, COMPOSER, true);
    await setGate(t.db, AUTO, true);
    const prefix = crypto.randomBytes(4).toString('hex');
    const events = Array.from({ length: 20 }, (_, i) => `${prefix}-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
    const tag = uniq('race');
    const a = await t.client();
    const b = await t.client();
    await a.query('BEGIN');
    await b.query('BEGIN');
    const first = await batch(
      a,
      events,
      tpl.id,
      events.map((_, i) => `${tag}-a${i}`),
    );
    expect(first.rows.every((r) => r.result.status === 'ok')).toBe(true);
    const [{ pid }] = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    const second = batch(
      b,
      events,
      tpl.id,
      events.map((_, i) => `${tag}-b${i}`),
    ).then(
      (r) => ({ ok: true as const, rows: r.rows }),
      (e: { code?: string }) => ({ ok: false as const, code: e.code }),
    );
    await waitUntilBlocked(t.db, pid);
    await a.query(end);
    const outcome = await second;
    if (end === 'COMMIT') {
      expect(outcome).toEqual({ ok: false, code: '23505' });
      await b.query('ROLLBACK');
    } else {
      expect(outcome.ok && outcome.rows.every((r) => r.result.status === 'ok')).toBe(true);
      await b.query('COMMIT');
    }
    expect(await count(t.db, 'iu_piece_collection WHERE instance_template_id = $1', [tpl.id])).toBe(events.length);
    expect(
      await count(t.db, `iu_auto_instantiate_event_log WHERE template_collection_id = $1 AND status = 'ok'`, [tpl.id]),
    ).toBe(events.length);
  });
});
