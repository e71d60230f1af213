import { describe, expect, it } from 'vitest';
import { checkbox } from './action-fields';

describe('checkbox', () => {
  it('reads a form checkbox, a JSON boolean and a query-string true or false', () => {
    for (const [v, want] of [
      [true, true],
      ['on', true],
      ['true', true],
      [false, false],
      ['false', false],
      ['', false],
      [undefined, false],
    ] as const)
      expect(checkbox.parse(v)).toBe(want);
  });

  it('refuses anything else with a sentence that says what to send', () => {
    for (const v of [5, 'yes', { a: 1 }, ['on']]) {
      const r = checkbox.safeParse(v);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0].message).toBe(
        'A yes/no field takes true or false (a form checkbox sends "on"); send one of those.',
      );
    }
  });
});
