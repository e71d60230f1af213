import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { authSecret, AuthConfigError } from './secret';

describe('the signing secret', () => {
  const file = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iu-auth-secret-')), 'auth-secret');

  it('refuses to make one up for PostgreSQL, saying to set BETTER_AUTH_SECRET', () => {
    expect(() => authSecret({ DATABASE_URL: 'postgres://x/y' }, file())).toThrow(AuthConfigError);
    expect(() => authSecret({ DATABASE_URL: 'postgres://x/y' }, file())).toThrow(/set BETTER_AUTH_SECRET/);
  });

  it('makes one for the embedded database once, keeps it with mode 600 and reuses it', () => {
    const f = file();
    const a = authSecret({}, f);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    expect(authSecret({}, f)).toBe(a);
  });

  it('takes BETTER_AUTH_SECRET when set, and refuses a short one', () => {
    expect(authSecret({ BETTER_AUTH_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://x/y' }, file())).toBe(
      'x'.repeat(40),
    );
    expect(() => authSecret({ BETTER_AUTH_SECRET: 'short' }, file())).toThrow(/shorter than 32/);
  });
});
