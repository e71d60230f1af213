// A request refused for its API token, on each backend, through the console's real request
// path (proxy.ts, then the route's handler): answered 401 with a sentence that tells a script
// what to do, and recorded as one security event (`token_use`) in the audit trail, found by
// the audit page's "security events" filter: why (malformed, unknown, revoked, expired, owner
// disabled), the owner and what the token list shows of a known token, the client address;
// never the token. A flood from one address writes a bounded number of rows.
import { beforeAll, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import { listAudit, readAuditQuery } from '@/lib/auth/audit';
import { resolveIdentity, type Identity } from '@/lib/auth/identity';
import { TOKEN_REFUSED_MESSAGE } from '@/lib/auth/signed-out';
import { tokenCreateDefinition, tokenRevokeDefinition, type TokenCreated } from '@/lib/auth/token-actions';
import { UNKNOWN_TOKEN_USER } from '@/lib/auth/token-refusals';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import { findUser } from '@/lib/auth/users';
import { getAuth } from '@/lib/server/auth';
import * as gatesRoute from '@/app/api/gates/route';
import * as recipeRoute from '@/app/api/recipes/[recipe]/route';
import { backends, useTestDatabase } from './helpers/db';
import { pointConsoleAt, send, signedIn } from './helpers/console';
import { auditRowsSince, captureLogLines, lastAuditId, type AuditRow } from './helpers/audit-rows';

const RECIPE = {
  path: '/api/recipes/instantiate-from-event',
  mod: recipeRoute,
  params: { recipe: 'instantiate-from-event' },
};
const GATES = { path: '/api/gates', mod: gatesRoute };
const PEER_TOKEN = 'peer-token-for-token-refusals';
// the socket peer as server.ts records it, so the rows carry a client address
const cfg = trustedHeaderConfig({ IU_PEER_TOKEN: PEER_TOKEN });
const from = (address: string, authorization: string) =>
  new Headers({ authorization, 'x-iu-peer-token': PEER_TOKEN, 'x-iu-peer-address': address, 'user-agent': 'cron' });

describe.each(backends())('refused API tokens on $name', (backend) => {
  const t = useTestDatabase(backend);
  let owner: Identity;
  const lines = captureLogLines();
  const caller = (identity: Identity): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const make = async (name: string): Promise<TokenCreated> => {
    const r = await executeAuthorized(tokenCreateDefinition, caller(owner), {
      name,
      scope: 'operate',
      expiresInDays: 30,
    });
    if (!r.ok) throw new Error(r.message);
    return r.result;
  };
  const tokenRows = (since: number) => auditRowsSince(t.db, since, 'token_use');
  const lastId = () => lastAuditId(t.db);
  const holdsNoSecret = (rows: AuditRow[], secret: string) => {
    const text = JSON.stringify(rows) + lines.join('\n');
    expect(text).not.toContain(secret);
    // not even most of it: the stored prefix (iuc_ and 8 characters) is all a row may hold
    expect(text).not.toContain(secret.slice(0, 20));
  };
  const refusedBy = (address: string, token: string) =>
    resolveIdentity(t.db, { api: {} as never }, from(address, `Bearer ${token}`), cfg);

  beforeAll(async () => {
    pointConsoleAt(t.db);
    await signedIn(t.db, 'tess', 'operator');
    const u = (await findUser(t.db.orm, 'tess'))!;
    owner = { userId: u.id, username: 'tess', role: 'operator', mustChangePassword: false, source: 'session' };
  });

  it('answers a revoked token 401 with what to do, and records one security event naming the token, never holding it', async () => {
    const tok = await make('nightly export');
    expect((await send(GATES, 'GET', { headers: { authorization: `Bearer ${tok.token}` } })).status).toBe(200);
    const r = await executeAuthorized(tokenRevokeDefinition, caller(owner), { id: tok.id });
    expect(r).toMatchObject({ ok: true, committed: true });

    const since = await lastId();
    const res = await send(RECIPE, 'POST', {
      headers: { authorization: `Bearer ${tok.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: 'x', preview: true }),
    });
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body).toMatchObject({ ok: false, decision: 'unauthenticated', auditId: null });
    expect(body.message).toBe(TOKEN_REFUSED_MESSAGE);
    expect(body.message).toMatch(/API tokens \(\/settings\/tokens\)/);
    const rows = await tokenRows(since);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      username: 'tess',
      recipe: 'token_use',
      mode: 'admin',
      decision: 'unauthenticated',
      status: 'revoked',
      committed: false,
      via: `token "nightly export" (${tok.prefix}…, operate)`,
    });
    expect(rows[0].summary).toMatch(
      new RegExp(
        `^Refused a request with tess's API token "nightly export" \\(${tok.prefix}…\\): it was revoked at \\d`,
      ),
    );
    expect(rows[0].params).toMatchObject({
      refusal: 'revoked',
      apiKey: { id: tok.id, name: 'nightly export', prefix: tok.prefix, scope: 'operate', owner: 'tess' },
    });
    // the action itself wrote nothing: no row for the recipe, no plan
    expect(
      await t.db.query('SELECT 1 FROM console_audit_log WHERE id > $1 AND recipe <> $2', [since, 'token_use']),
    ).toEqual([]);
    // a GET route (apiUser) answers the same sentence, and is recorded the same way
    const get = await send(GATES, 'GET', { headers: { authorization: `Bearer ${tok.token}` } });
    expect(get.status).toBe(401);
    expect((await get.json()).error).toBe(TOKEN_REFUSED_MESSAGE);
    const after = await tokenRows(since);
    expect(after.map((x) => x.status)).toEqual(['revoked', 'revoked']);
    holdsNoSecret(after, tok.token);
  });

  it('says why for an expired token, an unknown one, a malformed one and a disabled owner, with the client address', async () => {
    const old = await make('last quarter');
    await t.db.query("UPDATE console_api_token SET expires_at = now() - interval '1 second' WHERE id = $1", [old.id]);
    const unknown = `iuc_${'A'.repeat(43)}`;
    const since = await lastId();
    expect(await refusedBy('10.7.0.1', old.token)).toBeNull();
    expect(await refusedBy('10.7.0.1', unknown)).toBeNull();
    expect(await refusedBy('10.7.0.1', 'iuc_short')).toBeNull();
    expect(await refusedBy('10.7.0.1', `iuc_${'x'.repeat(5000)}`)).toBeNull();

    const disabled = await make('until disabled');
    await t.db.query("UPDATE auth_user SET banned = true WHERE username = 'tess'");
    try {
      expect(await refusedBy('10.7.0.1', disabled.token)).toBeNull();
    } finally {
      await t.db.query("UPDATE auth_user SET banned = false WHERE username = 'tess'");
    }
    const rows = await tokenRows(since);
    expect(rows.map((r) => [r.username, r.status, r.ip])).toEqual([
      ['tess', 'expired', '10.7.0.1'],
      [UNKNOWN_TOKEN_USER, 'unknown', '10.7.0.1'],
      [UNKNOWN_TOKEN_USER, 'malformed', '10.7.0.1'],
      [UNKNOWN_TOKEN_USER, 'malformed', '10.7.0.1'],
      ['tess', 'owner_disabled', '10.7.0.1'],
    ]);
    expect(rows[0].summary).toMatch(
      /^Refused a request from 10\.7\.0\.1 with tess's API token "last quarter" .*: it expired at/,
    );
    expect(rows[1].summary).toBe(
      'Refused a request from 10.7.0.1 with an API token that the console does not know: no token has that value (mistyped, or from another console).',
    );
    expect(rows[1].via).toBeNull();
    expect(rows[1].params).toEqual({ refusal: 'unknown' });
    expect(rows[2].summary).toMatch(/malformed: a console token is iuc_ and 43 letters/);
    expect(rows[4].summary).toMatch(/: tess's account is disabled\.$/);
    for (const [r, secret] of [
      [rows[0], old.token],
      [rows[1], unknown],
      [rows[4], disabled.token],
    ] as const)
      holdsNoSecret([r], secret);
    expect(JSON.stringify(rows)).not.toContain('iuc_short');

    // the audit page's "security events" filter lists them, as it lists failed sign-ins
    const { filters, problems } = readAuditQuery(
      new URLSearchParams({ kind: 'security', username: UNKNOWN_TOKEN_USER }),
    );
    expect(problems).toEqual([]);
    const listed = await listAudit(t.db.orm, filters);
    expect(listed.map((r) => r.id)).toEqual(expect.arrayContaining([rows[1].id, rows[2].id, rows[3].id]));
    // and the server log says each, naming the address
    expect(lines.filter((l) => l.includes('"event":"token_use"') && l.includes('10.7.0.1'))).toHaveLength(5);
  });

  it('tells a bearer of another kind what a console token looks like, without recording it', async () => {
    const since = await lastId();
    const res = await send(GATES, 'GET', { headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x' } });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatch(/not a console API token \(those start with iuc_\)/);
    // a person without a session is still just told to sign in
    const plain = await send(GATES, 'GET');
    expect(plain.status).toBe(401);
    expect((await plain.json()).error).toBe('Sign in first.');
    expect(await tokenRows(since)).toEqual([]);
  });

  it('bounds a flood from one address: a row each up to the per-address limit, one saying so, then none in that window', async () => {
    const limit = 30; // IU_SIGNIN_MAX_ADDRESS_FAILURES, the sign-in limits' per-address failures a minute
    const since = await lastId();
    for (let i = 0; i < limit + 10; i++) expect(await refusedBy('10.7.0.9', `iuc_${'B'.repeat(43)}`)).toBeNull();
    const rows = await tokenRows(since);
    expect(rows).toHaveLength(limit + 1);
    expect(rows.slice(0, limit).every((r) => r.status === 'unknown' && r.ip === '10.7.0.9')).toBe(true);
    expect(rows[limit]).toMatchObject({ status: 'too_many_failures', decision: 'unauthenticated', ip: '10.7.0.9' });
    expect(rows[limit].summary).toMatch(
      /^More than 30 requests from 10\.7\.0\.9 were refused for their API token within 60 s; the rest are answered 401 without a row/,
    );
    // another address has its own count; the flooded one is still answered, and its sign-ins are untouched
    expect(await refusedBy('10.7.0.10', `iuc_${'B'.repeat(43)}`)).toBeNull();
    expect((await tokenRows(since)).at(-1)).toMatchObject({ status: 'unknown', ip: '10.7.0.10' });
    expect(await t.db.query("SELECT key FROM auth_signin_failure WHERE key = 'address:10.7.0.9'")).toEqual([]);
    // once the window has passed, the next refusal is recorded again
    await t.db.query(
      "UPDATE auth_signin_failure SET window_start = now() - interval '61 seconds' WHERE key = 'token-address:10.7.0.9'",
    );
    const before = (await tokenRows(since)).length;
    expect(await refusedBy('10.7.0.9', `iuc_${'B'.repeat(43)}`)).toBeNull();
    expect(await tokenRows(since)).toHaveLength(before + 1);
  });

  it('a live token still works and writes no security event', async () => {
    const tok = await make('still fine');
    const since = await lastId();
    const me = await resolveIdentity(t.db, await getAuth(), from('10.7.0.2', `Bearer ${tok.token}`), cfg);
    expect(me).toMatchObject({ username: 'tess', source: 'token', via: { name: 'still fine' } });
    expect(await tokenRows(since)).toEqual([]);
  });
});
