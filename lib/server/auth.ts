import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import type { z } from 'zod';
import { createAuth, type Auth } from '@/lib/auth/auth';
import { executeAuthorized, type ActionDefinition, type ActionInput, type ActionResult } from '@/lib/auth/authorize';
import { requestInfo, resolveIdentity, type Identity } from '@/lib/auth/identity';
import { hasRole, type Role } from '@/lib/auth/roles';
import { processSingletonAsync } from '@/lib/process-singleton';
import { getDb } from './db';

/** The process-wide better-auth instance over the console's database. */
export function getAuth(): Promise<Auth> {
  return processSingletonAsync('auth', async () => createAuth(await getDb()));
}

/**
 * The signed-in person for this request, or null. Looked up once per request: the console
 * layout and the page below it both ask, and each lookup is a session read and a user read
 * (measured in README "Speed": half of a page's database round trips before). React's cache
 * lasts one server request, so a role or a session changed by a lead still applies on the
 * next request, as before.
 */
export const getCurrentUser = cache(async (): Promise<Identity | null> => {
  const [db, auth, h] = await Promise.all([getDb(), getAuth(), headers()]);
  return resolveIdentity(db, auth, h);
});

/** The signed-in person; signed out → /sign-in, one-time password still set → change it first. */
export async function requireUser(opts: { allowPasswordChange?: boolean } = {}): Promise<Identity> {
  const me = await getCurrentUser();
  if (!me) redirect('/sign-in');
  if (me.mustChangePassword && !opts.allowPasswordChange) redirect('/account/password');
  return me;
}

/** For pages: the person and whether their role reaches `role` (the page renders a refusal if not). */
export async function requireRole(role: Role): Promise<{ me: Identity; allowed: boolean }> {
  const me = await requireUser();
  return { me, allowed: hasRole(me.role, role) };
}

/**
 * Binds an action definition to the request, typed at the call site: the definition's input
 * (plus an apply's planId and confirmText) or a form's FormData in, its result out.
 */
export function authorizedAction<S extends z.ZodType<Record<string, unknown>>, T>(
  def: ActionDefinition<S, T>,
): (input: ActionInput<S>) => Promise<ActionResult<T>> {
  return async (input) => {
    const [db, auth, h] = await Promise.all([getDb(), getAuth(), headers()]);
    // the wrapper denies everything until a one-time password is changed
    const identity = await resolveIdentity(db, auth, h);
    return executeAuthorized(def, { db, identity, request: requestInfo(h) }, input);
  };
}

/** The same, for route handlers that have the Request in hand. */
export async function runAuthorizedForRequest<S extends z.ZodType<Record<string, unknown>>, T>(
  def: ActionDefinition<S, T>,
  req: Request,
  raw: unknown,
): Promise<ActionResult<T>> {
  const [db, auth] = await Promise.all([getDb(), getAuth()]);
  const identity = await resolveIdentity(db, auth, req.headers);
  return executeAuthorized(def, { db, identity, request: requestInfo(req.headers) }, raw);
}
