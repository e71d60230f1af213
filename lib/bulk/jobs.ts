// Console bulk jobs: a bulk scale-out (live, dry run, or its preflight) runs as a job.
//
// The request goes through executeAuthorized with the bulk definition (role, input, reason,
// and for an apply its plan and the typed batch tag); once every check has passed, the job
// row that records the request (with the requester's role and the accepted input) is
// written, and on PostgreSQL the pg-boss job is created in the same transaction. A worker
// (every console process by default, or `npm run worker`) claims the row (queued → running,
// once), and runs the recipe through the same wrapper as the requester: its ONE
// transaction, the plan checked and used up inside it, the audit row committed with it.
//
// On the embedded PGlite (one process, one session) pg-boss cannot run; the same rows are
// written and the process runs the job itself at once, with the same claim, hooks and end.
// Progress then lives in this process's memory, since a read from outside the run's
// transaction would wait until it ends.
//
// On PostgreSQL the worker writes progress and a heartbeat to the row about once a second
// and reads back, in the same statement, whether a cancel was asked for, from any instance.
// A running row whose heartbeat is older than IU_HEARTBEAT_STALE_SECONDS belongs to a worker
// that died: it reads `interrupted` (its transaction died with it and rolled back).
//
// The modules: job-model (rows and views), job-state (this process's runs), job-request,
// job-run, job-cancel, job-queries. This file is what the rest of the console imports.
export { canRunAgain, SHUTDOWN_CANCEL_BY } from './job-status';
export {
  CONNECTION_LOST_MESSAGE,
  heartbeatStaleSeconds,
  INTERRUPTED_MESSAGE,
  type BulkJobItemView,
  type BulkJobMode,
  type BulkJobParams,
  type BulkJobView,
} from './job-model';
export { anyJobRunning, isDraining, markDraining, runnerId } from './job-state';
export {
  NEEDS_PREFLIGHT,
  rerunBulkJob,
  startBulkJob,
  type RerunBulkJobResult,
  type StartBulkJobResult,
} from './job-request';
export { drainBulkJobs, runBulkJob } from './job-run';
export { cancelBulkJobDefinition, cancelBulkJobInput } from './job-cancel';
export {
  getBulkJob,
  itemFilterSql,
  listBulkJobItems,
  listBulkJobs,
  markInterrupted,
  waitForBulkJob,
  type ItemPage,
} from './job-queries';
