import { describe, expect, it } from 'vitest';
import {
  identityFromHeaders,
  isTrustedPeer,
  parseGroupRoles,
  PEER_HEADER,
  PEER_TOKEN_HEADER,
  roleForGroups,
  sanitizeIncomingHeaders,
  trustedHeaderConfig,
} from './trusted-header';

const TOKEN = 'per-process-token';
const cfg = (over: Record<string, string> = {}) =>
  trustedHeaderConfig({
    IU_AUTH_MODE: 'trusted-header',
    IU_AUTH_GROUP_ROLES: 'ops-leads:lead,ops:operator,ops-readers:viewer',
    IU_PEER_TOKEN: TOKEN,
    ...over,
  });
/** Headers as server.ts passes them on: the peer it saw, and its token. */
const fromServer = (peer: string, rest: Record<string, string>) =>
  new Headers({ [PEER_HEADER]: peer, [PEER_TOKEN_HEADER]: TOKEN, ...rest });

describe('trusted-header sign-in', () => {
  it('maps groups to the highest role they grant, and none to no role', () => {
    const c = cfg();
    expect(roleForGroups(['ops-readers', 'ops'], c)).toBe('operator');
    expect(roleForGroups(['ops', 'ops-leads', 'x'], c)).toBe('lead');
    expect(roleForGroups(['marketing'], c)).toBeNull();
    expect(roleForGroups([], c)).toBeNull();
  });

  it('drops group mappings with an unknown role', () => {
    expect([...parseGroupRoles('a:lead, b:admin ,c:viewer,:operator,d').entries()]).toEqual([
      ['a', 'lead'],
      ['c', 'viewer'],
    ]);
  });

  it('trusts loopback by default, with or without the IPv4-mapped prefix, and nothing else', () => {
    const c = trustedHeaderConfig({});
    expect(isTrustedPeer('127.0.0.1', c)).toBe(true);
    expect(isTrustedPeer('::ffff:127.0.0.1', c)).toBe(true);
    expect(isTrustedPeer('::1', c)).toBe(true);
    expect(isTrustedPeer('10.0.0.8', c)).toBe(false);
    expect(isTrustedPeer('', c)).toBe(false);
  });

  it('takes the user and groups from a trusted peer', () => {
    const h = fromServer('127.0.0.1', { 'x-forwarded-user': 'Alice', 'x-forwarded-groups': 'ops,ops-readers' });
    expect(identityFromHeaders(h, cfg())).toEqual({
      username: 'alice',
      groups: ['ops', 'ops-readers'],
      role: 'operator',
    });
  });

  it('ignores identity headers from a peer that is not a trusted proxy', () => {
    const h = fromServer('127.0.0.1', { 'x-forwarded-user': 'mallory', 'x-forwarded-groups': 'ops-leads' });
    expect(identityFromHeaders(h, cfg({ IU_TRUSTED_PROXIES: '192.0.2.1' }))).toBeNull();
  });

  it('ignores identity headers when the mode is off, and names that cannot be actors', () => {
    const h = fromServer('127.0.0.1', { 'x-forwarded-user': 'alice' });
    expect(identityFromHeaders(h, trustedHeaderConfig({}))).toBeNull();
    expect(identityFromHeaders(fromServer('127.0.0.1', { 'x-forwarded-user': 'a:b' }), cfg())).toBeNull();
  });

  it('believes no peer address on a request that did not pass through server.ts', () => {
    const rest = { 'x-forwarded-user': 'mallory', 'x-forwarded-groups': 'ops-leads' };
    expect(identityFromHeaders(new Headers({ [PEER_HEADER]: '127.0.0.1', ...rest }), cfg())).toBeNull();
    expect(
      identityFromHeaders(new Headers({ [PEER_HEADER]: '127.0.0.1', [PEER_TOKEN_HEADER]: 'guessed', ...rest }), cfg()),
    ).toBeNull();
    expect(identityFromHeaders(fromServer('127.0.0.1', rest), cfg({ IU_PEER_TOKEN: '' }))).toBeNull();
  });

  it('uses the configured header names', () => {
    const c = cfg({ IU_AUTH_USER_HEADER: 'X-Auth-Request-User', IU_AUTH_GROUPS_HEADER: 'X-Auth-Request-Groups' });
    const h = fromServer('::1', {
      'x-auth-request-user': 'bo',
      'x-auth-request-groups': 'ops-leads',
      'x-forwarded-user': 'mallory',
    });
    expect(identityFromHeaders(h, c)).toMatchObject({ username: 'bo', role: 'lead' });
  });

  it('strips identity headers from untrusted peers and always overwrites the peer header (server.ts)', () => {
    const c = cfg({ IU_TRUSTED_PROXIES: '192.0.2.1' });
    const forged: Record<string, string | undefined> = {
      'x-forwarded-user': 'mallory',
      'x-forwarded-groups': 'ops-leads',
      [PEER_HEADER]: '192.0.2.1',
      [PEER_TOKEN_HEADER]: 'guessed',
    };
    sanitizeIncomingHeaders(forged, '::ffff:127.0.0.1', c);
    expect(forged).toEqual({ [PEER_HEADER]: '127.0.0.1', [PEER_TOKEN_HEADER]: TOKEN });
    const fromProxy: Record<string, string | undefined> = { 'x-forwarded-user': 'alice', 'x-forwarded-groups': 'ops' };
    sanitizeIncomingHeaders(fromProxy, '192.0.2.1', c);
    expect(fromProxy).toEqual({
      'x-forwarded-user': 'alice',
      'x-forwarded-groups': 'ops',
      [PEER_HEADER]: '192.0.2.1',
      [PEER_TOKEN_HEADER]: TOKEN,
    });
  });

  it('strips identity headers from everyone when the mode is off', () => {
    const h: Record<string, string | undefined> = { 'x-forwarded-user': 'alice' };
    sanitizeIncomingHeaders(h, '127.0.0.1', trustedHeaderConfig({}));
    expect(h['x-forwarded-user']).toBeUndefined();
  });
});

describe('the groups header', () => {
  it('is split on commas only, so a group name with a space is one group and grants nothing it does not map to', () => {
    const c = cfg({ IU_AUTH_GROUP_ROLES: 'ops-leads:lead,Ops Readers:viewer' });
    const h = fromServer('127.0.0.1', {
      'x-forwarded-user': 'eve',
      'x-forwarded-groups': 'marketing ops-leads, Ops Readers',
    });
    expect(identityFromHeaders(h, c)).toEqual({
      username: 'eve',
      groups: ['marketing ops-leads', 'Ops Readers'],
      role: 'viewer',
    });
  });

  it('gives no groups and no role when the header is absent', () => {
    expect(identityFromHeaders(fromServer('127.0.0.1', { 'x-forwarded-user': 'admin' }), cfg())).toEqual({
      username: 'admin',
      groups: [],
      role: null,
    });
  });
});
