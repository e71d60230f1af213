// The users route (/api/users): the lead's user administration as JSON, through proxy.ts and the
// same wrapped actions as the users page. A lead adds a user and changes a role and the disabled
// flag; another site, a viewer, an operator and a signed-out caller are refused and change
// nothing; bad JSON, control characters, a huge value and an ambiguous PATCH are refused with a
// sentence and an audit row.
import { beforeAll, describe, expect, it } from 'vitest';
import * as usersRoute from '@/app/api/users/route';
import { listAudit } from '@/lib/auth/audit';
import { findUser } from '@/lib/auth/users';
import { backends, useTestDatabase } from './helpers/db';
import { ORIGIN, pointConsoleAt, send as sendAs, signedIn, type RouteRef, type SendInit } from './helpers/console';

const USERS: RouteRef = { path: '/api/users', mod: usersRoute };
const JSON_HEADERS = { origin: ORIGIN, 'content-type': 'application/json' };

describe.each(backends())('the users route on $name', (backend) => {
  const t = useTestDatabase(backend);
  let lead = '';
  let operator = '';
  let viewer = '';

  const send = (method: string, cookie: string, body: unknown, init: SendInit = {}) =>
    sendAs(USERS, method, {
      cookie,
      headers: JSON_HEADERS,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...init,
    });
  const trail = (username: string) => listAudit(t.db.orm, { username, limit: 100 });

  beforeAll(async () => {
    pointConsoleAt(t.db);
    lead = await signedIn(t.db, 'lena', 'lead');
    operator = await signedIn(t.db, 'oscar', 'operator');
    viewer = await signedIn(t.db, 'vic', 'viewer');
  });

  it('lets a lead add a user, set the role, disable and enable them, each with an audit row', async () => {
    const added = await send('POST', lead, { username: 'wendy', role: 'viewer', reason: 'new analyst' });
    expect(added.status).toBe(200);
    const a = await added.json();
    expect(a).toMatchObject({ ok: true, decision: 'ok', result: { username: 'wendy', role: 'viewer' } });
    expect(a.result.oneTimePassword).toMatch(/\S{12,}/);

    const role = await send('PATCH', lead, { username: 'wendy', role: 'operator', reason: 'on call' });
    expect(role.status).toBe(200);
    expect((await role.json()).result).toMatchObject({ role: 'operator', disabled: false });

    const off = await send('PATCH', lead, { username: 'wendy', disabled: true, reason: 'left' });
    expect(off.status).toBe(200);
    expect((await findUser(t.db.orm, 'wendy'))?.disabled).toBe(true);
    const on = await send('PATCH', lead, { username: 'wendy', disabled: false, reason: 'back' });
    expect((await on.json()).result).toMatchObject({ disabled: false, role: 'operator' });

    const rows = (await trail('lena')).filter((r) => r.recipe.startsWith('user_'));
    expect(rows.map((r) => [r.recipe, r.decision, r.committed]).reverse()).toEqual([
      ['user_add', 'ok', true],
      ['user_set_role', 'ok', true],
      ['user_set_disabled', 'ok', true],
      ['user_set_disabled', 'ok', true],
    ]);
  });

  it('refuses another site before the handler runs, and adds nobody', async () => {
    const res = await send(
      'POST',
      lead,
      { username: 'mallory', role: 'lead', reason: 'x' },
      {
        headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      },
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatch(/\w.*\./);
    const patch = await send(
      'PATCH',
      lead,
      { username: 'vic', role: 'lead', reason: 'x' },
      {
        headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      },
    );
    expect(patch.status).toBe(403);
    expect(await findUser(t.db.orm, 'mallory')).toBeNull();
    expect((await findUser(t.db.orm, 'vic'))?.role).toBe('viewer');
  });

  it('refuses a viewer and an operator with 403 and a denied audit row, and changes nothing', async () => {
    for (const [cookie, who] of [
      [viewer, 'vic'],
      [operator, 'oscar'],
    ]) {
      const add = await send('POST', cookie, { username: 'mallory', role: 'lead', reason: 'try' });
      expect(add.status).toBe(403);
      expect(await add.json()).toMatchObject({ ok: false, decision: 'denied' });
      const self = await send('PATCH', cookie, { username: who, role: 'lead', reason: 'try' });
      expect(self.status).toBe(403);
      const rows = await trail(who);
      expect(rows.slice(0, 2).map((r) => [r.recipe, r.decision, r.committed])).toEqual([
        ['user_set_role', 'denied', false],
        ['user_add', 'denied', false],
      ]);
    }
    expect(await findUser(t.db.orm, 'mallory')).toBeNull();
    expect((await findUser(t.db.orm, 'oscar'))?.role).toBe('operator');
  });

  it('answers a signed-out caller 401 and runs nothing', async () => {
    const res = await send('POST', '', { username: 'mallory', role: 'lead', reason: 'x' });
    expect(res.status).toBe(401);
    expect(await findUser(t.db.orm, 'mallory')).toBeNull();
    expect((await send('PATCH', '', { username: 'vic', disabled: true, reason: 'x' })).status).toBe(401);
    expect((await findUser(t.db.orm, 'vic'))?.disabled).toBe(false);
  });

  it('refuses bad JSON, a NUL, a huge value, a missing reason and an ambiguous change with 422, a sentence and an audit row', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', 'bad JSON', '{"username": "x"', /\w/],
      ['POST', 'a NUL', { username: 'ni\u0000na', role: 'viewer', reason: 'x' }, /control character/],
      ['PATCH', 'a NUL in the reason', { username: 'vic', role: 'operator', reason: 'why\u0000' }, /control character/],
      ['POST', 'a huge name', { username: 'x'.repeat(200_000), role: 'viewer', reason: 'x' }, /\w/],
      ['POST', 'no reason', { username: 'nina', role: 'viewer' }, /reason/i],
      ['PATCH', 'no change named', { username: 'vic', reason: 'x' }, /\w/],
      ['PATCH', 'both changes', { username: 'vic', role: 'lead', disabled: true, reason: 'x' }, /one per request/],
      ['PATCH', 'a wrong-typed flag', { username: 'vic', disabled: 'yes', reason: 'x' }, /\w/],
    ];
    for (const [method, what, body, sentence] of cases) {
      const before = (await trail('lena')).length;
      const res = await send(method, lead, body);
      const text = await res.text();
      expect(res.status, `${what}: ${text.slice(0, 200)}`).toBe(422);
      const j = JSON.parse(text);
      expect(j, what).toMatchObject({ ok: false, decision: 'invalid', committed: false });
      expect(`${j.message} ${JSON.stringify(j.issues ?? [])}`, what).toMatch(sentence);
      expect((await trail('lena')).length, what).toBe(before + 1);
    }
    expect(await findUser(t.db.orm, 'nina')).toBeNull();
    expect(await findUser(t.db.orm, 'ni\u0000na'.replace('\u0000', ''))).toBeNull();
    expect(await findUser(t.db.orm, 'vic')).toMatchObject({ role: 'viewer', disabled: false });
  });

  it('refuses to leave no lead, and refuses a name that is taken, with 422 and a sentence', async () => {
    const last = await send('PATCH', lead, { username: 'lena', role: 'viewer', reason: 'x' });
    expect(last.status).toBe(422);
    expect((await last.json()).message).toMatch(/last enabled lead/);
    const taken = await send('POST', lead, { username: 'vic', role: 'lead', reason: 'x' });
    expect(taken.status).toBe(422);
    expect((await taken.json()).message).toMatch(/already exists/);
    expect((await findUser(t.db.orm, 'lena'))?.role).toBe('lead');
    expect((await findUser(t.db.orm, 'vic'))?.role).toBe('viewer');
  });
});
