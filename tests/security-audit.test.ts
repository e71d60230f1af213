// Security events in the console audit trail, on each backend: a sign-in (ok, failed, refused
// by the limits), a sign-out, a session found past its idle expiry and a password change are
// each one row naming the user (or the name tried) and the client address, found by the audit
// page's "security events" filter, and said on the server log; no row or line holds a
// password, a session token or a cookie.
import { describe, expect, it } from 'vitest';
import { changeOwnPasswordDefinition, selfServiceCaller } from '@/lib/auth/password-change';
import { listAudit, readAuditQuery } from '@/lib/auth/audit';
import { createAuth } from '@/lib/auth/auth';
import { executeAuthorized } from '@/lib/auth/authorize';
import { resolveIdentity, type Identity } from '@/lib/auth/identity';
import { signInLimits } from '@/lib/auth/signin-limits';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import { createUser } from '@/lib/auth/users';
import { backends, useTestDatabase } from './helpers/db';
import { auditRowsSince, captureLogLines, lastAuditId, type AuditRow } from './helpers/audit-rows';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const base = 'http://localhost:3999';
const env = { BETTER_AUTH_SECRET: SECRET, PORT: '3999', IU_SIGNIN_MAX_ATTEMPTS: '2' };
const PW = 'correct horse battery';
const NEW = 'lantern orchard quietly 42';
const noHeaders = trustedHeaderConfig({});

