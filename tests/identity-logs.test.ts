// Logs never print session tokens or secrets. With PostgreSQL down, a signed-in request's
// session lookup fails with Drizzle's "Failed query … params: <token>", which better-auth's
// logger, Next's error print and server.ts's request-failed line all used to print whole.
// Here the session is real (signed in on PGlite), and the database that fails is a
// PostgreSQL address nothing listens on.
import { inspect } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '@/db/client';
import { createAuth } from '@/lib/auth/auth';
import { resolveIdentity } from '@/lib/auth/identity';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import { createUser } from '@/lib/auth/users';
import { describeForLog, logError, redactText } from '@/lib/log/redact';
import { useTestDatabase } from './helpers/db';
import { describeDatabaseError, sanitizeError } from '@/lib/errors';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const env = { BETTER_AUTH_SECRET: SECRET, PORT: '3999' };
const base = 'http://localhost:3999';
// nothing listens on port 1: every query fails to connect, as when PostgreSQL is down
const DOWN = 'postgres://postgres:db-password-123@127.0.0.1:1/iu_core';

describe('with PostgreSQL down, a signed-in request', () => {
  const t = useTestDatabase('pglite');
  let down: Database;
  let logged: string[] = [];
  let token = '';
  let cookie = '';

  beforeEach(() => {
    logged = [];
    for (const m of ['error', 'warn', 'log', 'info'] as const) {
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => down?.close());

  it('signs in while the database is up', async () => {
    await createUser(t.db.orm, {
      username: 'tess',
      password: 'correct horse battery',
      role: 'lead',
      mustChangePassword: false,
    });
    const res = await createAuth(t.db, env).handler(
      new Request(`${base}/api/auth/sign-in/username`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base, 'x-iu-peer-address': '10.2.0.1' },
        body: JSON.stringify({ username: 'tess', password: 'correct horse battery' }),
      }),
    );
    token = ((await res.json()) as { token: string }).token;
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    expect(token.length).toBeGreaterThan(20);
    expect(cookie).toContain(token);
  });

  it('fails with an error that names the cause and keeps its code, but carries no token, in its message, fields or causes', async () => {
    down = await openDatabase({ url: DOWN, max: 1 });
    const auth = createAuth(down, env);
    const err = await resolveIdentity(down, auth, new Headers({ cookie }), trustedHeaderConfig({})).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    // what Next prints for a page that threw it
    const printed = inspect(err, { depth: 10 });
    expect(printed).not.toContain(token);
    expect(printed).toContain('The signed-in person could not be looked up');
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    expect(describeDatabaseError(err)).toMatch(/PostgreSQL could not be reached \(ECONNREFUSED\)/);
    // better-auth logged the failed query through the console's logger, without the token
    expect(logged.some((l) => l.includes('[better-auth]') && l.includes('Failed query'))).toBe(true);
    for (const line of logged) expect(line).not.toContain(token);
  });

  it('prints the request-failed line (server.ts) without the token or the database password', async () => {
    const failed = await down.orm.execute(sqlSessionLookup(token)).then(
      () => null,
      (e: unknown) => e,
    );
    // the raw error does hold the token: printing it whole was the leak
    expect(inspect(failed, { depth: 10 })).toContain(token);
    logError('[iu-console] request failed:', failed);
    logError('[iu-console] request failed:', new Error(`connect to ${DOWN} failed`));
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain('params: [hidden]');
    expect(logged[0]).toContain('ECONNREFUSED');
    expect(logged.join('\n')).not.toContain(token);
    expect(logged[1]).not.toContain('db-password-123');
  });
});

const sqlSessionLookup = (token: string) => sql`SELECT id FROM auth_session WHERE token = ${token}`;

describe('redacting log text', () => {
  it('hides cookies, bearer tokens, secret-named values and connection-string passwords', () => {
    const text = [
      'cookie: better-auth.session_token=abc.def; other=1',
      'Set-Cookie: __Secure-better-auth.session_token=tok123.sig; Path=/',
      'authorization: Bearer eyJhbGciOi.abc.def',
      '{"token":"s3cr3t-token","password":"hunter2hunter2","newPassword":"x y z"}',
      'BETTER_AUTH_SECRET=abcdefabcdefabcdefabcdefabcdef',
      'postgres://iu:pa55word@db.internal:5432/iu_core',
      'Failed query: select 1 where token = $1\nparams: tok-999,other',
    ].join('\n');
    const out = redactText(text);
    for (const secret of [
      'abc.def',
      'tok123',
      'eyJhbGciOi',
      's3cr3t-token',
      'hunter2hunter2',
      'x y z',
      'abcdefabcdef',
      'pa55word',
      'tok-999',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('postgres://iu:[hidden]@db.internal:5432/iu_core');
    expect(out).toContain('Failed query: select 1');
  });

  it('keeps an error readable: name, code, message, frames and causes', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const outer = Object.assign(new Error('Failed query: select 1\nparams: secret-token-value', { cause: inner }), {
      params: ['secret-token-value'],
    });
    const text = describeForLog(outer);
    expect(text).toMatch(/^Error: Failed query: select 1\nparams: \[hidden\]\n\s+at /);
    expect(text).toContain('caused by Error [ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:1');
    expect(text).not.toContain('secret-token-value');
    const safe = sanitizeError(outer, 'The lookup failed');
    expect(safe.message).toBe('The lookup failed: Failed query: select 1 ← connect ECONNREFUSED 127.0.0.1:1');
    expect(safe.cause).toBeUndefined();
    expect((safe as { code?: string }).code).toBe('ECONNREFUSED');
  });
});
