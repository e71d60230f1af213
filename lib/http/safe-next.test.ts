import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

describe('safeNext', () => {
  it.each([
    ['/', '/'],
    ['/events', '/events'],
    ['/events?actor=alice&type=x', '/events?actor=alice&type=x'],
    ['/instances/42#pieces', '/instances/42#pieces'],
    ['/%5Cevil.example/x', '/%5Cevil.example/x'],
  ])('keeps the console path %s', (given, kept) => {
    expect(safeNext(given)).toBe(kept);
  });

  it.each([
    '/\\evil.example/x',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '\t//evil.example',
    '//evil.example',
    '///evil.example',
    '//evil.example/%2e%2e',
    'https://evil.example',
    'http:evil.example',
    'javascript:alert(1)',
    'evil.example',
    ' /events',
    '/ /evil.example',
    '/\u0000/evil.example',
    '/\u2028/evil.example',
    '',
  ])('sends %j to / instead', (given) => {
    expect(safeNext(given)).toBe('/');
  });

  it('reads the first of a repeated parameter and nothing for a missing one', () => {
    expect(safeNext(['/audit', 'https://evil.example'])).toBe('/audit');
    expect(safeNext(['//evil.example', '/audit'])).toBe('/');
    expect(safeNext(undefined)).toBe('/');
    expect(safeNext(null)).toBe('/');
  });

  it('never yields a value a browser would resolve to another origin', () => {
    const base = 'http://localhost:3000';
    for (const s of [
      '/\\evil.example',
      '/%09/evil.example',
      '/.//evil.example',
      '/..//evil.example',
      '/a/..//evil.example',
    ]) {
      expect(new URL(safeNext(s), base).origin, s).toBe(base);
    }
  });
});