describe.each(backends())('security events on $name', (backend) => {
  const t = useTestDatabase(backend);
  const auth = () => createAuth(t.db, env);
  const lines = captureLogLines();

  async function signIn(username: string, password: string, peer: string) {
    const res = await auth().handler(
      new Request(`${base}/api/auth/sign-in/username`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: base,
          'x-iu-peer-address': peer,
          'user-agent': 'vitest-browser',
        },
        body: JSON.stringify({ username, password }),
      }),
    );
    const setCookie = res.headers.get('set-cookie') ?? '';
    return {
      status: res.status,
      cookie: setCookie.split(';')[0],
      token: /session_token=([^;.]+)/.exec(setCookie)?.[1] ?? '',
    };
  }

  const rowsOf = (recipe: string, username: string) =>
    t.db.query<AuditRow>('SELECT * FROM console_audit_log WHERE recipe = $1 AND username = $2 ORDER BY id', [
      recipe,
      username,
    ]);

  const holdsNoSecret = (row: AuditRow, ...secrets: string[]) => {
    const text = JSON.stringify(row) + lines.join('\n');
    for (const s of secrets.filter(Boolean)) expect(text).not.toContain(s);
  };

  it('records a sign-in with the user, role and client address, and says it on the log', async () => {
    await createUser(t.db.orm, { username: 'olga', password: PW, role: 'operator', mustChangePassword: false });
    const ok = await signIn('Olga', PW, '10.2.0.1');
    expect(ok.status).toBe(200);
    const [row] = await rowsOf('sign_in', 'olga');
    expect(row).toMatchObject({
      role: 'operator',
      mode: 'admin',
      decision: 'ok',
      status: 'signed_in',
      ip: '10.2.0.1',
      user_agent: 'vitest-browser',
      summary: 'olga signed in from 10.2.0.1.',
    });
    expect(row.params).toEqual({});
    expect(
      lines.some(
        (l) => l.includes('"event":"sign_in"') && l.includes('"user":"olga"') && l.includes('"address":"10.2.0.1"'),
      ),
    ).toBe(true);
    holdsNoSecret(row, PW, ok.token);
  });

  it('records a failed sign-in with the name tried and the address, for a wrong password and an unknown name alike', async () => {
    await createUser(t.db.orm, { username: 'pete', password: PW, role: 'viewer', mustChangePassword: false });
    expect((await signIn('pete', 'wrong password here', '10.2.0.2')).status).toBe(401);
    expect((await signIn('Nobody-Here', 'another wrong one', '10.2.0.3')).status).toBe(401);
    const [wrong] = await rowsOf('sign_in', 'pete');
    expect(wrong).toMatchObject({
      role: null,
      decision: 'unauthenticated',
      status: 'invalid_credentials',
      ip: '10.2.0.2',
    });
    expect(wrong.summary).toBe(
      'Failed sign-in as pete from 10.2.0.2: wrong user name or password, or a disabled account.',
    );
    const [unknown] = await rowsOf('sign_in', 'Nobody-Here');
    expect(unknown).toMatchObject({ decision: 'unauthenticated', status: 'invalid_credentials', ip: '10.2.0.3' });
    expect(
      lines.some(
        (l) =>
          l.includes('"user":"Nobody-Here"') && l.includes('"address":"10.2.0.3"') && l.includes('invalid_credentials'),
      ),
    ).toBe(true);
    holdsNoSecret(wrong, 'wrong password here');
    holdsNoSecret(unknown, 'another wrong one');
  });

  it('records a sign-in refused by the failure limit, and a name holding a NUL written out, never as a 500', async () => {
    await createUser(t.db.orm, { username: 'quin', password: PW, role: 'viewer', mustChangePassword: false });
    for (let i = 0; i < 2; i++) expect((await signIn('quin', `guess number ${i}`, '10.2.0.4')).status).toBe(401);
    expect((await signIn('quin', PW, '10.2.0.4')).status).toBe(429);
    const rows = await rowsOf('sign_in', 'quin');
    expect(rows.map((r) => `${r.decision} ${r.status}`)).toEqual([
      'unauthenticated invalid_credentials',
      'unauthenticated invalid_credentials',
      'denied too_many_failures',
    ]);
    expect(rows[2].summary).toContain('refused without checking the password');
    expect((await signIn('ni\u0000ck', 'whatever it is', '10.2.0.5')).status).toBe(401);
    const [nul] = await t.db.query<AuditRow>(
      "SELECT * FROM console_audit_log WHERE recipe = 'sign_in' AND ip = '10.2.0.5'",
    );
    expect(nul).toMatchObject({ username: 'ni\\u0000ck', decision: 'unauthenticated', status: 'invalid_credentials' });
  });

  it('bounds the rows a flood of blocked sign-ins writes: one each up to the address limit, one saying so, then none', async () => {
    const few = { ...env, IU_SIGNIN_MAX_ADDRESS_FAILURES: '3' };
    const flood = (name: string) =>
      createAuth(t.db, few).handler(
        new Request(`${base}/api/auth/sign-in/username`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: base, 'x-iu-peer-address': '10.2.0.9' },
          body: JSON.stringify({ username: name, password: 'not the password' }),
        }),
      );
    const mark = await lastAuditId(t.db);
    // two failures block the name (IU_SIGNIN_MAX_ATTEMPTS 2); then twelve blocked attempts
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await flood('rhea')).status);
    expect(statuses).toEqual([401, 401, ...Array(12).fill(429)]);
    const rows = await auditRowsSince(t.db, mark, 'sign_in');
    expect(rows.map((r) => `${r.decision} ${r.status}`)).toEqual([
      'unauthenticated invalid_credentials',
      'unauthenticated invalid_credentials',
      'denied too_many_failures',
      'denied too_many_failures',
      'denied too_many_failures',
      'denied too_many_failures',
    ]);
    expect(rows[5].summary).toMatch(
      /^More than 3 sign-ins from 10\.2\.0\.9 were refused by the limits within 60 s \(the last as rhea\); the rest are refused without a row of their own until the window ends \(in \d+ s\)\.$/,
    );
    expect(rows[5].params).toEqual({ limit: 3, windowSeconds: 60 });
    // every one was still refused, and no other row was written
    expect(await auditRowsSince(t.db, rows[5].id)).toEqual([]);
  });

  it('records a sign-out and a session found past its idle expiry, each once', async () => {
    await createUser(t.db.orm, { username: 'rosa', password: PW, role: 'lead', mustChangePassword: false });
    const first = await signIn('rosa', PW, '10.2.0.6');
    const out = await auth().handler(
      new Request(`${base}/api/auth/sign-out`, {
        method: 'POST',
        headers: {
          cookie: first.cookie,
          origin: base,
          'x-iu-peer-address': '10.2.0.6',
          'content-type': 'application/json',
        },
        body: '{}',
      }),
    );
    expect(out.status).toBe(200);
    const [signedOut] = await rowsOf('sign_out', 'rosa');
    expect(signedOut).toMatchObject({
      role: 'lead',
      decision: 'ok',
      status: 'signed_out',
      ip: '10.2.0.6',
      summary: 'rosa signed out from 10.2.0.6.',
    });
    holdsNoSecret(signedOut, first.token, PW);

    const second = await signIn('rosa', PW, '10.2.0.7');
    await t.db.query("UPDATE auth_session SET expires_at = now() - interval '1 minute' WHERE token = $1", [
      second.token,
    ]);
    expect(
      await resolveIdentity(
        t.db,
        auth(),
        new Headers({ cookie: second.cookie, 'x-iu-peer-address': '10.2.0.7' }),
        noHeaders,
      ),
    ).toBeNull();
    const ended = await rowsOf('session_end', 'rosa');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ decision: 'ok', status: 'expired' });
    expect(ended[0].summary).toBe("rosa's session ended: it was idle past its expiry (8 h).");
    holdsNoSecret(ended[0], second.token);
    expect(await rowsOf('sign_out', 'rosa')).toHaveLength(1);
  });

  it('lists exactly the security events under the audit filter kind=security, the password change included', async () => {
    await createUser(t.db.orm, { username: 'sami', password: PW, role: 'operator', mustChangePassword: false });
    const s = await signIn('sami', PW, '10.2.0.8');
    const session = await auth().api.getSession({ headers: new Headers({ cookie: s.cookie }) });
    const me = (await resolveIdentity(t.db, auth(), new Headers({ cookie: s.cookie }), noHeaders)) as Identity;
    const changed = await executeAuthorized(
      changeOwnPasswordDefinition({
        username: 'sami',
        sessionId: session!.session.id,
        address: '10.2.0.8',
        limits: signInLimits(env),
      }),
      selfServiceCaller(t.db, me, { ip: '10.2.0.8', userAgent: 'vitest' }),
      { currentPassword: PW, newPassword: NEW, newPasswordAgain: NEW },
    );
    expect(changed.ok).toBe(true);
    const { filters, problems } = readAuditQuery(new URLSearchParams({ kind: 'security', username: 'sami' }));
    expect(problems).toEqual([]);
    const rows = await listAudit(t.db.orm, filters);
    expect(rows.map((r) => `${r.recipe} ${r.status}`)).toEqual(['password_change ok', 'sign_in signed_in']);
    expect(rows.every((r) => r.ip === '10.2.0.8')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(NEW);
    const everything = await listAudit(t.db.orm, { kind: 'security' });
    expect(new Set(everything.map((r) => r.recipe))).toEqual(
      new Set(['sign_in', 'sign_out', 'session_end', 'password_change']),
    );
    expect(readAuditQuery(new URLSearchParams({ kind: 'secrets' })).problems).toEqual([
      'kind must be one of security; "secrets" is not.',
    ]);
  });
});
