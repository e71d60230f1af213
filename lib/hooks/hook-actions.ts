// A lead's webhook settings as console actions through the one wrapper: add, change (with an
// optional new secret), delete, and send a test. Each is audited (the URL and events, never the
// secret: auditParams drops any field named like a secret, and the secret is never an input).
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rowsOf } from '@/db/client';
import { reasonField, type ActionDefinition } from '@/lib/auth/authorize';
import { checkbox } from '@/lib/recipes/action-fields';
import { runAdminTransaction } from '@/lib/recipes/run';
import type { RecipeResult, Refusal } from '@/lib/recipes/types';
import { HOOK_EVENTS } from './events';
import { newSecret } from './signing';

const hookName = z
  .string({ error: 'The name must be text.' })
  .trim()
  .min(1, 'Give the hook a name, e.g. the channel it posts to.')
  .max(80, 'The name is at most 80 characters.');

/** An http(s) URL without a user name or password in it, at most 2000 characters. */
export const hookUrl = z
  .string({ error: 'The URL must be text.' })
  .trim()
  .max(2000, 'The URL is at most 2000 characters.')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'The URL must be a full http:// or https:// address without a user name or password in it.');

const EVENT_LIST = HOOK_EVENTS.join(', ');

/** The events: an array, or one comma-separated string (a form's hidden field); at least one. */
const hookEvents = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z
    .array(z.enum(HOOK_EVENTS, { error: `Each event is one of ${EVENT_LIST}.` }), {
      error: `The events are a list of ${EVENT_LIST}.`,
    })
    .min(1, 'Choose at least one event.')
    .max(HOOK_EVENTS.length, 'Each event once.')
    .transform((a) => [...new Set(a)]),
);

const hookId = z
  .union([z.number(), z.string().regex(/^\d{1,15}$/, 'The hook id is a whole number.')], {
    error: 'The hook id is a whole number.',
  })
  .transform((v) => Number(v))
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'The hook id is a whole number.');

export interface HookSaved {
  id: number;
  name: string;
  url: string;
  events: string[];
  slack: boolean;
  enabled: boolean;
  /** Shown once, when the hook is made or its secret renewed. */
  secret?: string;
}

const notFound = (id: number): Refusal => {
  const message = `There is no webhook with id ${id}; it may have been deleted. Reload the page.`;
  return { ok: false, status: 'invalid_input', committed: false, message, issues: [{ field: 'id', message }] };
};

const saved = (r: Record<string, unknown>, secret?: string): RecipeResult<HookSaved> => ({
  ok: true,
  status: 'ok',
  committed: false,
  result: {
    id: Number(r.id),
    name: String(r.name),
    url: String(r.url),
    events: r.events as string[],
    slack: !!r.slack,
    enabled: !!r.enabled,
    ...(secret ? { secret } : {}),
  },
});

const eventsArray = (events: string[]) =>
  sql`ARRAY[${sql.join(
    events.map((e) => sql`${e}`),
    sql`, `,
  )}]::text[]`;

export const hookCreateInput = z.object({
  name: hookName,
  url: hookUrl,
  events: hookEvents,
  slack: checkbox,
  enabled: checkbox,
  reason: reasonField,
});

export const hookCreateDefinition: ActionDefinition<typeof hookCreateInput, HookSaved> = {
  name: 'webhook_create',
  role: 'lead',
  input: hookCreateInput,
  mode: () => 'admin',
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const secret = newSecret();
      const [r] = rowsOf<Record<string, unknown>>(
        await tx.execute(sql`
          INSERT INTO console_webhook (name, url, events, secret, slack, enabled, created_by)
          VALUES (${v.name}, ${v.url}, ${eventsArray(v.events)}, ${secret}, ${v.slack}, ${v.enabled}, ${ctx.user})
          RETURNING id, name, url, events, slack, enabled`),
      );
      return saved(r, secret);
    }),
  summarize: (o) =>
    o.ok
      ? `added webhook ${o.result.id} "${o.result.name}" → ${o.result.url} (${o.result.events.join(', ')}${o.result.enabled ? '' : '; disabled'})`
      : `${o.status}: ${o.message}`,
};

export const hookUpdateInput = hookCreateInput.extend({ id: hookId, renewSecret: checkbox });

export const hookUpdateDefinition: ActionDefinition<typeof hookUpdateInput, HookSaved> = {
  name: 'webhook_update',
  role: 'lead',
  input: hookUpdateInput,
  mode: () => 'admin',
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const secret = v.renewSecret ? newSecret() : undefined;
      const [r] = rowsOf<Record<string, unknown>>(
        await tx.execute(sql`
          UPDATE console_webhook
             SET name = ${v.name}, url = ${v.url}, events = ${eventsArray(v.events)}, slack = ${v.slack},
                 enabled = ${v.enabled}, secret = coalesce(${secret ?? null}::text, secret), updated_at = clock_timestamp()
           WHERE id = ${v.id}
          RETURNING id, name, url, events, slack, enabled`),
      );
      return r ? saved(r, secret) : notFound(v.id);
    }),
  summarize: (o) =>
    o.ok
      ? `changed webhook ${o.result.id} "${o.result.name}" → ${o.result.url} (${o.result.events.join(', ')}; ${o.result.enabled ? 'enabled' : 'disabled'}${o.result.secret ? '; new secret' : ''})`
      : `${o.status}: ${o.message}`,
};

export const hookIdInput = z.object({ id: hookId, reason: reasonField });

export const hookDeleteDefinition: ActionDefinition<typeof hookIdInput, { id: number; name: string }> = {
  name: 'webhook_delete',
  role: 'lead',
  input: hookIdInput,
  mode: () => 'admin',
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const [r] = rowsOf<{ id: number; name: string }>(
        await tx.execute(sql`DELETE FROM console_webhook WHERE id = ${v.id} RETURNING id, name`),
      );
      return r
        ? { ok: true, status: 'ok', committed: false, result: { id: Number(r.id), name: r.name } }
        : notFound(v.id);
    }),
  summarize: (o) =>
    o.ok ? `deleted webhook ${o.result.id} "${o.result.name}" and its delivery log` : `${o.status}: ${o.message}`,
};

export const hookTestDefinition: ActionDefinition<typeof hookIdInput, { id: number; deliveryId: number }> = {
  name: 'webhook_test',
  role: 'lead',
  input: hookIdInput,
  mode: () => 'admin',
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const [h] = rowsOf<{ enabled: boolean; name: string }>(
        await tx.execute(sql`SELECT enabled, name FROM console_webhook WHERE id = ${v.id}`),
      );
      if (!h) return notFound(v.id);
      if (!h.enabled) {
        const message = `The webhook "${h.name}" is disabled, and a disabled hook is sent nothing; enable it first.`;
        return { ok: false, status: 'invalid_input', committed: false, message, issues: [{ field: 'id', message }] };
      }
      const payload = {
        occurredAt: new Date().toISOString(),
        summary: `A test from ${ctx.user}: the console can reach this hook and signs what it sends.`,
        test: { by: ctx.user },
        event: 'test',
      };
      const [d] = rowsOf<{ id: number }>(
        await tx.execute(sql`INSERT INTO console_webhook_delivery (hook_id, event, payload)
          VALUES (${v.id}, 'test', ${JSON.stringify(payload)}::jsonb) RETURNING id`),
      );
      return { ok: true, status: 'ok', committed: false, result: { id: v.id, deliveryId: Number(d.id) } };
    }),
  summarize: (o) =>
    o.ok ? `queued test delivery ${o.result.deliveryId} to webhook ${o.result.id}` : `${o.status}: ${o.message}`,
};
