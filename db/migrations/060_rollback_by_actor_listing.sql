-- 060 · rollback by actor's dry run at a million events: the actor's open instances from one
-- index, and its answer's id list built as text.
--
-- Measured on PostgreSQL 15 at 1,000,000 events (scale seed; the busiest actor holds 4,000
-- open instances, its log rows spread over the whole table), machine quiet, warm, database
-- time per call (EXPLAIN ANALYZE, TIMING OFF, median of 8):
-- * the console's listing (lib/recipes/rollback-by-actor/recipe.ts) 24-29 ms and the
--   substrate's dry run 16-18 ms: 42-47 ms, against the issue's 20 ms;
-- * both found the actor's rows on 033's partial iu_aiel_actor_open_idx (triggered_by) and
--   read each row from the heap (4,000 scattered heap pages);
-- * in the substrate's dry run, to_jsonb() of the 4,000-element uuid[] took 10-12 ms of it
--   (so did casting that array to text[]); the ids aggregated as text in the same scan, then
--   to_jsonb() of that text[], take about 1.5 ms, and give the same JSON (a uuid's text is its
--   JSON string).
--
-- Decisions:
-- * One covering index replaces 033's: the same predicate (one term more than the claim
--   index's, so the replay lookup still never picks it; 033's header says why), keyed by
--   (triggered_by, created_at, id) as both reads order by, and holding the columns they read.
--   Both become index-only scans of the actor's open rows. It has a name of its own and 033's
--   is dropped, so that the 033 rollback (which marks this migration not applied) and the next
--   migrate end with the same single index: 033 re-creates its own, this drops it again.
-- * fn_iu_auto_instantiate_rollback_by_actor is 033's, word for word, but for the JSON of the
--   id list (built from a third aggregate of the same scan, the ids as text). Its answer is unchanged; tests/rollback-listing.test.ts compares it with 033's
--   expression on both databases.
-- * The 033 rollback drops the function, so it marks 060 not applied; the next migrate
--   re-applies 033, 046, 049, 058, then this.
CREATE INDEX IF NOT EXISTS iu_aiel_actor_open_cover_idx
    ON iu_auto_instantiate_event_log (triggered_by, created_at, id)
    INCLUDE (instance_collection_id, template_collection_id, emit_mode, event_id)
    WHERE status = 'ok' AND rolled_back_at IS NULL AND instance_collection_id IS NOT NULL;
DROP INDEX IF EXISTS iu_aiel_actor_open_idx;

CREATE OR REPLACE FUNCTION fn_iu_auto_instantiate_rollback_by_actor(
    p_actor   text,
    p_dry_run boolean
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_ids     uuid[];
    v_id_text text[];
    v_log_ids bigint[];
    v_by      text;
BEGIN
    IF fn_iu_is_blank(p_actor) OR p_dry_run IS NULL THEN
        RETURN jsonb_build_object('status', 'invalid_input', 'reason', 'actor and dry_run are required');
    END IF;

    SELECT coalesce(array_agg(instance_collection_id ORDER BY created_at, id), '{}'),
           coalesce(array_agg(instance_collection_id::text ORDER BY created_at, id), '{}'),
           coalesce(array_agg(id ORDER BY created_at, id), '{}')
      INTO v_ids, v_id_text, v_log_ids
      FROM iu_auto_instantiate_event_log
     WHERE triggered_by = p_actor AND status = 'ok' AND rolled_back_at IS NULL
       AND instance_collection_id IS NOT NULL;

    IF NOT p_dry_run AND cardinality(v_ids) > 0 THEN
        v_by := coalesce(nullif(current_setting('iu_core.request_actor', true), ''), session_user::text);
        DELETE FROM iu_piece_collection WHERE id = ANY (v_ids) AND instance_template_id IS NOT NULL;
        UPDATE iu_auto_instantiate_event_log
           SET rolled_back_at = clock_timestamp(), rolled_back_by = v_by
         WHERE id = ANY (v_log_ids);
    END IF;

    RETURN jsonb_build_object('status', 'ok', 'dry_run', p_dry_run, 'actor', p_actor,
        'instance_count', cardinality(v_ids), 'instance_collection_ids', to_jsonb(v_id_text),
        'rolled_back_by', v_by);
END;
$$;
