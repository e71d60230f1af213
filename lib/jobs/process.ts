// A console process's jobs: on PostgreSQL it works bulk jobs (unless IU_WORKERS=0) with a
// pool of its own, and on SIGTERM/SIGINT it drains: readiness answers 503 at once, no new
// job is taken, a running one gets IU_DRAIN_SECONDS (default 30) to end or is cancelled
// (rolled back, recorded `cancelled` by shutdown), then the process exits. On PGlite the
// jobs run inside Next's handlers; they share the job registry (on globalThis) with this
// module, so the same drain reaches them.
import type http from 'node:http';
import { openDatabase, type Database } from '@/db/client';
import { drainBulkJobs, markDraining } from '@/lib/bulk/jobs';
import { log } from '@/lib/log/logger';
import { describeForLog } from '@/lib/log/redact';
import { heldDatabase } from '@/lib/boot/held-database';
import { startWebhookDeliveries } from '@/lib/hooks/worker';
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
      log().info({ database: db.label }, 'working bulk jobs (pg-boss); IU_WORKERS=0 turns this off');
    } catch (err) {
      // the web console still starts; the readiness probe says whether the database answers
      log().error({ err: describeForLog(err) }, 'the bulk job worker did not start');
    }
  }
  // webhook deliveries (lib/hooks/worker.ts): with the bulk worker's pool on PostgreSQL, on
  // the held database on PGlite; a process with IU_WORKERS=0 leaves them to the workers
  let hooks: ReturnType<typeof startWebhookDeliveries> | null = null;
  try {
    const on = db ?? (process.env.DATABASE_URL ? null : (await heldDatabase())?.db);
    if (on) hooks = startWebhookDeliveries(on);
  } catch (err) {
    log().error({ err: describeForLog(err) }, 'the webhook delivery loop did not start');
  }
  let draining = false;
  return {
    shutdown(server, signal) {
      if (draining) return;
      draining = true;
      const seconds = drainSeconds();
      log().info(
        { signal, drainSeconds: seconds },
        'draining: not ready, no new job, running jobs get the drain seconds',
      );
      markDraining();
      // bounded: whatever happens below, the process ends
      setTimeout(() => process.exit(1), (seconds + 40) * 1000).unref();
      void (async () => {
        try {
          await hooks?.stop();
          if (worker) await worker.stop(seconds);
          await drainBulkJobs(seconds);
        } catch (err) {
          log().error({ err: describeForLog(err) }, 'drain failed');
        }
        server.close();
        await db?.close().catch(() => {});
        log().info('drained; exiting');
        process.exit(0);
      })();
    },
  };
}
