-- 033 · auto-instantiate from events: the event log, fn_iu_auto_instantiate_from_event,
-- fn_iu_auto_instantiate_rollback_by_actor and the two event-log views.
--
-- Decisions where the runbook and the contract are silent:
-- * The log id is a bigint identity: keyset pagination runs over (created_at, id).
-- * Re-applying 033 after db/rollback/033_auto_instantiate_from_event.rollback.sql renames the
--   archive table back, so the history returns with its own indexes and identity sequence
--   (ALTER TABLE … RENAME keeps their names, which is why they are never re-created under a
--   new table).
-- * The log keeps instance_collection_id after a rollback as history, so it has no foreign
--   key to iu_piece_collection; template_collection_id has none either because refusals log
--   the id the caller sent, found or not.
-- * A replay's own log row has no instance_collection_id (the caller created nothing); it
--   points at the original row through replay_of_event_log_id and returns that instance.
-- * Racing sessions: the ok row is claimed first with INSERT … ON CONFLICT DO NOTHING on a
--   partial unique index over (event_id, template_collection_id, emit_mode) among live,
--   not-rolled-back ok rows. The loser waits for the winner's transaction; if the winner
--   commits the loser re-reads it and returns idempotent_replay, if it rolls back the loser
--   goes on. The instance row is inserted with ON CONFLICT (collection_key) DO NOTHING, and a
--   lost key race turns the claimed row into instance_collection_key_collision. Neither path
--   uses an EXCEPTION block or an advisory lock, so a 10,000-call bulk in one transaction
--   opens no subtransactions and holds no lock table entries per call.
-- * The template's active pieces are read from its own member rows first (OFFSET 0 keeps the
--   planner from starting at information_unit): a template piece is linked from every
--   instance, so a plan that starts at the piece walks all instances' member rows and each
--   call grows slower as the log grows (measured: 1 ms per call at 10,000 instances).
-- * Refusals before the gate checks (invalid_input, invalid_emit_mode) write nothing; from the
--   gate checks on, every call writes one log row.
-- * rollback_by_actor is not gated (the runbook runs it without a gate); rolled_back_by is
--   the transaction-local iu_core.request_actor when set, else session_user.
--
-- Observability at a million rows: nothing that a dashboard reads per request scans the log.
-- * Two rollups are kept by triggers on the log, each row with event_count,
--   rolled_back_count, first_at and last_at: iu_aiel_rollup_daily per (UTC day of
--   created_at, event_type, emit_mode, status) answers "events today", "refusals today" and
--   events over time; iu_aiel_rollup_actor per (triggered_by, event_type, emit_mode, status)
--   answers the actors list and v_iu_auto_instantiate_event_summary. Their sizes grow with
--   days and actors times distinct (type, mode, status), never with the number of events.
-- * The insert trigger is row-level and AFTER (a BEFORE trigger would also count the claim
--   rows that ON CONFLICT DO NOTHING skips) and only appends a delta row to
--   iu_aiel_rollup_pending; the update and delete triggers are statement-level with
--   transition tables (they fire on any UPDATE: PostgreSQL allows no column list with
--   transition tables) and append deltas the same way. A deferred constraint trigger on a
--   per-transaction marker row folds the deltas into both rollups once, at commit, in key
--   order, and empties the pending table. A status change (the key-race path) moves the row
--   to its new bucket; first_at/last_at only ever widen, so a bucket a row left may keep its
--   time as a bound. Buckets that reach zero events are deleted.
-- * The rollup rows a transaction folds into stay locked from its commit-time flush until
--   the commit, a few milliseconds at the end. That adds no new wait for recipes:
--   auto-instantiate only writes with the composer gate open, and opening it row-locks the
--   gate until commit, so writers already run one after another. An ungated rollback by
--   actor that commits at the same moment as a bulk waits for it at most that long.
-- * The rollup is derived data. The 033 rollback drops it with its triggers; re-applying 033
--   renames the archive back and rebuilds both rollups from it with one GROUP BY (a single
--   full scan at migration time, under a lock that keeps writers out), so it can never
--   disagree with the history it summarises.
-- * Event-log filters: every filter the console offers that can be selective has an index
--   ending in (created_at, id), so a page is one ordered index range read backwards, keyset
--   over (created_at, id), never OFFSET: actor, template, status, event type, and a partial
--   index over rolled-back rows (written only by a rollback, free on the bulk path). Emit mode
--   has two values and gets no index of its own (each costs every call on the bulk path): it
--   is filtered on the way through whichever range is read. A filter of actor, type, mode
--   and status that matches nothing is answered from iu_aiel_rollup_actor without reading
--   the log at all.

