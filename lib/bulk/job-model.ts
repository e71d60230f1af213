// What a bulk job is: its row, its view for the console, the in-process run's record, and the
// sentences of an interrupted run.
import type { TokenVia } from '@/lib/auth/api-tokens';
import type { BulkJobStatus } from '@/db/console-schema';
import type { consoleBulkJob } from '@/db/console-schema';
import type { BulkItem } from '@/lib/recipes';

export type BulkJobMode = 'preview' | 'dry_run' | 'live';

/** The parameters a job ran with, as recorded on its row (never the reason or typed text). */
export interface BulkJobParams {
  templateCollectionId: string | null;
  templateKey: string | null;
  n: number;
  uuidPrefix: string;
  batchTag: string;
  emitMode: 'dry_run' | 'live';
  eventType: string;
  note: string | null;
  runTag: string | null;
}

/** A job as the job row holds it; the view and the in-process job both build on it. */
export interface BulkJobRecord {
  id: string;
  username: string;
  actor: string;
  params: BulkJobParams;
  mode: BulkJobMode;
  status: BulkJobStatus;
  total: number;
  done: number;
  counts: Record<string, number>;
  startedAt: Date;
  finishedAt: Date | null;
  updatedAt: Date;
  reason: string | null;
  auditId: number | null;
  /** The wrapper's or recipe's status once finished: ok, cancelled, busy, gate_leak, … */
  resultStatus: string | null;
  committed: boolean;
  message: string | null;
  /** The plan its preflight made, or the plan its run applied. */
  planId: number | null;
}

/** What the console shows of a job; JSON-safe (dates as ISO strings). */
export interface BulkJobView extends Omit<BulkJobRecord, 'startedAt' | 'finishedAt' | 'updatedAt'> {
  startedAt: string;
  finishedAt: string | null;
  updatedAt: string;
  /** A cancel was asked for and the run has not stopped yet. */
  cancelRequested: boolean;
  /** Served from the process that runs it (true) or from the job row. */
  live: boolean;
  elapsedMs: number;
  /** Items per second so far, or over the whole run once finished. */
  ratePerSec: number | null;
  /** Seconds left at the current rate, while running. */
  etaSec: number | null;
}

export interface BulkJobItemView {
  seq: number;
  eventId: string;
  uniqueSuffix: string;
  status: string;
  instanceCollectionKey: string | null;
  instanceCollectionId: string | null;
  eventLogId: number | null;
}

export interface LiveJob extends BulkJobRecord {
  controller: AbortController;
  items: BulkItem[];
  finished: Promise<BulkJobView>;
  heartbeat?: ReturnType<typeof setInterval>;
  /** The end and the items were written in the batch's transaction. */
  itemsWritten?: boolean;
  /** Who asked to cancel (the owner, a lead, or shutdown) and why, for the job's message. */
  cancelledBy?: string;
  cancelReason?: string;
}

/** What the request recorded for its worker: the accepted input and where it came from. */
export interface JobRequest {
  input: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  /** The id of the HTTP request that asked for it, for the logs. */
  reqId?: string | null;
  /** The API token the request came with (lib/auth/api-tokens.ts), so the run's audit row names it. */
  via?: TokenVia | null;
}

export const envSeconds = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
/** A running job whose heartbeat is older than this belongs to a worker that died. */
export const heartbeatStaleSeconds = () => envSeconds('IU_HEARTBEAT_STALE_SECONDS', 15);

export const INTERRUPTED_MESSAGE =
  'The server stopped while this run was in progress. Its transaction rolled back with it, so nothing of this batch was written; run it again (a preflight first).';
export const CONNECTION_LOST_MESSAGE =
  'The database could not be reached during this run. Its transaction rolled back, so nothing of this batch was written; run it again once PostgreSQL is back.';

export function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

export function paramsOf(v: Record<string, unknown>): BulkJobParams {
  return {
    templateCollectionId: (v.templateCollectionId as string | undefined)?.toLowerCase() ?? null,
    templateKey: (v.templateKey as string | undefined) ?? null,
    n: Number(v.n),
    uuidPrefix: String(v.uuidPrefix),
    batchTag: String(v.batchTag),
    emitMode: v.emitMode === 'live' ? 'live' : 'dry_run',
    eventType: String(v.eventType ?? 'template.published'),
    note: (v.note as string | undefined) ?? null,
    runTag: (v.runTag as string | undefined) ?? null,
  };
}

export function viewOf(j: BulkJobRecord & { cancelRequested?: boolean }, live: boolean): BulkJobView {
  const end = j.finishedAt ?? (j.status === 'running' || j.status === 'queued' ? new Date() : j.updatedAt);
  const elapsedMs = Math.max(0, end.getTime() - j.startedAt.getTime());
  const rate = elapsedMs > 0 && j.done > 0 ? (j.done / elapsedMs) * 1000 : null;
  const running = j.status === 'running' || j.status === 'queued';
  return {
    id: j.id,
    username: j.username,
    actor: j.actor,
    params: j.params,
    mode: j.mode,
    status: j.status,
    total: j.total,
    done: j.done,
    counts: j.counts,
    startedAt: j.startedAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString() ?? null,
    updatedAt: j.updatedAt.toISOString(),
    reason: j.reason,
    auditId: j.auditId,
    resultStatus: j.resultStatus,
    committed: j.committed,
    message: j.message,
    planId: j.planId ?? null,
    cancelRequested: !!j.cancelRequested && running,
    live,
    elapsedMs,
    ratePerSec: rate,
    etaSec: running && rate ? Math.max(0, (j.total - j.done) / rate) : null,
  };
}

export function liveView(j: LiveJob): BulkJobView {
  return viewOf({ ...j, cancelRequested: j.controller.signal.aborted }, true);
}

/** The row as drizzle reads it. */
export type JobRow = typeof consoleBulkJob.$inferSelect;

export function recordOf(r: JobRow): BulkJobRecord {
  return {
    id: r.id,
    username: r.username,
    actor: r.actor,
    params: r.params as unknown as BulkJobParams,
    mode: r.mode,
    status: r.status,
    total: r.total,
    done: r.done,
    counts: r.counts,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    updatedAt: r.updatedAt,
    reason: r.reason,
    auditId: num(r.auditId),
    resultStatus: r.resultStatus,
    committed: r.committed,
    message: r.message,
    planId: num(r.planId),
  };
}

export type JobEnd = {
  status: BulkJobStatus;
  resultStatus: string;
  committed: boolean;
  auditId: number | null;
  message: string;
  items?: BulkItem[];
  planId?: number | null;
};

export const TERMINAL = new Set<BulkJobStatus>(['succeeded', 'refused', 'cancelled', 'failed', 'interrupted']);

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function rowView(r: JobRow): BulkJobView {
  return viewOf({ ...recordOf(r), cancelRequested: !!r.cancelRequestedAt }, false);
}
