// The substrate's views, declared as existing: migrations create them, Drizzle only reads.
import { bigint, boolean, integer, pgView, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const templateObservability = pgView('v_iu_template_observability', {
  collectionId: uuid('collection_id').notNull(),
  collectionKey: text('collection_key').notNull(),
  title: text('title').notNull(),
  templateLabel: text('template_label'),
  templateFamily: text('template_family'),
  versionLabel: text('version_label'),
  versionSeq: integer('version_seq'),
  activePieceCount: integer('active_piece_count').notNull(),
  liveInstanceCount: integer('live_instance_count').notNull(),
  dryRunInstanceCount: integer('dry_run_instance_count').notNull(),
  lastInstantiatedAt: timestamp('last_instantiated_at', { withTimezone: true }),
  markedBy: text('marked_by'),
  markedAt: timestamp('marked_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
}).existing();

export const templateVersionChain = pgView('v_iu_template_version_chain', {
  templateFamily: text('template_family').notNull(),
  versionSeq: integer('version_seq').notNull(),
  versionLabel: text('version_label').notNull(),
  collectionId: uuid('collection_id').notNull(),
  collectionKey: text('collection_key').notNull(),
  previousCollectionId: uuid('previous_collection_id'),
  previousVersionLabel: text('previous_version_label'),
  registeredBy: text('registered_by').notNull(),
  registeredAt: timestamp('registered_at', { withTimezone: true }).notNull(),
  isLatest: boolean('is_latest').notNull(),
}).existing();

export const autoInstantiateEventLogView = pgView('v_iu_auto_instantiate_event_log', {
  id: bigint('id', { mode: 'number' }).notNull(),
  eventId: uuid('event_id').notNull(),
  eventType: text('event_type').notNull(),
  templateCollectionId: uuid('template_collection_id').notNull(),
  templateCollectionKey: text('template_collection_key'),
  templateFamily: text('template_family'),
  templateVersionLabel: text('template_version_label'),
  instanceCollectionId: uuid('instance_collection_id'),
  instanceCollectionKey: text('instance_collection_key'),
  uniqueSuffix: text('unique_suffix').notNull(),
  emitMode: text('emit_mode').notNull(),
  status: text('status').notNull(),
  triggeredBy: text('triggered_by').notNull(),
  note: text('note'),
  replayOfEventLogId: bigint('replay_of_event_log_id', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  rolledBackAt: timestamp('rolled_back_at', { withTimezone: true }),
  rolledBackBy: text('rolled_back_by'),
}).existing();

export const autoInstantiateEventSummary = pgView('v_iu_auto_instantiate_event_summary', {
  eventType: text('event_type').notNull(),
  emitMode: text('emit_mode').notNull(),
  status: text('status').notNull(),
  eventCount: bigint('event_count', { mode: 'number' }).notNull(),
  firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
  lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
  rolledBackCount: bigint('rolled_back_count', { mode: 'number' }).notNull(),
}).existing();
