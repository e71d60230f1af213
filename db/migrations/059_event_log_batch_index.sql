-- 059 · an actor's bulk batches and single events, each from an index of its own, whatever the
-- size of the log.
--
-- A bulk batch is the rows of one actor with one batch tag, template and emit mode that carry
-- the runbook's bulk naming (lib/queries/batches-sql.ts). The actor's timeline groups them,
-- the event log's grouped view probes a batch's newest row, and a batch's page reads its rows.
-- All three found the actor's rows on iu_aiel_actor_idx and tested the naming on every row
-- in the heap: at 1,000,000 events the busiest actor (scale seed) holds 20,393 rows on
-- 15,071 heap pages, of which 3,998 are bulk rows, and the timeline's grouping read all of
-- them: 480-650 ms on PostgreSQL 15 (EXPLAIN ANALYZE, machine quiet). With this index it is
-- an index-only scan of the actor's bulk rows in batch order: 6-8 ms, no heap page read.
--
-- Decisions:
-- * A partial index over the bulk rows only, keyed by actor, batch tag, template and emit
--   mode (a batch is one contiguous range), then by time, so the grouped view's probe for a
--   newer row of the same batch starts at the row it asks about; it holds every column the
--   three reads use, so they never visit the table. Its predicate and its batch-tag
--   expression are written exactly as bulkRowSql and batchTagSql write them: the planner uses
--   a partial index only when the query's condition matches its predicate.
--   tests/batches.test.ts asserts the plans.
-- * Indexes, not a rollup kept by triggers: every path that writes the log (the runbook's
--   per-event function, the set-based batch, psql by hand) keeps it without a line of
--   PL/pgSQL, rollbacks and corrections of created_at included, and nothing can drift. The
--   cost is one index entry per row written; bench:bulk's figures in the README are
--   measured with it (the psql loop and the lower bound pay it too).
-- * The actor timeline's single events are the actor's rows without the bulk naming, newest
--   first. On iu_aiel_actor_idx they were found by walking back over the actor's newest bulk
--   rows in the heap and dropping them: for the busiest actor at 1,000,000 events, 3,998 rows
--   on 4,137 heap pages before the first 51 single events, 35 ms. A second partial index
--   holds the other rows only (NOT the same predicate), so that page is the index's first 51
--   entries: 0.7 ms. Every row is in exactly one of the two indexes; a bulk row pays the
--   batch index, a single event this one.
-- * Like 055, they live on the log table: the substrate rollback of 033 renames the table to
--   its archive with its indexes, and the next migrate brings them back with the table.
CREATE INDEX IF NOT EXISTS iu_aiel_actor_batch_idx
    ON iu_auto_instantiate_event_log (
        triggered_by, (regexp_replace(unique_suffix, '-[0-9]{3,12}$', '')), template_collection_id, emit_mode,
        created_at, id)
    INCLUDE (status, rolled_back_at, rolled_back_by, instance_collection_id, unique_suffix, event_id)
    WHERE (unique_suffix ~ '-[0-9]{3,12}$' AND right(event_id::text, 12) ~ '^[0-9]{12}$'
           AND right(event_id::text, 12)::bigint = substring(unique_suffix from '-([0-9]{3,12})$')::bigint);

CREATE INDEX IF NOT EXISTS iu_aiel_actor_single_idx
    ON iu_auto_instantiate_event_log (triggered_by, created_at, id)
    WHERE NOT (unique_suffix ~ '-[0-9]{3,12}$' AND right(event_id::text, 12) ~ '^[0-9]{12}$'
               AND right(event_id::text, 12)::bigint = substring(unique_suffix from '-([0-9]{3,12})$')::bigint);
