// The request-size limit, applied by server.ts to the raw Node request before Next sees it:
// the App Router cannot refuse a chunked body part way through, and Next's proxy would only
// truncate what it buffers. Refusals are JSON sentences with the console's usual headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES, tooLargeMessage } from './request-guard';
import { securityHeaders } from './security-headers';

function refuse(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ ok: false, error: tooLargeMessage() });
  res.writeHead(413, {
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
export function limitRequestBody(req: IncomingMessage, res: ServerResponse, next: () => void, max = MAX_BODY_BYTES): void {
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
