-- 058 · A preflight that does not write: fn_iu_auto_instantiate_batch (046) takes an
-- eighth argument, p_predict (default false). With it true, the function classifies the chunk
-- exactly as a write does (the same statements: steps 1-9 against the state before the chunk,
-- then the entangled items one by one) and returns the per-item results without writing
-- anything: no log row, no instance, no member link, no delta, no sequence value.
--
-- The rule (../shared/iu-core-contract.md, "A batch entry point"): "A plan's predicted
-- outcomes (a preflight that does not write) are held to the same rule." A predicted result
-- equals what the write returns for the same chunk in the same state, with every id that only
-- writing generates left NULL: event_log_id, a new instance's instance_collection_id, and for
-- a replay of an item earlier in the same chunk its instance_collection_id and
-- original_event_log_id (its instance_collection_key is the earlier item's key).
-- tests/substrate-batch-differential.test.ts predicts every chunk before writing it and holds
-- the two to that, and checks that the prediction left the database as it was.
--
-- Decisions:
-- * One function, not two: the prediction is the write's own classification, stopped before
--   the first write, so the two cannot drift apart (a variant that changes the classification
--   changes both, and the per-event comparison catches it).
-- * A prediction is exact for one chunk against the state before it. Chunks of one bulk
--   never interact (distinct event ids <prefix><12-digit i>, distinct suffixes <tag>-<i>, so
--   distinct keys): the engine predicts a bulk chunk by chunk. A caller whose chunks could
--   share an event or a key must predict them in one call.
-- * Why: the console's live bulk is refused without a preflight of the whole batch (the
--   plan binds every item's outcome). The preflight ran the whole write and rolled it back,
--   so an operator waited two runs. Classification is a small part of a write (046's header:
--   0.36 s of a 10,000-item run); the preflight now costs that.
-- * The signature changes (an eighth argument), so the seven-argument function is dropped
--   and the eight-argument one created; a seven-argument call still resolves (the default).
--   The 033 rollback drops it and marks 058 not applied, so the next migrate restores 033,
--   046 and then 058.

DROP FUNCTION IF EXISTS fn_iu_auto_instantiate_batch(uuid[], text[], uuid[], text[], text[], text[], text);

CREATE FUNCTION fn_iu_auto_instantiate_batch(
    p_event_ids               uuid[],
    p_event_types             text[],
    p_template_collection_ids uuid[],
    p_unique_suffixes         text[],
    p_emit_modes              text[],
    p_notes                   text[],
    p_actor                   text,
    p_predict                 boolean DEFAULT false
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

    -- A prediction stops here: the outcome of every item is decided, nothing is written and
    -- no id is taken. Ids that writing would generate (log ids, new instances, an in-chunk
    -- replay's original) are NULL; everything else is what the write below returns.
    IF p_predict THEN
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
                       'instance_collection_key', CASE WHEN u.orig_ord IS NOT NULL THEN v_key[u.orig_ord]
                           ELSE (SELECT c.collection_key FROM iu_piece_collection c WHERE c.id = o.instance_collection_id) END,
                       'emit_mode', u.mode, 'event_log_id', NULL, 'original_event_log_id', u.orig)
                   WHEN u.s = 'instance_collection_key_collision' THEN jsonb_build_object('status', u.s,
                       'instance_collection_key', u.key, 'emit_mode', u.mode, 'event_log_id', NULL)
                   WHEN u.s = 'ok' THEN jsonb_build_object('status', 'ok',
                       'instance_collection_id', NULL,
                       'instance_collection_key', u.key,
                       'piece_count', u.active,
                       'emit_mode', u.mode,
                       'event_log_id', NULL)
                   ELSE jsonb_build_object('status', u.s, 'emit_mode', u.mode, 'event_log_id', NULL)
               END
          FROM unnest(p_emit_modes, v_status, v_key, v_orig_log, v_orig_ord, v_active)
               WITH ORDINALITY AS u(mode, s, key, orig, orig_ord, active, o)
          LEFT JOIN LATERAL (SELECT l.instance_collection_id FROM iu_auto_instantiate_event_log l
                              WHERE u.s = 'idempotent_replay' AND u.orig_ord IS NULL AND l.id = u.orig LIMIT 1) o ON true
         ORDER BY u.o;
        RETURN;
    END IF;

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
