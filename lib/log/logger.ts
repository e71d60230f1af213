// Structured JSON logs (pino), one line per event on stdout: the request log of server.ts
// (request id, the signed-in person's name once the request has resolved it, method, path,
// status, time) and the lives of bulk jobs (job id, actor, the id
// of the request that asked for it, state). The request id comes from a trusted upstream's
// x-request-id when it is well formed, else is made here, and is sent back on the response.
// Cookies, authorization headers, passwords, tokens and secrets are never logged: nothing here
// logs headers or bodies, and pino's redaction drops such keys if an object carries them.
// One per process (processSingleton): server.ts and Next's bundles load this module separately.
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import type http from 'node:http';
import pino from 'pino';
import { processSingleton, processSlot } from '@/lib/process-singleton';

interface RequestContext {
  reqId: string;
  /** The signed-in person's user name, once the request has looked it up (lib/auth/identity.ts). */
  actor?: string;
}
interface LogState {
  log: pino.Logger;
  requests: AsyncLocalStorage<RequestContext>;
}
function state(): LogState {
  return processSingleton<LogState>('log', () => ({
    log: pino(
      {
        level: process.env.IU_LOG_LEVEL || 'info',
        base: { pid: process.pid },
        redact: {
          paths: [
            '*.password',
            '*.token',
            '*.secret',
            '*.cookie',
            '*.authorization',
            'password',
            'token',
            'secret',
            'cookie',
            'authorization',
          ],
          censor: '[redacted]',
        },
        timestamp: pino.stdTimeFunctions.isoTime,
      },
      destination,
    ),
    requests: new AsyncLocalStorage(),
  }));
}

let destination: pino.DestinationStream | undefined;

/** Sends this process's log lines to `stream` instead of stdout (tests read them back). */
export function logTo(stream: pino.DestinationStream): void {
  destination = stream;
  processSlot<LogState>('log').set(undefined);
}

/**
 * Names the signed-in person on the current request's log line. Only the user name: the
 * session's token and cookie stay where they are.
 */
export function noteRequestActor(username: string): void {
  const r = state().requests.getStore();
  if (r) r.actor = username;
}

/** The console's logger; inside a request, its lines carry the request id. */
export function log(): pino.Logger {
  const s = state();
  const r = s.requests.getStore();
  return r ? s.log.child({ reqId: r.reqId }) : s.log;
}

/** The id of the request being served, if any. */
export function requestId(): string | null {
  return state().requests.getStore()?.reqId ?? null;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

const REQ_ID = /^[\w.:-]{1,100}$/;

/** Wraps the request handler: a request id for every request, and one log line when it ends. */
export function logRequests(handle: Handler): Handler {
  const s = state();
  return (req, res) => {
    const given = req.headers['x-request-id'];
    const reqId = typeof given === 'string' && REQ_ID.test(given) ? given : crypto.randomUUID();
    res.setHeader('x-request-id', reqId);
    const started = process.hrtime.bigint();
    const ctx: RequestContext = { reqId };
    res.on('finish', () => {
      const path = (req.url ?? '/').split('?')[0];
      // static files are many and say nothing
      if (path.startsWith('/_next/static/')) return;
      s.log.info(
        {
          reqId,
          actor: ctx.actor,
          method: req.method,
          path: path.slice(0, 300),
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
        },
        'request',
      );
    });
    return s.requests.run(ctx, () => handle(req, res));
  };
}
