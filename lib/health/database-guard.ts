// While PostgreSQL cannot be reached, every page and route answers 503 with the sentence that
// says so, instead of Next's empty 500 or better-auth's "Failed to get session". server.ts
// wraps Next's handler with this. One probe (SELECT 1 on a pool of one, at most 1.5 s) answers
// for every request of the next second (a local SELECT 1 takes well under a millisecond, so at
// most one request a second waits for it). The liveness and
// readiness routes answer for themselves. PGlite lives in the process, so it is not probed.
import type http from 'node:http';
import pg from 'pg';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

const FRESH_MS = 1000;
const PROBE_TIMEOUT_MS = 1500;
const EXEMPT = /^\/(api\/health\/(live|ready)|_next\/static\/|favicon\.ico)/;

/** The sentence for an unreachable PostgreSQL: the one lib/server/db.ts describeDatabaseError gives. */
export function unreachableSentence(code: string): string {
  return `PostgreSQL could not be reached (${code}). Check DATABASE_URL and that the server is running, or unset DATABASE_URL to use the embedded database.`;
}

export interface DatabaseProbe {
  /** Null while the database answers; else the error code that says why not. */
  down(): Promise<string | null>;
  close(): Promise<void>;
}

export function databaseProbe(url: string): DatabaseProbe {
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    application_name: 'iu-core-console-probe',
  });
  pool.on('error', () => {});
  let last: { down: string | null; at: number } | null = null;
  let inflight: Promise<string | null> | null = null;
  const probe = () =>
    (inflight ??= (async () => {
      let down: string | null = null;
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise((_, reject) =>
            setTimeout(
              () => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
              PROBE_TIMEOUT_MS,
            ).unref(),
          ),
        ]);
      } catch (err) {
        down = (err as { code?: string }).code ?? 'ECONNREFUSED';
      }
      last = { down, at: Date.now() };
      inflight = null;
      return down;
    })());
  return {
    async down() {
      if (last && Date.now() - last.at < FRESH_MS) return last.down;
      return probe();
    },
    close: () => pool.end(),
  };
}

/** Wraps Next's request handler: 503 with the sentence while DATABASE_URL's server is unreachable. */
export function guardDatabase(handle: Handler, url = process.env.DATABASE_URL): Handler {
  if (!url) return handle;
  const probe = databaseProbe(url);
  return async (req, res) => {
    const path = req.url ?? '/';
    const code = EXEMPT.test(path.slice(0, 200)) ? null : await probe.down();
    if (!code) return handle(req, res);
    const sentence = unreachableSentence(code);
    res.statusCode = 503;
    res.setHeader('retry-after', '5');
    res.setHeader('cache-control', 'no-store');
    if (path.startsWith('/api/')) {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ ok: false, error: sentence }));
    } else {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Database unavailable · IU Core Console</title></head>` +
          `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem"><h1>The database is unavailable</h1>` +
          `<p>${sentence.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p><p>This page tries again when you reload it.</p></body></html>`,
      );
    }
  };
}
