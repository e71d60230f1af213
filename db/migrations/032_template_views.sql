-- 032 · template observability views.
--
-- These belong before 033 so that they survive a rollback of it: they count instances from
-- the instance tags on iu_piece_collection (001), never from the event log.
-- Active pieces are counted from the template's own member rows first (OFFSET 0): each piece
-- is linked from every instance, so starting at information_unit would walk them all.
-- Instance counts per template come from iu_template_instance_count, a counter kept by
-- triggers on iu_piece_collection from the same instance tags: counting them per request
-- walks every instance (1,000 templates with 1,000 instances each: a million index entries
-- per page view), and the templates page must cost the same at any size. The counters are
-- derived data: the insert trigger is row-level (one upsert per instance, on the bulk path),
-- the delete trigger is statement-level so that a rollback of 10,000 instances subtracts
-- once per template and re-reads the newest remaining instance once, not per row.
-- The counter row of a template is locked until commit by the transaction that adds or
-- removes its instances; gated recipes already run one after another on the composer gate,
-- and an ungated rollback by actor touching the same template waits for a running bulk.

-- Templates are a few among (at scale) a million instance collections: the views and the
-- overview find them through this partial index instead of reading every collection.
CREATE INDEX IF NOT EXISTS iu_piece_collection_template_idx ON iu_piece_collection (collection_key)
    WHERE is_template;

CREATE TABLE IF NOT EXISTS iu_template_instance_count (
    template_collection_id uuid PRIMARY KEY,
    live_instance_count    bigint NOT NULL DEFAULT 0,
    dry_run_instance_count bigint NOT NULL DEFAULT 0,
    last_instantiated_at   timestamptz
);

