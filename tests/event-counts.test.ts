// The charts' counts per time bucket (lib/queries/activity.ts getEventCounts) on both
// backends, and that each bar's link filters the event log to exactly the rows it counts.
import { beforeAll, describe, expect, it } from 'vitest';
import { eventsHref, type RangeSpec } from '@/lib/charts/time-range';
import { getEventCounts, type EventCounts } from '@/lib/queries/activity';
import { listEvents, parseEventFilters } from '@/lib/queries/events';
import { backends, useTestDatabase } from './helpers/db';
import { makeTemplate } from './helpers/substrate';

const NOW = new Date('2026-06-15T12:17:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const MIN = 60_000;
const DAY = 86_400_000;

const total = (c: EventCounts, f: (r: EventCounts['rows'][number]) => boolean = () => true) =>
  c.rows.filter(f).reduce((s, r) => s + r.count, 0);

describe.each(backends())('chart counts by time range on $name', (backend) => {
  const t = useTestDatabase(backend);

  beforeAll(async () => {
    const tpl = await makeTemplate(t.db);
    // written directly (test data at chosen times, not a recipe run)
    const put = (n: number, at: string, status: string, type = 'doc.created') =>
      t.db.query(
        `INSERT INTO iu_auto_instantiate_event_log (event_id, event_type, template_collection_id, unique_suffix, emit_mode, status, triggered_by, created_at)
         SELECT gen_random_uuid(), $4, $1::uuid, 'ec-' || gen_random_uuid(), 'live', $3, 'ann', $2::timestamptz
           FROM generate_series(1, $5::int)`,
        [tpl.id, at, status, type, n],
      );
    await put(3, ago(10 * MIN), 'ok');
    await put(2, ago(10 * MIN), 'composer_gate_closed');
    await put(1, ago(3 * 60 * MIN), 'ok');
    await put(4, ago(3 * DAY), 'ok');
    await put(2, ago(3 * DAY), 'live_gate_closed', 'other.type');
    await put(5, ago(40 * DAY), 'ok');
  });

  const counts = (spec: RangeSpec) => getEventCounts(t.db, spec, NOW);

  it('counts the last hour in 5-minute buckets from the log', async () => {
    const c = await counts({ key: '1h' });
    expect(c.range.unit).toBe('5min');
    expect(c.buckets).toHaveLength(12);
    expect(total(c)).toBe(5);
    expect(c.rows.filter((r) => r.bucket === '2026-06-15T12:05Z').map((r) => [r.status, r.count])).toEqual(
      expect.arrayContaining([
        ['ok', 3],
        ['composer_gate_closed', 2],
      ]),
    );
  });

  it('counts the last 24 hours hourly, the last 7 and 30 days daily and all time from the first day', async () => {
    const day = await counts({ key: '24h' });
    expect(total(day)).toBe(6);
    expect(total(day, (r) => r.bucket === '2026-06-15T09:00Z')).toBe(1);
    const week = await counts({ key: '7d' });
    expect(week.range.source).toBe('rollup');
    expect(total(week)).toBe(12);
    expect(total(week, (r) => r.bucket === '2026-06-12' && r.eventType === 'other.type')).toBe(2);
    expect(total(await counts({ key: '30d' }))).toBe(12);
    const all = await counts({ key: 'all' });
    expect(all.buckets[0].key).toBe('2026-05-06');
    expect(total(all)).toBe(17);
  });

  it('counts one custom day hourly and a custom year weekly', async () => {
    const one = await counts({ key: 'custom', from: '2026-05-06', to: '2026-05-06' });
    expect(one.range.unit).toBe('hour');
    expect(one.rows).toEqual([
      { bucket: '2026-05-06T12:00Z', eventType: 'doc.created', emitMode: 'live', status: 'ok', count: 5 },
    ]);
    const year = await counts({ key: 'custom', from: '2025-06-01', to: '2026-06-15' });
    expect(year.range.unit).toBe('week');
    expect(total(year)).toBe(17);
    // 2026-06-12 is a Friday: its week starts on Monday 06-08 and holds 06-12 (6 rows)
    expect(total(year, (r) => r.bucket === '2026-06-08')).toBe(6);
    expect(year.buckets.map((b) => b.key)).toContain('2026-06-08');
  });

  it('links every bar to event-log rows that are exactly the ones it counts', async () => {
    for (const spec of [{ key: '1h' }, { key: '24h' }, { key: '7d' }, { key: 'all' }] as RangeSpec[]) {
      const c = await counts(spec);
      const byKey = new Map(c.buckets.map((b) => [b.key, b]));
      const bars = new Map<string, number>();
      for (const r of c.rows) bars.set(`${r.bucket}|${r.status}`, (bars.get(`${r.bucket}|${r.status}`) ?? 0) + r.count);
      for (const [k, n] of bars) {
        const [bucket, status] = k.split('|');
        const href = eventsHref(byKey.get(bucket)!, c.range.unit, { status });
        const filters = parseEventFilters(new URL(href, 'http://x').searchParams);
        const page = await listEvents(t.db, filters, { limit: 100 });
        expect(page.rows.length, `${spec.key} ${href}`).toBe(n);
      }
    }
  });

  it('answers an empty range with every bucket and no rows', async () => {
    const c = await getEventCounts(t.db, { key: '7d' }, new Date('2030-01-01T00:00:00Z'));
    expect(c.buckets).toHaveLength(7);
    expect(c.rows).toEqual([]);
  });
});
