// A person's own password change: one path (the authorized-action wrapper; better-auth's
// /change-password is closed), audited without the passwords, strength-checked, counted like
// a sign-in, and it ends the person's other sessions.
import { verifyPassword } from 'better-auth/crypto';
import { describe, expect, it } from 'vitest';
import { changeOwnPasswordDefinition, selfServiceCaller } from '@/lib/auth/password-change';
import { createAuth, isAllowedAuthPath } from '@/lib/auth/auth';
import { executeAuthorized } from '@/lib/auth/authorize';
import { signInLimits } from '@/lib/auth/signin-limits';
import { resolveIdentity, type Identity } from '@/lib/auth/identity';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import { createUser, provisionHeaderUser } from '@/lib/auth/users';
import { backends, useTestDatabase } from './helpers/db';
import { count } from './helpers/substrate';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const base = 'http://localhost:3999';
const env = { BETTER_AUTH_SECRET: SECRET, PORT: '3999', IU_SIGNIN_MAX_ATTEMPTS: '3' };
const OLD = 'correct horse battery';
const NEW = 'lantern orchard quietly 42';
const noHeaders = trustedHeaderConfig({});

describe.each(backends())('changing your own password on $name', (backend) => {
  const t = useTestDatabase(backend);
  const auth = () => createAuth(t.db, env);

  async function signIn(username: string, password: string, peer = '10.1.0.1') {
    const res = await auth().handler(
      new Request(`${base}/api/auth/sign-in/username`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base, 'x-iu-peer-address': peer },
        body: JSON.stringify({ username, password }),
      }),
    );
    return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] };
  }

  async function sessionOf(cookie: string) {
    const s = await auth().api.getSession({ headers: new Headers({ cookie }) });
    const me = (await resolveIdentity(t.db, auth(), new Headers({ cookie }), noHeaders)) as Identity;
    return { me, sessionId: s!.session.id };
  }

  const change = (me: Identity, sessionId: string | null, input: Record<string, string>) =>
    executeAuthorized(
      changeOwnPasswordDefinition({ username: me.username, sessionId, address: '10.1.0.1', limits: signInLimits(env) }),
      selfServiceCaller(t.db, me, { ip: '10.1.0.1', userAgent: 'vitest' }),
      input,
    );

  const hashOf = async (username: string) =>
    (
      await t.db.query<{ password: string }>(
        "SELECT a.password FROM auth_account a JOIN auth_user u ON u.id = a.user_id WHERE u.username = $1 AND a.provider_id = 'credential'",
        [username],
      )
    )[0].password;

  const auditOf = (username: string) =>
    t.db.query<{
      role: string | null;
      decision: string;
      status: string;
      params: Record<string, unknown>;
      summary: string;
    }>(
      "SELECT role, decision, status, params, summary FROM console_audit_log WHERE recipe = 'password_change' AND username = $1 ORDER BY id",
      [username],
    );

  it('is no longer reachable through better-auth', async () => {
    expect(isAllowedAuthPath('/api/auth/change-password')).toBe(false);
    await createUser(t.db.orm, { username: 'bea', password: OLD, role: 'viewer', mustChangePassword: false });
    const { cookie } = await signIn('bea', OLD);
    const res = await auth().handler(
      new Request(`${base}/api/auth/change-password`, {
        method: 'POST',
        headers: { cookie, origin: base, 'content-type': 'application/json', 'x-iu-peer-address': '10.1.0.1' },
        body: JSON.stringify({ currentPassword: OLD, newPassword: NEW }),
      }),
    );
    expect(res.status).toBe(404);
    expect(await verifyPassword({ hash: await hashOf('bea'), password: OLD })).toBe(true);
  });

  it('changes it, clears a one-time flag, ends the other sessions and records an audit row with no password in it', async () => {
    // a person with no role and a one-time password: the wrapper would deny them anything else
    await createUser(t.db.orm, { username: 'noor', password: OLD, role: null, mustChangePassword: true });
    const here = await signIn('noor', OLD, '10.1.0.2');
    const elsewhere = await signIn('noor', OLD, '10.1.0.3');
    const { me, sessionId } = await sessionOf(here.cookie);
    expect(me).toMatchObject({ role: null, mustChangePassword: true });
    const r = await change(me, sessionId, { currentPassword: OLD, newPassword: NEW, newPasswordAgain: NEW });
    expect(r).toMatchObject({ ok: true, committed: true, result: { username: 'noor', otherSessionsEnded: 1 } });
    expect(await verifyPassword({ hash: await hashOf('noor'), password: NEW })).toBe(true);
    expect(await count(t.db, "auth_user WHERE username = 'noor' AND NOT must_change_password")).toBe(1);
    expect(await resolveIdentity(t.db, auth(), new Headers({ cookie: here.cookie }), noHeaders)).toMatchObject({
      username: 'noor',
    });
    expect(await resolveIdentity(t.db, auth(), new Headers({ cookie: elsewhere.cookie }), noHeaders)).toBeNull();
    const [row] = await auditOf('noor');
    expect(row).toMatchObject({ role: 'none', decision: 'ok', status: 'ok' });
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(OLD);
    expect(stored).not.toContain(NEW);
    expect(Object.keys(row.params)).toEqual([]);
    // the new password signs in, the old one no longer does
    expect((await signIn('noor', NEW, '10.1.0.4')).status).toBe(200);
    expect((await signIn('noor', OLD, '10.1.0.4')).status).toBe(401);
  });

  it('refuses a wrong current password, a weak or mistyped new one, each with a sentence, an audit row and no change', async () => {
    await createUser(t.db.orm, { username: 'wade', password: OLD, role: 'operator', mustChangePassword: false });
    const { me, sessionId } = await sessionOf((await signIn('wade', OLD, '10.1.0.5')).cookie);
    const before = await hashOf('wade');
    const wrong = await change(me, sessionId, {
      currentPassword: 'not my password',
      newPassword: NEW,
      newPasswordAgain: NEW,
    });
    expect(wrong).toMatchObject({
      ok: false,
      decision: 'invalid',
      message: 'The current password is wrong; nothing was changed.',
    });
    const weak = await change(me, sessionId, {
      currentPassword: OLD,
      newPassword: 'aaaaaaaaaa',
      newPasswordAgain: 'aaaaaaaaaa',
    });
    expect(weak).toMatchObject({ ok: false, decision: 'invalid' });
    expect(weak.message).toMatch(/too easy to guess \(repeated characters.*choose a longer one/);
    const named = await change(me, sessionId, {
      currentPassword: OLD,
      newPassword: 'wade-wade-wade',
      newPasswordAgain: 'wade-wade-wade',
    });
    expect(named).toMatchObject({ ok: false, decision: 'invalid' });
    const differ = await change(me, sessionId, { currentPassword: OLD, newPassword: NEW, newPasswordAgain: `${NEW}!` });
    expect(differ.message).toMatch(/The two new passwords differ/);
    expect(await hashOf('wade')).toBe(before);
    const rows = await auditOf('wade');
    expect(rows.map((r) => r.decision)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
    for (const r of rows) {
      expect(JSON.stringify(r)).not.toContain(OLD);
      expect(JSON.stringify(r)).not.toContain(NEW);
    }
  });

  it('counts wrong current passwords like failed sign-ins, so a stolen session cannot guess faster', async () => {
    await createUser(t.db.orm, { username: 'gus', password: OLD, role: 'viewer', mustChangePassword: false });
    const { me, sessionId } = await sessionOf((await signIn('gus', OLD, '10.1.0.6')).cookie);
    for (let i = 0; i < 3; i++) {
      expect(
        (await change(me, sessionId, { currentPassword: `guess-${i}`, newPassword: NEW, newPasswordAgain: NEW }))
          .message,
      ).toMatch(/current password is wrong/);
    }
    const blocked = await change(me, sessionId, { currentPassword: OLD, newPassword: NEW, newPasswordAgain: NEW });
    expect(blocked.message).toMatch(/Too many wrong passwords for gus; wait \d+ seconds/);
    expect(await verifyPassword({ hash: await hashOf('gus'), password: OLD })).toBe(true);
    expect((await signIn('gus', OLD, '10.1.0.7')).status).toBe(429);
  });

  it('tells a person signed in by the proxy to change their password there', async () => {
    const made = await provisionHeaderUser(t.db.orm, 'sso-sam', 'operator');
    expect(made.ok).toBe(true);
    const me: Identity = {
      userId: made.ok ? made.user.id : '',
      username: 'sso-sam',
      role: 'operator',
      mustChangePassword: false,
      source: 'trusted-header',
    };
    const r = await change(me, null, { currentPassword: 'whatever-it-is', newPassword: NEW, newPasswordAgain: NEW });
    expect(r).toMatchObject({ ok: false, decision: 'invalid' });
    expect(r.message).toMatch(/change your password there/);
    expect(await count(t.db, "auth_account a JOIN auth_user u ON u.id = a.user_id WHERE u.username = 'sso-sam'")).toBe(
      0,
    );
  });
});
