import { describe, expect, it } from 'vitest';
import { cliUser } from './user';

describe('cliUser', () => {
  it('takes IU_USER when it is set', () => {
    expect(cliUser({ IU_USER: 'dana' })).toEqual({ user: 'dana', source: 'IU_USER' });
  });

  it('refuses a run tag smuggled into IU_USER and points at --tag', () => {
    const r = cliUser({ IU_USER: 'dana:canary-3' });
    expect('error' in r && r.error).toContain('--tag');
  });

  it('falls back to the OS user when IU_USER is empty, or says to set IU_USER', () => {
    const r = cliUser({ IU_USER: '' });
    if ('error' in r) expect(r.error).toContain('set IU_USER');
    else expect(r.source).toBe('os');
  });
});
