// API tokens (migration 052, lib/auth/api-tokens.ts) on each backend, through the console's
// real request path (proxy.ts, then the route's handler): a token is its owner at most as an
// operator; read runs nothing; revoked and expired are refused at once; a token cannot make
// tokens; the audit row names the token; a Bearer-only request skips the Origin rule, and a
// request with a cookie does not.
import { beforeAll, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import { listAudit } from '@/lib/auth/audit';
import { bearerToken, hashToken, listTokens } from '@/lib/auth/api-tokens';
import { resolveIdentity, type Identity } from '@/lib/auth/identity';
import { tokenCreateDefinition, tokenRevokeDefinition, type TokenCreated } from '@/lib/auth/token-actions';
import { findUser } from '@/lib/auth/users';
import { guardMutation } from '@/lib/http/request-guard';
import { getAuth } from '@/lib/server/auth';
import * as gatesRoute from '@/app/api/gates/route';
import * as recipeRoute from '@/app/api/recipes/[recipe]/route';
import { backends, useTestDatabase } from './helpers/db';
import { ORIGIN, pointConsoleAt, send, signedIn } from './helpers/console';
import { makeTemplate, uniq, uuid, type Template } from './helpers/substrate';

const RECIPE = {
  path: '/api/recipes/instantiate-from-event',
  mod: recipeRoute,
  params: { recipe: 'instantiate-from-event' },
};
const GATES = { path: '/api/gates', mod: gatesRoute };

describe.each(backends())('API tokens on $name', (backend) => {
  const t = useTestDatabase(backend);
  let tpl: Template;
  let cookie = '';
  let owner: Identity;
  const caller = (identity: Identity | null): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const make = async (name: string, scope: 'read' | 'operate', as: Identity = owner): Promise<TokenCreated> => {
    const r = await executeAuthorized(tokenCreateDefinition, caller(as), { name, scope, expiresInDays: '30' });
    if (!r.ok) throw new Error(r.message);
    return r.result;
  };
  const dryRun = () =>
    JSON.stringify({
      eventId: uuid(),
      eventType: 'template.published',
      templateCollectionId: tpl.id,
      uniqueSuffix: uniq('tok'),
      emitMode: 'dry_run',
      preview: true,
    });
  const bearer = (token: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    ...extra,
  });

  beforeAll(async () => {
    pointConsoleAt(t.db);
    tpl = await makeTemplate(t.db);
    cookie = await signedIn(t.db, 'tara', 'lead');
    const u = (await findUser(t.db.orm, 'tara'))!;
    owner = { userId: u.id, username: 'tara', role: 'lead', mustChangePassword: false, source: 'session' };
  });

  it('stores only the hash; the token is its owner, capped at operator, and the audit row names it', async () => {
    const tok = await make('deploy bot', 'operate');
    expect(tok.token).toMatch(/^iuc_[A-Za-z0-9_-]{43}$/);
    expect(tok.token.startsWith(tok.prefix)).toBe(true);
    const [row] = await t.db.query<Record<string, unknown>>('SELECT * FROM console_api_token WHERE id = $1', [tok.id]);
    expect(row.token_hash).toBe(hashToken(tok.token));
    expect(JSON.stringify(row)).not.toContain(tok.token);
    const [made] = await listAudit(t.db.orm, { recipe: 'token_create', limit: 1 });
    expect(JSON.stringify(made)).not.toContain(tok.token);

    const me = await resolveIdentity(t.db, await getAuth(), new Headers({ authorization: `Bearer ${tok.token}` }));
    expect(me).toMatchObject({ username: 'tara', role: 'operator', source: 'token', via: { name: 'deploy bot' } });

    // a dry run (the preview) from a script: no cookie, no Origin
    const res = await send(RECIPE, 'POST', { headers: bearer(tok.token), body: dryRun() });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ ok: true, committed: false, plan: { username: 'tara' } });
    const [a] = await listAudit(t.db.orm, { id: body.auditId });
    expect(a).toMatchObject({
      username: 'tara',
      role: 'operator',
      via: `token "deploy bot" (${tok.prefix}…, operate)`,
    });
    expect((await listTokens(t.db.orm, owner.userId)).find((x) => x.id === tok.id)?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('a read token reads (GET) but runs nothing, not even a preview', async () => {
    const tok = await make('dashboard reader', 'read');
    const get = await send(GATES, 'GET', { headers: { authorization: `Bearer ${tok.token}` } });
    expect(get.status).toBe(200);
    const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM console_plan');
    const res = await send(RECIPE, 'POST', { headers: bearer(tok.token), body: dryRun() });
    const body = await res.json();
    expect(res.status).toBe(403);
    expect(body).toMatchObject({ ok: false, decision: 'denied' });
    expect(body.message).toMatch(/read scope: it may read \(GET\) but not run anything/);
    expect(await t.db.query('SELECT count(*)::int AS n FROM console_plan')).toEqual(before);
    const [a] = await listAudit(t.db.orm, { id: body.auditId });
    expect(a.via).toContain('"dashboard reader"');
  });

  it('a revoked token is refused at once, an expired one too, and a bad or unknown one is nobody', async () => {
    const tok = await make('short lived', 'operate');
    expect((await send(GATES, 'GET', { headers: { authorization: `Bearer ${tok.token}` } })).status).toBe(200);
    const r = await executeAuthorized(tokenRevokeDefinition, caller(owner), { id: tok.id });
    expect(r).toMatchObject({ ok: true, committed: true });
    const after = await send(RECIPE, 'POST', { headers: bearer(tok.token), body: dryRun() });
    expect(after.status).toBe(401);
    expect((await after.json()).message).toMatch(/signed out/);
    expect((await send(GATES, 'GET', { headers: { authorization: `Bearer ${tok.token}` } })).status).toBe(401);

    const old = await make('expired', 'operate');
    await t.db.query("UPDATE console_api_token SET expires_at = now() - interval '1 second' WHERE id = $1", [old.id]);
    expect((await send(GATES, 'GET', { headers: { authorization: `Bearer ${old.token}` } })).status).toBe(401);

    for (const v of ['iuc_nope', `iuc_${'a'.repeat(5000)}`, 'iuc_\u0000x']) {
      const h = new Headers();
      try {
        h.set('authorization', `Bearer ${v}`);
      } catch {
        continue; // a header that cannot be sent at all
      }
      expect(await resolveIdentity(t.db, await getAuth(), h)).toBeNull();
    }
    // a disabled owner's tokens stop too
    const [u] = await t.db.query<{ id: string }>("SELECT id FROM auth_user WHERE username = 'tara'");
    const live = await make('until disabled', 'read');
    await t.db.query('UPDATE auth_user SET banned = true WHERE id = $1', [u.id]);
    expect((await send(GATES, 'GET', { headers: { authorization: `Bearer ${live.token}` } })).status).toBe(401);
    await t.db.query('UPDATE auth_user SET banned = false WHERE id = $1', [u.id]);
  });

  it('a token cannot make or revoke tokens, nor do a lead step; nobody revokes another person’s token', async () => {
    const tok = await make('automation', 'operate');
    const me = (await resolveIdentity(t.db, await getAuth(), new Headers({ authorization: `Bearer ${tok.token}` })))!;
    const mk = await executeAuthorized(tokenCreateDefinition, caller(me), {
      name: 'child',
      scope: 'operate',
      expiresInDays: 7,
    });
    expect(mk).toMatchObject({ ok: false, decision: 'denied' });
    expect(mk.ok || mk.message).toMatch(/cannot make or revoke tokens/);
    const rv = await executeAuthorized(tokenRevokeDefinition, caller(me), { id: tok.id });
    expect(rv).toMatchObject({ ok: false, decision: 'denied' });
    // someone else's id
    const other = await executeAuthorized(
      tokenRevokeDefinition,
      caller({ ...owner, userId: 'x', username: 'mallory', role: 'viewer' }),
      { id: tok.id },
    );
    expect(other).toMatchObject({ ok: false, decision: 'invalid' });
    expect((await listTokens(t.db.orm, owner.userId)).find((x) => x.id === tok.id)?.revokedAt).toBeNull();
  });

  it('refuses bad token input with a sentence and writes only the audit row', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: '' }, /Give the token a name/],
      [{ name: 'x'.repeat(81) }, /at most 80/],
      [{ name: 'a\u0000b' }, /./],
      [{ name: '<script>' }, /letters, digits/],
      [{ name: 12 }, /must be text/],
      [{ scope: 'admin' }, /read or operate/],
      [{ expiresInDays: 10000 }, /7, 30, 90 or 365/],
      [{ expiresInDays: '3650' }, /7, 30, 90 or 365/],
      [{ expiresInDays: [30] }, /number of days/],
    ];
    const count = async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM console_api_token'))[0].n;
    for (const [over, why] of cases) {
      const before = await count();
      const r = await executeAuthorized(tokenCreateDefinition, caller(owner), {
        name: 'fine',
        scope: 'read',
        expiresInDays: 30,
        ...over,
      });
      expect(r).toMatchObject({ ok: false, decision: 'invalid' });
      expect(r.ok || r.message).toMatch(why);
      expect(await count()).toBe(before);
    }
    await make('twice', 'read');
    const dup = await executeAuthorized(tokenCreateDefinition, caller(owner), {
      name: 'TWICE',
      scope: 'read',
      expiresInDays: 30,
    });
    expect(dup.ok || dup.message).toMatch(/already have a token called/);
    const noRole = await executeAuthorized(tokenCreateDefinition, caller({ ...owner, role: null }), {
      name: 'n',
      scope: 'read',
      expiresInDays: 30,
    });
    expect(noRole).toMatchObject({ ok: false, decision: 'denied' });
    expect(await executeAuthorized(tokenCreateDefinition, caller(null), {})).toMatchObject({
      decision: 'unauthenticated',
    });
    const huge = await executeAuthorized(tokenRevokeDefinition, caller(owner), { id: '9'.repeat(40) });
    expect(huge).toMatchObject({ ok: false, decision: 'invalid' });
  });

  it('Origin rule: a Bearer-only request may come from anywhere; one with a cookie stays guarded', async () => {
    const tok = await make('cross origin', 'operate');
    const evil = { origin: 'https://evil.example' };
    const bearerOnly = await send(RECIPE, 'POST', { headers: bearer(tok.token, evil), body: dryRun() });
    expect(bearerOnly.status).toBe(200);
    const withCookie = await send(RECIPE, 'POST', { headers: bearer(tok.token, evil), cookie, body: dryRun() });
    expect(withCookie.status).toBe(403);
    expect((await withCookie.json()).error).toMatch(/came from another site/);
    const cookieOnly = await send(RECIPE, 'POST', {
      headers: { ...evil, 'content-type': 'application/json' },
      cookie,
      body: dryRun(),
    });
    expect(cookieOnly.status).toBe(403);
    // the rule itself: another scheme, or a non-console bearer, is no exemption; the body rules still apply
    const g = (h: Record<string, string>) => guardMutation({ method: 'POST', headers: new Headers(h) }, [ORIGIN]);
    expect(g({ authorization: 'Basic abc', ...evil })?.status).toBe(403);
    expect(g({ authorization: 'Bearer eyJhbGciOi', ...evil })?.status).toBe(403);
    expect(g({ authorization: `Bearer ${tok.token}`, ...evil, cookie: 'x=1' })?.status).toBe(403);
    expect(g({ authorization: `Bearer ${tok.token}`, ...evil })).toBeNull();
    expect(
      g({ authorization: `Bearer ${tok.token}`, 'content-type': 'text/plain', 'content-length': '3' })?.status,
    ).toBe(415);
    expect(bearerToken(new Headers({ authorization: 'bearer  iuc_x ' }))).toBe('iuc_x');
  });
});
