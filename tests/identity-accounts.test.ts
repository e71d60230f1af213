// Identities never merge, and the console never runs out of leads: a proxy's user never
// becomes a password account, the last-lead guard counts only leads who can sign in, and two
// leads demoting each other at the same moment leave one lead standing.
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import { createAuth } from '@/lib/auth/auth';
import { headerIdentityRefusal, resolveIdentity, type Identity } from '@/lib/auth/identity';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import { countActiveLeads, createUser, findUser, provisionHeaderUser } from '@/lib/auth/users';
import { setDisabledDefinition, setRoleDefinition } from '@/lib/auth/user-actions';
import { backends, hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { count } from './helpers/substrate';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const lead = (username: string): Identity => ({
  userId: `id-${username}`,
  username,
  role: 'lead',
  mustChangePassword: false,
  source: 'session',
});
const caller = (db: Database, identity: Identity): Caller => ({
  db,
  identity,
  request: { ip: '127.0.0.1', userAgent: 'vitest' },
});
const PW = 'correct horse battery';

describe.each(backends())('a proxy user and a password account of the same name on $name', (backend) => {
  const t = useTestDatabase(backend);
  const cfg = trustedHeaderConfig({
    IU_AUTH_MODE: 'trusted-header',
    IU_AUTH_GROUP_ROLES: 'ops-leads:lead,ops:operator',
    IU_PEER_TOKEN: 'tok',
  });
  const fromProxy = (user: string, groups?: string) =>
    new Headers({
      'x-iu-peer-address': '127.0.0.1',
      'x-iu-peer-token': 'tok',
      'x-forwarded-user': user,
      ...(groups === undefined ? {} : { 'x-forwarded-groups': groups }),
      'user-agent': 'proxied',
    });

  it('refuses X-Forwarded-User: admin with no groups instead of signing in as the break-glass lead, with a sentence in the audit trail', async () => {
    await createUser(t.db.orm, { username: 'admin', password: PW, role: 'lead', mustChangePassword: false });
    const auth = createAuth(t.db, { BETTER_AUTH_SECRET: SECRET });
    expect(await resolveIdentity(t.db, auth, fromProxy('admin'), cfg)).toBeNull();
    expect(await resolveIdentity(t.db, auth, fromProxy('Admin', 'ops-leads'), cfg)).toBeNull();
    // the password account is untouched: same role, still a password account
    expect(await findUser(t.db.orm, 'admin')).toMatchObject({ role: 'lead', source: 'password', disabled: false });
    const rows = await t.db.query<{
      username: string;
      recipe: string;
      decision: string;
      status: string;
      summary: string;
      ip: string;
      user_agent: string;
      committed: boolean;
    }>(
      "SELECT username, recipe, decision, status, summary, ip, user_agent, committed FROM console_audit_log WHERE recipe = 'sign_in'",
    );
    // one row for the burst of requests, not one per request
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      username: 'admin',
      decision: 'denied',
      status: 'identity_conflict',
      ip: '127.0.0.1',
      user_agent: 'proxied',
      committed: false,
    });
    expect(rows[0].summary).toContain('a proxy sign-in never takes over a password account');
    expect(rows[0].summary).toContain('Ask a lead');
    // and the sign-in page can say the same sentence to the person
    expect(await headerIdentityRefusal(t.db, fromProxy('admin'), cfg)).toBe(rows[0].summary);
    expect(await headerIdentityRefusal(t.db, fromProxy('someone-else'), cfg)).toBeNull();
  });

  it('still signs in a proxy user whose name is free, and a password account cannot later take that name', async () => {
    const auth = createAuth(t.db, { BETTER_AUTH_SECRET: SECRET });
    expect(await resolveIdentity(t.db, auth, fromProxy('quinn', 'ops'), cfg)).toMatchObject({
      username: 'quinn',
      role: 'operator',
      source: 'trusted-header',
    });
    await expect(
      createUser(t.db.orm, { username: 'quinn', password: PW, role: 'lead', mustChangePassword: false }),
    ).rejects.toThrow(/already exists/);
    expect(await count(t.db, "auth_account a JOIN auth_user u ON u.id = a.user_id WHERE u.username = 'quinn'")).toBe(0);
  });

  it('reports the conflict to whoever lost the race to make the account', async () => {
    await createUser(t.db.orm, { username: 'rhea', password: PW, role: 'viewer', mustChangePassword: false });
    expect(await provisionHeaderUser(t.db.orm, 'rhea', 'lead')).toMatchObject({
      ok: false,
      existing: { username: 'rhea', source: 'password' },
    });
  });
});

