// Drizzle declarations of the console's bulk jobs (migration 043).
import { bigint, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const consoleBulkJob = pgTable('console_bulk_job', {
  id: uuid('id').primaryKey(),
  username: text('username').notNull(),
  actor: text('actor').notNull(),
  params: jsonb('params').$type<Record<string, unknown>>().notNull(),
  mode: text('mode').$type<'preview' | 'dry_run' | 'live'>().notNull(),
  status: text('status').$type<BulkJobStatus>().notNull(),
  total: integer('total').notNull(),
  done: integer('done').notNull(),
  counts: jsonb('counts').$type<Record<string, number>>().notNull(),
  runner: text('runner'),
  startedAt: ts('started_at').notNull(),
  finishedAt: ts('finished_at'),
  updatedAt: ts('updated_at').notNull(),
  reason: text('reason'),
  auditId: bigint('audit_id', { mode: 'number' }),
  resultStatus: text('result_status'),
  committed: boolean('committed').notNull(),
  message: text('message'),
  /** The plan its preflight made, or the plan its run applied (045). */
  planId: bigint('plan_id', { mode: 'number' }),
  /** The request the wrapper accepted, run as is by the worker (048). */
  request: jsonb('request').$type<Record<string, unknown>>(),
  role: text('role'),
  source: text('source'),
  heartbeatAt: ts('heartbeat_at'),
  cancelRequestedAt: ts('cancel_requested_at'),
  cancelRequestedBy: text('cancel_requested_by'),
  cancelReason: text('cancel_reason'),
});

export const consoleBulkJobItem = pgTable(
  'console_bulk_job_item',
  {
    jobId: uuid('job_id').notNull(),
    seq: integer('seq').notNull(),
    eventId: uuid('event_id').notNull(),
    uniqueSuffix: text('unique_suffix').notNull(),
    status: text('status').notNull(),
    instanceCollectionKey: text('instance_collection_key'),
    instanceCollectionId: uuid('instance_collection_id'),
    eventLogId: bigint('event_log_id', { mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

export const BULK_JOB_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'refused',
  'cancelled',
  'failed',
  'interrupted',
] as const;
export type BulkJobStatus = (typeof BULK_JOB_STATUSES)[number];
