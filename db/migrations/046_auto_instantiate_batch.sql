-- 046 · fn_iu_auto_instantiate_batch: the console's set-based entry point for a chunk of
-- events. fn_iu_auto_instantiate_from_event (033) is unchanged and stays the reference.
--
-- The rule (../shared/iu-core-contract.md, "A batch entry point"): for any chunk, the
-- per-item results and everything written equal what calling the per-event function once
-- per item, in the chunk's order, in the same transaction gives; only generated ids (log
-- ids, instance ids) may differ. tests/substrate-batch-differential.test.ts holds it to that
-- on twin databases with random chunks.
--
-- Decisions:
-- * Arguments are parallel arrays (event ids, event types, templates, suffixes, modes, notes)
--   and one actor; it returns one row (ord, result) per item, ord counting from 1. p_notes may
--   be NULL (no notes); otherwise every array has the length of p_event_ids. A mismatch is a
--   caller's bug, not an item's status, and raises (nothing is written).
-- * Why it is identical. The per-event checks for an item depend on the state before the
--   chunk plus the items before it in the chunk, and an earlier item can only change a later
--   one's outcome by becoming ok: it then holds its (event, template, mode) triple, which
--   makes a later item with that triple an idempotent_replay (step 5, before the template
--   checks), and its instance key, which makes a later item with that key collide (step 9).
--   Refusals and replays write only log rows, which no check reads. Gates, templates and
--   active pieces are not changed by instantiating. So each item is classified against the
--   state before the chunk in one set-based pass (steps 1-9, the same expressions as 033),
--   and only "entangled" candidates, those sharing a triple or a key with another candidate
--   of the chunk, are decided one by one in chunk order; a candidate sharing nothing with
--   any other is ok unless its key was taken before the chunk. A bulk of distinct events
--   and suffixes has no entangled items. The one-by-one pass searches arrays, so it is
--   quadratic in the entangled items of one chunk: nothing for the engine's bulks, and at
--   most 500 x 500 comparisons in its chunks of 500.
-- * An in-chunk replay points at the log row of the earlier ok item, so log ids are taken
--   from the log's own identity sequence before the insert (in item order, so ids increase
--   with item order as in the per-event path) and written with OVERRIDING SYSTEM VALUE.
-- * created_at: the per-event path stamps each log row and then its instance with
--   clock_timestamp(). Per-row clock_timestamp() in one INSERT can repeat a microsecond, so
--   the batch stamps item k's log row base + 2(k-1) us and its instance the microsecond after
--   (strictly increasing, interleaved as the per-event path interleaves them), with base one
--   microsecond after the clock at the start, and does not return until the clock has passed
--   the last stamp: the rows of calls before and after it, batch or per-event, stay strictly
--   ordered with its rows.
-- * Concurrency: the claim rows and instances are plain INSERTs. Their unique indexes
--   (033's claim index, the collection key) still guard them: another session that wrote the
--   same event or key since the classification (possible only with a leaked, committed-open
--   gate: an opened gate is row-locked until commit) makes the INSERT wait for it and, if it
--   commits, fail with unique_violation, so the chunk's transaction writes nothing and two
--   instances are never made. The per-event path would answer that item with a replay or a
--   collision after a retry; the batch leaves the retry to the caller. It does not use 033's
--   ON CONFLICT DO NOTHING: speculative insertion cost about a tenth of the batch's time for
--   a case that only a leaked gate allows (medians of 4 alternations, 10,000 items, loaded
--   machine: 6.6 s with it, 5.8 s without). No EXCEPTION block (a subtransaction per chunk
--   would pass 64 in a 50,000-item bulk) and no advisory locks.
-- * The rollups (033) and the instance counters (032) fold per-transaction delta rows at
--   commit. Their row-level insert triggers append one delta per row through a PL/pgSQL
--   call; for the batch's rows they are skipped (a WHEN on the transaction-local setting
--   iu_core.batch_deltas, which only the batch sets, and only around its own two INSERTs),
--   and the batch appends the same delta rows with one INSERT … SELECT each and marks the
--   transaction for the flush as the triggers do. The folded rollups and counters are
--   therefore the same (the differential test compares them); the per-event path pays one
--   current_setting() per row for the WHEN. Measured on PostgreSQL 15 at 10,000 live items
--   of 8 pieces, machine loaded (load average 5-10 on 2 cores), the two row triggers were
--   15-25 % of a set-based INSERT … SELECT of the same rows (medians of 4 alternations,
--   4.8 s with them, 4.0 s without). 033's rollback drops its trigger; re-applying 033 and
--   then 046 puts the WHEN back. 032's trigger keeps its WHEN after a rollback of 033: the
--   setting is never on without the batch function, so it changes nothing.
-- * Lookups per item (replay, instance key, a replay's original row) are subqueries with
--   LIMIT 1, which the planner cannot turn into a join over a whole table, and the
--   classification's inner select has OFFSET 0. Measured on PostgreSQL 15 at 10,000 items:
--   written as a plain subquery, the replay probe was copied into every CASE branch that
--   named it (seven probes per item), and an EXISTS on the key became a hashed subplan that
--   read all 50,000 collections; lateral joins to the template and to a replay's original
--   row were planned as hash joins over sequential scans of every collection and of the
--   whole log (207 ms of a 3,000-item call at 133,000 log rows, and growing with the log).
-- * SET jit = off on the function: its statements carry cost estimates in the millions (the
--   planner cannot see that a template has eight members), so PostgreSQL JIT-compiled them,
--   6.1 s of a 13 s run of 10,000 items (the classification alone: 8.0 s with JIT, 0.36 s
--   without). PGlite has no JIT; the setting is harmless there.
-- * The 033 rollback (db/rollback/033_…) drops this function and deletes 046's ledger row
--   as well as 033's: the migrator applies every version missing from the ledger in order,
--   so `npm run db:migrate` then restores 033 and 046, and nothing here is left calling a
--   log that is only an archive. Re-applying this file is harmless (CREATE OR REPLACE,
--   triggers dropped and created).
-- * iu_core.batch_deltas is an ordinary setting: a session that SETs it to on by hand makes
--   its own per-event calls skip their deltas, as it could write the rollup tables by hand.
--   Only the batch sets it, transaction-locally, and sets it off again before returning.
--
-- Rollback by actor's listing (lib/recipes/rollback-by-actor.ts), issue 12 item 3. Measured on
-- a scale seed of 200,000 events (41,000 collections; the busiest actor holds 800 open
-- instances), PostgreSQL 15, machine loaded (load average 7-10 on 2 cores): with the keys
-- joined, the planner hashed a sequential scan of all 41,000 collections, 15-20 ms (64 ms
-- once), growing with everyone's instances; with one primary-key probe per row of the actor
-- (scalar subqueries) 7.3-7.6 ms, and the substrate's dry run 6.5 ms. The actor's rows are
-- found through 033's partial iu_aiel_actor_open_idx, so no index is added here: another
-- index on the log would cost every ok row of every bulk an index insert, to save a sort of
-- the actor's own rows.

DROP TRIGGER IF EXISTS iu_aiel_rollup_ins_trg ON iu_auto_instantiate_event_log;
CREATE TRIGGER iu_aiel_rollup_ins_trg AFTER INSERT ON iu_auto_instantiate_event_log
    FOR EACH ROW WHEN (current_setting('iu_core.batch_deltas', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fn_iu_aiel_rollup_ins();
DROP TRIGGER IF EXISTS iu_template_instance_count_ins_trg ON iu_piece_collection;
CREATE TRIGGER iu_template_instance_count_ins_trg AFTER INSERT ON iu_piece_collection
    FOR EACH ROW WHEN (NEW.instance_template_id IS NOT NULL
                       AND current_setting('iu_core.batch_deltas', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fn_iu_template_instance_count_ins();

CREATE OR REPLACE FUNCTION fn_iu_auto_instantiate_batch(
    p_event_ids               uuid[],
    p_event_types             text[],
    p_template_collection_ids uuid[],
    p_unique_suffixes         text[],
    p_emit_modes              text[],
    p_notes                   text[],
    p_actor                   text
) RETURNS TABLE (ord int, result jsonb)
LANGUAGE plpgsql
SET jit = off
AS $$
DECLARE
    n            int := coalesce(cardinality(p_event_ids), 0);
    v_comp       boolean;
    v_live       boolean;
    v_actor_ok   boolean;
    -- per item, indexed by ord
    v_status     text[];
    v_key        text[];
    v_triple     text[];
    v_dbkey      boolean[];
    v_active     bigint[];
    v_orig_log   bigint[];
    v_orig_ord   int[];
    v_log_id     bigint[];
    v_inst       uuid[];
    v_stamp      timestamptz[];
    v_entangled  int[];
    -- entangled resolution
    v_taken_t    text[] := '{}';
    v_taken_t_at int[] := '{}';
    v_taken_k    text[] := '{}';
    v_pos        int;
    i            int;
    -- writing
    v_logs       int;
    v_oks        int;
    v_ids        bigint[];
    v_base       timestamptz;
    v_last       timestamptz;
BEGIN
    IF (p_event_types IS NOT NULL OR n > 0) AND cardinality(p_event_types) IS DISTINCT FROM n
       OR (p_template_collection_ids IS NOT NULL OR n > 0) AND cardinality(p_template_collection_ids) IS DISTINCT FROM n
       OR (p_unique_suffixes IS NOT NULL OR n > 0) AND cardinality(p_unique_suffixes) IS DISTINCT FROM n
       OR (p_emit_modes IS NOT NULL OR n > 0) AND cardinality(p_emit_modes) IS DISTINCT FROM n
       OR p_notes IS NOT NULL AND cardinality(p_notes) IS DISTINCT FROM n THEN
        RAISE EXCEPTION 'fn_iu_auto_instantiate_batch: every array must have the length of p_event_ids (%)', n
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF n = 0 THEN
        RETURN;
    END IF;

    v_comp := fn_iu_gate_is_open('iu_core.composer_enabled');
    v_live := fn_iu_gate_is_open('iu_core.auto_instantiate_enabled');
    v_actor_ok := fn_iu_actor_is_valid(p_actor);

    -- Steps 1-9 of 033 against the state before the chunk; status NULL marks a candidate for
    -- ok. Lookups are scalar subqueries so that each stays one index probe per item: a join
    -- could be planned as a scan of the whole log or of every collection.
    WITH it AS (
        SELECT t.ord::int AS ord, t.event_id, t.event_type, t.tpl, t.suffix, t.mode
          FROM unnest(p_event_ids, p_event_types, p_template_collection_ids, p_unique_suffixes, p_emit_modes)
               WITH ORDINALITY AS t(event_id, event_type, tpl, suffix, mode, ord)
    ),
    tp AS (
        SELECT c.id, c.collection_key, c.is_template, c.instance_template_id IS NOT NULL AS is_instance,
               (SELECT count(*)
                  FROM (SELECT m.iu_id FROM iu_piece_collection_member m
                         WHERE m.collection_id = c.id OFFSET 0) m
                 WHERE (SELECT u.status FROM information_unit u WHERE u.id = m.iu_id) = 'active') AS active
          FROM (SELECT DISTINCT it.tpl FROM it WHERE it.tpl IS NOT NULL) d
          JOIN LATERAL (SELECT * FROM iu_piece_collection c WHERE c.id = d.tpl LIMIT 1) c ON true
    ),
    s0 AS (
        SELECT x.*,
               CASE
                   WHEN x.pre IS NOT NULL THEN x.pre
                   WHEN x.orig IS NOT NULL THEN 'idempotent_replay'
                   WHEN x.tkey IS NULL THEN 'template_collection_not_found'
                   WHEN NOT x.is_template OR x.is_instance THEN 'template_not_marked'
                   WHEN x.active = 0 THEN 'template_has_no_active_pieces'
               END AS status
          FROM (SELECT it.ord, it.event_id, it.tpl, it.mode, tp.collection_key AS tkey, tp.is_template,
                       tp.is_instance, tp.active, p.pre,
                       CASE WHEN p.pre IS NULL THEN
                           (SELECT l.id FROM iu_auto_instantiate_event_log l
                             WHERE l.event_id = it.event_id AND l.template_collection_id = it.tpl
                               AND l.emit_mode = it.mode AND l.status = 'ok' AND l.rolled_back_at IS NULL
                             LIMIT 1)
                       END AS orig,
                       CASE it.mode WHEN 'live' THEN 'inst:' ELSE 'dryrun:' END
                           || tp.collection_key || '/' || it.suffix AS key
                  FROM it
                  LEFT JOIN tp ON tp.id = it.tpl
                 CROSS JOIN LATERAL (SELECT CASE
                       WHEN NOT v_actor_ok OR it.event_id IS NULL OR fn_iu_is_blank(it.event_type) OR it.tpl IS NULL
                            OR fn_iu_is_blank(it.suffix) OR fn_iu_is_blank(it.mode) THEN 'invalid_input:1'
                       WHEN it.suffix !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' THEN 'invalid_input:2'
                       WHEN it.mode NOT IN ('dry_run', 'live') THEN 'invalid_emit_mode'
                       WHEN NOT v_comp THEN 'composer_gate_closed'
                       WHEN it.mode = 'live' AND NOT v_live THEN 'live_gate_closed'
                   END AS pre) p
                OFFSET 0) x
    ),
    s1 AS (
        SELECT s0.ord, s0.status, s0.orig, s0.active,
               CASE WHEN s0.status IS NULL THEN s0.key END AS key,
               CASE WHEN s0.status IS NULL THEN s0.event_id::text || '/' || s0.tpl::text || '/' || s0.mode END AS triple,
               CASE WHEN s0.status IS NULL
                    THEN (SELECT true FROM iu_piece_collection c WHERE c.collection_key = s0.key LIMIT 1) IS NOT NULL
                    ELSE false END AS dbkey,
               s0.status IS NULL
                   AND (count(*) FILTER (WHERE s0.status IS NULL)
                            OVER (PARTITION BY s0.event_id, s0.tpl, s0.mode) > 1
                        OR count(*) FILTER (WHERE s0.status IS NULL) OVER (PARTITION BY s0.key) > 1) AS entangled
          FROM s0
    )
    SELECT array_agg(CASE WHEN s1.status IS NOT NULL THEN s1.status
                          WHEN s1.entangled THEN NULL
                          WHEN s1.dbkey THEN 'instance_collection_key_collision'
                          ELSE 'ok' END ORDER BY s1.ord),
           array_agg(s1.key ORDER BY s1.ord),
           array_agg(s1.triple ORDER BY s1.ord),
           array_agg(s1.dbkey ORDER BY s1.ord),
           array_agg(s1.active ORDER BY s1.ord),
           array_agg(CASE WHEN s1.status = 'idempotent_replay' THEN s1.orig END ORDER BY s1.ord),
           coalesce(array_agg(s1.ord ORDER BY s1.ord) FILTER (WHERE s1.entangled), '{}')
      INTO v_status, v_key, v_triple, v_dbkey, v_active, v_orig_log, v_entangled
      FROM s1;

    -- Entangled candidates, one by one in chunk order: step 5 against the earlier ok items
    -- of the chunk, then step 9 against keys taken before the chunk or by earlier ok items.
    v_orig_ord := array_fill(NULL::int, ARRAY[n]);
    FOREACH i IN ARRAY v_entangled LOOP
        v_pos := array_position(v_taken_t, v_triple[i]);
        IF v_pos IS NOT NULL THEN
            v_status[i] := 'idempotent_replay';
            v_orig_ord[i] := v_taken_t_at[v_pos];
        ELSIF v_dbkey[i] OR v_key[i] = ANY (v_taken_k) THEN
            v_status[i] := 'instance_collection_key_collision';
        ELSE
            v_status[i] := 'ok';
            v_taken_t := v_taken_t || v_triple[i];
            v_taken_t_at := v_taken_t_at || i;
            v_taken_k := v_taken_k || v_key[i];
        END IF;
    END LOOP;

    -- Log ids from the log's own sequence, in item order; stamps as in the header.
    SELECT count(*) FILTER (WHERE s NOT LIKE 'invalid%'), count(*) FILTER (WHERE s = 'ok')
      INTO v_logs, v_oks FROM unnest(v_status) s;
    IF v_logs > 0 THEN
        SELECT array_agg(x ORDER BY x) INTO v_ids
          FROM (SELECT nextval(pg_get_serial_sequence('iu_auto_instantiate_event_log', 'id')) AS x
                  FROM generate_series(1, v_logs)) s;
    END IF;
    v_base := clock_timestamp() + interval '1 microsecond';
    SELECT array_agg(CASE WHEN x.r IS NOT NULL THEN v_ids[x.r] END ORDER BY x.o),
           array_agg(CASE WHEN x.s = 'ok' THEN gen_random_uuid() END ORDER BY x.o),
           array_agg(CASE WHEN x.r IS NOT NULL THEN v_base + (2 * (x.r - 1)) * interval '1 microsecond' END ORDER BY x.o)
      INTO v_log_id, v_inst, v_stamp
      FROM (SELECT u.o, u.s,
                   CASE WHEN u.s NOT LIKE 'invalid%'
                        THEN count(*) FILTER (WHERE u.s NOT LIKE 'invalid%') OVER (ORDER BY u.o) END AS r
              FROM unnest(v_status) WITH ORDINALITY AS u(s, o)) x;
    FOREACH i IN ARRAY v_entangled LOOP
        IF v_orig_ord[i] IS NOT NULL THEN
            v_orig_log[i] := v_log_id[v_orig_ord[i]];
        END IF;
    END LOOP;

    -- the row triggers' deltas are appended set-based below (see the header)
    PERFORM set_config('iu_core.batch_deltas', 'on', true);
    INSERT INTO iu_auto_instantiate_event_log
           (id, event_id, event_type, template_collection_id, instance_collection_id, unique_suffix,
            emit_mode, status, triggered_by, note, replay_of_event_log_id, created_at)
    OVERRIDING SYSTEM VALUE
    SELECT u.log_id, u.event_id, u.event_type, u.tpl, u.inst, u.suffix, u.mode, u.s, p_actor, u.note,
           u.orig, u.stamp
      FROM unnest(p_event_ids, p_event_types, p_template_collection_ids, p_unique_suffixes, p_emit_modes,
                  coalesce(p_notes, array_fill(NULL::text, ARRAY[n])), v_status, v_log_id, v_inst, v_orig_log, v_stamp)
           AS u(event_id, event_type, tpl, suffix, mode, note, s, log_id, inst, orig, stamp)
     WHERE u.log_id IS NOT NULL
     ORDER BY u.log_id;

    IF v_oks > 0 THEN
        WITH t AS MATERIALIZED (
            SELECT c.id, c.kind, c.title, c.collection_key
              FROM (SELECT DISTINCT x.tpl FROM unnest(p_template_collection_ids, v_inst) AS x(tpl, inst)
                     WHERE x.inst IS NOT NULL) d
             CROSS JOIN LATERAL (SELECT * FROM iu_piece_collection c WHERE c.id = d.tpl LIMIT 1) c
        )
        INSERT INTO iu_piece_collection (id, collection_key, kind, title, description, created_by, created_at,
                                         instance_emit_mode, instance_template_id, instance_event_id)
        SELECT u.inst, u.key, t.kind, t.title, 'Instance of ' || t.collection_key || ' from event ' || u.event_id,
               p_actor, u.stamp + interval '1 microsecond', u.mode, u.tpl, u.event_id
          FROM unnest(p_event_ids, p_template_collection_ids, p_emit_modes, v_key, v_inst, v_stamp)
               WITH ORDINALITY AS u(event_id, tpl, mode, key, inst, stamp, o)
          JOIN t ON t.id = u.tpl
         WHERE u.inst IS NOT NULL
         ORDER BY u.o;

        PERFORM set_config('iu_core.batch_deltas', 'off', true);
        PERFORM fn_iu_template_instance_count_mark();
        INSERT INTO iu_template_instance_count_pending
        SELECT u.tpl, (u.mode = 'live')::int, (u.mode = 'dry_run')::int, u.stamp + interval '1 microsecond'
          FROM unnest(p_template_collection_ids, p_emit_modes, v_inst, v_stamp) AS u(tpl, mode, inst, stamp)
         WHERE u.inst IS NOT NULL;

        -- each template's active pieces once, numbered as 033 numbers them
        WITH ok AS (
            SELECT u.inst, u.tpl, u.o
              FROM unnest(p_template_collection_ids, v_inst) WITH ORDINALITY AS u(tpl, inst, o)
             WHERE u.inst IS NOT NULL
        ),
        tm AS (
            SELECT d.tpl, row_number() OVER (PARTITION BY d.tpl ORDER BY m.position) AS pos, m.role, m.iu_id
              FROM (SELECT DISTINCT ok.tpl FROM ok) d
              CROSS JOIN LATERAL (SELECT mm.position, mm.role, mm.iu_id FROM iu_piece_collection_member mm
                                   WHERE mm.collection_id = d.tpl OFFSET 0) m
             WHERE (SELECT u.status FROM information_unit u WHERE u.id = m.iu_id) = 'active'
        )
        INSERT INTO iu_piece_collection_member (collection_id, position, role, iu_id)
        SELECT ok.inst, tm.pos, tm.role, tm.iu_id
          FROM ok JOIN tm ON tm.tpl = ok.tpl
         ORDER BY ok.o, tm.pos;
    END IF;

    PERFORM set_config('iu_core.batch_deltas', 'off', true);
    IF v_logs > 0 THEN
        PERFORM fn_iu_aiel_rollup_mark();
        INSERT INTO iu_aiel_rollup_pending
        SELECT (u.stamp AT TIME ZONE 'UTC')::date, u.event_type, u.mode, u.s, p_actor, 1, 0, u.stamp
          FROM unnest(p_event_types, p_emit_modes, v_status, v_stamp) AS u(event_type, mode, s, stamp)
         WHERE u.stamp IS NOT NULL;
    END IF;

    IF v_logs > 0 THEN
        v_last := v_base + (2 * v_logs) * interval '1 microsecond';
        WHILE clock_timestamp() <= v_last LOOP
            PERFORM pg_sleep(0.0001);
        END LOOP;
    END IF;

    RETURN QUERY
    SELECT u.o::int,
           CASE
               WHEN u.s = 'invalid_input:1' THEN jsonb_build_object('status', 'invalid_input',
                   'reason', 'event_id, event_type, template_collection_id, unique_suffix, emit_mode and actor are required; the actor may not have leading or trailing spaces')
               WHEN u.s = 'invalid_input:2' THEN jsonb_build_object('status', 'invalid_input',
                   'reason', 'unique_suffix must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')
               WHEN u.s = 'invalid_emit_mode' THEN jsonb_build_object('status', 'invalid_emit_mode', 'emit_mode', u.mode)
               WHEN u.s = 'idempotent_replay' THEN jsonb_build_object('status', 'idempotent_replay',
                   'instance_collection_id', o.instance_collection_id,
                   'instance_collection_key', (SELECT c.collection_key FROM iu_piece_collection c WHERE c.id = o.instance_collection_id),
                   'emit_mode', u.mode, 'event_log_id', u.log_id, 'original_event_log_id', u.orig)
               WHEN u.s = 'instance_collection_key_collision' THEN jsonb_build_object('status', u.s,
                   'instance_collection_key', u.key, 'emit_mode', u.mode, 'event_log_id', u.log_id)
               WHEN u.s = 'ok' THEN jsonb_build_object('status', 'ok',
                   'instance_collection_id', u.inst,
                   'instance_collection_key', u.key,
                   'piece_count', u.active,
                   'emit_mode', u.mode,
                   'event_log_id', u.log_id)
               ELSE jsonb_build_object('status', u.s, 'emit_mode', u.mode, 'event_log_id', u.log_id)
           END
      FROM unnest(p_emit_modes, v_status, v_key, v_log_id, v_inst, v_orig_log, v_active)
           WITH ORDINALITY AS u(mode, s, key, log_id, inst, orig, active, o)
      LEFT JOIN LATERAL (SELECT l.instance_collection_id FROM iu_auto_instantiate_event_log l
                          WHERE u.s = 'idempotent_replay' AND l.id = u.orig LIMIT 1) o ON true
     ORDER BY u.o;
END;
$$;
