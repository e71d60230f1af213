// GET /metrics, answered by server.ts before Next (and before the database guard, so a
// scrape still answers while PostgreSQL is away, with iu_metrics_database_up 0). With
// IU_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`.
import type http from 'node:http';
import { openDatabase, type Database } from '@/db/client';
import { heldDatabase } from '@/lib/boot/held-database';
import { metrics } from './registry';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

function databaseOfThisProcess(): () => Promise<Database | null> {
  let own: Promise<Database> | null = null;
  return async () => {
    if (process.env.DATABASE_URL) return (own ??= openDatabase({ max: 1 }));
    // on PGlite the console's own handle is the only one this process may open
    const held = heldDatabase();
    return held ? (await held).db : null;
  };
}

const ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+|inst:.*|tpl:.*)$/i;

/** A path as a route label: ids folded to :id, static files as one, at most four segments. */
export function routeOf(path: string): string {
  if (path.startsWith('/_next/')) return '/_next/*';
  const parts = path
    .split('/')
    .filter(Boolean)
    .slice(0, 4)
    .map((p) => (ID.test(decodeURIComponent(p)) ? ':id' : p.slice(0, 40)));
  return `/${parts.join('/')}`;
}

const SIGN_IN = /^\/api\/auth\/sign-in\//;

export function serveMetrics(handle: Handler): Handler {
  const m = metrics();
  m.database ??= databaseOfThisProcess();
  const token = process.env.IU_METRICS_TOKEN;
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    res.on('finish', () => {
      m.httpRequests.inc({ method: req.method ?? 'GET', route: routeOf(path), status: String(res.statusCode) });
      if (req.method === 'POST' && SIGN_IN.test(path) && res.statusCode >= 400) m.signInFailures.inc();
    });
    if (req.method !== 'GET' || path !== '/metrics') return handle(req, res);
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      res.statusCode = 401;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('Send Authorization: Bearer <IU_METRICS_TOKEN>.\n');
      return;
    }
    const body = await m.registry.metrics();
    res.setHeader('content-type', m.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.end(body);
  };
}
