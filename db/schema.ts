// Drizzle declarations of the iu_core tables. The SQL migrations in db/migrations own the
// schema; these mirror them for typed reads.
import { sql } from 'drizzle-orm';
import { bigint, boolean, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const dotConfig = pgTable('dot_config', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  description: text('description'),
});

export const informationUnit = pgTable('information_unit', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  canonicalAddress: text('canonical_address').notNull().unique(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  unitKind: text('unit_kind').notNull(),
  sectionType: text('section_type').notNull(),
  status: text('status').notNull().default('active'),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const pieceCollection = pgTable('iu_piece_collection', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  collectionKey: text('collection_key').notNull().unique(),
  kind: text('kind').notNull(),
  title: text('title').notNull(),
  description: text('description'),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  instanceEmitMode: text('instance_emit_mode'),
  instanceTemplateId: uuid('instance_template_id'),
  instanceEventId: uuid('instance_event_id'),
  isTemplate: boolean('is_template').notNull().default(false),
  templateLabel: text('template_label'),
  templateNote: text('template_note'),
  markedBy: text('marked_by'),
  markedAt: timestamp('marked_at', { withTimezone: true }),
});

export const pieceCollectionMember = pgTable(
  'iu_piece_collection_member',
  {
    collectionId: uuid('collection_id').notNull(),
    position: integer('position').notNull(),
    role: text('role').notNull(),
    iuId: uuid('iu_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.position] })],
);

export const templateVersion = pgTable('iu_template_version', {
  collectionId: uuid('collection_id').primaryKey(),
  templateFamily: text('template_family').notNull(),
  versionLabel: text('version_label').notNull(),
  versionSeq: integer('version_seq').notNull(),
  previousCollectionId: uuid('previous_collection_id'),
  registeredBy: text('registered_by').notNull(),
  registeredAt: timestamp('registered_at', { withTimezone: true }).notNull(),
});

export const autoInstantiateEventLog = pgTable('iu_auto_instantiate_event_log', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  eventId: uuid('event_id').notNull(),
  eventType: text('event_type').notNull(),
  templateCollectionId: uuid('template_collection_id').notNull(),
  instanceCollectionId: uuid('instance_collection_id'),
  uniqueSuffix: text('unique_suffix').notNull(),
  emitMode: text('emit_mode').notNull(),
  status: text('status').notNull(),
  triggeredBy: text('triggered_by').notNull(),
  note: text('note'),
  replayOfEventLogId: bigint('replay_of_event_log_id', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  rolledBackAt: timestamp('rolled_back_at', { withTimezone: true }),
  rolledBackBy: text('rolled_back_by'),
});

/** The migration ledger, written by db/migrate.ts and by the 033 rollback file. */
export const schemaMigrations = pgTable('iu_core_schema_migrations', {
  version: text('version').primaryKey(),
  name: text('name').notNull(),
  checksum: text('checksum').notNull(),
  appliedAt: timestamp('applied_at', { withTimezone: true }).notNull(),
  appliedBy: text('applied_by').notNull(),
});
