import { describe, expect, it } from 'vitest';
import { isRealDay, isRealTime, oneOf, wholeNumber } from './query';

describe('query parameters', () => {
  it.each(['2026-01-31', '2024-02-29', '2026-12-01'])('accepts the real day %s', (d) =>
    expect(isRealDay(d)).toBe(true),
  );
  it.each(['2026-99-99', '2026-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '26-01-01', 'notadate', ''])(
    'refuses the day %j',
    (d) => expect(isRealDay(d)).toBe(false),
  );
  it.each(['2026-05-01T08:00Z', '2026-05-01 08:00:59.123456+02:00', '2026-05-01'])('accepts the time %s', (d) =>
    expect(isRealTime(d)).toBe(true),
  );
  it.each([
    '2026-05-01T24:00Z',
    '2026-05-01T08:60Z',
    '2026-05-01T08:00:61Z',
    '2026-02-30T08:00Z',
    '2026-05-01T08:00+25:00',
  ])('refuses the time %s', (d) => expect(isRealTime(d)).toBe(false));

  it('refuses what is not a whole number in range, and a repeated key, with sentences', () => {
    const problems: string[] = [];
    const q = new URLSearchParams('limit=abc&before=1e3&n=5&n=6&ok=7');
    expect(wholeNumber(q, 'limit', 1, 10, problems)).toBeUndefined();
    expect(wholeNumber(q, 'before', 1, 10_000, problems)).toBeUndefined();
    expect(wholeNumber(q, 'n', 1, 10, problems)).toBe(5);
    expect(wholeNumber(q, 'ok', 1, 10, problems)).toBe(7);
    expect(wholeNumber(q, 'absent', 1, 10, problems)).toBeUndefined();
    expect(problems).toEqual([
      'limit must be a whole number from 1 to 10; "abc" is not.',
      'before must be a whole number from 1 to 10000; "1e3" is not.',
      'n is given 2 times; give it once.',
    ]);
  });

  it('reads a choice as an own value only', () => {
    const problems: string[] = [];
    const q = new URLSearchParams('a=constructor&b=csv&c=x%00');
    expect(oneOf(q, 'a', ['csv', 'json'], problems)).toBeUndefined();
    expect(oneOf(q, 'b', ['csv', 'json'], problems)).toBe('csv');
    expect(oneOf(q, 'c', ['csv', 'json'], problems)).toBeUndefined();
    expect(problems).toHaveLength(2);
    expect(problems[1]).toMatch(/^c contains a control character \(U\+0000\)/);
  });
});
