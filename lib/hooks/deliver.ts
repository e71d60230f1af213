// Posting the due webhook deliveries (the outbox of migration 053): claim a few due rows
// (FOR UPDATE SKIP LOCKED, so two workers never take the same one), post each signed body with
// a timeout and no redirects, and record the attempt: 2xx succeeded; otherwise another attempt
// after an exponential backoff, until the last attempt fails it. Only a short excerpt of the
// answer is kept; the secret is used to sign and never written anywhere else.
import type { Database } from '@/db/client';
import { consoleOrigins } from '@/lib/http/request-guard';
import { log } from '@/lib/log/logger';
import { HOOK_EVENT_LABELS, SIGNATURE_HEADER, type HookEvent } from './events';
import { signBody } from './signing';

const num = (name: string, fallback: number, min: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= min ? v : fallback;
};

/** The delivery settings: IU_WEBHOOK_TIMEOUT_MS (5000), IU_WEBHOOK_MAX_ATTEMPTS (6), IU_WEBHOOK_RETRY_BASE_MS (30000). */
export function deliverySettings() {
  return {
    timeoutMs: num('IU_WEBHOOK_TIMEOUT_MS', 5000, 100),
    maxAttempts: Math.floor(num('IU_WEBHOOK_MAX_ATTEMPTS', 6, 1)),
    retryBaseMs: num('IU_WEBHOOK_RETRY_BASE_MS', 30_000, 10),
  };
}

/** The wait before attempt `attempts + 1`: base, 2×base, 4×base, … capped at an hour. */
export function backoffMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

interface Claimed {
  id: number;
  hook_id: number;
  event: string;
  payload: Record<string, unknown>;
  attempts: number;
  url: string;
  secret: string;
  slack: boolean;
  enabled: boolean;
}

/** The body a hook receives: the event as JSON, or for a Slack-compatible hook `{text}`. */
export function deliveryBody(
  d: { id: number; event: string; payload: Record<string, unknown> },
  slack: boolean,
): string {
  if (!slack) return JSON.stringify({ id: d.id, ...d.payload, event: d.event });
  const label = HOOK_EVENT_LABELS[d.event as HookEvent] ?? d.event;
  const audit = d.payload.audit as { id?: number } | undefined;
  const link = audit?.id ? ` <${consoleOrigins()[0]}/audit?id=${audit.id}|audit row ${audit.id}>` : '';
  return JSON.stringify({ text: `IU Core Console · ${label}: ${String(d.payload.summary ?? '')}${link}` });
}

/** At most `max` characters of the answer, without reading a large body to its end. */
async function excerpt(res: Response, max = 200): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `No answer within ${timeoutMs} ms.`;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const what = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return `Could not reach the hook: ${String(what).slice(0, 200)}.`;
}

/** One attempt: the response code and excerpt, or the error. */
async function post(
  d: Claimed,
  timeoutMs: number,
): Promise<{ code: number | null; excerpt: string | null; error: string | null }> {
  const body = deliveryBody(d, d.slack);
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'IU-Core-Console-Webhooks/1',
        'x-iu-event': d.event,
        'x-iu-delivery': String(d.id),
        [SIGNATURE_HEADER]: signBody(d.secret, body),
      },
      body,
    });
    const text = await excerpt(res).catch(() => '');
    const ok = res.status >= 200 && res.status < 300;
    return { code: res.status, excerpt: text || null, error: ok ? null : `The hook answered ${res.status}.` };
  } catch (err) {
    return { code: null, excerpt: null, error: describeFailure(err, timeoutMs) };
  }
}

/**
 * Delivers what is due now (at most `limit`), one attempt each; the number attempted. A
 * delivering row whose worker died is due again once its hold (timeout + 60 s) has passed.
 */
export async function deliverDue(db: Database, limit = 10): Promise<number> {
  const s = deliverySettings();
  const holdMs = s.timeoutMs + 60_000;
  const claimed = await db.query<Claimed>(
    `UPDATE console_webhook_delivery d
        SET status = 'delivering', attempts = d.attempts + 1, last_attempt_at = clock_timestamp(),
            next_attempt_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
       FROM console_webhook h
      WHERE d.hook_id = h.id
        AND d.id IN (SELECT id FROM console_webhook_delivery
                      WHERE status IN ('pending', 'delivering') AND next_attempt_at <= clock_timestamp()
                      ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING d.id, d.hook_id, d.event, d.payload, d.attempts, h.url, h.secret, h.slack, h.enabled`,
    [limit, holdMs],
  );
  await Promise.all(claimed.map((d) => attempt(db, d, s)));
  return claimed.length;
}

async function attempt(db: Database, d: Claimed, s: ReturnType<typeof deliverySettings>): Promise<void> {
  if (!d.enabled) {
    await db.query(
      `UPDATE console_webhook_delivery SET status = 'skipped', attempts = attempts - 1,
              error = 'The hook was disabled before this delivery went out; nothing was sent.' WHERE id = $1`,
      [d.id],
    );
    return;
  }
  const r = await post(d, s.timeoutMs);
  const ok = r.error === null;
  const last = d.attempts >= s.maxAttempts;
  const status = ok ? 'succeeded' : last ? 'failed' : 'pending';
  const waitMs = ok || last ? 0 : backoffMs(d.attempts, s.retryBaseMs);
  const error = ok ? null : last ? `${r.error} Gave up after ${d.attempts} attempts.` : r.error;
  await db.query(
    `UPDATE console_webhook_delivery
        SET status = $2, response_code = $3, response_excerpt = $4, error = $5,
            next_attempt_at = CASE WHEN $2 = 'pending' THEN clock_timestamp() + make_interval(secs => $6::double precision / 1000) ELSE next_attempt_at END,
            history = (jsonb_build_array(jsonb_build_object('attempt', attempts, 'at', clock_timestamp(), 'code', $3::int, 'error', $5::text))
                       || history) - 10
      WHERE id = $1`,
    [d.id, status, r.code, r.excerpt, error, waitMs],
  );
  const line = { hook: d.hook_id, delivery: d.id, event: d.event, attempt: d.attempts, code: r.code };
  if (ok) log().info(line, 'webhook delivered');
  else
    log().warn(
      { ...line, error: r.error },
      last ? 'webhook delivery failed; gave up' : 'webhook delivery failed; will retry',
    );
}
