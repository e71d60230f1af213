import { describe, expect, it } from 'vitest';
import { cell, fmtCounts, fmtDate, fmtMs, plural, shortId, table } from './format';

describe('format', () => {
  it('prints dates in UTC with the zone named', () => {
    expect(fmtDate(new Date('2025-03-04T05:06:07.890Z'))).toBe('2025-03-04 05:06:07 UTC');
    expect(fmtDate(null)).toBe('–');
  });

  it('shows missing values as a dash and booleans as yes or no', () => {
    expect(cell(null)).toBe('–');
    expect(cell('')).toBe('–');
    expect(cell(true)).toBe('yes');
    expect(cell(12345)).toBe('12,345');
  });

  it('orders status counts largest first and drops zeros', () => {
    expect(fmtCounts({ ok: 3, idempotent_replay: 7, busy: 0 })).toBe('idempotent_replay 7, ok 3');
    expect(fmtCounts({})).toBe('none');
  });

  it('says one or many', () => {
    expect(plural(1, 'instance')).toBe('1 instance');
    expect(plural(1200, 'event')).toBe('1,200 events');
    expect(fmtMs(250)).toBe('250 ms');
    expect(fmtMs(2500)).toBe('2.5 s');
    expect(shortId('25000b00-0000-4000-8000-000000000001')).toBe('25000b00');
  });

  it('renders a table without colour codes', () => {
    const out = table(['a', 'b'], [[1, null]]);
    expect(out).toContain('│ 1 │ – │');
    expect(out).not.toMatch(/\u001b\[/);
  });
});
