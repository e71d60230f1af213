// What the webhooks page shows: the hooks (secret masked) and each hook's latest deliveries.
import type { Database } from '@/db/client';
import { maskSecret } from './signing';

export interface HookView {
  id: number;
  name: string;
  url: string;
  events: string[];
  slack: boolean;
  enabled: boolean;
  secretMasked: string;
  createdBy: string;
  createdAt: string;
}

export interface DeliveryView {
  id: number;
  hookId: number;
  event: string;
  status: 'pending' | 'delivering' | 'succeeded' | 'failed' | 'skipped';
  attempts: number;
  responseCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

export async function listHooks(db: Database): Promise<HookView[]> {
  const rows = await db.query<Record<string, unknown>>(
    'SELECT id, name, url, events, slack, enabled, secret, created_by, created_at FROM console_webhook ORDER BY id',
  );
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    url: String(r.url),
    events: r.events as string[],
    slack: !!r.slack,
    enabled: !!r.enabled,
    secretMasked: maskSecret(String(r.secret)),
    createdBy: String(r.created_by),
    createdAt: iso(r.created_at)!,
  }));
}

/** The latest `perHook` deliveries of every hook, newest first. */
export async function latestDeliveries(db: Database, perHook = 20): Promise<DeliveryView[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT d.* FROM console_webhook h
       CROSS JOIN LATERAL (SELECT id, hook_id, event, status, attempts, response_code, error, response_excerpt,
                                  next_attempt_at, last_attempt_at, created_at
                             FROM console_webhook_delivery WHERE hook_id = h.id ORDER BY id DESC LIMIT $1) d
      ORDER BY d.id DESC`,
    [perHook],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    hookId: Number(r.hook_id),
    event: String(r.event),
    status: r.status as DeliveryView['status'],
    attempts: Number(r.attempts),
    responseCode: r.response_code === null ? null : Number(r.response_code),
    error: (r.error as string | null) ?? null,
    responseExcerpt: (r.response_excerpt as string | null) ?? null,
    nextAttemptAt: r.status === 'pending' || r.status === 'delivering' ? iso(r.next_attempt_at) : null,
    lastAttemptAt: iso(r.last_attempt_at),
    createdAt: iso(r.created_at)!,
  }));
}
