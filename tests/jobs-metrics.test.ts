// /metrics (lib/metrics) and the request log (lib/log): scraped over HTTP the way Prometheus
// does, and parsed. The bulk job counters and histogram of this process, the database gauges
// (jobs by status, the audit trail by recipe, open gates, the sign-in limits' table), real
// failed sign-ins through better-auth, a gate leak committed as a forgetful psql session would,
// and the request log line of a signed-in request: its request id and who asked, no secret.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '@/lib/auth/auth';
import { resolveIdentity, type Identity } from '@/lib/auth/identity';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import { createUser } from '@/lib/auth/users';
import { startBulkJob, waitForBulkJob } from '@/lib/bulk/jobs';
import { startBulkWorker, type BulkWorker } from '@/lib/jobs/worker';
import { logRequests, logTo } from '@/lib/log/logger';
import { metrics } from '@/lib/metrics/registry';
import { serveMetrics } from '@/lib/metrics/serve';
import { backends, useTestDatabase } from './helpers/db';
import { makeTemplate, uniq } from './helpers/substrate';

const olga: Identity = {
  userId: 'id-olga',
  username: 'olga',
  role: 'operator',
  mustChangePassword: false,
  source: 'session',
};

/** Prometheus text format → { 'name{labels}': value } (labels as printed). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

describe.each(backends())('/metrics on $name', (backend) => {
  const t = useTestDatabase(backend);
  const port = backend.name === 'pglite' ? 3393 : 3394;
  let server: http.Server;
  let worker: BulkWorker | undefined;

  beforeAll(async () => {
    metrics().database = async () => t.db;
    // stands in for Next: a sign-in that fails, and anything else answered 'next'
    server = http.createServer(
      serveMetrics(async (req, res) => {
        if (req.url?.startsWith('/api/auth/sign-in/')) res.statusCode = 401;
        res.end('next');
      }),
    );
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    if (backend.name === 'postgres') worker = await startBulkWorker(t.db);
  });
  afterAll(async () => {
    await worker?.stop(5);
    server?.close();
  });

  it('counts a finished preflight and reads jobs, recipe runs and open gates from the database', async () => {
    const tpl = await makeTemplate(t.db, { pieces: 1 });
    const s = await startBulkJob(
      { db: t.db, identity: olga, request: { ip: null, userAgent: 'vitest' } },
      {
        templateCollectionId: tpl.id,
        n: 5,
        uuidPrefix: 'abcdef09-',
        batchTag: uniq('metrics'),
        emitMode: 'live',
        preview: true,
      },
    );
    if (!s.ok) throw new Error(s.result.message);
    expect(await waitForBulkJob(t.db, s.jobId)).toMatchObject({ status: 'succeeded' });

    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const m = parse(await res.text());
    expect(m.get('iu_metrics_database_up')).toBe(1);
    expect(m.get('iu_bulk_jobs{status="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('iu_bulk_jobs{status="running"}')).toBe(0);
    expect(m.get('iu_bulk_job_runs_total{mode="preview",status="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('iu_bulk_job_duration_seconds_count{mode="preview",status="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(
      m.get('iu_recipe_runs{recipe="bulk_scale_out",mode="preview",decision="ok",status="ok",committed="false"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(m.get('iu_gates_open')).toBe(0);
    expect([...m.keys()].some((k) => k.startsWith('iu_console_process_cpu'))).toBe(true);
    // anything else is the console's, counted by route with ids folded
    expect(await (await fetch(`http://127.0.0.1:${port}/bulk/${s.jobId}`)).text()).toBe('next');
    await fetch(`http://127.0.0.1:${port}/api/auth/sign-in/username`, { method: 'POST', body: '{}' });
    const after = parse(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    expect(after.get('iu_http_requests_total{method="GET",route="/bulk/:id",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(after.get('iu_signin_failures_total')).toBeGreaterThanOrEqual(1);
  });
});

describe.each(backends())('sign-in failures, gate leaks and request log lines on $name', (backend) => {
  const t = useTestDatabase(backend);
  const port = backend.name === 'pglite' ? 3395 : 3396;
  const base = `http://127.0.0.1:${port}`;
  const env = {
    BETTER_AUTH_SECRET: 'metrics-test-secret-metrics-test-secret-0123',
    PORT: String(port),
    IU_SIGNIN_MAX_ATTEMPTS: '5',
  };
  const PASSWORD = 'tess-correct-horse-battery';
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  let server: http.Server;

  beforeAll(async () => {
    logTo({ write: (line: string) => void (raw.push(line), lines.push(JSON.parse(line))) });
    metrics().database = async () => t.db;
    const auth = createAuth(t.db, env);
    // what server.ts puts in front of Next, in front of better-auth's handler and a page that looks the person up
    server = http.createServer(
      logRequests(
        serveMetrics(async (req, res) => {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          const headers = new Headers(Object.entries(req.headers).map(([k, v]) => [k, String(v)] as [string, string]));
          if (req.url?.startsWith('/api/auth/')) {
            const r = await auth.handler(
              new Request(`${base}${req.url}`, {
                method: req.method,
                headers,
                body: chunks.length ? Buffer.concat(chunks) : undefined,
              }),
            );
            r.headers.forEach((v, k) => res.appendHeader(k, v));
            res.statusCode = r.status;
            res.end(Buffer.from(await r.arrayBuffer()));
            return;
          }
          const me = await resolveIdentity(t.db, auth, headers, trustedHeaderConfig({}));
          res.statusCode = me ? 200 : 401;
          res.end(me?.username ?? '');
        }),
      ),
    );
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    await createUser(t.db.orm, { username: 'tess', password: PASSWORD, role: 'operator', mustChangePassword: false });
  });
  afterAll(() => {
    server?.close();
    logTo(process.stdout);
  });

  const scrape = async () => parse(await (await fetch(`${base}/metrics`)).text());
  const signIn = (username: string, password: string, address: string) =>
    fetch(`${base}/api/auth/sign-in/username`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, 'x-iu-peer-address': address },
      body: JSON.stringify({ username, password }),
    });

  it("counts failed sign-ins, and shows from the sign-in limits' table a user name locked out after five", async () => {
    const before = (await scrape()).get('iu_signin_failures_total') ?? 0;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await signIn('tess', `wrong-password-${i}`, '10.9.0.1')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const m = await scrape();
    expect(m.get('iu_signin_failures_total')! - before).toBe(6);
    expect(m.get('iu_signin_failures_window{scope="user"}')).toBe(5);
    expect(m.get('iu_signin_failures_window{scope="address"}')).toBe(5);
    expect(m.get('iu_signin_locked{scope="user"}')).toBe(1);
    expect(m.get('iu_signin_locked{scope="address"}')).toBe(0);
  });

  it('reads a gate left open in committed data as a leak, and 0 once it is closed', async () => {
    expect((await scrape()).get('iu_gates_open')).toBe(0);
    await t.db.exec(`UPDATE dot_config SET value = 'true' WHERE key = 'iu_core.composer_enabled'`);
    // the database gauges are read at most twice a second
    await new Promise((r) => setTimeout(r, 600));
    try {
      expect((await scrape()).get('iu_gates_open')).toBe(1);
    } finally {
      await t.db.exec(`UPDATE dot_config SET value = 'false' WHERE key = 'iu_core.composer_enabled'`);
    }
    await new Promise((r) => setTimeout(r, 600));
    expect((await scrape()).get('iu_gates_open')).toBe(0);
  });

  it('logs a signed-in request with its request id and the person, and never the password, the token or the cookie', async () => {
    await t.db.exec(`DELETE FROM auth_signin_failure`);
    const res = await signIn('tess', PASSWORD, '10.9.0.2');
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { token: string }).token;
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await fetch(`${base}/whoami?note=x`, { headers: { cookie, 'x-request-id': 'req-whoami-1' } });
    expect(await page.text()).toBe('tess');
    expect(page.headers.get('x-request-id')).toBe('req-whoami-1');
    const line = lines.find((l) => l.reqId === 'req-whoami-1');
    expect(line).toMatchObject({
      msg: 'request',
      reqId: 'req-whoami-1',
      actor: 'tess',
      method: 'GET',
      path: '/whoami',
      status: 200,
    });
    // a sign-in's own line has no actor yet: the person is known only once a session is looked up
    expect(
      lines
        .filter((l) => l.path === '/api/auth/sign-in/username')
        .every((l) => l.actor === undefined && typeof l.reqId === 'string'),
    ).toBe(true);
    const all = raw.join('');
    expect(token.length).toBeGreaterThan(20);
    for (const secret of [token, PASSWORD, 'wrong-password-0', cookie, env.BETTER_AUTH_SECRET])
      expect(all).not.toContain(secret);
  });
});
