// The better-auth instance over the console's database: username + password sign-in,
// database sessions that expire when idle, failed sign-ins limited per user name and per
// address, no public sign-up (leads and the CLI create accounts), and no password change
// here (a person's own change is an authorized action, audited like every other).
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { nextCookies } from 'better-auth/next-js';
import { USERNAME_ERROR_CODES, username } from 'better-auth/plugins';
import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { authUser, betterAuthSchema } from '@/db/auth-schema';
import { USER_RE } from '@/lib/recipes/schemas';
import { describeForLog, redactText } from '@/lib/log/redact';
import { recordSecurityEvent } from './audit';
import { authSecret } from './secret';
import {
  claimSignInAttempt,
  countBlockedSignIn,
  isAccountWithoutPassword,
  releaseSignInAttempt,
  signInLimits,
  type Attempt,
} from './signin-limits';
import { PEER_HEADER } from './trusted-header';
import { sanitizeError } from '@/lib/errors';

export const MIN_PASSWORD_LENGTH = 10;

/**
 * The only better-auth endpoints reachable over HTTP. Everything else (update-user, which
 * would let a person rename themselves into someone else's actor name; sign-up; email and
 * social flows; change-password, which would bypass the audited action) answers 404: leads
 * and the CLI manage accounts, and a person changes their own password on /account/password.
 */
export const AUTH_HTTP_PATHS = ['/sign-in/username', '/sign-out', '/get-session', '/ok'] as const;

const DISABLED_PATHS = [
  '/change-password',
  '/set-password',
  '/revoke-session',
  '/revoke-sessions',
  '/revoke-other-sessions',
  '/list-sessions',
  '/update-user',
  '/change-email',
  '/delete-user',
  '/delete-user/callback',
  '/sign-up/email',
  '/sign-in/email',
  '/sign-in/social',
  '/link-social',
  '/unlink-account',
  '/is-username-available',
  '/request-password-reset',
  '/reset-password',
  '/reset-password/:token',
  '/send-verification-email',
  '/verify-email',
  '/update-session',
  '/get-access-token',
  '/refresh-token',
  '/account-info',
  '/list-accounts',
  '/verify-password',
  '/callback/:id',
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
}

/** Settings from IU_PUBLIC_URL / BETTER_AUTH_URL, PORT, IU_SESSION_IDLE_MINUTES. */
export function authSettings(env: Record<string, string | undefined> = process.env): AuthSettings {
  const publicUrl = (env.IU_PUBLIC_URL || env.BETTER_AUTH_URL || `http://localhost:${env.PORT || 3000}`).replace(
    /\/$/,
    '',
  );
  const idle = Number(env.IU_SESSION_IDLE_MINUTES);
  return {
    publicUrl,
    idleMinutes: Number.isFinite(idle) && idle > 0 ? idle : 480,
    secure: publicUrl.startsWith('https://'),
  };
}

/** What a sign-in request is counted against: the name typed and the socket peer server.ts saw. */
function attemptOf(ctx: { body?: unknown; request?: Request; headers?: Headers }): Attempt | null {
  const name = (ctx.body as { username?: unknown } | undefined)?.username;
  if (typeof name !== 'string' || !name.trim()) return null;
  const address = (ctx.request?.headers ?? ctx.headers)?.get(PEER_HEADER)?.trim() || null;
  return { username: name, address };
}

/** The client of a request or hook: the socket peer server.ts recorded, and the user agent. */
function clientOf(ctx: { request?: Request; headers?: Headers } | null | undefined): {
  ip: string | null;
  userAgent: string | null;
} {
  const h = ctx?.request?.headers ?? ctx?.headers;
  return {
    ip: h?.get(PEER_HEADER)?.trim().slice(0, 100) || null,
    userAgent: h?.get('user-agent')?.slice(0, 500) ?? null,
  };
}

const from = (ip: string | null) => (ip ? ` from ${ip}` : '');

/** The one answer for a wrong name, a wrong password and a disabled account alike. */
const invalidCredentials = () => APIError.from('UNAUTHORIZED', USERNAME_ERROR_CODES.INVALID_USERNAME_OR_PASSWORD);

