import { describe, expect, it } from 'vitest';
import { cliUser } from './user';

const noOsUser = () => {
  throw new Error('no passwd entry for this uid');
};

describe('cliUser', () => {
  it('takes IU_USER when it is set, whatever the OS user is', () => {
    expect(cliUser({ IU_USER: 'dana' }, () => 'root')).toEqual({ user: 'dana', source: 'IU_USER' });
  });

  it('refuses a run tag smuggled into IU_USER and points at --tag', () => {
    const r = cliUser({ IU_USER: 'dana:canary-3' }, () => 'root');
    expect('error' in r && r.error).toContain('--tag');
  });

  it('falls back to the OS user when IU_USER is empty', () => {
    expect(cliUser({ IU_USER: '' }, () => 'omar')).toEqual({ user: 'omar', source: 'os' });
    expect(cliUser({}, () => 'omar')).toEqual({ user: 'omar', source: 'os' });
  });

  it('says to set IU_USER when the OS user name cannot be an actor', () => {
    const r = cliUser({ IU_USER: '' }, () => 'Domain User');
    expect('error' in r && r.error).toContain('set IU_USER');
    expect('error' in r && r.error).toContain('"Domain User"');
  });

  it('uses $USER when the uid has no passwd entry, and says to set IU_USER when that is empty too', () => {
    expect(cliUser({ USER: 'pat' }, noOsUser)).toEqual({ user: 'pat', source: 'os' });
    const r = cliUser({}, noOsUser);
    expect('error' in r && r.error).toContain('an empty name');
  });
});
