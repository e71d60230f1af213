// /metrics (lib/metrics): scraped over HTTP the way Prometheus does, and parsed. The bulk job
// counters and histogram of this process, the database gauges (jobs by status, the audit
// trail by recipe, open gates), and the bearer token when IU_METRICS_TOKEN is set.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '@/lib/auth/identity';
import { startBulkJob, waitForBulkJob } from '@/lib/bulk/jobs';
import { startBulkWorker, type BulkWorker } from '@/lib/jobs/worker';
import { metrics } from '@/lib/metrics/registry';
import { serveMetrics } from '@/lib/metrics/serve';
import { backends, useTestDatabase } from './helpers/db';
import { makeTemplate, uniq } from './helpers/substrate';

const olga: Identity = { userId: 'id-olga', username: 'olga', role: 'operator', mustChangePassword: false, source: 'session' };

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
  const port = backend.name === 'pglite' ? 3493 : 3494;
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
    const s = await startBulkJob({ db: t.db, identity: olga, request: { ip: null, userAgent: 'vitest' } }, {
      templateCollectionId: tpl.id, n: 5, uuidPrefix: 'abcdef09-', batchTag: uniq('metrics'), emitMode: 'live', preview: true,
    });
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
    expect(m.get('iu_recipe_runs{recipe="bulk_scale_out",mode="preview",decision="ok",status="ok",committed="false"}')).toBeGreaterThanOrEqual(2);
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
