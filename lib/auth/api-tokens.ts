// API tokens for automation (migration 052): `iuc_` + 43 characters of a random 32-byte value,
// shown once; only its SHA-256 is stored. A request that sends `Authorization: Bearer iuc_…`
// is that token's owner, with the owner's current role from the database (at most operator),
// for as long as the token is neither expired nor revoked and the owner is not disabled.
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rowsOf, type Orm } from '@/db/client';
import type { Tx } from '@/lib/recipes/types';
import { asRole, hasRole, type Role } from './roles';

export const TOKEN_PREFIX = 'iuc_';
export const TOKEN_SCOPES = ['read', 'operate'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
/** The highest role a token acts with, whatever its owner's role. */
export const TOKEN_ROLE_CAP: Role = 'operator';
/** The actions a token may never run, whatever its scope: a token cannot make or revoke tokens. */
export const SESSION_ONLY_ACTIONS = new Set(['token_create', 'token_revoke']);

/** What the identity of a token request carries besides the person: which token it was. */
export interface TokenVia {
  kind: 'token';
  id: number;
  name: string;
  prefix: string;
  scope: TokenScope;
}

/** The audit trail's words for the token: `token "deploy-bot" (iuc_AbCdEfGh…, operate)`. */
export function describeVia(via: TokenVia): string {
  return `token "${via.name}" (${via.prefix}…, ${via.scope})`;
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token and what is stored of it. */
export function newToken(): { token: string; prefix: string; hash: string } {
  const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
  return { token, prefix: token.slice(0, TOKEN_PREFIX.length + 8), hash: hashToken(token) };
}

/** The console token in an Authorization header, or null when there is none (another scheme or another kind of bearer). */
export function bearerToken(headers: Headers): string | null {
  const h = headers.get('authorization');
  if (!h) return null;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(h);
  return m && m[1].startsWith(TOKEN_PREFIX) ? m[1] : null;
}

/** Whether the request sent `Authorization: Bearer …` of any kind: a script, to be told about its token. */
export function sentBearer(headers: Headers): boolean {
  return /^\s*bearer(\s|$)/i.test(headers.get('authorization') ?? '');
}

/** The lower of the owner's role and the token cap. */
function cappedRole(role: Role | null): Role | null {
  if (!role) return null;
  return hasRole(role, TOKEN_ROLE_CAP) ? TOKEN_ROLE_CAP : role;
}

export interface TokenOwner {
  userId: string;
  username: string;
  role: Role | null;
  via: TokenVia;
}

/** Why a token was not accepted; each one is a security event in the audit trail (lib/auth/token-refusals.ts). */
export type TokenRefusal = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'owner_disabled';

/** The stored token a refused one matched, for its audit row: never the token, only what the list shows. */
export interface RefusedToken {
  id: number;
  name: string;
  prefix: string;
  scope: TokenScope;
  owner: string | null;
  revokedAt: Date | null;
  expiresAt: Date;
}

export type TokenCheck = { ok: true; owner: TokenOwner } | { ok: false; why: TokenRefusal; token: RefusedToken | null };

/** Every token newToken makes: the prefix and 43 base64url characters (32 random bytes). */
const TOKEN_SHAPE = /^iuc_[A-Za-z0-9_-]{43}$/;

/**
 * The owner of a live token, or why it is refused: malformed (not shaped like any token the
 * console makes), unknown, revoked, expired, or its owner disabled or gone. Notes the use of a
 * live one (last_used_at, at most once a minute per token).
 */
export async function checkToken(db: Orm, token: string): Promise<TokenCheck> {
  if (!TOKEN_SHAPE.test(token)) return { ok: false, why: 'malformed', token: null };
  const rows = rowsOf<{
    id: number;
    name: string;
    prefix: string;
    scope: TokenScope;
    user_id: string;
    username: string | null;
    role: string | null;
    banned: boolean | null;
    revoked_at: unknown;
    expires_at: unknown;
    expired: boolean;
    note_use: boolean;
  }>(
    await db.execute(sql`
      SELECT t.id, t.name, t.prefix, t.scope, t.user_id, u.username, u.role, u.banned, t.revoked_at, t.expires_at,
             t.expires_at <= clock_timestamp() AS expired,
             (t.last_used_at IS NULL OR t.last_used_at < clock_timestamp() - interval '1 minute') AS note_use
        FROM console_api_token t LEFT JOIN auth_user u ON u.id = t.user_id
       WHERE t.token_hash = ${hashToken(token)}`),
  );
  const t = rows[0];
  if (!t) return { ok: false, why: 'unknown', token: null };
  const seen: RefusedToken = {
    id: Number(t.id),
    name: t.name,
    prefix: t.prefix,
    scope: t.scope,
    owner: t.username,
    revokedAt: t.revoked_at ? new Date(t.revoked_at as string) : null,
    expiresAt: new Date(t.expires_at as string),
  };
  if (seen.revokedAt) return { ok: false, why: 'revoked', token: seen };
  if (t.expired === true) return { ok: false, why: 'expired', token: seen };
  if (t.banned || !t.username) return { ok: false, why: 'owner_disabled', token: seen };
  if (t.note_use === true) {
    await db.execute(sql`UPDATE console_api_token SET last_used_at = clock_timestamp() WHERE id = ${t.id}`);
  }
  return {
    ok: true,
    owner: {
      userId: t.user_id,
      username: t.username,
      role: cappedRole(asRole(t.role)),
      via: { kind: 'token', id: seen.id, name: t.name, prefix: t.prefix, scope: t.scope },
    },
  };
}

/**
 * The wrapper's extra refusal for a token request (lib/auth/authorize.ts, role step), or null:
 * a read token runs nothing; no token manages tokens; no token does a lead's step.
 */
export function tokenDenial(def: { name: string; role: Role }, who: { via?: TokenVia }): string | null {
  const via = who.via;
  if (!via) return null;
  if (SESSION_ONLY_ACTIONS.has(def.name))
    return `A token cannot make or revoke tokens; sign in to the console and use API tokens there. Nothing was run.`;
  if (via.scope === 'read')
    return `The token "${via.name}" has the read scope: it may read (GET) but not run anything. Make a token with the operate scope for this. Nothing was run.`;
  if (!hasRole(TOKEN_ROLE_CAP, def.role))
    return `A token acts at most as an ${TOKEN_ROLE_CAP}, and this needs ${def.role}; sign in to the console to do it. Nothing was run.`;
  return null;
}

export interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  scope: TokenScope;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

/** A person's tokens, newest first (revoked and expired ones too, for the record). */
export async function listTokens(db: Orm | Tx, userId: string): Promise<TokenRow[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      SELECT id, name, prefix, scope, created_at, expires_at, last_used_at, revoked_at
        FROM console_api_token WHERE user_id = ${userId} ORDER BY created_at DESC, id DESC LIMIT 200`),
  );
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    prefix: String(r.prefix),
    scope: r.scope as TokenScope,
    createdAt: toDate(r.created_at)!,
    expiresAt: toDate(r.expires_at)!,
    lastUsedAt: toDate(r.last_used_at),
    revokedAt: toDate(r.revoked_at),
  }));
}