DO $$
BEGIN
    IF to_regclass('iu_auto_instantiate_event_log') IS NULL
       AND to_regclass('iu_auto_instantiate_event_log_archive_033') IS NOT NULL THEN
        ALTER TABLE iu_auto_instantiate_event_log_archive_033 RENAME TO iu_auto_instantiate_event_log;
    ELSIF to_regclass('iu_auto_instantiate_event_log') IS NOT NULL
       AND to_regclass('iu_auto_instantiate_event_log_archive_033') IS NOT NULL THEN
        RAISE EXCEPTION 'both iu_auto_instantiate_event_log and its archive exist; merge or drop the archive before migrating';
    END IF;
END;
$$;

CREATE TABLE IF NOT EXISTS iu_auto_instantiate_event_log (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id               uuid NOT NULL,
    event_type             text NOT NULL,
    template_collection_id uuid NOT NULL,
    instance_collection_id uuid,
    unique_suffix          text NOT NULL,
    emit_mode              text NOT NULL CHECK (emit_mode IN ('dry_run', 'live')),
    status                 text NOT NULL,
    triggered_by           text NOT NULL,
    note                   text,
    replay_of_event_log_id bigint,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    rolled_back_at         timestamptz,
    rolled_back_by         text
);

CREATE UNIQUE INDEX IF NOT EXISTS iu_aiel_claim_uidx
    ON iu_auto_instantiate_event_log (event_id, template_collection_id, emit_mode)
    WHERE status = 'ok' AND rolled_back_at IS NULL;
CREATE INDEX IF NOT EXISTS iu_aiel_created_idx ON iu_auto_instantiate_event_log (created_at, id);
CREATE INDEX IF NOT EXISTS iu_aiel_event_idx ON iu_auto_instantiate_event_log (event_id);
CREATE INDEX IF NOT EXISTS iu_aiel_actor_idx ON iu_auto_instantiate_event_log (triggered_by, created_at, id);
-- Rollback by actor gets its own partial index: without it the planner, on an unanalysed
-- table, walks the whole claim index and filters by actor. Its predicate carries one more
-- term than the claim index's, so the replay lookup (which lacks that term) can never pick
-- it: with the same predicate the planner preferred this smaller index for replay checks
-- and every call scanned all open ok rows (measured: 1,000 calls went from 0.4 s to 5 s as
-- the log grew to 15,000 rows).
CREATE INDEX IF NOT EXISTS iu_aiel_actor_open_idx ON iu_auto_instantiate_event_log (triggered_by)
    WHERE status = 'ok' AND rolled_back_at IS NULL AND instance_collection_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS iu_aiel_template_idx ON iu_auto_instantiate_event_log (template_collection_id, created_at, id);
CREATE INDEX IF NOT EXISTS iu_aiel_status_idx ON iu_auto_instantiate_event_log (status, created_at, id);
-- "What did this person get refused?" is the reviewers' most common pair of filters: with
-- one index per column the planner ANDs two bitmaps and sorts (measured: 24 ms at a million
-- rows against 0.2 ms at 10,000); this keeps it one ordered range.
CREATE INDEX IF NOT EXISTS iu_aiel_actor_status_idx ON iu_auto_instantiate_event_log (triggered_by, status, created_at, id);
CREATE INDEX IF NOT EXISTS iu_aiel_type_idx ON iu_auto_instantiate_event_log (event_type, created_at, id);
CREATE INDEX IF NOT EXISTS iu_aiel_rolled_back_idx ON iu_auto_instantiate_event_log (created_at, id)
    WHERE rolled_back_at IS NOT NULL;
