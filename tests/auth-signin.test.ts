// Sign-in through better-auth over the hand-written tables of migration 040, on each
// backend: username + password, cookie attributes, idle expiry, disabled users, sign-out,
// the failed sign-in limits, and the identity every action is checked against.
import { describe, expect, it } from 'vitest';
import { createAuth, isAllowedAuthPath } from '@/lib/auth/auth';
import { resolveIdentity } from '@/lib/auth/identity';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import { createUser, provisionHeaderUser, setDisabled, setRole } from '@/lib/auth/users';
import { backends, useTestDatabase } from './helpers/db';
import { count } from './helpers/substrate';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const env = (over: Record<string, string> = {}) => ({
  BETTER_AUTH_SECRET: SECRET,
  PORT: '3999',
  IU_SIGNIN_MAX_ATTEMPTS: '3',
  ...over,
});
const base = 'http://localhost:3999';

function signInRequest(username: string, password: string, peer = '127.0.0.1', origin = base) {
  return new Request(`${origin}/api/auth/sign-in/username`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, 'x-iu-peer-address': peer },
    body: JSON.stringify({ username, password }),
  });
}

const cookieOf = (res: Response) => res.headers.get('set-cookie') ?? '';
const asCookieHeader = (setCookie: string) => setCookie.split(';')[0];

