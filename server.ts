// The console's HTTP server: Next's request handler behind a small gate that knows the real
// socket peer, which the App Router cannot see. For every request it
//   * overwrites x-iu-peer-address with the socket's remote address (the audit's IP and the
//     trust check use only this) and x-iu-peer-token with this process's random token, so
//     a request that bypassed this server (next dev, a bare next start) is not believed, and
//   * deletes the trusted-header identity headers unless the peer is a configured trusted
//     proxy (IU_TRUSTED_PROXIES), so nobody else can sign in by typing a header, and
//   * answers /api's cross-site and non-JSON posts (403, 415) and any body over 1 MB, declared
//     or chunked (413), itself (lib/http/body-limit.ts); proxy.ts applies the same rule.
// Run by `npm start` and the browser tests: tsx server.ts [--port N] [--hostname H]
import crypto from 'node:crypto';
import http from 'node:http';
import next from 'next';
import { sanitizeIncomingHeaders, trustedHeaderConfig } from './lib/auth/trusted-header';
import { guardDatabase } from './lib/health/database-guard';
import { limitRequestBody, refuseForeignRequest } from './lib/http/body-limit';
import { startConsoleJobs } from './lib/jobs/process';
import { logRequests } from './lib/log/logger';
import { logError } from './lib/log/redact';
import { serveMetrics } from './lib/metrics/serve';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(arg('--port') ?? process.env.PORT ?? 3000);
const hostname = arg('--hostname') ?? process.env.IU_BIND_HOST ?? undefined;
const dev = process.env.NODE_ENV === 'development';
// the console's own origin (better-auth's trusted list, the /api origin rule) is read from PORT
process.env.PORT = String(port);
// Only requests that passed through here carry this token, so only their peer header is believed.
process.env.IU_PEER_TOKEN = crypto.randomBytes(24).toString('base64url');
const cfg = trustedHeaderConfig();

const app = next({ dev, port, hostname: hostname ?? 'localhost' });
// a request id and one JSON log line per request (lib/log); GET /metrics (lib/metrics); while
// PostgreSQL is unreachable, 503 with the sentence that says so (lib/health/database-guard.ts)
const handle = logRequests(serveMetrics(guardDatabase(app.getRequestHandler())));

await app.prepare();
const server = http.createServer((req, res) => {
  sanitizeIncomingHeaders(req.headers, req.socket.remoteAddress, cfg);
  // another site's post, a form body or one over 1 MB is answered here, before Next reads any of it
  if (refuseForeignRequest(req, res)) return;
  limitRequestBody(req, res, () => serve(req, res));
});
function serve(req: http.IncomingMessage, res: http.ServerResponse) {
  handle(req, res).catch((err: unknown) => {
    logError('[iu-console] request failed:', err);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
}
server.listen(port, hostname, () => {
  console.log(`[iu-console] listening on ${hostname ?? 'all addresses'}:${port}${cfg.enabled ? ` (trusted-header sign-in from ${cfg.trustedProxies.join(', ')})` : ''}`);
});
// bulk jobs: a worker on PostgreSQL (IU_WORKERS=0: none), and the drain on SIGTERM (lib/jobs/process.ts)
const jobs = await startConsoleJobs();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => jobs.shutdown(server, sig));
