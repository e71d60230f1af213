// The job engine on PostgreSQL: pg-boss 10 (the line that runs on Node 20), in its own
// schema `pgboss` of the console's database. pg-boss goes through the console's own pool
// (an executeSql adapter over Database.query), so a process has one pool, and a job can be
// created on the connection of an open transaction (sendInSession): the job and the row
// that records the request commit together or not at all.
//
// pg-boss only hands a job to one worker and keeps it until it completes; the truth about a
// bulk run lives in its console_bulk_job row (claimed queued → running exactly once, with a
// heartbeat), so an expired or redelivered pg-boss job never runs a batch twice. Nothing is
// retried automatically (retryLimit 0): a run that did not finish needs a person.
import { processSingleton } from '@/lib/process-singleton';
import PgBoss from 'pg-boss';
import type { Database, Session } from '@/db/client';
import { log } from '@/lib/log/logger';
import { describeForLog } from '@/lib/log/redact';

export const BULK_QUEUE = 'iu-bulk-scale-out';

export interface BulkJobMessage {
  jobId: string;
}

interface EngineState {
  /** One pg-boss per Database (the request side never starts its workers). */
  bosses: WeakMap<Database, Promise<PgBoss>>;
  /**
   * How to wake the bulk worker this process runs on a database, by the database's label (the
   * worker has a pool of its own, so its Database is not the request side's).
   */
  workers: Map<string, () => void>;
}

const engine = () => processSingleton<EngineState>('job-engine', () => ({ bosses: new WeakMap(), workers: new Map() }));

/** Records this process's bulk worker on `db` (null when it stops), for wakeLocalWorker. */
export function setLocalWorker(db: Database, wake: (() => void) | null): void {
  if (wake) engine().workers.set(db.label, wake);
  else engine().workers.delete(db.label);
}

/**
 * After a job was committed: if this process works jobs on `db`, its worker fetches now
 * instead of at its next poll (up to half a second later). Other instances' workers find the
 * job at their next poll; a worker busy with a run fetches when it ends.
 */
export function wakeLocalWorker(db: Database): void {
  engine().workers.get(db.label)?.();
}

function adapter(run: (text: string, values: unknown[]) => Promise<unknown[]>): PgBoss.Db {
  return { executeSql: async (text, values) => ({ rows: await run(text, values ?? []) }) };
}

/**
 * The pg-boss of this database, its schema migrated and the bulk queue created. Its
 * maintenance (expiry, archiving) runs only where `supervise` was asked for: the workers.
 */
export function bossFor(db: Database, opts: { supervise?: boolean } = {}): Promise<PgBoss> {
  if (db.kind !== 'postgres') throw new Error('pg-boss needs PostgreSQL; on PGlite bulk jobs run in the process.');
  const e = engine();
  let p = e.bosses.get(db);
  if (!p) {
    p = (async () => {
      const boss = new PgBoss({
        db: adapter((text, values) => db.query(text, values)),
        schema: 'pgboss',
        supervise: !!opts.supervise,
        schedule: false,
        migrate: true,
      });
      // a lost connection is reported here; without a listener it would end the process
      boss.on('error', (err: Error) => log().warn({ err: describeForLog(err) }, 'job engine error'));
      await boss.start();
      if (!(await boss.getQueue(BULK_QUEUE))) {
        await boss
          .createQueue(BULK_QUEUE, { name: BULK_QUEUE, policy: 'standard', retryLimit: 0 })
          .catch(async (err) => {
            // two processes creating it at once: the other one won
            if (!(await boss.getQueue(BULK_QUEUE))) throw err;
          });
      }
      return boss;
    })();
    p.catch(() => e.bosses.delete(db));
    e.bosses.set(db, p);
  }
  return p;
}

/** Creates the bulk job on `session`, inside the transaction the caller has open there. */
export async function sendInSession(db: Database, session: Session, msg: BulkJobMessage): Promise<string | null> {
  const boss = await bossFor(db);
  return boss.send(BULK_QUEUE, msg as unknown as object, {
    db: adapter((text, values) => session.query(text, values)),
    retryLimit: 0,
    // pg-boss's own expiry; the console's heartbeat decides whether a run is alive
    expireInHours: 4,
  });
}
