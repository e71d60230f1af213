// A request refused for its API token is a security event: one `token_use` row in the audit
// trail (listed by /audit?kind=security), written by recordSecurityEvent as a failed sign-in
// is, with why (malformed, unknown, revoked, expired, owner_disabled), the client address and,
// when the console knows the token, its owner and what the token list shows of it (id, name,
// prefix, scope); never the token itself. A flood is bounded per address by the sign-in
// limits' window (countTokenFailure): a row each up to the limit, one row saying so, then
// none until the window ends. Requests with a bearer token of another kind are not recorded:
// that is not a console credential (probes may send one by habit), though it is told why.
import type { Orm } from '@/db/client';
import { log } from '@/lib/log/logger';
import { describeForLog } from '@/lib/log/redact';
import { describeVia, type RefusedToken, type TokenRefusal } from './api-tokens';
import { recordSecurityEvent } from './audit';
import type { RequestInfo } from './identity';
import { countTokenFailure, signInLimits, type SignInLimits } from './signin-limits';

/** The audit row's user when no owner is known (no account name holds brackets or spaces). */
export const UNKNOWN_TOKEN_USER = '(unknown token)';
const MANY_TOKENS_USER = '(refused tokens)';

const at = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function summaryOf(why: TokenRefusal, t: RefusedToken | null, from: string): string {
  const whose = t ? `${t.owner ? `${t.owner}'s` : 'an'} API token "${t.name}" (${t.prefix}…)` : 'an API token';
  const head = `Refused a request${from} with ${whose}`;
  switch (why) {
    case 'revoked':
      return `${head}: it was revoked at ${t?.revokedAt ? at(t.revokedAt) : 'an earlier time'}.`;
    case 'expired':
      return `${head}: it expired at ${t ? at(t.expiresAt) : 'an earlier time'}.`;
    case 'owner_disabled':
      return `${head}: ${t?.owner ? `${t.owner}'s account is disabled` : 'its owner is gone'}.`;
    case 'unknown':
      return `${head} that the console does not know: no token has that value (mistyped, or from another console).`;
    case 'malformed':
      return `${head} that is malformed: a console token is iuc_ and 43 letters, digits, - or _.`;
  }
}

/** Records a refused token (see above); never throws: the request is answered 401 either way. */
export async function recordTokenRefusal(
  db: Orm,
  refused: { why: TokenRefusal; token: RefusedToken | null },
  client: RequestInfo,
  limits: SignInLimits = signInLimits(),
): Promise<void> {
  const from = client.ip ? ` from ${client.ip}` : '';
  try {
    const count = await countTokenFailure(db, client.ip, limits);
    if (count.record === 'quiet') return;
    if (count.record === 'last') {
      await recordSecurityEvent(db, {
        recipe: 'token_use',
        username: MANY_TOKENS_USER,
        role: null,
        decision: 'unauthenticated',
        status: 'too_many_failures',
        summary:
          `More than ${limits.perAddress} requests${from} were refused for their API token within ${limits.windowSeconds} s; ` +
          `the rest are answered 401 without a row of their own until the window ends (in ${Math.max(count.left, 1)} s).`,
        ip: client.ip,
        userAgent: client.userAgent,
        params: { limit: limits.perAddress, windowSeconds: limits.windowSeconds },
      });
      return;
    }
    const t = refused.token;
    await recordSecurityEvent(db, {
      recipe: 'token_use',
      username: t?.owner ?? UNKNOWN_TOKEN_USER,
      role: null,
      decision: 'unauthenticated',
      status: refused.why,
      summary: summaryOf(refused.why, t, from),
      ip: client.ip,
      userAgent: client.userAgent,
      // `apiKey`, not a key with "token" in it: the audit's parameter filter drops those
      params: {
        refusal: refused.why,
        ...(t
          ? {
              apiKey: {
                id: t.id,
                name: t.name,
                prefix: t.prefix,
                scope: t.scope,
                owner: t.owner,
                revokedAt: t.revokedAt?.toISOString() ?? null,
                expiresAt: t.expiresAt.toISOString(),
              },
            }
          : {}),
      },
      via: t ? describeVia({ kind: 'token', id: t.id, name: t.name, prefix: t.prefix, scope: t.scope }) : null,
    });
  } catch (err) {
    log().error(
      { event: 'token_use', address: client.ip, err: describeForLog(err) },
      'a request refused for its API token could not be counted or recorded',
    );
  }
}
