// The console's request path, in process: proxy.ts, then a route file's own handler, over the
// process-wide database (lib/server/db.ts) pointed at a test database, with a real session.
import { NextRequest } from 'next/server';
import type { Database } from '@/db/client';
import { createUser } from '@/lib/auth/users';
import type { Role } from '@/lib/auth/roles';
import { proxy } from '@/proxy';
import * as authRoute from '@/app/api/auth/[...all]/route';

process.env.PORT ??= '3201';
process.env.BETTER_AUTH_SECRET ||= 'console-route-tests-secret-0123456789abcdef';
process.env.IU_SKIP_SEED = '1';
// these files sign in many times from one address; the limit itself is proved in tests/auth-signin.test.ts
process.env.IU_SIGNIN_MAX_ATTEMPTS = '200';
/** The origin the proxy accepts for this process (http://localhost:$PORT). */
export const ORIGIN = `http://localhost:${process.env.PORT}`;

// `never`: each route types its own params; callers hand each the ones it declares
type Handler = (req: Request, ctx: { params: Promise<never> }) => Promise<Response>;
export type RouteModule = Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>;

export interface RouteRef {
  path: string;
  mod: RouteModule;
  params?: Record<string, string | string[]>;
}

/** Makes lib/server/db.ts and lib/server/auth.ts serve `db` for the rest of this file (or until called again). */
export function pointConsoleAt(db: Database): void {
  const g = globalThis as Record<symbol, unknown>;
  g[Symbol.for('iu-core-console.db')] = Promise.resolve({ db, issues: [] });
  delete g[Symbol.for('iu-core-console.auth')];
}

export interface SendInit {
  headers?: Record<string, string>;
  body?: string;
  query?: string;
  cookie?: string;
}

/** One request the way the console serves it: the proxy, then (if it lets it on) the route's handler. */
export async function send(route: RouteRef, method: string, init: SendInit = {}): Promise<Response> {
  const req = new NextRequest(`${ORIGIN}${route.path}${init.query ?? ''}`, {
    method,
    // as any HTTP client does for a body it has in hand (server.ts counts chunked ones)
    headers: {
      cookie: init.cookie ?? '',
      'user-agent': 'console-route-test',
      ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}),
      ...init.headers,
    },
    body: init.body,
  });
  const gate = proxy(req);
  if (gate.headers.get('x-middleware-next') !== '1') return gate;
  const handler = route.mod[method as keyof RouteModule];
  if (!handler) throw new Error(`${route.path} has no ${method}`);
  return handler(req, { params: Promise.resolve(route.params ?? {}) as Promise<never> });
}

export const SIGN_IN: RouteRef = {
  path: '/api/auth/sign-in/username',
  mod: authRoute,
  params: { all: ['sign-in', 'username'] },
};

/** Adds `username` with `role` and signs in through better-auth's route; the session cookie. */
export async function signedIn(
  db: Database,
  username: string,
  role: Role,
  password = `${username}-own-password-1`,
): Promise<string> {
  await createUser(db.orm, { username, password, role, mustChangePassword: false });
  return signInCookie(username, password);
}

export async function signInCookie(username: string, password: string): Promise<string> {
  const res = await send(SIGN_IN, 'POST', {
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}
