import { describe, expect, it } from 'vitest';
import { iuCommandLine, minutesLeft, renderPlan, shellQuote } from './plan';

describe('plan lines', () => {
  it('quotes only what the shell would change', () => {
    expect(shellQuote('tpl:design-review/v3')).toBe('tpl:design-review/v3');
    expect(shellQuote('close all gates')).toBe("'close all gates'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    expect(iuCommandLine(['gates', '--close-all', '--confirm', 'close all gates'])).toBe(
      "npm run iu -- gates --close-all --confirm 'close all gates'",
    );
  });

  it('says the plan, when it expires and the exact command', () => {
    const now = Date.parse('2026-11-28T23:00:00Z');
    const plan = { id: 12, expiresAt: '2026-11-28T23:30:00.000Z' };
    expect(minutesLeft(plan, now)).toBe(30);
    expect(minutesLeft(plan, now + 3_600_000)).toBe(0);
    const out = renderPlan(
      plan,
      ['rollback-actor', '--actor', 'dana', '--durable', '--plan', '12', '--confirm', 'dana', '--reason', '…'],
      [],
      now,
    );
    expect(out.split('\n').slice(0, 2)).toEqual([
      'Plan #12 (expires in 30 min). To apply it:',
      "  npm run iu -- rollback-actor --actor dana --durable --plan 12 --confirm dana --reason '…'",
    ]);
    expect(out).toContain("Replace '…'");
    expect(renderPlan(plan, ['x', '--reason', 'because'], [], now)).not.toContain("Replace '…'");
  });
});
