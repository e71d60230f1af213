// Trusted-header sign-in (oauth2-proxy style): the authenticating proxy sets the user and
// groups headers; they count only when the request came straight from a configured proxy.
// server.ts removes them from every other peer before Next sees the request; the checks
// here are the second line.
import { USER_RE } from '@/lib/recipes/schemas';
import { asRole, highestRole, type Role } from './roles';

/** The header server.ts always overwrites with the socket's peer address. */
export const PEER_HEADER = 'x-iu-peer-address';
/**
 * The header server.ts always overwrites with a random per-process token (IU_PEER_TOKEN): a
 * request that did not pass through server.ts (next dev, a bare next start) cannot carry
 * it, so its peer header is not believed.
 */
export const PEER_TOKEN_HEADER = 'x-iu-peer-token';

export interface TrustedHeaderConfig {
  enabled: boolean;
  trustedProxies: string[];
  userHeader: string;
  groupsHeader: string;
  groupRoles: Map<string, Role>;
  /** Set by server.ts at start; without it no peer address is believed. */
  peerToken: string | undefined;
}

/** Reads IU_AUTH_MODE, IU_TRUSTED_PROXIES, IU_AUTH_USER_HEADER, IU_AUTH_GROUPS_HEADER, IU_AUTH_GROUP_ROLES. */
export function trustedHeaderConfig(env: Record<string, string | undefined> = process.env): TrustedHeaderConfig {
  return {
    enabled: env.IU_AUTH_MODE === 'trusted-header',
    trustedProxies: (env.IU_TRUSTED_PROXIES ?? '127.0.0.1,::1')
      .split(',')
      .map((s) => normalizeAddress(s.trim()))
      .filter(Boolean),
    userHeader: (env.IU_AUTH_USER_HEADER || 'X-Forwarded-User').toLowerCase(),
    groupsHeader: (env.IU_AUTH_GROUPS_HEADER || 'X-Forwarded-Groups').toLowerCase(),
    groupRoles: parseGroupRoles(env.IU_AUTH_GROUP_ROLES ?? ''),
    peerToken: env.IU_PEER_TOKEN || undefined,
  };
}

/** "ops-leads:lead,ops:operator" → Map; entries with an unknown role are dropped. */
export function parseGroupRoles(spec: string): Map<string, Role> {
  const m = new Map<string, Role>();
  for (const part of spec.split(',')) {
    const i = part.lastIndexOf(':');
    if (i <= 0) continue;
    const role = asRole(part.slice(i + 1).trim());
    const group = part.slice(0, i).trim();
    if (role && group) m.set(group, role);
  }
  return m;
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same peer. */
export function normalizeAddress(a: string | undefined | null): string {
  if (!a) return '';
  const s = a.trim().toLowerCase();
  return s.startsWith('::ffff:') && s.includes('.') ? s.slice(7) : s;
}

export function isTrustedPeer(
  peer: string | undefined | null,
  cfg: Pick<TrustedHeaderConfig, 'trustedProxies'>,
): boolean {
  const p = normalizeAddress(peer);
  return !!p && cfg.trustedProxies.includes(p);
}

/** The highest role any of the groups maps to; none → no role. */
export function roleForGroups(groups: string[], cfg: Pick<TrustedHeaderConfig, 'groupRoles'>): Role | null {
  return highestRole(groups.map((g) => cfg.groupRoles.get(g) ?? null));
}

export interface HeaderIdentity {
  username: string;
  groups: string[];
  role: Role | null;
}

/**
 * The identity a trusted proxy asserted, or null: when the mode is off, the peer is not a
 * trusted proxy, the header is missing or the name cannot be an actor.
 */
export function identityFromHeaders(headers: Headers, cfg: TrustedHeaderConfig): HeaderIdentity | null {
  if (!cfg.enabled) return null;
  if (!peerOf(headers, cfg)) return null;
  if (!isTrustedPeer(peerOf(headers, cfg), cfg)) return null;
  const raw = headers.get(cfg.userHeader)?.trim();
  if (!raw) return null;
  const username = raw.toLowerCase();
  if (!USER_RE.test(username)) return null;
  // commas only: a group name may hold spaces ("Ops Leads"), and splitting on them would let
  // a group called "x ops-leads" grant the lead role
  const groups = (headers.get(cfg.groupsHeader) ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  return { username, groups, role: roleForGroups(groups, cfg) };
}

/** The socket peer server.ts recorded, or null when the request did not come through it. */
export function peerOf(headers: Headers, cfg: Pick<TrustedHeaderConfig, 'peerToken'>): string | null {
  if (!cfg.peerToken || headers.get(PEER_TOKEN_HEADER) !== cfg.peerToken) return null;
  return normalizeAddress(headers.get(PEER_HEADER)) || null;
}

/** Removes identity headers unless the peer is trusted; always sets the peer headers. Used by server.ts. */
export function sanitizeIncomingHeaders(
  headers: Record<string, string | string[] | undefined>,
  peer: string | undefined,
  cfg: TrustedHeaderConfig,
): void {
  const trusted = cfg.enabled && isTrustedPeer(peer, cfg);
  if (!trusted) {
    delete headers[cfg.userHeader];
    delete headers[cfg.groupsHeader];
  }
  headers[PEER_HEADER] = normalizeAddress(peer) || 'unknown';
  if (cfg.peerToken) headers[PEER_TOKEN_HEADER] = cfg.peerToken;
  else delete headers[PEER_TOKEN_HEADER];
}
