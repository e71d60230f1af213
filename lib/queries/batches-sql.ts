// Pure SQL builders for bulk batches (no database, no 'server-only'): which event-log rows
// carry the runbook's bulk naming, their batch tag, and the event log's grouped view, which
// keeps one row per batch (its newest matching row) in the keyset pages.
// Migration 059's partial index repeats bulkRowSql and batchTagSql word for word: the planner
// uses it only while they match (tests/batches.test.ts fails on an edit to one alone).

/** SQL: the row `a` carries the runbook's bulk naming (event id number = suffix number). */
export const bulkRowSql = (a: string) =>
  `(${a}.unique_suffix ~ '-[0-9]{3,12}$' AND right(${a}.event_id::text, 12) ~ '^[0-9]{12}$'
    AND right(${a}.event_id::text, 12)::bigint = substring(${a}.unique_suffix from '-([0-9]{3,12})$')::bigint)`;

/** SQL: the batch tag of a bulk row `a` (its suffix without the item number). */
export const batchTagSql = (a: string) => `regexp_replace(${a}.unique_suffix, '-[0-9]{3,12}$', '')`;

/**
 * SQL: the row `l` is shown in the grouped event log: it is not a bulk row, or it is the
 * newest row of its batch among the rows `otherTerms` (the page's filters over alias x) match.
 * The check is one probe on the actor index per bulk row the page passes over.
 */
export function groupedRowSql(otherTerms: string[]): string {
  return `(NOT ${bulkRowSql('l')} OR NOT EXISTS (
      SELECT 1 FROM iu_auto_instantiate_event_log x
       WHERE x.triggered_by = l.triggered_by AND (x.created_at, x.id) > (l.created_at, l.id)
         AND x.template_collection_id = l.template_collection_id AND x.emit_mode = l.emit_mode
         AND ${bulkRowSql('x')} AND ${batchTagSql('x')} = ${batchTagSql('l')}
         ${otherTerms.map((w) => `AND ${w}`).join(' ')}))`;
}
