import { processSingleton } from '@/lib/process-singleton';
import 'server-only';
import { getSessionCookie } from 'better-auth/cookies';
import { bearerToken, hashToken } from '@/lib/auth/api-tokens';
import type { Caller } from '@/lib/auth/authorize';
import { requestInfo, resolveIdentity, type Identity } from '@/lib/auth/identity';
import { hasRole, type Role } from '@/lib/auth/roles';
import { anyJobRunning } from '@/lib/bulk/jobs';
import { noteRequestActor } from '@/lib/log/logger';
import { apiUser } from './api-auth';
import { getAuth } from './auth';
import { getDb } from './db';

// The embedded PGlite is one session: while a bulk job's transaction holds it, looking a
// session up would wait until the run ends, and the progress bar would freeze. So the
// bulk routes remember, per session cookie (or API token), who this process verified in the last few
// minutes, and only while PGlite is held by a bulk run do they answer from that memory.
// Nobody can sign out, be disabled or change role meanwhile (those writes wait for the run
// too); on PostgreSQL every request is checked against the database as usual.
const TTL_MS = 30 * 60_000;

/** What the memory is keyed by: the session cookie, or an API token's hash (lib/auth/api-tokens.ts). */
function keyOf(headers: Headers): string | null {
  const bearer = bearerToken(headers);
  if (bearer) return `token:${hashToken(bearer)}`;
  return getSessionCookie(headers) ?? null;
}

const memo = () => processSingleton('bulk-identities', () => new Map<string, { me: Identity; at: number }>());

/** Remembers who this session is (after the database said so). */
export function rememberIdentity(headers: Headers, me: Identity | null): void {
  const token = keyOf(headers);
  if (!token || !me) return;
  const m = memo();
  const now = Date.now();
  for (const [k, v] of m) if (now - v.at > TTL_MS) m.delete(k);
  m.set(token, { me, at: now });
}

async function heldByBulkRun(): Promise<boolean> {
  return anyJobRunning() && (await getDb()).kind === 'pglite';
}

function remembered(headers: Headers): Identity | null {
  const token = keyOf(headers);
  const hit = token ? memo().get(token) : undefined;
  if (!hit || Date.now() - hit.at > TTL_MS) return null;
  noteRequestActor(hit.me.username);
  return hit.me;
}

/** apiUser for the bulk routes: the same answers, without waiting for a run on PGlite. */
export async function bulkApiUser(req: Request, role: Role): Promise<{ me: Identity } | { response: Response }> {
  if (await heldByBulkRun()) {
    const me = remembered(req.headers);
    if (me) {
      if (me.mustChangePassword || !hasRole(me.role, role))
        return { response: Response.json({ error: `This needs the ${role} role.` }, { status: 403 }) };
      return { me };
    }
  }
  const r = await apiUser(req, role);
  if ('me' in r) rememberIdentity(req.headers, r.me);
  return r;
}

/**
 * The wrapper's caller for a request to act on a running job (cancel): while a bulk run
 * holds PGlite, the identity this process verified for the session; else from the database.
 */
export async function bulkActionCaller(req: Request): Promise<Caller> {
  if (await heldByBulkRun()) {
    const me = remembered(req.headers);
    if (me) return { db: await getDb(), identity: me, request: requestInfo(req.headers) };
  }
  return bulkCaller(req);
}

/** The wrapper's caller for a route handler's request (the identity from the database). */
export async function bulkCaller(req: Request): Promise<Caller> {
  const [db, auth] = await Promise.all([getDb(), getAuth()]);
  const identity = await resolveIdentity(db, auth, req.headers);
  rememberIdentity(req.headers, identity);
  return { db, identity, request: requestInfo(req.headers) };
}
