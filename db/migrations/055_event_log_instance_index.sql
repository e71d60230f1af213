-- 055 · an instance's history after its rollback.
--
-- A rollback by actor deletes the instance collection and stamps its event-log row; the row
-- keeps the instance's id (033 has no foreign key there, by design: the log keeps its
-- history). The console's instance page answers for an instance that was rolled back from
-- that row: who made it, when, from which event, template and batch, and who rolled it
-- back when. Finding the row by the instance's id read the whole log; this index makes it
-- one probe.
--
-- Decisions:
-- * Only rows that name an instance are indexed (ok rows, and replays pointing at theirs):
--   refusals, most rows of a refused bulk, cost nothing.
-- * The index lives on the log table, so the substrate rollback of 033 (which renames the
--   table to its archive) carries it along and the next migrate brings it back with the
--   table; nothing here needs undoing then.
CREATE INDEX IF NOT EXISTS iu_aiel_instance_idx
    ON iu_auto_instantiate_event_log (instance_collection_id, created_at)
    WHERE instance_collection_id IS NOT NULL;