-- The actor timeline's rollback entries: rollbacks of an actor's rows, and rollbacks run by a
-- person. Partial, so the bulk path (rows never rolled back when written) pays nothing.
CREATE INDEX IF NOT EXISTS iu_aiel_actor_rolled_back_idx ON iu_auto_instantiate_event_log (triggered_by, rolled_back_at)
    WHERE rolled_back_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS iu_aiel_rolled_back_by_idx ON iu_auto_instantiate_event_log (rolled_back_by, rolled_back_at)
    WHERE rolled_back_at IS NOT NULL;

-- Rollups (see the header). Dropped by the 033 rollback, rebuilt from the log here.
DO $$
BEGIN
    IF to_regclass('iu_aiel_rollup_daily') IS NULL THEN
        LOCK TABLE iu_auto_instantiate_event_log IN SHARE ROW EXCLUSIVE MODE;
        CREATE TABLE iu_aiel_rollup_daily (
            day               date   NOT NULL,
            event_type        text   NOT NULL,
            emit_mode         text   NOT NULL,
            status            text   NOT NULL,
            event_count       bigint NOT NULL,
            rolled_back_count bigint NOT NULL,
            first_at          timestamptz NOT NULL,
            last_at           timestamptz NOT NULL,
            PRIMARY KEY (day, event_type, emit_mode, status)
        );
        INSERT INTO iu_aiel_rollup_daily
        SELECT (created_at AT TIME ZONE 'UTC')::date, event_type, emit_mode, status, count(*),
               count(rolled_back_at), min(created_at), max(created_at)
          FROM iu_auto_instantiate_event_log GROUP BY 1, 2, 3, 4;
    END IF;
    IF to_regclass('iu_aiel_rollup_actor') IS NULL THEN
        LOCK TABLE iu_auto_instantiate_event_log IN SHARE ROW EXCLUSIVE MODE;
        CREATE TABLE iu_aiel_rollup_actor (
            triggered_by      text   NOT NULL,
            event_type        text   NOT NULL,
            emit_mode         text   NOT NULL,
            status            text   NOT NULL,
            event_count       bigint NOT NULL,
            rolled_back_count bigint NOT NULL,
            first_at          timestamptz NOT NULL,
            last_at           timestamptz NOT NULL,
            PRIMARY KEY (triggered_by, event_type, emit_mode, status)
        );
        INSERT INTO iu_aiel_rollup_actor
        SELECT triggered_by, event_type, emit_mode, status, count(*), count(rolled_back_at), min(created_at), max(created_at)
          FROM iu_auto_instantiate_event_log GROUP BY 1, 2, 3, 4;
    END IF;
END;
$$;

