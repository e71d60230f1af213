// The one gate in front of every mutating route handler under /api (proxy.ts runs it for
// each request its matcher sends there, so a new route file cannot forget it). Plain
// functions over a method, a path and headers: no Next or database imports, so proxy.ts,
// server.ts and the tests all use the same rule.

/** The largest request body the console reads: 1 MiB (Next's own default for server actions). */
export const MAX_BODY_BYTES = 1024 * 1024;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type EnvLike = Record<string, string | undefined>;

/**
 * The origins a browser may send mutations from: the public URL (IU_PUBLIC_URL, then
 * BETTER_AUTH_URL, then http://localhost:$PORT) and http://localhost|127.0.0.1:$PORT, the same
 * list better-auth trusts (lib/auth/auth.ts). The request's own Host is deliberately not in
 * it: a DNS-rebinding page controls Host and Origin alike, so matching them proves nothing.
 */
export function consoleOrigins(env: EnvLike = process.env): string[] {
  const port = env.PORT || '3000';
  const configured = env.IU_PUBLIC_URL || env.BETTER_AUTH_URL || `http://localhost:${port}`;
  const list = [configured, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const out = new Set<string>();
  for (const u of list) {
    try {
      out.add(new URL(u).origin);
    } catch {
      // an unparseable IU_PUBLIC_URL matches nothing; the local origins still work
    }
  }
  return [...out];
}

export interface GuardRefusal {
  status: 403 | 413 | 415;
  error: string;
}

export interface GuardedRequest {
  method: string;
  headers: Headers;
}

function originOf(h: Headers): { from: 'Origin' | 'Referer'; value: string } | null {
  const origin = h.get('origin');
  if (origin !== null) return { from: 'Origin', value: origin };
  const referer = h.get('referer');
  if (!referer) return null;
  try {
    return { from: 'Referer', value: new URL(referer).origin };
  } catch {
    return { from: 'Referer', value: referer };
  }
}

/** Whether a Content-Type header names JSON (`application/json`, any parameters). */
export function isJsonType(contentType: string | null): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}

/** Content-Length as a number, or null when absent; NaN for a header that is not a length. */
function declaredLength(h: Headers): number | null {
  const v = h.get('content-length');
  if (v === null) return null;
  return /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
}

/**
 * Whether a request is authenticated by an API token alone: `Authorization: Bearer iuc_…` and
 * no Cookie header at all. A browser never adds an Authorization header to another site's
 * request by itself (a page would need a CORS preflight the console never grants), so such a
 * request cannot ride anybody's session: the Origin rule has nothing to protect. Any request
 * that carries a cookie stays under the rule.
 */
export function isBearerOnly(h: Headers): boolean {
  const auth = h.get('authorization');
  return !!auth && /^\s*bearer\s+iuc_\S+\s*$/i.test(auth) && !(h.get('cookie') ?? '').trim();
}

/**
 * Why a mutating request must not reach its handler, or null when it may. In order:
 *  1. 403 when its Origin (or, with no Origin, its Referer) is not one of `origins`. A request
 *     with neither comes from a script, not a browser: every browser sends Origin on a POST,
 *     PUT, PATCH or DELETE, and a script cannot ride a visitor's cookies. A request with an API
 *     token and no cookie (isBearerOnly) skips this step.
 *  2. 413 when it declares a body over MAX_BODY_BYTES (server.ts also counts chunked bodies).
 *  3. 415 when it has a body that is not application/json. A form or text/plain post is what
 *     a hostile page can send without asking; JSON needs a CORS preflight the console never grants.
 */
export function guardMutation(req: GuardedRequest, origins: readonly string[]): GuardRefusal | null {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  const h = req.headers;
  const o = isBearerOnly(h) ? null : originOf(h);
  if (o && !origins.includes(o.value)) {
    return {
      status: 403,
      error:
        `This request came from another site (${o.from} ${o.value.slice(0, 200)}), ` +
        'so it was refused and nothing ran. ' +
        `Use the console's own pages at ${origins[0]}, or send the request from a script without a browser.`,
    };
  }
  const length = declaredLength(h);
  if (length !== null && (Number.isNaN(length) || length > MAX_BODY_BYTES)) {
    return { status: 413, error: tooLargeMessage() };
  }
  const hasBody = (length !== null && length > 0) || h.has('transfer-encoding');
  const type = h.get('content-type');
  if ((type !== null || hasBody) && !isJsonType(type)) {
    const sent = type ? `"${type.slice(0, 100)}"` : 'sent without a type';
    return {
      status: 415,
      error:
        `The console reads only JSON request bodies; this one was ${sent}. ` +
        'Send it again with Content-Type: application/json. Nothing ran.',
    };
  }
  return null;
}

export function tooLargeMessage(): string {
  const mb = MAX_BODY_BYTES / 1024 / 1024;
  return `The request body is larger than ${mb} MB, so it was not read and nothing ran. Send less at once.`;
}

/** The JSON answer for a refusal, with the headers every console response carries. */
export function refusalResponse(r: GuardRefusal, extra: Record<string, string> = {}): Response {
  return Response.json(
    { ok: false, error: r.error },
    { status: r.status, headers: { 'cache-control': 'no-store', ...extra } },
  );
}