-- Instance inserts and deletes append signed deltas to iu_template_instance_count_pending;
-- a deferred constraint trigger on a per-transaction marker row folds them into the
-- counters once, at commit. Updating the counter per instance would update one row 10,000
-- times in a bulk's transaction, each update walking the versions the transaction itself
-- left behind (measured: several times the per-call cost of the bulk).
CREATE TABLE IF NOT EXISTS iu_template_instance_count_pending (
    template_collection_id uuid NOT NULL,
    live                   int  NOT NULL,
    dry_run                int  NOT NULL,
    at                     timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS iu_template_instance_count_flush (
    txid bigint PRIMARY KEY
);

CREATE OR REPLACE FUNCTION fn_iu_template_instance_count_mark() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('iu_core.instance_count_pending', true) IS DISTINCT FROM 'yes' THEN
        INSERT INTO iu_template_instance_count_flush VALUES (txid_current()) ON CONFLICT DO NOTHING;
        PERFORM set_config('iu_core.instance_count_pending', 'yes', true);
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_template_instance_count_ins() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- fn_iu_template_instance_count_mark() inlined: this runs once per instance on the bulk path
    IF current_setting('iu_core.instance_count_pending', true) IS DISTINCT FROM 'yes' THEN
        INSERT INTO iu_template_instance_count_flush VALUES (txid_current()) ON CONFLICT DO NOTHING;
        PERFORM set_config('iu_core.instance_count_pending', 'yes', true);
    END IF;
    INSERT INTO iu_template_instance_count_pending
    VALUES (NEW.instance_template_id, (NEW.instance_emit_mode = 'live')::int,
            (NEW.instance_emit_mode = 'dry_run')::int, NEW.created_at);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_template_instance_count_del() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO iu_template_instance_count_pending
    SELECT o.instance_template_id, -(o.instance_emit_mode = 'live')::int,
           -(o.instance_emit_mode = 'dry_run')::int, o.created_at
      FROM old_rows o
     WHERE o.instance_template_id IS NOT NULL;
    IF FOUND THEN
        PERFORM fn_iu_template_instance_count_mark();
    END IF;
    RETURN NULL;
END;
$$;

-- Instance tags are set at insert; a changed created_at (e.g. the demo seed backdating its
-- data) or tag still moves the counts, so the counters always equal a count over the tags.
CREATE OR REPLACE FUNCTION fn_iu_template_instance_count_upd() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO iu_template_instance_count_pending
    SELECT x.* FROM old_rows o JOIN new_rows n ON n.id = o.id,
           LATERAL (VALUES (o.instance_template_id, -(o.instance_emit_mode = 'live')::int,
                            -(o.instance_emit_mode = 'dry_run')::int, o.created_at),
                           (n.instance_template_id, (n.instance_emit_mode = 'live')::int,
                            (n.instance_emit_mode = 'dry_run')::int, n.created_at)) x(tid, live, dry_run, at)
     WHERE x.tid IS NOT NULL
       AND (o.instance_template_id, o.instance_emit_mode, o.created_at)
           IS DISTINCT FROM (n.instance_template_id, n.instance_emit_mode, n.created_at);
    IF FOUND THEN
        PERFORM fn_iu_template_instance_count_mark();
    END IF;
    RETURN NULL;
END;
$$;

-- Folds the transaction's deltas in key order; a template that lost instances re-reads its
-- newest remaining one (two index probes), once per template, not per deleted row.
CREATE OR REPLACE FUNCTION fn_iu_template_instance_count_flush() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_ids     uuid[];
    v_live    bigint[];
    v_dry     bigint[];
    v_added   timestamptz[];
    v_removed boolean[];
BEGIN
    WITH moved AS (DELETE FROM iu_template_instance_count_pending RETURNING *)
    SELECT array_agg(tid ORDER BY tid), array_agg(live ORDER BY tid), array_agg(dry_run ORDER BY tid),
           array_agg(added_at ORDER BY tid), array_agg(removed ORDER BY tid)
      INTO v_ids, v_live, v_dry, v_added, v_removed
      FROM (SELECT template_collection_id AS tid, sum(live) AS live, sum(dry_run) AS dry_run,
                   max(at) FILTER (WHERE live + dry_run > 0) AS added_at,
                   bool_or(live + dry_run < 0) AS removed
              FROM moved GROUP BY 1) d;
    FOR i IN 1 .. coalesce(cardinality(v_ids), 0) LOOP
        INSERT INTO iu_template_instance_count AS c (template_collection_id, live_instance_count,
                                                     dry_run_instance_count, last_instantiated_at)
        VALUES (v_ids[i], v_live[i], v_dry[i], v_added[i])
        ON CONFLICT (template_collection_id) DO UPDATE
           SET live_instance_count = c.live_instance_count + excluded.live_instance_count,
               dry_run_instance_count = c.dry_run_instance_count + excluded.dry_run_instance_count,
               last_instantiated_at = greatest(c.last_instantiated_at, excluded.last_instantiated_at);
        IF v_removed[i] THEN
            UPDATE iu_template_instance_count
               SET last_instantiated_at = greatest(
                       (SELECT max(x.created_at) FROM iu_piece_collection x
                         WHERE x.instance_template_id = v_ids[i] AND x.instance_emit_mode = 'live'),
                       (SELECT max(x.created_at) FROM iu_piece_collection x
                         WHERE x.instance_template_id = v_ids[i] AND x.instance_emit_mode = 'dry_run'))
             WHERE template_collection_id = v_ids[i];
        END IF;
    END LOOP;
    DELETE FROM iu_template_instance_count_flush WHERE txid = NEW.txid;
    PERFORM set_config('iu_core.instance_count_pending', 'no', true);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS iu_template_instance_count_flush_trg ON iu_template_instance_count_flush;
CREATE CONSTRAINT TRIGGER iu_template_instance_count_flush_trg AFTER INSERT ON iu_template_instance_count_flush
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION fn_iu_template_instance_count_flush();

DROP TRIGGER IF EXISTS iu_template_instance_count_ins_trg ON iu_piece_collection;
CREATE TRIGGER iu_template_instance_count_ins_trg
    AFTER INSERT ON iu_piece_collection
    FOR EACH ROW WHEN (NEW.instance_template_id IS NOT NULL)
    EXECUTE FUNCTION fn_iu_template_instance_count_ins();
DROP TRIGGER IF EXISTS iu_template_instance_count_upd_trg ON iu_piece_collection;
CREATE TRIGGER iu_template_instance_count_upd_trg
    AFTER UPDATE ON iu_piece_collection
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fn_iu_template_instance_count_upd();
DROP TRIGGER IF EXISTS iu_template_instance_count_del_trg ON iu_piece_collection;
CREATE TRIGGER iu_template_instance_count_del_trg
    AFTER DELETE ON iu_piece_collection
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fn_iu_template_instance_count_del();

-- A database that already has instances gets its counters built here.
INSERT INTO iu_template_instance_count (template_collection_id, live_instance_count,
                                        dry_run_instance_count, last_instantiated_at)
SELECT instance_template_id,
       count(*) FILTER (WHERE instance_emit_mode = 'live'),
       count(*) FILTER (WHERE instance_emit_mode = 'dry_run'),
       max(created_at)
  FROM iu_piece_collection
 WHERE instance_template_id IS NOT NULL
 GROUP BY instance_template_id
ON CONFLICT (template_collection_id) DO NOTHING;

CREATE OR REPLACE VIEW v_iu_template_version_chain AS
SELECT v.template_family,
       v.version_seq,
       v.version_label,
       v.collection_id,
       c.collection_key,
       v.previous_collection_id,
       p.version_label AS previous_version_label,
       v.registered_by,
       v.registered_at,
       NOT EXISTS (SELECT 1 FROM iu_template_version n
                    WHERE n.template_family = v.template_family AND n.version_seq > v.version_seq) AS is_latest
  FROM iu_template_version v
  JOIN iu_piece_collection c ON c.id = v.collection_id
  LEFT JOIN iu_template_version p ON p.collection_id = v.previous_collection_id;

CREATE OR REPLACE VIEW v_iu_template_observability AS
SELECT c.id AS collection_id,
       c.collection_key,
       c.title,
       c.template_label,
       v.template_family,
       v.version_label,
       v.version_seq,
       (SELECT count(*)
          FROM (SELECT m.iu_id FROM iu_piece_collection_member m WHERE m.collection_id = c.id OFFSET 0) m
         WHERE (SELECT u.status FROM information_unit u WHERE u.id = m.iu_id) = 'active')::int AS active_piece_count,
       coalesce(i.live_instance_count, 0)::int AS live_instance_count,
       coalesce(i.dry_run_instance_count, 0)::int AS dry_run_instance_count,
       CASE WHEN coalesce(i.live_instance_count, 0) + coalesce(i.dry_run_instance_count, 0) > 0
            THEN i.last_instantiated_at END AS last_instantiated_at,
       c.marked_by,
       c.marked_at,
       c.created_at
  FROM iu_piece_collection c
  LEFT JOIN iu_template_version v ON v.collection_id = c.id
  LEFT JOIN iu_template_instance_count i ON i.template_collection_id = c.id
 WHERE c.is_template;