const formatIdle = (minutes: number) => (minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`);

export function createAuth(db: Database, env: Record<string, string | undefined> = process.env) {
  const s = authSettings(env);
  const limits = signInLimits(env);
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
        // better-auth counts every request per address (3 per 10 s on sign-in), successes
        // too; sign-in is limited by failures instead, in the hooks below
        '/sign-in/username': false,
      },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-in/username') return;
        const attempt = attemptOf(ctx);
        if (!attempt) return;
        const blocked = await claimSignInAttempt(db.orm, attempt, limits).catch((err: unknown) => {
          // better-call prints what a hook throws; the failed query's parameters name the user
          throw sanitizeError(err, 'Sign-in could not be counted');
        });
        if (blocked) {
          const client = clientOf(ctx);
          // a row each up to the address limit, one saying so, then none until the window ends
          const count = await countBlockedSignIn(db.orm, attempt, limits).catch((err: unknown) => {
            throw sanitizeError(err, 'Sign-in could not be counted');
          });
          if (count.record !== 'quiet') {
            await recordSecurityEvent(db.orm, {
              recipe: 'sign_in',
              username: attempt.username,
              role: null,
              decision: 'denied',
              status: 'too_many_failures',
              summary:
                count.record === 'row'
                  ? `Sign-in as ${attempt.username}${from(client.ip)} refused without checking the password: too many failed sign-ins for this user name or from this address.`
                  : `More than ${limits.perAddress} sign-ins${from(client.ip)} were refused by the limits within ${limits.windowSeconds} s (the last as ${attempt.username}); ` +
                    `the rest are refused without a row of their own until the window ends (in ${Math.max(count.left, 1)} s).`,
              ...client,
              ...(count.record === 'last'
                ? { params: { limit: limits.perAddress, windowSeconds: limits.windowSeconds } }
                : {}),
            });
          }
          throw new APIError(
            'TOO_MANY_REQUESTS',
            {
              message: 'Too many failed sign-ins for this user name or from this address; wait a minute and try again.',
            },
            { 'X-Retry-After': String(blocked.retryAfterSeconds) },
          );
        }
        // no account name holds a control character, and PostgreSQL text cannot hold a NUL:
        // such a name is a failed sign-in (counted above), answered as a wrong password is
        if (/[\u0000-\u001f\u007f-\u009f]/.test(attempt.username)) {
          const client = clientOf(ctx);
          await recordSecurityEvent(db.orm, {
            recipe: 'sign_in',
            username: attempt.username,
            role: null,
            decision: 'unauthenticated',
            status: 'invalid_credentials',
            summary: `Failed sign-in${from(client.ip)}: the user name holds a control character.`,
            ...client,
          });
          throw new APIError('UNAUTHORIZED', {
            code: 'INVALID_USERNAME_OR_PASSWORD',
            message: 'Invalid username or password',
          });
        }
        // better-auth turns away a name without a console password (made by the proxy) at
        // once, where a password account costs a hash check: spend that time here too, so the
        // answer's timing does not tell which names are proxy accounts
        const password = (ctx.body as { password?: unknown } | undefined)?.password;
        const withoutPassword = await isAccountWithoutPassword(db.orm, attempt.username).catch((err: unknown) => {
          throw sanitizeError(err, 'Sign-in could not look the account up');
        });
        if (typeof password === 'string' && password && withoutPassword) {
          await ctx.context.password.hash(password);
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-in/username') return;
        const attempt = attemptOf(ctx);
        const returned = ctx.context.returned;
        if (!attempt) return;
        const client = clientOf(ctx);
        // only a success gives its claim back; a wrong password, a disabled account or an error stays counted
        if (returned && !(returned instanceof Error)) {
          await releaseSignInAttempt(db.orm, attempt).catch((err: unknown) => {
            throw sanitizeError(err, 'Sign-in could not be counted');
          });
          const userId = (returned as { user?: { id?: unknown } }).user?.id;
          const [u] =
            typeof userId === 'string'
              ? await db.orm
                  .select({ username: authUser.username, role: authUser.role })
                  .from(authUser)
                  .where(eq(authUser.id, userId))
              : [];
          const name = u?.username ?? attempt.username.trim().toLowerCase();
          await recordSecurityEvent(db.orm, {
            recipe: 'sign_in',
            username: name,
            role: u?.role ?? null,
            decision: 'ok',
            status: 'signed_in',
            summary: `${name} signed in${from(client.ip)}.`,
            ...client,
          });
        } else {
          // one sentence for a wrong name, a wrong password and a disabled account, as the person is told
          await recordSecurityEvent(db.orm, {
            recipe: 'sign_in',
            username: attempt.username,
            role: null,
            decision: 'unauthenticated',
            status: 'invalid_credentials',
            summary: `Failed sign-in as ${attempt.username}${from(client.ip)}: wrong user name or password, or a disabled account.`,
            ...client,
          });
        }
      }),
    },
    advanced: {
      useSecureCookies: s.secure,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure: s.secure },
      // only server.ts's own header names the client; X-Forwarded-For can be typed by anyone
      ipAddress: { ipAddressHeaders: [PEER_HEADER] },
    },
    databaseHooks: {
      session: {
        delete: {
          // sign-out, and a session found past its idle expiry when its cookie came back
          async after(session, ctx) {
            const ended = ctx?.path === '/sign-out' ? 'sign_out' : ctx?.path === '/get-session' ? 'session_end' : null;
            if (!ended) return;
            const [u] = await db.orm
              .select({ username: authUser.username, role: authUser.role })
              .from(authUser)
              .where(eq(authUser.id, session.userId));
            const name = u?.username ?? session.userId;
            const client = clientOf(ctx);
            await recordSecurityEvent(db.orm, {
              recipe: ended,
              username: name,
              role: u?.role ?? null,
              decision: 'ok',
              status: ended === 'sign_out' ? 'signed_out' : 'expired',
              summary:
                ended === 'sign_out'
                  ? `${name} signed out${from(client.ip)}.`
                  : `${name}'s session ended: it was idle past its expiry (${formatIdle(s.idleMinutes)}).`,
              ...client,
            });
          },
        },
        create: {
          async before(session) {
            const [u] = await db.orm
              .select({ banned: authUser.banned })
              .from(authUser)
              .where(eq(authUser.id, session.userId));
            // a disabled account answers exactly as a wrong password does (the password was
            // checked just before, so the time taken matches too): the answer must not confirm it
            if (!u || u.banned) throw invalidCredentials();
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
    // better-auth logs a failed query with its parameters (a session token, a password hash)
    logger: {
      log: (level, message, ...args) => {
        const line = ['[better-auth]', redactText(String(message)), ...args.map((a) => describeForLog(a))];
        if (level === 'error') console.error(...line);
        else if (level === 'warn') console.warn(...line);
        else console.log(...line);
      },
    },
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;
