// The console's HTTP server: Next's request handler behind a small gate that knows the real
// socket peer, which the App Router cannot see. For every request it
//   * overwrites x-iu-peer-address with the socket's remote address (the audit's IP and the
//     trust check use only this) and x-iu-peer-token with this process's random token, so
//     a request that bypassed this server (next dev, a bare next start) is not believed, and
//   * deletes the trusted-header identity headers unless the peer is a configured trusted
//     proxy (IU_TRUSTED_PROXIES), so nobody else can sign in by typing a header, and
//   * answers /api's cross-site and non-JSON posts (403, 415) and any body over 1 MB, declared
//     or chunked (413), itself (lib/http/body-limit.ts); proxy.ts applies the same rule.
// Before it serves, it opens the database once, migrates, seeds an empty embedded database and
// makes the first lead (lib/boot/start-up.ts), while Next loads.
// `npm start` runs it compiled (dist/server.mjs, scripts/build-server.mjs); `npm run serve`
// runs it under tsx: [--port N] [--hostname H]
import crypto from 'node:crypto';
import http from 'node:http';
import next from 'next';
import { sanitizeIncomingHeaders, trustedHeaderConfig } from './lib/auth/trusted-header';
import { holdDatabase } from './lib/boot/held-database';
import { startUp, StartUpError, type FirstAccount } from './lib/boot/start-up';
import { guardDatabase } from './lib/health/database-guard';
import { limitRequestBody, refuseForeignRequest } from './lib/http/body-limit';
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

// terminal output of the start-up steps: bold headings on a terminal, plain lines in a log
const tty = process.stdout.isTTY;
const io = {
  step: (t: string) => console.log(tty ? `\n\x1b[1m▸ ${t}\x1b[0m` : `\n▸ ${t}`),
  out: (t: string) => console.log(t),
  warn: (t: string) => console.error(t),
};

const app = next({ dev, port, hostname: hostname ?? 'localhost' });
// Next loads while the database is prepared; it serves no request before both are done
const preparing = app.prepare();
preparing.catch(() => {}); // awaited below; a start-up that fails first exits with its own sentence
let account: FirstAccount;
try {
  const started = await startUp(io);
  // the console's handle for Next's handlers, the metrics and the jobs (on PGlite, the only one)
  holdDatabase(Promise.resolve(started.state));
  account = started.account;
} catch (err) {
  console.error(err instanceof StartUpError ? err.message : err);
  process.exit(err instanceof StartUpError ? err.exitCode : 1);
}
await preparing;

// a request id and one JSON log line per request (lib/log); GET /metrics (lib/metrics); while
// PostgreSQL is unreachable, 503 with the sentence that says so (lib/health/database-guard.ts)
const handle = logRequests(serveMetrics(guardDatabase(app.getRequestHandler())));
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
  const pgliteDir = process.env.IU_PGLITE_DIR || '.data/pglite';
  const url = `http://${hostname && hostname !== '0.0.0.0' && hostname !== '::' ? hostname : 'localhost'}:${port}`;
  const first =
    account.kind === 'one-time'
      ? `Sign in as ${account.username} with the one-time password in the box above; you then choose your own.`
      : account.kind === 'given'
        ? `Sign in as ${account.username} with the password in IU_ADMIN_PASSWORD.`
        : 'Sign in with your console account.';
  console.log(
    [
      '',
      tty ? `\x1b[1;32m  IU Core Console → ${url}\x1b[0m` : `  IU Core Console → ${url}`,
      `  Listening on ${hostname ? `${hostname}:${port}` : `port ${port}, all addresses`}` +
        (cfg.enabled ? `; trusted-header sign-in from ${cfg.trustedProxies.join(', ')}` : ''),
      `  Database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${pgliteDir}`}`,
      `  ${cfg.enabled ? 'Sign in through your proxy, or with a console account.' : first}`,
      '  Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
});
// bulk jobs: a worker on PostgreSQL (IU_WORKERS=0: none), and the drain on SIGTERM (lib/jobs/process.ts);
// loaded once the console answers, since pg-boss and the recipe engine are not needed for that
const { startConsoleJobs } = await import('./lib/jobs/process');
const jobs = await startConsoleJobs();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => jobs.shutdown(server, sig));
