import { describe, expect, it } from 'vitest';
import { bucketFilter, bucketsOf, eventsHref, parseTimeRange, rangeParams, resolveRange } from './time-range';

const NOW = new Date('2026-11-29T08:17:42Z');

describe('parsing the charts time range from the URL', () => {
  it('defaults to the last 30 days with no sentence', () => {
    expect(parseTimeRange({})).toEqual({ spec: { key: '30d' }, problem: null });
  });

  it('takes each preset and a custom pair of days', () => {
    for (const r of ['1h', '24h', '7d', '30d', 'all'])
      expect(parseTimeRange(new URLSearchParams({ range: r }))).toEqual({ spec: { key: r }, problem: null });
    expect(parseTimeRange({ from: '2026-11-01', to: '2026-11-07' })).toEqual({
      spec: { key: 'custom', from: '2026-11-01', to: '2026-11-07' },
      problem: null,
    });
    expect(parseTimeRange({ range: 'custom', from: '2026-11-01', to: '2026-11-01' }).spec.key).toBe('custom');
  });

  it.each([
    [
      { range: '2w' },
      'The range "2w" is not one of 1h, 24h, 7d, 30d or all, or a from and to day. Showing the last 30 days.',
    ],
    [
      { range: '7d', from: '2026-11-01' },
      'Give either a range such as 7d or a from and to day, not both. Showing the last 30 days.',
    ],
    [
      { from: '2026-11-01' },
      'A custom range needs both a from day and a to day (YYYY-MM-DD). Showing the last 30 days.',
    ],
    [{ range: 'custom' }, 'A custom range needs a from day and a to day (YYYY-MM-DD). Showing the last 30 days.'],
    [
      { from: '2026-02-30', to: '2026-03-01' },
      'from must be a real day such as 2026-11-01; "2026-02-30" is not. Showing the last 30 days.',
    ],
    [
      { from: '2026-11-01', to: '2026-11-01T08:00Z' },
      'to must be a real day such as 2026-11-01; "2026-11-01T08:00Z" is not. Showing the last 30 days.',
    ],
    [
      { from: '2026-11-08', to: '2026-11-01' },
      'from (2026-11-08) is after to (2026-11-01); swap them. Showing the last 30 days.',
    ],
    [
      { from: '2000-01-01', to: '2026-11-01' },
      'A custom range spans at most ten years; this one spans 9802 days. Showing the last 30 days.',
    ],
    [{ range: ['7d', '1h'] }, 'range is given 2 times; give it once. Showing the last 30 days.'],
    [
      { range: '7d\u0000' },
      'The range "7d?" is not one of 1h, 24h, 7d, 30d or all, or a from and to day. Showing the last 30 days.',
    ],
  ])('answers %j with a sentence and the default range', (sp, sentence) => {
    expect(parseTimeRange(sp)).toEqual({ spec: { key: '30d' }, problem: sentence });
  });

  it('cuts a huge value in its sentence', () => {
    expect(parseTimeRange({ range: 'x'.repeat(100_000) }).problem!.length).toBeLessThan(200);
  });

  it('writes a range back into the URL it came from', () => {
    expect(rangeParams({ key: '30d' }).toString()).toBe('');
    expect(rangeParams({ key: '7d' }).toString()).toBe('range=7d');
    expect(rangeParams({ key: 'custom', from: '2026-11-01', to: '2026-11-02' }).toString()).toBe(
      'from=2026-11-01&to=2026-11-02',
    );
  });
});