-- Changes to the log are written as signed deltas to iu_aiel_rollup_pending (an append, no
-- lock on a shared row) and folded into the rollups once, at commit, by a deferred trigger
-- that fires once per transaction (on its marker row). Updating a rollup row per call is far
-- slower: a 10,000-call bulk updates the same "today" row 10,000 times in one transaction,
-- and each update walks the row versions the transaction itself left behind (measured: the
-- bulk went from 0.26 to 0.9 ms per call). Committed data never holds pending rows.
CREATE TABLE IF NOT EXISTS iu_aiel_rollup_pending (
    day          date   NOT NULL,
    event_type   text   NOT NULL,
    emit_mode    text   NOT NULL,
    status       text   NOT NULL,
    triggered_by text   NOT NULL,
    n            int    NOT NULL,
    rb           int    NOT NULL,
    at           timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS iu_aiel_rollup_flush (
    txid bigint PRIMARY KEY
);

CREATE OR REPLACE FUNCTION fn_iu_aiel_rollup_mark() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- one marker (and so one deferred flush) per transaction; a subtransaction that rolls
    -- back also rolls back this setting, so its marker is made again
    IF current_setting('iu_core.rollup_pending', true) IS DISTINCT FROM 'yes' THEN
        INSERT INTO iu_aiel_rollup_flush VALUES (txid_current()) ON CONFLICT DO NOTHING;
        PERFORM set_config('iu_core.rollup_pending', 'yes', true);
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_aiel_rollup_ins() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- fn_iu_aiel_rollup_mark() inlined: this runs once per call on the bulk path
    IF current_setting('iu_core.rollup_pending', true) IS DISTINCT FROM 'yes' THEN
        INSERT INTO iu_aiel_rollup_flush VALUES (txid_current()) ON CONFLICT DO NOTHING;
        PERFORM set_config('iu_core.rollup_pending', 'yes', true);
    END IF;
    INSERT INTO iu_aiel_rollup_pending
    VALUES ((NEW.created_at AT TIME ZONE 'UTC')::date, NEW.event_type, NEW.emit_mode, NEW.status,
            NEW.triggered_by, 1, (NEW.rolled_back_at IS NOT NULL)::int, NEW.created_at);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_aiel_rollup_upd() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- only rows whose bucket or rolled-back state changed contribute
    INSERT INTO iu_aiel_rollup_pending
    SELECT x.* FROM old_rows o JOIN new_rows n ON n.id = o.id,
           LATERAL (VALUES ((o.created_at AT TIME ZONE 'UTC')::date, o.event_type, o.emit_mode, o.status,
                            o.triggered_by, -1, -(o.rolled_back_at IS NOT NULL)::int, o.created_at),
                           ((n.created_at AT TIME ZONE 'UTC')::date, n.event_type, n.emit_mode, n.status,
                            n.triggered_by, 1, (n.rolled_back_at IS NOT NULL)::int, n.created_at)) x
     WHERE (o.status, o.event_type, o.emit_mode, o.triggered_by, o.created_at, o.rolled_back_at IS NULL)
           IS DISTINCT FROM (n.status, n.event_type, n.emit_mode, n.triggered_by, n.created_at, n.rolled_back_at IS NULL);
    IF FOUND THEN
        PERFORM fn_iu_aiel_rollup_mark();
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_aiel_rollup_del() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO iu_aiel_rollup_pending
    SELECT (o.created_at AT TIME ZONE 'UTC')::date, o.event_type, o.emit_mode, o.status,
           o.triggered_by, -1, -(o.rolled_back_at IS NOT NULL)::int, o.created_at
      FROM old_rows o;
    IF FOUND THEN
        PERFORM fn_iu_aiel_rollup_mark();
    END IF;
    RETURN NULL;
END;
$$;

-- Folds this transaction's deltas into the rollups, in key order, and empties the pending table.
CREATE OR REPLACE FUNCTION fn_iu_aiel_rollup_flush() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    WITH moved AS (DELETE FROM iu_aiel_rollup_pending RETURNING *),
    daily AS (
        INSERT INTO iu_aiel_rollup_daily AS r
        SELECT d.day, d.event_type, d.emit_mode, d.status, sum(d.n), sum(d.rb), min(d.at), max(d.at)
          FROM moved d
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, event_type, emit_mode, status) DO UPDATE
           SET event_count = r.event_count + excluded.event_count,
               rolled_back_count = r.rolled_back_count + excluded.rolled_back_count,
               first_at = least(r.first_at, excluded.first_at),
               last_at = greatest(r.last_at, excluded.last_at))
    INSERT INTO iu_aiel_rollup_actor AS r
    SELECT d.triggered_by, d.event_type, d.emit_mode, d.status, sum(d.n), sum(d.rb), min(d.at), max(d.at)
      FROM moved d
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (triggered_by, event_type, emit_mode, status) DO UPDATE
       SET event_count = r.event_count + excluded.event_count,
           rolled_back_count = r.rolled_back_count + excluded.rolled_back_count,
           first_at = least(r.first_at, excluded.first_at),
           last_at = greatest(r.last_at, excluded.last_at);
    DELETE FROM iu_aiel_rollup_daily WHERE event_count <= 0;
    DELETE FROM iu_aiel_rollup_actor WHERE event_count <= 0;
    DELETE FROM iu_aiel_rollup_flush WHERE txid = NEW.txid;
    PERFORM set_config('iu_core.rollup_pending', 'no', true);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_aiel_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE iu_aiel_rollup_daily, iu_aiel_rollup_actor, iu_aiel_rollup_pending;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS iu_aiel_rollup_flush_trg ON iu_aiel_rollup_flush;
CREATE CONSTRAINT TRIGGER iu_aiel_rollup_flush_trg AFTER INSERT ON iu_aiel_rollup_flush
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION fn_iu_aiel_rollup_flush();

