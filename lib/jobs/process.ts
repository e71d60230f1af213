// A console process's jobs: on PostgreSQL it works bulk jobs (unless IU_WORKERS=0) with a
// pool of its own, and on SIGTERM/SIGINT it drains: readiness answers 503 at once, no new
// job is taken, a running one gets IU_DRAIN_SECONDS (default 30) to end or is cancelled
// (rolled back, recorded `cancelled` by shutdown), then the process exits. On PGlite the
// jobs run inside Next's handlers; they share the job registry (on globalThis) with this
// module, so the same drain reaches them.
import type http from 'node:http';
import { openDatabase, type Database } from '@/db/client';
import { drainBulkJobs, markDraining } from '@/lib/bulk/jobs';
import { drainSeconds, startBulkWorker, type BulkWorker } from './worker';

export interface ConsoleJobs {
  /** Drains and exits the process; a second signal while draining changes nothing. */
  shutdown(server: http.Server, signal: string): void;
}

export async function startConsoleJobs(): Promise<ConsoleJobs> {
  let db: Database | null = null;
  let worker: BulkWorker | null = null;
  if (process.env.DATABASE_URL && process.env.IU_WORKERS !== '0') {
    try {
      db = await openDatabase({ max: 4 });
      worker = await startBulkWorker(db);
      console.log(`[iu-console] working bulk jobs (pg-boss on ${db.label}); IU_WORKERS=0 turns this off`);
    } catch (err) {
      // the web console still starts; the readiness probe says whether the database answers
      console.error(`[iu-console] the bulk job worker did not start: ${err instanceof Error ? err.message : err}`);
    }
  }
  let draining = false;
  return {
    shutdown(server, signal) {
      if (draining) return;
      draining = true;
      const seconds = drainSeconds();
      console.log(`[iu-console] ${signal}: draining (not ready; running jobs get ${seconds} s)`);
      markDraining();
      // bounded: whatever happens below, the process ends
      setTimeout(() => process.exit(1), (seconds + 40) * 1000).unref();
      void (async () => {
        try {
          if (worker) await worker.stop(seconds);
          await drainBulkJobs(seconds);
        } catch (err) {
          console.error('[iu-console] drain failed:', err);
        }
        server.close();
        await db?.close().catch(() => {});
        process.exit(0);
      })();
    },
  };
}
