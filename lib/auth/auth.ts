// The better-auth instance over the console's database: username + password sign-in,
// database sessions that expire when idle, rate-limited sign-in, no public sign-up (leads
// and the CLI create accounts).
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError } from 'better-auth/api';
import { nextCookies } from 'better-auth/next-js';
import { username } from 'better-auth/plugins';
import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { authUser, betterAuthSchema } from '@/db/auth-schema';
import { USER_RE } from '@/lib/recipes/schemas';
import { authSecret } from './secret';
import { PEER_HEADER } from './trusted-header';

export const MIN_PASSWORD_LENGTH = 10;

/**
 * The only better-auth endpoints reachable over HTTP. Everything else (update-user, which
 * would let a person rename themselves into someone else's actor name; sign-up; email and
 * social flows) answers 404: leads and the CLI manage accounts.
 */
export const AUTH_HTTP_PATHS = ['/sign-in/username', '/sign-out', '/get-session', '/change-password', '/ok'] as const;

const DISABLED_PATHS = [
  '/update-user', '/change-email', '/delete-user', '/delete-user/callback', '/sign-up/email', '/sign-in/email',
  '/sign-in/social', '/link-social', '/unlink-account', '/is-username-available', '/request-password-reset',
  '/reset-password', '/reset-password/:token', '/send-verification-email', '/verify-email', '/update-session',
  '/get-access-token', '/refresh-token', '/account-info', '/list-accounts', '/verify-password', '/callback/:id',
];

/** Whether a request path under /api/auth may reach better-auth. */
export function isAllowedAuthPath(pathname: string): boolean {
  const sub = pathname.replace(/^\/api\/auth/, '').replace(/\/+$/, '');
  return (AUTH_HTTP_PATHS as readonly string[]).includes(sub);
}

export interface AuthSettings {
  publicUrl: string;
  idleMinutes: number;
  secure: boolean;
  signInMax: number;
  signInWindowSeconds: number;
}

/** Settings from IU_PUBLIC_URL / BETTER_AUTH_URL, PORT, IU_SESSION_IDLE_MINUTES, IU_SIGNIN_MAX_ATTEMPTS. */
export function authSettings(env: Record<string, string | undefined> = process.env): AuthSettings {
  const publicUrl = (env.IU_PUBLIC_URL || env.BETTER_AUTH_URL || `http://localhost:${env.PORT || 3000}`).replace(/\/$/, '');
  const idle = Number(env.IU_SESSION_IDLE_MINUTES);
  const max = Number(env.IU_SIGNIN_MAX_ATTEMPTS);
  return {
    publicUrl,
    idleMinutes: Number.isFinite(idle) && idle > 0 ? idle : 480,
    secure: publicUrl.startsWith('https://'),
    signInMax: Number.isInteger(max) && max > 0 ? max : 5,
    signInWindowSeconds: 60,
  };
}

export function createAuth(db: Database, env: Record<string, string | undefined> = process.env) {
  const s = authSettings(env);
  const idleSeconds = Math.round(s.idleMinutes * 60);
  const port = env.PORT || '3000';
  return betterAuth({
    appName: 'IU Core Console',
    baseURL: s.publicUrl,
    basePath: '/api/auth',
    secret: authSecret(env),
    trustedOrigins: [s.publicUrl, `http://localhost:${port}`, `http://127.0.0.1:${port}`],
    database: drizzleAdapter(db.orm, { provider: 'pg', schema: betterAuthSchema }),
    emailAndPassword: {
      enabled: true,
      // accounts are made by leads and the CLI, never by a visitor
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: 256,
    },
    session: {
      // idle expiry: every request older than updateAge pushes expiresAt out again
      expiresIn: idleSeconds,
      updateAge: Math.max(30, Math.min(300, Math.floor(idleSeconds / 4))),
      cookieCache: { enabled: false },
    },
    rateLimit: {
      enabled: true,
      storage: 'database',
      window: 60,
      max: 300,
      customRules: {
        '/sign-in/username': { window: s.signInWindowSeconds, max: s.signInMax },
        '/sign-in/email': { window: s.signInWindowSeconds, max: s.signInMax },
        '/change-password': { window: s.signInWindowSeconds, max: s.signInMax },
      },
    },
    advanced: {
      useSecureCookies: s.secure,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure: s.secure },
      // only server.ts's own header names the client; X-Forwarded-For can be typed by anyone
      ipAddress: { ipAddressHeaders: [PEER_HEADER] },
    },
    databaseHooks: {
      session: {
        create: {
          async before(session) {
            const [u] = await db.orm.select({ banned: authUser.banned }).from(authUser).where(eq(authUser.id, session.userId));
            if (!u || u.banned) throw new APIError('FORBIDDEN', { message: 'This account is disabled; ask a lead.' });
            return { data: session };
          },
        },
      },
    },
    plugins: [
      username({
        minUsernameLength: 2,
        maxUsernameLength: 64,
        usernameValidator: (name) => USER_RE.test(name),
      }),
      nextCookies(),
    ],
    disabledPaths: DISABLED_PATHS,
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;
