// The substrate's views, declared as existing: migrations create them. These declarations are
// the one source of the row types of what the pages read (ViewRow); the reads themselves are
// typed SQL (db.query, sql``), whose snake_case rows viewRowOf decodes and RawOf types.
import type { InferSelectViewModel } from 'drizzle-orm';
import {
  bigint,
  boolean,
  getViewConfig,
  integer,
  pgView,
  text,
  timestamp,
  uuid,
  type PgColumn,
  type PgView,
} from 'drizzle-orm/pg-core';

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

/** A row of a view as the console uses it: camelCase keys, int8 as number, timestamptz as Date. */
export type ViewRow<V extends PgView> = InferSelectViewModel<V>;
/** The event log as the pages show it: the log row with its template's and instance's names. */
export type EventLogRow = ViewRow<typeof autoInstantiateEventLogView>;
/** A template with its family, version and instance counts. */
export type TemplateObservabilityRow = ViewRow<typeof templateObservability>;

type Snake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}`
  : S;
/** The same row as SQL returns it, under the columns' snake_case names (eventId → event_id). */
export type RawOf<T> = { [K in keyof T as K extends string ? Snake<K> : never]: T[K] };

const columnsOf = new WeakMap<PgView, [string, PgColumn][]>();

/** A SQL row (snake_case, as the view's columns are named) decoded into the view's row type. */
export function viewRowOf<V extends PgView>(view: V, raw: Record<string, unknown>): ViewRow<V> {
  let cols = columnsOf.get(view);
  if (!cols) {
    cols = Object.entries(getViewConfig(view).selectedFields as Record<string, PgColumn>);
    columnsOf.set(view, cols);
  }
  const out: Record<string, unknown> = {};
  for (const [key, col] of cols) {
    const v = raw[col.name];
    out[key] = v == null ? null : v instanceof Date ? v : col.mapFromDriverValue(v);
  }
  return out as ViewRow<V>;
}
