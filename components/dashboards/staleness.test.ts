import { describe, expect, it } from 'vitest';
import { failureOf, offlineDetail, offlineHeadline, RefreshError } from './staleness';

const at = (iso: string) => Date.parse(iso);

describe('the offline banner', () => {
  it('says since when the server has not answered, in the console date format', () => {
    const s = { failingSince: at('2026-11-29T04:31:10Z'), lastConfirmed: at('2026-11-29T04:30:55Z') };
    expect(offlineHeadline({ ...s, failure: 'unreachable' })).toBe(
      "Offline since 2026-11-29 04:31:10 UTC: the console's server does not answer.",
    );
    expect(offlineHeadline({ ...s, failure: 'database' })).toMatch(
      /^Database unreachable since 2026-11-29 04:31:10 UTC/,
    );
    expect(offlineHeadline({ ...s, failure: 'signed-out' })).toMatch(/sign in again/);
    expect(offlineHeadline({ ...s, failure: 'error' })).toMatch(/^Refresh failing since/);
  });

  it('dates the data from the last confirmation, not from the failure, and says how old it is', () => {
    const s = {
      failingSince: at('2026-11-29T04:31:10Z'),
      lastConfirmed: at('2026-11-29T04:28:00Z'),
      failure: 'unreachable' as const,
    };
    const text = offlineDetail(s, at('2026-11-29T04:33:00Z'), 5000);
    expect(text).toContain('last confirmed current at 2026-11-29 04:28:00 UTC (5 minutes ago)');
    expect(text).toContain('every 5 s');
    expect(offlineDetail(s, at('2026-11-29T04:28:20Z'), 5000)).toContain('(just now)');
  });

  it('tells no answer, a database outage, an ended session and other errors apart', () => {
    expect(failureOf(new TypeError('Failed to fetch'))).toBe('unreachable');
    expect(failureOf(new RefreshError(null))).toBe('unreachable');
    expect(failureOf(new RefreshError(502))).toBe('unreachable');
    expect(failureOf(new RefreshError(504))).toBe('unreachable');
    expect(failureOf(new RefreshError(503))).toBe('database');
    expect(failureOf(new RefreshError(401))).toBe('signed-out');
    expect(failureOf(new RefreshError(403))).toBe('signed-out');
    expect(failureOf(new RefreshError(500))).toBe('error');
  });
});
