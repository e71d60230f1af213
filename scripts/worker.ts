// `npm run worker`: a bulk job worker alone (no web server), on the PostgreSQL DATABASE_URL
// names. SIGTERM or SIGINT drains it: no new job, the running one gets IU_DRAIN_SECONDS
// (default 30) to end or is cancelled (rolled back, recorded `cancelled` by shutdown).
import { openDatabase } from '../db/client';
import { migrate } from '../db/migrate';
import { log } from '../lib/log/logger';
import { describeForLog } from '../lib/log/redact';
import { startBulkWorker } from '../lib/jobs/worker';

if (!process.env.DATABASE_URL) {
  console.error(
    'The worker needs PostgreSQL: set DATABASE_URL. On the embedded PGlite the console process runs its jobs itself.',
  );
  process.exit(1);
}
const db = await openDatabase();
await migrate(db);
const worker = await startBulkWorker(db);
log().info({ database: db.label, role: 'worker' }, 'working bulk jobs');
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log().info({ signal: sig }, 'draining');
    void worker
      .stop()
      .catch((err) => log().error({ err: describeForLog(err) }, 'drain failed'))
      .finally(async () => {
        await db.close().catch(() => {});
        process.exit(0);
      });
  });
}
