-- 032 · template observability views.
--
-- These belong before 033 so that they survive a rollback of it: they count instances from
-- the instance tags on iu_piece_collection (001), never from the event log.
-- Active pieces are counted from the template's own member rows first (OFFSET 0): each piece
-- is linked from every instance, so starting at information_unit would walk them all.

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
       i.last_instantiated_at,
       c.marked_by,
       c.marked_at,
       c.created_at
  FROM iu_piece_collection c
  LEFT JOIN iu_template_version v ON v.collection_id = c.id
  LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE x.instance_emit_mode = 'live') AS live_instance_count,
               count(*) FILTER (WHERE x.instance_emit_mode = 'dry_run') AS dry_run_instance_count,
               max(x.created_at) AS last_instantiated_at
          FROM iu_piece_collection x
         WHERE x.instance_template_id = c.id) i ON true
 WHERE c.is_template;