DROP TRIGGER IF EXISTS iu_aiel_rollup_ins_trg ON iu_auto_instantiate_event_log;
CREATE TRIGGER iu_aiel_rollup_ins_trg AFTER INSERT ON iu_auto_instantiate_event_log
    FOR EACH ROW EXECUTE FUNCTION fn_iu_aiel_rollup_ins();
DROP TRIGGER IF EXISTS iu_aiel_rollup_upd_trg ON iu_auto_instantiate_event_log;
CREATE TRIGGER iu_aiel_rollup_upd_trg AFTER UPDATE ON iu_auto_instantiate_event_log
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fn_iu_aiel_rollup_upd();
DROP TRIGGER IF EXISTS iu_aiel_rollup_del_trg ON iu_auto_instantiate_event_log;
CREATE TRIGGER iu_aiel_rollup_del_trg AFTER DELETE ON iu_auto_instantiate_event_log
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fn_iu_aiel_rollup_del();
DROP TRIGGER IF EXISTS iu_aiel_rollup_truncate_trg ON iu_auto_instantiate_event_log;
CREATE TRIGGER iu_aiel_rollup_truncate_trg AFTER TRUNCATE ON iu_auto_instantiate_event_log
    FOR EACH STATEMENT EXECUTE FUNCTION fn_iu_aiel_rollup_truncate();

