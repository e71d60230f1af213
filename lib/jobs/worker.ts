// The bulk job worker on PostgreSQL: takes jobs from pg-boss one at a time and runs them
// (lib/bulk/jobs.ts runBulkJob), sweeps rows whose worker died, and drains on shutdown.
// Every console process runs one by default (server.ts; IU_WORKERS=0 turns it off), and
// `npm run worker` runs one alone. One job at a time per worker: a bulk holds the gates of
// the substrate, so a second one at once would only answer `busy`.
import type { Database } from '@/db/client';
import { drainBulkJobs, markInterrupted, runBulkJob } from '@/lib/bulk/jobs';
import { log } from '@/lib/log/logger';
import { describeForLog } from '@/lib/log/redact';
import { BULK_QUEUE, bossFor, setLocalWorker, type BulkJobMessage } from './engine';

export interface BulkWorker {
  /** Stops taking jobs, lets the running one end within `drainSeconds` or cancels it, then stops. */
  stop(drainSeconds?: number): Promise<void>;
}

/** How often a worker looks for rows whose heartbeat went stale (well under 15 s). */
const SWEEP_MS = 3000;

export function drainSeconds(): number {
  const v = Number(process.env.IU_DRAIN_SECONDS);
  return Number.isFinite(v) && v >= 0 ? v : 30;
}

/** Whether this process should work jobs: PostgreSQL, and IU_WORKERS is not 0. */
export function workersWanted(db: Database): boolean {
  return db.kind === 'postgres' && process.env.IU_WORKERS !== '0';
}

/** Starts a worker on `db` (PostgreSQL); its polling, sweep and runs stop with stop(). */
export async function startBulkWorker(
  db: Database,
  opts: { pollingIntervalSeconds?: number } = {},
): Promise<BulkWorker> {
  const boss = await bossFor(db, { supervise: true });
  const workerId = await boss.work<BulkJobMessage>(
    BULK_QUEUE,
    { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 0.5 },
    async ([job]) => {
      // never throws: the job's truth is its row, which runBulkJob ends in every case
      await runBulkJob(db, job.data.jobId).catch((err) =>
        log().error({ jobId: job.data.jobId, err: describeForLog(err) }, 'bulk job failed'),
      );
    },
  );
  // a job this process records is fetched at once, not at the next poll
  setLocalWorker(db, () => boss.notifyWorker(workerId));
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    markInterrupted(db)
      .catch(() => {})
      .finally(() => (sweeping = false));
  }, SWEEP_MS);
  sweep.unref?.();
  let stopped: Promise<void> | null = null;
  return {
    stop(seconds = drainSeconds()) {
      stopped ??= (async () => {
        clearInterval(sweep);
        setLocalWorker(db, null);
        // no new job is fetched from here on (offWork does not wait for the running handler)
        await boss.offWork(BULK_QUEUE).catch(() => {});
        await drainBulkJobs(seconds);
        await boss.stop({ graceful: true, close: false, wait: true, timeout: 5000 }).catch(() => {});
      })();
      return stopped;
    },
  };
}