describe.each(backends())('sign-in on $name', (backend) => {
  const t = useTestDatabase(backend);
  const noHeaders = trustedHeaderConfig({});

  it('signs in by user name and password with an httpOnly, SameSite=Lax cookie, and knows who it is', async () => {
    const auth = createAuth(t.db, env());
    await createUser(t.db.orm, {
      username: 'Olga',
      password: 'correct horse battery',
      role: 'operator',
      mustChangePassword: false,
    });
    const res = await auth.handler(signInRequest('olga', 'correct horse battery', '10.0.0.1'));
    expect(res.status).toBe(200);
    const set = cookieOf(res);
    expect(set).toMatch(/^better-auth\.session_token=/);
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).not.toMatch(/;\s*Secure/i);
    const me = await resolveIdentity(t.db, auth, new Headers({ cookie: asCookieHeader(set) }), noHeaders);
    expect(me).toMatchObject({ username: 'olga', role: 'operator', source: 'session', mustChangePassword: false });
    // idle expiry: the session lasts IU_SESSION_IDLE_MINUTES (480 by default) from its last use
    const [s] = await t.db.query<{ expires_at: Date }>(
      'SELECT expires_at FROM auth_session ORDER BY created_at DESC LIMIT 1',
    );
    const minutes = (new Date(s.expires_at).getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(470);
    expect(minutes).toBeLessThanOrEqual(481);
  });

  it('reads the role from the database on every request, so a change applies at once', async () => {
    const auth = createAuth(t.db, env());
    await createUser(t.db.orm, {
      username: 'rita',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: true,
    });
    const res = await auth.handler(signInRequest('rita', 'correct horse battery', '10.0.0.2'));
    const cookie = asCookieHeader(cookieOf(res));
    expect(await resolveIdentity(t.db, auth, new Headers({ cookie }), noHeaders)).toMatchObject({
      role: 'viewer',
      mustChangePassword: true,
    });
    await setRole(t.db.orm, 'rita', 'lead');
    expect(await resolveIdentity(t.db, auth, new Headers({ cookie }), noHeaders)).toMatchObject({ role: 'lead' });
    await setRole(t.db.orm, 'rita', null);
    expect(await resolveIdentity(t.db, auth, new Headers({ cookie }), noHeaders)).toMatchObject({ role: null });
  });

  it('refuses a wrong password, and a disabled user even with the right one; disabling ends their sessions', async () => {
    const auth = createAuth(t.db, env());
    await createUser(t.db.orm, {
      username: 'dave',
      password: 'correct horse battery',
      role: 'operator',
      mustChangePassword: false,
    });
    expect((await auth.handler(signInRequest('dave', 'wrong password!!', '10.0.0.3'))).status).toBe(401);
    const ok = await auth.handler(signInRequest('dave', 'correct horse battery', '10.0.0.3'));
    const cookie = asCookieHeader(cookieOf(ok));
    await setDisabled(t.db.orm, 'dave', true);
    expect(await resolveIdentity(t.db, auth, new Headers({ cookie }), noHeaders)).toBeNull();
    const again = await auth.handler(signInRequest('dave', 'correct horse battery', '10.0.0.3'));
    expect(again.status).not.toBe(200);
    expect(cookieOf(again)).not.toMatch(/session_token=[^;]+/);
  });

  it('answers a disabled account with the right password exactly as it answers a wrong password', async () => {
    const auth = createAuth(t.db, env({ IU_SIGNIN_MAX_ATTEMPTS: '50' }));
    await createUser(t.db.orm, {
      username: 'dora',
      password: 'correct horse battery',
      role: 'operator',
      mustChangePassword: false,
    });
    await setDisabled(t.db.orm, 'dora', true);
    const answer = async (password: string) => {
      const started = performance.now();
      const res = await auth.handler(signInRequest('dora', password, '10.0.0.33'));
      return { status: res.status, body: await res.text(), cookie: cookieOf(res), ms: performance.now() - started };
    };
    const disabled: Awaited<ReturnType<typeof answer>>[] = [];
    const wrong: Awaited<ReturnType<typeof answer>>[] = [];
    for (let i = 0; i < 5; i++) {
      disabled.push(await answer('correct horse battery'));
      wrong.push(await answer('wrong password!!'));
    }
    expect(disabled[0].status).toBe(401);
    for (const d of disabled)
      expect({ status: d.status, body: d.body, cookie: d.cookie }).toEqual({
        status: wrong[0].status,
        body: wrong[0].body,
        cookie: wrong[0].cookie,
      });
    // both check the password hash, so neither answers markedly faster (medians, loose: a shared machine)
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2];
    const [d, w] = [median(disabled.map((x) => x.ms)), median(wrong.map((x) => x.ms))];
    expect(d / w).toBeGreaterThan(0.4);
    expect(d / w).toBeLessThan(2.5);
  });

  it('answers a name the proxy made (no console password) no faster than a wrong password', async () => {
    const auth = createAuth(t.db, env({ IU_SIGNIN_MAX_ATTEMPTS: '50' }));
    await createUser(t.db.orm, {
      username: 'pwacct',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: false,
    });
    expect(await provisionHeaderUser(t.db.orm, 'ssoacct', 'viewer')).toMatchObject({ ok: true });
    const time = async (username: string) => {
      const started = performance.now();
      const res = await auth.handler(signInRequest(username, 'wrong password!!', '10.0.0.34'));
      return { status: res.status, body: await res.text(), ms: performance.now() - started };
    };
    const sso: Awaited<ReturnType<typeof time>>[] = [];
    const pw: Awaited<ReturnType<typeof time>>[] = [];
    for (let i = 0; i < 5; i++) {
      sso.push(await time('ssoacct'));
      pw.push(await time('pwacct'));
    }
    expect({ status: sso[0].status, body: sso[0].body }).toEqual({ status: pw[0].status, body: pw[0].body });
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2];
    expect(median(sso.map((x) => x.ms)) / median(pw.map((x) => x.ms))).toBeGreaterThan(0.4);
  });

  it('ends a session left idle past its expiry, and slides the expiry of one in use', async () => {
    const auth = createAuth(t.db, env({ IU_SESSION_IDLE_MINUTES: '30' }));
    await createUser(t.db.orm, {
      username: 'ida',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: false,
    });
    const cookie = asCookieHeader(
      cookieOf(await auth.handler(signInRequest('ida', 'correct horse battery', '10.0.0.7'))),
    );
    const [u] = await t.db.query<{ id: string }>("SELECT id FROM auth_user WHERE username = 'ida'");
    // in use: last refreshed 10 minutes ago, 20 minutes left → a request pushes it back to 30
    await t.db.query(
      "UPDATE auth_session SET updated_at = now() - interval '10 minutes', expires_at = now() + interval '20 minutes' WHERE user_id = $1",
      [u.id],
    );
    expect(await resolveIdentity(t.db, auth, new Headers({ cookie }), noHeaders)).toMatchObject({ username: 'ida' });
    const [s1] = await t.db.query<{ left: number }>(
      'SELECT extract(epoch FROM expires_at - now())::int AS left FROM auth_session WHERE user_id = $1',
      [u.id],
    );
    expect(s1.left).toBeGreaterThan(28 * 60);
    // idle: past its expiry → signed out
    await t.db.query("UPDATE auth_session SET expires_at = now() - interval '1 second' WHERE user_id = $1", [u.id]);
    expect(await resolveIdentity(t.db, auth, new Headers({ cookie }), noHeaders)).toBeNull();
  });

  it('ends the session on sign-out', async () => {
    const auth = createAuth(t.db, env());
    await createUser(t.db.orm, {
      username: 'sid',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: false,
    });
    const cookie = asCookieHeader(
      cookieOf(await auth.handler(signInRequest('sid', 'correct horse battery', '10.0.0.4'))),
    );
    const out = await auth.handler(
      new Request(`${base}/api/auth/sign-out`, {
        method: 'POST',
        headers: { cookie, origin: base, 'x-iu-peer-address': '10.0.0.4', 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expect(out.status).toBe(200);
    expect(await resolveIdentity(t.db, auth, new Headers({ cookie }), noHeaders)).toBeNull();
  });

  it('limits failed sign-ins per user name, from any address, whether or not the name exists', async () => {
    const auth = createAuth(t.db, env({ IU_SIGNIN_MAX_ATTEMPTS: '3' }));
    await createUser(t.db.orm, {
      username: 'lena',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: false,
    });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await auth.handler(signInRequest('lena', `guess-${i}-guess`, `10.0.9.${i}`))).status);
    expect(codes).toEqual([401, 401, 401, 429]);
    // even the right password, from yet another address, waits out the window
    const blocked = await auth.handler(signInRequest('lena', 'correct horse battery', '10.0.9.50'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('x-retry-after'))).toBeGreaterThan(0);
    expect((await blocked.json()).message).toContain('wait a minute');
    // a name nobody has is limited the same way, so the answer says nothing about which names exist
    const ghost: number[] = [];
    for (let i = 0; i < 4; i++)
      ghost.push((await auth.handler(signInRequest('ghost', `guess-${i}-guess`, `10.0.8.${i}`))).status);
    expect(ghost).toEqual([401, 401, 401, 429]);
    // once the window has passed, the right password works again
    await t.db.query(
      "UPDATE auth_signin_failure SET window_start = now() - interval '61 seconds' WHERE key = 'user:lena'",
    );
    expect((await auth.handler(signInRequest('lena', 'correct horse battery', '10.0.9.51'))).status).toBe(200);
  });

  it('counts no successes: a whole office behind one proxy address signs in as often as it likes', async () => {
    const auth = createAuth(t.db, env({ IU_SIGNIN_MAX_ATTEMPTS: '3', IU_SIGNIN_MAX_ADDRESS_FAILURES: '3' }));
    for (const name of ['off1', 'off2', 'off3']) {
      await createUser(t.db.orm, {
        username: name,
        password: 'correct horse battery',
        role: 'viewer',
        mustChangePassword: false,
      });
    }
    const codes: number[] = [];
    for (let i = 0; i < 12; i++)
      codes.push((await auth.handler(signInRequest(`off${(i % 3) + 1}`, 'correct horse battery', '10.0.7.7'))).status);
    expect(codes).toEqual(Array(12).fill(200));
    expect(await count(t.db, "auth_signin_failure WHERE key LIKE '%10.0.7.7' AND failures > 0")).toBe(0);
  });

  it('limits failed sign-ins per address across user names, leaving other addresses alone', async () => {
    const auth = createAuth(t.db, env({ IU_SIGNIN_MAX_ATTEMPTS: '3', IU_SIGNIN_MAX_ADDRESS_FAILURES: '4' }));
    await createUser(t.db.orm, {
      username: 'abe',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: false,
    });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await auth.handler(signInRequest(`spray${i}`, 'guess-guess-guess', '10.0.6.6'))).status);
    expect(codes).toEqual([401, 401, 401, 401, 429]);
    expect((await auth.handler(signInRequest('abe', 'correct horse battery', '10.0.6.6'))).status).toBe(429);
    expect((await auth.handler(signInRequest('abe', 'correct horse battery', '10.0.6.7'))).status).toBe(200);
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    const auth = createAuth(t.db, env({ IU_PUBLIC_URL: 'https://console.example.com' }));
    await createUser(t.db.orm, {
      username: 'sam',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: false,
    });
    const res = await auth.handler(
      signInRequest('sam', 'correct horse battery', '10.0.0.5', 'https://console.example.com'),
    );
    expect(res.status).toBe(200);
    expect(cookieOf(res)).toMatch(/^__Secure-better-auth\.session_token=.*;\s*Secure/i);
  });

  it('lets nobody rename themselves into another actor through better-auth', async () => {
    const auth = createAuth(t.db, env());
    await createUser(t.db.orm, {
      username: 'ursula',
      password: 'correct horse battery',
      role: 'operator',
      mustChangePassword: false,
    });
    const cookie = asCookieHeader(
      cookieOf(await auth.handler(signInRequest('ursula', 'correct horse battery', '10.0.0.8'))),
    );
    const res = await auth.handler(
      new Request(`${base}/api/auth/update-user`, {
        method: 'POST',
        headers: { cookie, origin: base, 'x-iu-peer-address': '10.0.0.8', 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', name: 'alice' }),
      }),
    );
    expect(res.status).toBe(404);
    expect(await count(t.db, "auth_user WHERE username = 'ursula'")).toBe(1);
    expect(isAllowedAuthPath('/api/auth/update-user')).toBe(false);
    expect(isAllowedAuthPath('/api/auth/sign-up/email')).toBe(false);
    expect(isAllowedAuthPath('/api/auth/sign-in/username')).toBe(true);
  });

  it('has no public sign-up', async () => {
    const auth = createAuth(t.db, env());
    const res = await auth.handler(
      new Request(`${base}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base, 'x-iu-peer-address': '10.0.0.6' },
        body: JSON.stringify({
          email: 'eve@example.com',
          password: 'correct horse battery',
          name: 'eve',
          username: 'eve',
        }),
      }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await count(t.db, "auth_user WHERE username = 'eve'")).toBe(0);
  });
});

describe.each(backends())('trusted-header identity on $name', (backend) => {
  const t = useTestDatabase(backend);
  const cfg = trustedHeaderConfig({
    IU_AUTH_MODE: 'trusted-header',
    IU_AUTH_GROUP_ROLES: 'ops-leads:lead,ops:operator',
    IU_PEER_TOKEN: 'tok',
  });
  const auth = () => createAuth(t.db, env());

  it('provisions the user on sight, with the role of their groups, and follows group changes', async () => {
    const h = (groups: string) =>
      new Headers({
        'x-iu-peer-address': '127.0.0.1',
        'x-iu-peer-token': 'tok',
        'x-forwarded-user': 'Priya',
        'x-forwarded-groups': groups,
      });
    expect(await resolveIdentity(t.db, auth(), h('ops'), cfg)).toMatchObject({
      username: 'priya',
      role: 'operator',
      source: 'trusted-header',
    });
    expect(await count(t.db, "auth_user WHERE username = 'priya' AND source = 'trusted-header'")).toBe(1);
    expect(await resolveIdentity(t.db, auth(), h('ops,ops-leads'), cfg)).toMatchObject({ role: 'lead' });
    expect(await resolveIdentity(t.db, auth(), h('marketing'), cfg)).toMatchObject({ role: null });
    await setDisabled(t.db.orm, 'priya', true);
    expect(await resolveIdentity(t.db, auth(), h('ops'), cfg)).toBeNull();
  });

  it('never signs a proxy user in as the password account of the same name', async () => {
    await createUser(t.db.orm, {
      username: 'pat',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: false,
    });
    const h = new Headers({
      'x-iu-peer-address': '127.0.0.1',
      'x-iu-peer-token': 'tok',
      'x-forwarded-user': 'pat',
      'x-forwarded-groups': 'ops-leads',
    });
    expect(await resolveIdentity(t.db, auth(), h, cfg)).toBeNull();
    expect(await count(t.db, "auth_user WHERE username = 'pat' AND role = 'viewer' AND source = 'password'")).toBe(1);
  });

  it('ignores the headers from an untrusted peer: nobody is signed in', async () => {
    const h = new Headers({
      'x-iu-peer-address': '203.0.113.9',
      'x-iu-peer-token': 'tok',
      'x-forwarded-user': 'mallory',
      'x-forwarded-groups': 'ops-leads',
    });
    expect(await resolveIdentity(t.db, auth(), h, cfg)).toBeNull();
    expect(await count(t.db, "auth_user WHERE username = 'mallory'")).toBe(0);
  });
});
