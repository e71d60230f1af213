// Pure parts of the engine: suffix planning, actor strings and the status sentences.
import { describe, expect, it } from 'vitest';
import { CONSOLE_STATUSES } from '@/lib/recipes/messages';
import { actorOf, describeStatus, ENGINE_STATUSES, plannedItems, SUBSTRATE_STATUSES } from '@/lib/recipes';

describe('plannedItems', () => {
  it('builds the runbook event ids: the prefix and a 12-digit counter', () => {
    expect(plannedItems('25000b00-0000-4000-8000-', 'tag', 3).map((p) => p.eventId)).toEqual([
      '25000b00-0000-4000-8000-000000000001',
      '25000b00-0000-4000-8000-000000000002',
      '25000b00-0000-4000-8000-000000000003',
    ]);
  });

  it('pads suffixes to three digits like the runbook while N fits', () => {
    const items = plannedItems('p-', 'wave', 999);
    expect([items[0].uniqueSuffix, items[998].uniqueSuffix]).toEqual(['wave-001', 'wave-999']);
  });

  it('pads suffixes to the width of N above 999, so 1000 never collides with 100', () => {
    const items = plannedItems('p-', 'wave', 1000);
    expect(items[99].uniqueSuffix).toBe('wave-0100');
    expect(items[999].uniqueSuffix).toBe('wave-1000');
    expect(new Set(items.map((i) => i.uniqueSuffix)).size).toBe(1000);
    expect(plannedItems('p-', 'w', 10_000)[9_999].uniqueSuffix).toBe('w-10000');
  });

  it('plans a slice with the width of the whole run', () => {
    expect(plannedItems('p-', 'w', 1000, 998, 1000).map((p) => [p.index, p.uniqueSuffix])).toEqual([
      [998, 'w-0998'],
      [999, 'w-0999'],
      [1000, 'w-1000'],
    ]);
  });
});

describe('actorOf', () => {
  it('records the user alone, or user:tag with a run tag', () => {
    expect(actorOf({ user: 'alice' })).toBe('alice');
    expect(actorOf({ user: 'alice', runTag: '' })).toBe('alice');
    expect(actorOf({ user: 'ops@example.com', runTag: 'wave-2' })).toBe('ops@example.com:wave-2');
  });

  it('refuses a blank user or a malformed run tag as invalid_input', () => {
    expect(actorOf({ user: '' })).toMatchObject({ ok: false, status: 'invalid_input', issues: [{ field: 'user' }] });
    expect(actorOf({ user: 'alice', runTag: 'a:b' })).toMatchObject({
      ok: false,
      status: 'invalid_input',
      issues: [{ field: 'runTag' }],
    });
  });
});

describe('describeStatus', () => {
  it.each([...SUBSTRATE_STATUSES, ...ENGINE_STATUSES, ...CONSOLE_STATUSES])(
    'has a sentence of its own for %s',
    (status) => {
      const s = describeStatus(status);
      expect(s).toMatch(/^[A-Z].*\.\)?$/);
      expect(s).not.toMatch(/unknown status/);
    },
  );

  it('still answers with an honest sentence for a status it does not know', () => {
    expect(describeStatus('brand_new_status')).toMatch(/unknown status "brand_new_status"/);
  });
});