describe.each(backends())('the last-lead guard on $name', (backend) => {
  const t = useTestDatabase(backend);
  const mode = process.env.IU_AUTH_MODE;
  afterEach(() => {
    if (mode === undefined) delete process.env.IU_AUTH_MODE;
    else process.env.IU_AUTH_MODE = mode;
  });

  it('does not count an SSO account that holds lead but cannot sign in', async () => {
    await createUser(t.db.orm, { username: 'pia', password: PW, role: 'lead', mustChangePassword: false });
    // made by the proxy when trusted-header mode was on; the mode is off now, so nobody can sign in as sso-lead
    expect(await provisionHeaderUser(t.db.orm, 'sso-lead', 'lead')).toMatchObject({ ok: true });
    delete process.env.IU_AUTH_MODE;
    expect(await countActiveLeads(t.db.orm, { ssoSignIn: false })).toBe(1);
    const demote = await executeAuthorized(setRoleDefinition, caller(t.db, lead('pia')), {
      username: 'pia',
      role: 'operator',
      reason: 'step down',
    });
    expect(demote).toMatchObject({ ok: false, decision: 'invalid' });
    expect(demote.message).toBe(
      'pia is the last enabled lead who can sign in; make someone else a lead first, or nobody could manage users.',
    );
    expect(await findUser(t.db.orm, 'pia')).toMatchObject({ role: 'lead' });
    // with the mode on, the proxy can sign sso-lead in, so pia may step down
    process.env.IU_AUTH_MODE = 'trusted-header';
    expect(await countActiveLeads(t.db.orm, { ssoSignIn: true })).toBe(2);
    expect(
      await executeAuthorized(setRoleDefinition, caller(t.db, lead('pia')), {
        username: 'pia',
        role: 'operator',
        reason: 'step down',
      }),
    ).toMatchObject({ ok: true, committed: true });
  });

  it('does not count a disabled lead, nor a lead whose password was removed', async () => {
    await createUser(t.db.orm, { username: 'kai', password: PW, role: 'lead', mustChangePassword: false });
    await createUser(t.db.orm, { username: 'kim', password: PW, role: 'lead', mustChangePassword: false });
    await createUser(t.db.orm, { username: 'kit', password: PW, role: 'lead', mustChangePassword: false });
    await t.db.query(
      "UPDATE auth_account SET password = NULL WHERE user_id = (SELECT id FROM auth_user WHERE username = 'kim')",
    );
    expect(
      await executeAuthorized(setDisabledDefinition, caller(t.db, lead('kai')), {
        username: 'kit',
        disabled: 'true',
        reason: 'left',
      }),
    ).toMatchObject({ ok: true });
    // pia stepped down above; kai is the only lead who can sign in
    const r = await executeAuthorized(setDisabledDefinition, caller(t.db, lead('kit')), {
      username: 'kai',
      disabled: 'true',
      reason: 'left',
    });
    expect(r).toMatchObject({ ok: false, decision: 'invalid' });
    expect(r.message).toMatch(/kai is the last enabled lead who can sign in/);
  });
});

describe.skipIf(!hasPostgres)(`two leads demoting each other at the same moment (${PG_ONLY})`, () => {
  const t = useTestDatabase('postgres');

  it('always leaves one lead who can sign in: one change commits, the other is refused with the sentence', async () => {
    // two servers: each has its own pool, as two console processes would
    const [one, two] = [t.db, await t.openAnother()];
    await createUser(t.db.orm, { username: 'ann', password: PW, role: 'lead', mustChangePassword: false });
    await createUser(t.db.orm, { username: 'ben', password: PW, role: 'lead', mustChangePassword: false });
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      await t.db.query("UPDATE auth_user SET role = 'lead', banned = false WHERE username IN ('ann', 'ben')");
      // alternate the kinds of change: demotion against demotion, and disabling against demotion
      const [a, b] = await Promise.all([
        executeAuthorized(setRoleDefinition, caller(one, lead('ann')), {
          username: 'ben',
          role: 'operator',
          reason: `race ${i}`,
        }),
        i % 2
          ? executeAuthorized(setDisabledDefinition, caller(two, lead('ben')), {
              username: 'ann',
              disabled: 'true',
              reason: `race ${i}`,
            })
          : executeAuthorized(setRoleDefinition, caller(two, lead('ben')), {
              username: 'ann',
              role: 'viewer',
              reason: `race ${i}`,
            }),
      ]);
      const leads = await countActiveLeads(t.db.orm, { ssoSignIn: false });
      outcomes.push(`${a.ok ? 'ok' : 'refused'}/${b.ok ? 'ok' : 'refused'}`);
      expect(leads, `try ${i}: ${outcomes.at(-1)}`).toBe(1);
      expect([a.ok, b.ok].filter(Boolean), `try ${i}`).toHaveLength(1);
      const refused = a.ok ? b : a;
      expect(refused.message).toMatch(/is the last enabled lead who can sign in; make someone else a lead first/);
    }
    // every try leaves exactly two audit rows: the change and the refusal
    expect(await count(t.db, "console_audit_log WHERE reason LIKE 'race %'")).toBe(80);
  });
});
