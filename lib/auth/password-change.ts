// A person's own password change, the one way to do it (any signed-in person with a console
// password), and the wrapper's caller that lets a person with a one-time password or no role
// through for this one action.
import { verifyPassword } from 'better-auth/crypto';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { type ActionDefinition, type Caller } from '@/lib/auth/authorize';
import { runAdminTransaction } from '@/lib/recipes/run';
import type { RecipeContext, RecipeResult } from '@/lib/recipes/types';
import type { Identity, RequestInfo } from './identity';
import { claimSignInAttempt, releaseSignInAttempt, signInLimits, type SignInLimits } from './signin-limits';
import { credentialHash, findUser, passwordSchemaFor, replaceOwnPassword } from './users';
import { sanitizeError } from '@/lib/errors';

export interface PasswordChangeResult {
  username: string;
  /** Sessions of this person on other browsers, ended by the change. */
  otherSessionsEnded: number;
}

/** The form's fields; every key holds "password", so auditParams keeps none of them. */
export function changeOwnPasswordActionInput(username: string) {
  return z
    .object({
      currentPassword: z.string({ error: 'Type your current password.' }).min(1, 'Type your current password.'),
      newPassword: passwordSchemaFor(username),
      newPasswordAgain: z.string({ error: 'Type the new password again.' }),
    })
    .refine((v) => v.newPassword === v.newPasswordAgain, {
      path: ['newPasswordAgain'],
      message: 'The two new passwords differ; type the same one twice.',
    })
    .refine((v) => v.newPassword !== v.currentPassword, {
      path: ['newPassword'],
      message: 'Choose a password other than the current one.',
    });
}

const passwordRefusal = (field: string, message: string): RecipeResult<PasswordChangeResult> => ({
  ok: false,
  status: 'invalid_input',
  committed: false,
  message,
  issues: [{ field, message }],
});

/**
 * A person's own password change, the one way to do it (better-auth's /change-password is
 * closed): the current password is checked, counted like a sign-in (a stolen session cannot
 * guess it faster than the sign-in page could), the new one must pass the strength rule, and
 * the person's other sessions end. `sessionId` is the session making the change, which stays.
 */
export function changeOwnPasswordDefinition(opts: {
  username: string;
  sessionId: string | null;
  address: string | null;
  /** The sign-in limits from the environment unless given. */
  limits?: SignInLimits;
}): ActionDefinition<ReturnType<typeof changeOwnPasswordActionInput>, PasswordChangeResult> {
  return {
    name: 'password_change',
    // every role may change its own password; selfServiceCaller lets a person with none through
    role: 'viewer',
    input: changeOwnPasswordActionInput(opts.username),
    mode: () => 'admin',
    run: async (ctx, v) => {
      try {
        return await changeOwnPassword(ctx, v, opts);
      } catch (err) {
        // a failed query here carries a password hash or a session id as a parameter
        throw sanitizeError(err, 'The password could not be changed');
      }
    },
    summarize: (o) =>
      o.ok
        ? `${o.result.username} changed their password; ${o.result.otherSessionsEnded} other session(s) ended`
        : `${o.status}: ${o.message}`,
  };
}

async function changeOwnPassword(
  ctx: RecipeContext,
  v: z.output<ReturnType<typeof changeOwnPasswordActionInput>>,
  opts: { sessionId: string | null; address: string | null; limits?: SignInLimits },
): Promise<RecipeResult<PasswordChangeResult>> {
  const me = await findUser(ctx.db.orm, ctx.user);
  const hash = me ? await credentialHash(ctx.db.orm, me.id) : null;
  if (!me || !hash) {
    return passwordRefusal(
      'currentPassword',
      'Your account has no console password: you sign in through your company sign-in proxy, so change your password there.',
    );
  }
  const attempt = { username: me.username, address: opts.address };
  const blocked = await claimSignInAttempt(ctx.db.orm, attempt, opts.limits ?? signInLimits());
  if (blocked) {
    return passwordRefusal(
      'currentPassword',
      `Too many wrong passwords for ${me.username}; wait ${blocked.retryAfterSeconds} seconds and try again. Nothing was changed.`,
    );
  }
  if (!(await verifyPassword({ hash, password: v.currentPassword }))) {
    return passwordRefusal('currentPassword', 'The current password is wrong; nothing was changed.');
  }
  await releaseSignInAttempt(ctx.db.orm, attempt);
  return runAdminTransaction(ctx, async (tx) => {
    const ended = await replaceOwnPassword(tx, me.id, v.newPassword, opts.sessionId);
    return { ok: true, status: 'ok', committed: false, result: { username: me.username, otherSessionsEnded: ended } };
  });
}

/**
 * The wrapper's caller for a person changing their own password. The wrapper denies every
 * action until a one-time password is changed, and everything to a person with no role; this
 * one action is exactly how both get out of that, so the identity it sees has the flag
 * cleared and at least the viewer role, while the audit row records the role they really
 * have ('none' for no role).
 */
export function selfServiceCaller(db: Database, me: Identity, request: RequestInfo): Caller {
  return {
    db,
    identity: { ...me, mustChangePassword: false, role: me.role ?? 'viewer' },
    request,
    auditRole: me.role ?? 'none',
  };
}
