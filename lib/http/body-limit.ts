// The gate applied by server.ts to the raw Node request before Next sees it: the request-size
// limit (the App Router cannot refuse a chunked body part way through, and Next's proxy would
// only truncate what it buffers), and the same-origin / JSON rule proxy.ts also applies, so a
// refused request never reaches Next at all. Refusals are JSON sentences with the usual headers.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { consoleOrigins, guardMutation, MAX_BODY_BYTES, tooLargeMessage, type GuardRefusal } from './request-guard';
import { securityHeaders } from './security-headers';

function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  r: GuardRefusal = { status: 413, error: tooLargeMessage() },
): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ ok: false, error: r.error });
  res.writeHead(r.status, {
    ...securityHeaders(),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    // the rest of the body is never read, so this connection cannot carry another request
    connection: 'close',
  });
  res.end(body);
  // read and drop what the client is still sending, so it gets to read the answer
  req.resume();
}

/**
 * Calls `next` once the request may be handled. A declared Content-Length over `max` is refused
 * at once (Node's parser never reads past a declared length). A chunked body is held back from
 * Next until it ends, counting as it arrives: past `max` it is refused, otherwise Next reads
 * it as usual. Node's parser hands each body chunk to `req.push`, which is what is wrapped.
 */
function toHeaders(h: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.append(k, x);
  }
  return out;
}

/**
 * proxy.ts's rule for /api, answered here: Next copies a request body for its proxy, and a
 * refused request whose body nobody reads leaves that copy to fail as an uncaught "aborted"
 * when the browser closes the connection. Returns true when it answered.
 */
export function refuseForeignRequest(req: IncomingMessage, res: ServerResponse, env = process.env): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/api' && !path.startsWith('/api/')) return false;
  const r = guardMutation({ method: req.method ?? 'GET', headers: toHeaders(req.headers) }, consoleOrigins(env));
  if (!r) return false;
  refuse(req, res, r);
  return true;
}

export function limitRequestBody(
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
  max = MAX_BODY_BYTES,
): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    if (!/^\d+$/.test(declared.trim()) || Number(declared) > max) return refuse(req, res);
    return next();
  }
  if (!req.headers['transfer-encoding']) return next();
  const push = req.push;
  const held: Buffer[] = [];
  let size = 0;
  let over = false;
  req.push = function hold(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (over) return true;
    if (chunk === null) {
      req.push = push;
      for (const c of held) push.call(req, c);
      push.call(req, null);
      next();
      return false;
    }
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding);
    size += buf.length;
    if (size > max) {
      over = true;
      held.length = 0;
      refuse(req, res);
      return true;
    }
    held.push(buf);
    return true;
  };
}
