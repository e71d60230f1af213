// The lead's user administration as console actions: add, set a role, disable or enable,
// reset a password. Each runs in an admin transaction shaped like a recipe's, so its audit
// row lands with the change.
import { z } from 'zod';
import { reasonField, type ActionDefinition } from '@/lib/auth/authorize';
import { runAdminTransaction } from '@/lib/recipes/run';
import { checkbox } from '@/lib/recipes/action-fields';
import type { RecipeResult, Tx } from '@/lib/recipes/types';
import { trustedHeaderConfig } from './trusted-header';
import {
  createUser,
  lockSignInLeads,
  oneTimePassword,
  optionalRoleSchema,
  resetPassword,
  setDisabled,
  setRole,
  UserAdminError,
  usernameSchema,
} from './users';
import { sanitizeError } from '@/lib/errors';

export interface UserAdminResult {
  username: string;
  role: string | null;
  disabled: boolean;
  /** Shown once, to the lead who added the user or reset the password. */
  oneTimePassword?: string;
}

/**
 * Refuses a change that would leave no lead who can sign in: nobody could manage users any
 * more. The lead rows stay locked until the admin transaction ends, so two such changes at
 * once are decided one after the other (see lockSignInLeads).
 */
async function lastLeadRefusal(
  tx: Tx,
  username: string,
  keepsLead: boolean,
): Promise<RecipeResult<UserAdminResult> | null> {
  if (keepsLead) return null;
  const leads = await lockSignInLeads(tx, { ssoSignIn: trustedHeaderConfig().enabled });
  const name = username.trim().toLowerCase();
  if (!leads.includes(name) || leads.length > 1) return null;
  const message = `${name} is the last enabled lead who can sign in; make someone else a lead first, or nobody could manage users.`;
  return { ok: false, status: 'invalid_input', committed: false, message, issues: [{ field: 'username', message }] };
}

function adminRefusal(err: unknown): RecipeResult<UserAdminResult> {
  if (err instanceof UserAdminError) {
    return {
      ok: false,
      status: 'invalid_input',
      committed: false,
      message: err.message,
      issues: [{ field: 'username', message: err.message }],
    };
  }
  // the failed query's parameters hold a password hash: the wrapper logs and records what is thrown
  throw sanitizeError(err, 'The user change failed');
}

/** One user change in the admin transaction: its row as the result, or a refusal naming the field. */
async function userChange(
  change: () => Promise<Pick<UserAdminResult, 'username' | 'role' | 'disabled'>>,
  oneTimePassword?: string,
): Promise<RecipeResult<UserAdminResult>> {
  try {
    const u = await change();
    return {
      ok: true,
      status: 'ok',
      committed: false,
      result: {
        username: u.username,
        role: u.role,
        disabled: u.disabled,
        ...(oneTimePassword ? { oneTimePassword } : {}),
      },
    };
  } catch (err) {
    return adminRefusal(err);
  }
}

export const addUserActionInput = z.object({ username: usernameSchema, role: optionalRoleSchema, reason: reasonField });

export const addUserDefinition: ActionDefinition<typeof addUserActionInput, UserAdminResult> = {
  name: 'user_add',
  role: 'lead',
  input: addUserActionInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const password = oneTimePassword();
      return userChange(
        () => createUser(tx, { username: v.username, password, role: v.role, mustChangePassword: true }),
        password,
      );
    }),
  summarize: (o) =>
    o.ok
      ? `added ${o.result.username} with role ${o.result.role ?? 'none'} (one-time password)`
      : `${o.status}: ${o.message}`,
};

export const setRoleActionInput = z.object({ username: usernameSchema, role: optionalRoleSchema, reason: reasonField });

export const setRoleDefinition: ActionDefinition<typeof setRoleActionInput, UserAdminResult> = {
  name: 'user_set_role',
  role: 'lead',
  input: setRoleActionInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const last = await lastLeadRefusal(tx, v.username, v.role === 'lead');
      if (last) return last;
      return userChange(() => setRole(tx, v.username, v.role));
    }),
  summarize: (o) =>
    o.ok ? `set ${o.result.username}'s role to ${o.result.role ?? 'none'}` : `${o.status}: ${o.message}`,
};

export const setDisabledActionInput = z.object({ username: usernameSchema, disabled: checkbox, reason: reasonField });

export const setDisabledDefinition: ActionDefinition<typeof setDisabledActionInput, UserAdminResult> = {
  name: 'user_set_disabled',
  role: 'lead',
  input: setDisabledActionInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      if (v.disabled && v.username === ctx.user) {
        return {
          ok: false,
          status: 'invalid_input',
          committed: false,
          message: 'You cannot disable yourself; ask another lead.',
        } as RecipeResult<UserAdminResult>;
      }
      const last = await lastLeadRefusal(tx, v.username, !v.disabled);
      if (last) return last;
      return userChange(() => setDisabled(tx, v.username, v.disabled));
    }),
  summarize: (o) =>
    o.ok ? `${o.result.disabled ? 'disabled' : 'enabled'} ${o.result.username}` : `${o.status}: ${o.message}`,
};

export const resetPasswordActionInput = z.object({ username: usernameSchema, reason: reasonField });

export const resetPasswordDefinition: ActionDefinition<typeof resetPasswordActionInput, UserAdminResult> = {
  name: 'user_reset_password',
  role: 'lead',
  input: resetPasswordActionInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const password = oneTimePassword();
      return userChange(() => resetPassword(tx, v.username, password, true), password);
    }),
  summarize: (o) => (o.ok ? `reset ${o.result.username}'s password (one-time)` : `${o.status}: ${o.message}`),
};
