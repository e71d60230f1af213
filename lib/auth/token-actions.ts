// Making and revoking API tokens, as console actions through the one wrapper: any person with
// a role makes their own tokens (signed in, never with a token), sees each once, and revokes
// them; the audit row names the token, never its value.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rowsOf } from '@/db/client';
import { reasonField, type ActionDefinition } from '@/lib/auth/authorize';
import { runAdminTransaction } from '@/lib/recipes/run';
import type { RecipeResult, Refusal, Tx } from '@/lib/recipes/types';
import { newToken, TOKEN_SCOPES, type TokenScope } from './api-tokens';

export const TOKEN_EXPIRY_DAYS = [7, 30, 90, 365] as const;

const tokenName = z
  .string({ error: 'The token name must be text.' })
  .trim()
  .min(1, 'Give the token a name, e.g. the script that uses it.')
  .max(80, 'The token name is at most 80 characters.')
  .regex(/^[\p{L}\p{N} ._:@/-]+$/u, 'The token name may hold letters, digits, spaces and . _ : @ / - only.');

const expiryDays = z
  .union([z.number(), z.string().regex(/^\d{1,3}$/, 'The expiry is a number of days: 7, 30, 90 or 365.')], {
    error: 'The expiry is a number of days: 7, 30, 90 or 365.',
  })
  .transform((v) => Number(v))
  .refine((n) => (TOKEN_EXPIRY_DAYS as readonly number[]).includes(n), 'The expiry is 7, 30, 90 or 365 days.');

const tokenId = z
  .union([z.number(), z.string().regex(/^\d{1,15}$/, 'The token id is a whole number.')], {
    error: 'The token id is a whole number.',
  })
  .transform((v) => Number(v))
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'The token id is a whole number.');

export const tokenCreateInput = z.object({
  name: tokenName,
  scope: z.enum(TOKEN_SCOPES, { error: 'The scope is read or operate.' }),
  expiresInDays: expiryDays,
  reason: reasonField,
});

export interface TokenCreated {
  id: number;
  name: string;
  prefix: string;
  scope: TokenScope;
  expiresAt: string;
  /** Shown once to the person who made it; never stored or logged. */
  token: string;
}

const refusal = (field: string, message: string): Refusal => ({
  ok: false,
  status: 'invalid_input',
  committed: false,
  message,
  issues: [{ field, message }],
});

async function userIdOf(tx: Tx, username: string): Promise<string | null> {
  const [u] = rowsOf<{ id: string }>(await tx.execute(sql`SELECT id FROM auth_user WHERE username = ${username}`));
  return u?.id ?? null;
}

export const tokenCreateDefinition: ActionDefinition<typeof tokenCreateInput, TokenCreated> = {
  name: 'token_create',
  role: 'viewer',
  input: tokenCreateInput,
  mode: () => 'admin',
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx): Promise<RecipeResult<TokenCreated>> => {
      const userId = await userIdOf(tx, ctx.user);
      if (!userId) return refusal('name', 'Only a console account can make tokens; sign in with yours.');
      const [taken] = rowsOf(
        await tx.execute(sql`SELECT 1 FROM console_api_token
          WHERE user_id = ${userId} AND lower(name) = lower(${v.name}) AND revoked_at IS NULL`),
      );
      if (taken)
        return refusal('name', `You already have a token called "${v.name}"; choose another name or revoke it.`);
      const t = newToken();
      const [row] = rowsOf<{ id: number; expires_at: unknown }>(
        await tx.execute(sql`
          INSERT INTO console_api_token (user_id, username, name, prefix, token_hash, scope, expires_at)
          VALUES (${userId}, ${ctx.user}, ${v.name}, ${t.prefix}, ${t.hash}, ${v.scope},
                  clock_timestamp() + make_interval(days => ${v.expiresInDays}))
          RETURNING id, expires_at`),
      );
      return {
        ok: true,
        status: 'ok',
        committed: false,
        result: {
          id: Number(row.id),
          name: v.name,
          prefix: t.prefix,
          scope: v.scope,
          expiresAt: new Date(row.expires_at as string).toISOString(),
          token: t.token,
        },
      };
    }),
  summarize: (o) =>
    o.ok
      ? `made token "${o.result.name}" (${o.result.prefix}…, ${o.result.scope}), expires ${o.result.expiresAt.slice(0, 10)}`
      : `${o.status}: ${o.message}`,
};

export const tokenRevokeInput = z.object({ id: tokenId, reason: reasonField });

export interface TokenRevoked {
  id: number;
  name: string;
  prefix: string;
}

export const tokenRevokeDefinition: ActionDefinition<typeof tokenRevokeInput, TokenRevoked> = {
  name: 'token_revoke',
  role: 'viewer',
  input: tokenRevokeInput,
  mode: () => 'admin',
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx): Promise<RecipeResult<TokenRevoked>> => {
      // only the owner's own live token: someone else's id is "not yours", not a revoke
      const [row] = rowsOf<{ id: number; name: string; prefix: string }>(
        await tx.execute(sql`
          UPDATE console_api_token t SET revoked_at = clock_timestamp(), revoked_by = ${ctx.user}
            FROM auth_user u
           WHERE t.id = ${v.id} AND u.id = t.user_id AND u.username = ${ctx.user} AND t.revoked_at IS NULL
          RETURNING t.id, t.name, t.prefix`),
      );
      if (!row) return refusal('id', `You have no live token with id ${v.id}; it may be revoked already.`);
      return {
        ok: true,
        status: 'ok',
        committed: false,
        result: { id: Number(row.id), name: row.name, prefix: row.prefix },
      };
    }),
  summarize: (o) => (o.ok ? `revoked token "${o.result.name}" (${o.result.prefix}…)` : `${o.status}: ${o.message}`),
};