describe('buckets of a range and the event-log filter of each bar', () => {
  it('draws the last hour in twelve 5-minute buckets ending with the current one', () => {
    const r = resolveRange({ key: '1h' }, NOW);
    expect([r.from.toISOString(), r.to.toISOString(), r.unit, r.source]).toEqual([
      '2026-11-29T07:20:00.000Z',
      '2026-11-29T08:20:00.000Z',
      '5min',
      'log',
    ]);
    const b = bucketsOf(r);
    expect(b).toHaveLength(12);
    expect(b.at(-1)).toMatchObject({ key: '2026-11-29T08:15Z', label: '08:15' });
    expect(bucketFilter(b.at(-1)!, r.unit)).toEqual({ from: '2026-11-29T08:15Z', to: '2026-11-29T08:20Z' });
  });

  it('draws the last 24 hours hourly and links a bar to its exact hour and status', () => {
    const r = resolveRange({ key: '24h' }, NOW);
    const b = bucketsOf(r);
    expect(b).toHaveLength(24);
    expect(b[0].key).toBe('2026-11-28T09:00Z');
    expect(eventsHref(b[0], r.unit, { status: 'ok' })).toBe(
      '/events?status=ok&from=2026-11-28T09%3A00Z&to=2026-11-28T10%3A00Z',
    );
  });

  it('draws 7 and 30 days in UTC days from the rollup, a bar being one whole day', () => {
    const r = resolveRange({ key: '7d' }, NOW);
    expect([r.unit, r.source]).toEqual(['day', 'rollup']);
    const b = bucketsOf(r);
    expect(b.map((x) => x.key)).toEqual([
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
    ]);
    expect(bucketFilter(b[6], r.unit)).toEqual({ from: '2026-11-29', to: '2026-11-29' });
    expect(bucketsOf(resolveRange({ key: '30d' }, NOW))).toHaveLength(30);
  });

  it('draws a custom day hourly, a quarter daily, two years weekly and more monthly', () => {
    const unit = (from: string, to: string) => resolveRange({ key: 'custom', from, to }, NOW).unit;
    expect(unit('2026-11-01', '2026-11-01')).toBe('hour');
    expect(unit('2026-11-01', '2026-11-02')).toBe('hour');
    expect(unit('2026-11-01', '2026-11-03')).toBe('day');
    expect(unit('2026-01-01', '2026-12-31')).toBe('week');
    expect(unit('2020-01-01', '2026-12-31')).toBe('month');
  });

  it('cuts a week at the range edge and links it to only the days in the range', () => {
    // 2026-11-04 is a Wednesday: the first week starts on Monday 11-02 but the range on 11-04
    const r = resolveRange({ key: 'custom', from: '2026-11-04', to: '2027-03-01' }, NOW);
    expect(r.unit).toBe('week');
    const b = bucketsOf(r);
    expect(b[0]).toMatchObject({ key: '2026-11-02' });
    expect(bucketFilter(b[0], r.unit)).toEqual({ from: '2026-11-04', to: '2026-11-08' });
    expect(bucketFilter(b.at(-1)!, r.unit)).toEqual({ from: '2027-03-01', to: '2027-03-01' });
  });

  it('draws months and links one to its first and last day', () => {
    const r = resolveRange({ key: 'custom', from: '2020-01-01', to: '2026-12-31' }, NOW);
    const b = bucketsOf(r);
    expect(b).toHaveLength(84);
    expect(bucketFilter(b[1], r.unit)).toEqual({ from: '2020-02-01', to: '2020-02-29' });
  });

  it('starts "all" at the first day in the rollup, or today on an empty log', () => {
    const r = resolveRange({ key: 'all' }, NOW, '2026-10-01');
    expect([r.from.toISOString().slice(0, 10), r.to.toISOString().slice(0, 10), r.unit]).toEqual([
      '2026-10-01',
      '2026-11-30',
      'day',
    ]);
    const empty = resolveRange({ key: 'all' }, NOW, null);
    expect(bucketsOf(empty).map((b) => b.key)).toContain('2026-11-29');
    expect(empty.unit).toBe('day');
  });

  it('links the by-type bars to the whole range with its type, mode and status', () => {
    const r = resolveRange({ key: '7d' }, NOW);
    expect(eventsHref({ start: r.from, end: r.to }, r.unit, { status: 'ok', type: 'doc.created', mode: 'live' })).toBe(
      '/events?status=ok&type=doc.created&mode=live&from=2026-11-23&to=2026-11-29',
    );
  });
});