CREATE OR REPLACE FUNCTION fn_iu_auto_instantiate_from_event(
    p_event_id               uuid,
    p_event_type             text,
    p_template_collection_id uuid,
    p_unique_suffix          text,
    p_emit_mode              text,
    p_actor                  text,
    p_note                   text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_status        text;
    v_log_id        bigint;
    v_orig_id       bigint;
    v_orig_instance uuid;
    v_tpl_key       text;
    v_tpl_kind      text;
    v_tpl_title     text;
    v_is_template   boolean;
    v_is_instance   boolean;
    v_active        int;
    v_key           text;
    v_instance_id   uuid;
    v_attempt       int := 0;
BEGIN
    -- 1. invalid_input (writes nothing)
    IF p_event_id IS NULL OR fn_iu_is_blank(p_event_type) OR p_template_collection_id IS NULL
       OR fn_iu_is_blank(p_unique_suffix) OR fn_iu_is_blank(p_emit_mode) OR NOT fn_iu_actor_is_valid(p_actor) THEN
        RETURN jsonb_build_object('status', 'invalid_input',
            'reason', 'event_id, event_type, template_collection_id, unique_suffix, emit_mode and actor are required; the actor may not have leading or trailing spaces');
    END IF;
    IF p_unique_suffix !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' THEN
        RETURN jsonb_build_object('status', 'invalid_input',
            'reason', 'unique_suffix must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');
    END IF;

    -- 2. invalid_emit_mode (writes nothing)
    IF p_emit_mode NOT IN ('dry_run', 'live') THEN
        RETURN jsonb_build_object('status', 'invalid_emit_mode', 'emit_mode', p_emit_mode);
    END IF;

    LOOP
        v_attempt := v_attempt + 1;
        v_status := NULL;

        -- 3. composer_gate_closed; 4. live_gate_closed
        IF NOT fn_iu_gate_is_open('iu_core.composer_enabled') THEN
            v_status := 'composer_gate_closed';
        ELSIF p_emit_mode = 'live' AND NOT fn_iu_gate_is_open('iu_core.auto_instantiate_enabled') THEN
            v_status := 'live_gate_closed';
        END IF;

        -- 5. idempotent_replay
        IF v_status IS NULL THEN
            SELECT id, instance_collection_id INTO v_orig_id, v_orig_instance
              FROM iu_auto_instantiate_event_log
             WHERE event_id = p_event_id AND template_collection_id = p_template_collection_id
               AND emit_mode = p_emit_mode AND status = 'ok' AND rolled_back_at IS NULL
             LIMIT 1;
            IF v_orig_id IS NOT NULL THEN
                INSERT INTO iu_auto_instantiate_event_log (event_id, event_type, template_collection_id,
                    unique_suffix, emit_mode, status, triggered_by, note, replay_of_event_log_id)
                VALUES (p_event_id, p_event_type, p_template_collection_id, p_unique_suffix, p_emit_mode,
                    'idempotent_replay', p_actor, p_note, v_orig_id)
                RETURNING id INTO v_log_id;
                RETURN jsonb_build_object('status', 'idempotent_replay',
                    'instance_collection_id', v_orig_instance,
                    'instance_collection_key', (SELECT collection_key FROM iu_piece_collection WHERE id = v_orig_instance),
                    'emit_mode', p_emit_mode, 'event_log_id', v_log_id, 'original_event_log_id', v_orig_id);
            END IF;
        END IF;

        -- 6-8. the template: found, marked, with active pieces
        IF v_status IS NULL THEN
            SELECT c.collection_key, c.kind, c.title, c.is_template, c.instance_template_id IS NOT NULL,
                   (SELECT count(*)
                      FROM (SELECT m.iu_id FROM iu_piece_collection_member m
                             WHERE m.collection_id = c.id OFFSET 0) m
                     WHERE (SELECT u.status FROM information_unit u WHERE u.id = m.iu_id) = 'active')
              INTO v_tpl_key, v_tpl_kind, v_tpl_title, v_is_template, v_is_instance, v_active
              FROM iu_piece_collection c WHERE c.id = p_template_collection_id;
            IF v_tpl_key IS NULL THEN
                v_status := 'template_collection_not_found';
            ELSIF NOT v_is_template OR v_is_instance THEN
                v_status := 'template_not_marked';
            ELSIF v_active = 0 THEN
                v_status := 'template_has_no_active_pieces';
            END IF;
        END IF;

        IF v_status IS NOT NULL THEN
            INSERT INTO iu_auto_instantiate_event_log (event_id, event_type, template_collection_id,
                unique_suffix, emit_mode, status, triggered_by, note)
            VALUES (p_event_id, p_event_type, p_template_collection_id, p_unique_suffix, p_emit_mode,
                v_status, p_actor, p_note)
            RETURNING id INTO v_log_id;
            RETURN jsonb_build_object('status', v_status, 'emit_mode', p_emit_mode, 'event_log_id', v_log_id);
        END IF;

        v_key := CASE p_emit_mode WHEN 'live' THEN 'inst:' ELSE 'dryrun:' END || v_tpl_key || '/' || p_unique_suffix;

        -- 9. instance_collection_key_collision, checked before claiming
        IF EXISTS (SELECT 1 FROM iu_piece_collection WHERE collection_key = v_key) THEN
            -- a racer on this same event may have committed since the replay check above (its
            -- instance holds the key): go round again so that step 5 returns it as a replay
            IF v_attempt < 3 AND EXISTS (SELECT 1 FROM iu_auto_instantiate_event_log
                        WHERE event_id = p_event_id AND template_collection_id = p_template_collection_id
                          AND emit_mode = p_emit_mode AND status = 'ok' AND rolled_back_at IS NULL) THEN
                CONTINUE;
            END IF;
            INSERT INTO iu_auto_instantiate_event_log (event_id, event_type, template_collection_id,
                unique_suffix, emit_mode, status, triggered_by, note)
            VALUES (p_event_id, p_event_type, p_template_collection_id, p_unique_suffix, p_emit_mode,
                'instance_collection_key_collision', p_actor, p_note)
            RETURNING id INTO v_log_id;
            RETURN jsonb_build_object('status', 'instance_collection_key_collision',
                'instance_collection_key', v_key, 'emit_mode', p_emit_mode, 'event_log_id', v_log_id);
        END IF;

        -- 10. claim the event; a concurrent winner that committed makes this a replay
        v_instance_id := gen_random_uuid();
        INSERT INTO iu_auto_instantiate_event_log (event_id, event_type, template_collection_id,
            instance_collection_id, unique_suffix, emit_mode, status, triggered_by, note)
        VALUES (p_event_id, p_event_type, p_template_collection_id, v_instance_id, p_unique_suffix,
            p_emit_mode, 'ok', p_actor, p_note)
        ON CONFLICT (event_id, template_collection_id, emit_mode) WHERE status = 'ok' AND rolled_back_at IS NULL
        DO NOTHING
        RETURNING id INTO v_log_id;

        EXIT WHEN v_log_id IS NOT NULL;
        IF v_attempt >= 3 THEN
            RAISE EXCEPTION 'fn_iu_auto_instantiate_from_event: event % kept changing under concurrent writers', p_event_id;
        END IF;
        -- the next pass re-reads with a fresh snapshot and finds the winner's row
    END LOOP;

    INSERT INTO iu_piece_collection (id, collection_key, kind, title, description, created_by,
                                     instance_emit_mode, instance_template_id, instance_event_id)
    VALUES (v_instance_id, v_key, v_tpl_kind, v_tpl_title,
            'Instance of ' || v_tpl_key || ' from event ' || p_event_id, p_actor,
            p_emit_mode, p_template_collection_id, p_event_id)
    ON CONFLICT (collection_key) DO NOTHING;

    IF NOT FOUND THEN
        -- a concurrent transaction took the key between the check and the insert
        UPDATE iu_auto_instantiate_event_log
           SET status = 'instance_collection_key_collision', instance_collection_id = NULL
         WHERE id = v_log_id;
        RETURN jsonb_build_object('status', 'instance_collection_key_collision',
            'instance_collection_key', v_key, 'emit_mode', p_emit_mode, 'event_log_id', v_log_id);
    END IF;

    INSERT INTO iu_piece_collection_member (collection_id, position, role, iu_id)
    SELECT v_instance_id, row_number() OVER (ORDER BY m.position), m.role, m.iu_id
      FROM (SELECT mm.position, mm.role, mm.iu_id FROM iu_piece_collection_member mm
             WHERE mm.collection_id = p_template_collection_id OFFSET 0) m
     WHERE (SELECT u.status FROM information_unit u WHERE u.id = m.iu_id) = 'active';

    RETURN jsonb_build_object('status', 'ok',
        'instance_collection_id', v_instance_id,
        'instance_collection_key', v_key,
        'piece_count', v_active,
        'emit_mode', p_emit_mode,
        'event_log_id', v_log_id);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_auto_instantiate_rollback_by_actor(
    p_actor   text,
    p_dry_run boolean
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_ids     uuid[];
    v_log_ids bigint[];
    v_by      text;
BEGIN
    IF fn_iu_is_blank(p_actor) OR p_dry_run IS NULL THEN
        RETURN jsonb_build_object('status', 'invalid_input', 'reason', 'actor and dry_run are required');
    END IF;

    SELECT coalesce(array_agg(instance_collection_id ORDER BY created_at, id), '{}'),
           coalesce(array_agg(id ORDER BY created_at, id), '{}')
      INTO v_ids, v_log_ids
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
        'instance_count', cardinality(v_ids), 'instance_collection_ids', to_jsonb(v_ids),
        'rolled_back_by', v_by);
END;
$$;

CREATE OR REPLACE VIEW v_iu_auto_instantiate_event_log AS
SELECT l.id,
       l.event_id,
       l.event_type,
       l.template_collection_id,
       t.collection_key AS template_collection_key,
       tv.template_family,
       tv.version_label AS template_version_label,
       l.instance_collection_id,
       i.collection_key AS instance_collection_key,
       l.unique_suffix,
       l.emit_mode,
       l.status,
       l.triggered_by,
       l.note,
       l.replay_of_event_log_id,
       l.created_at,
       l.rolled_back_at,
       l.rolled_back_by
  FROM iu_auto_instantiate_event_log l
  LEFT JOIN iu_piece_collection t ON t.id = l.template_collection_id
  LEFT JOIN iu_template_version tv ON tv.collection_id = l.template_collection_id
  LEFT JOIN iu_piece_collection i ON i.id = l.instance_collection_id;

-- Reads the actor rollup, never the log (see the header): the same columns a GROUP BY over
-- the log would give, at a cost that grows with distinct (actor, type, mode, status). It
-- shows committed events: a transaction's own calls are folded in when it commits.
CREATE OR REPLACE VIEW v_iu_auto_instantiate_event_summary AS
SELECT event_type,
       emit_mode,
       status,
       sum(event_count)::bigint AS event_count,
       min(first_at) AS first_at,
       max(last_at) AS last_at,
       sum(rolled_back_count)::bigint AS rolled_back_count
  FROM iu_aiel_rollup_actor
 GROUP BY event_type, emit_mode, status
HAVING sum(event_count) > 0;
