// The webhook signature, the usual timestamped HMAC scheme: the header
//   X-IU-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${body}`)>
// A receiver recomputes v1 over the exact body bytes, compares in constant time, and refuses
// a t older than a few minutes (a replayed delivery). README "Webhooks" shows a receiver.
import crypto from 'node:crypto';

export function signBody(secret: string, body: string, t: number = Math.floor(Date.now() / 1000)): string {
  const v1 = crypto.createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Whether `header` signs `body` with `secret`, made at most `toleranceSeconds` ago. */
export function verifySignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  toleranceSeconds = 300,
  now: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now - t) > toleranceSeconds) return false;
  const want = Buffer.from(signBody(secret, body, t).split('v1=')[1], 'hex');
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

/** A new signing secret, shown to the lead once. */
export function newSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64url')}`;
}

/** The secret as the list shows it: its kind and last four characters. */
export function maskSecret(secret: string): string {
  return `whsec_…${secret.slice(-4)}`;
}
