// The process's Prometheus metrics (prom-client): one registry per process (processSingleton),
// because server.ts and Next's route bundles load this module separately and must count into
// the same registry. Counters and histograms are this process's; the gauges read from the
// database at scrape time (bulk jobs by status, audit entries, open gates) are the same on
// every instance, so sum() the counters and max() the database gauges across instances.
import client from 'prom-client';
import type { Database } from '@/db/client';
import { signInLimits } from '@/lib/auth/signin-limits';
import { processSingleton } from '@/lib/process-singleton';

export interface ConsoleMetrics {
  registry: client.Registry;
  bulkJobRuns: client.Counter<'mode' | 'status'>;
  bulkJobSeconds: client.Histogram<'mode' | 'status'>;
  workerHeartbeats: client.Counter<string>;
  workerLastHeartbeat: client.Gauge<string>;
  httpRequests: client.Counter<'method' | 'route' | 'status'>;
  signInFailures: client.Counter<string>;
  /** Reads the database gauges at scrape time; set by whoever holds a database in this process. */
  database?: () => Promise<Database | null>;
}

export function metrics(): ConsoleMetrics {
  return processSingleton('metrics', makeMetrics);
}

function makeMetrics(): ConsoleMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'iu_console_' });
  const m: ConsoleMetrics = {
    registry,
    bulkJobRuns: new client.Counter({
      name: 'iu_bulk_job_runs_total',
      help: 'Bulk jobs run by this process, by mode and end status',
      labelNames: ['mode', 'status'],
      registers: [registry],
    }),
    bulkJobSeconds: new client.Histogram({
      name: 'iu_bulk_job_duration_seconds',
      help: 'How long the bulk jobs this process ran took, from claim to recorded end',
      labelNames: ['mode', 'status'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    workerHeartbeats: new client.Counter({
      name: 'iu_bulk_worker_heartbeats_total',
      help: 'Heartbeats this process wrote to the rows of the jobs it runs',
      registers: [registry],
    }),
    workerLastHeartbeat: new client.Gauge({
      name: 'iu_bulk_worker_last_heartbeat_seconds',
      help: 'Unix time of the last heartbeat this process wrote',
      registers: [registry],
    }),
    httpRequests: new client.Counter({
      name: 'iu_http_requests_total',
      help: 'HTTP requests this process answered, by method, route (ids folded to :id) and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    signInFailures: new client.Counter({
      name: 'iu_signin_failures_total',
      help: 'Sign-in attempts this process refused (wrong password, unknown user, rate limit)',
      registers: [registry],
    }),
  };
  const within = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1500).unref())]);
  // one read sets every database gauge; each gauge's collect awaits the same read
  let scrape: Promise<void> | null = null;
  const collect = () => readDatabase();
  const up = new client.Gauge({
    name: 'iu_metrics_database_up',
    help: '1 when the database gauges below were read at this scrape',
    registers: [registry],
    collect,
  });
  const jobs = new client.Gauge({
    name: 'iu_bulk_jobs',
    help: 'Bulk jobs in the database, by status (queued, running, succeeded, …)',
    labelNames: ['status'],
    registers: [registry],
    collect,
  });
  const audit = new client.Gauge({
    collect,
    name: 'iu_recipe_runs',
    help: 'Entries of the audit trail (every recipe run, refusal and denial), by recipe, mode, decision, status and whether it committed',
    labelNames: ['recipe', 'mode', 'decision', 'status', 'committed'],
    registers: [registry],
  });
  const gates = new client.Gauge({
    name: 'iu_gates_open',
    help: 'iu_core gates open in committed data (a gate leak when above 0)',
    registers: [registry],
    collect,
  });
  // the sign-in limits' own table (migration 047), shared by every instance: what the limits
  // see right now, where the counter above is what this process refused since it started
  const signInRecent = new client.Gauge({
    collect,
    name: 'iu_signin_failures_window',
    help: 'Failed sign-ins counted in the current one-minute windows of the sign-in limits, per user name or per client address (every instance)',
    labelNames: ['scope'],
    registers: [registry],
  });
  const signInLocked = new client.Gauge({
    collect,
    name: 'iu_signin_locked',
    help: 'User names or client addresses at their failed sign-in limit now: their next attempt is refused until the window ends',
    labelNames: ['scope'],
    registers: [registry],
  });
  function readDatabase(): Promise<void> {
    return (scrape ??= (async () => {
      try {
        const db = await within(m.database?.() ?? Promise.resolve(null));
        if (!db) throw new Error('no database');
        const limits = signInLimits();
        const [byStatus, trail, open, signIns] = await within(
          Promise.all([
            db.query<{ status: string; n: number }>(
              'SELECT status, count(*)::int AS n FROM console_bulk_job GROUP BY status',
            ),
            db.query<{ recipe: string; mode: string; decision: string; status: string; committed: boolean; n: number }>(
              'SELECT recipe, mode, decision, status, committed, count(*)::int AS n FROM console_audit_log GROUP BY 1, 2, 3, 4, 5',
            ),
            db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM dot_config WHERE key LIKE 'iu_core.%' AND value <> 'false'`,
            ),
            db.query<{ scope: string; failures: number; locked: number }>(
              `SELECT split_part(key, ':', 1) AS scope, coalesce(sum(failures), 0)::int AS failures,
                      count(*) FILTER (WHERE failures >= CASE WHEN key LIKE 'user:%' THEN $1::int ELSE $2::int END)::int AS locked
                 FROM auth_signin_failure WHERE window_start > now() - make_interval(secs => $3) GROUP BY 1`,
              [limits.perUser, limits.perAddress, limits.windowSeconds],
            ),
          ]),
        );
        jobs.reset();
        for (const s of ['queued', 'running', 'succeeded', 'refused', 'cancelled', 'failed', 'interrupted'])
          jobs.set({ status: s }, 0);
        for (const r of byStatus) jobs.set({ status: r.status }, r.n);
        audit.reset();
        for (const r of trail)
          audit.set(
            { recipe: r.recipe, mode: r.mode, decision: r.decision, status: r.status, committed: String(r.committed) },
            r.n,
          );
        gates.set(open[0]?.n ?? 0);
        for (const scope of ['user', 'address']) {
          const r = signIns.find((x) => x.scope === scope);
          signInRecent.set({ scope }, r?.failures ?? 0);
          signInLocked.set({ scope }, r?.locked ?? 0);
        }
        up.set(1);
      } catch {
        // PostgreSQL away, or PGlite held by a bulk run: the process's own metrics still answer
        up.set(0);
      }
    })().finally(() => setTimeout(() => (scrape = null), 500).unref()));
  }
  return m;
}
