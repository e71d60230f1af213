-- 049 · the rollups' first/last times follow the rows that are there.
--
-- 033's flush widened a bucket's first_at/last_at with every delta, the -1 of a row leaving
-- the bucket included. A row whose created_at moves (the demo seed places each operation back
-- in its last 14 days; a correction by hand) left its old time behind as the bucket's last_at:
-- on demo data every actor's "Last active" and the summary's "Last" said "a few seconds
-- ago" while the actor's newest log row was days old.
--
-- Decisions:
-- * Only rows entering a bucket widen it (a delta of +1 at its created_at).
-- * A bucket that lost a row at or beyond its first or last time has both read back from the
--   log, for that bucket alone: min and max of created_at on an index that starts with the
--   bucket's actor and status (actor rollup) or status and day (daily rollup), two ordered
--   probes each. Deltas are netted per (bucket, time) first, so a rollback by actor, whose
--   rows leave and re-enter their bucket at the same time (only rolled_back_at changes),
--   reads nothing, and the bulk path (inserts only) never reaches the read.
-- * Existing rollups are put right once here, with one GROUP BY over the log per rollup
--   (the same read 033 makes when it builds them).
-- * The console's search finds a user's actors (`dana` finds `dana` and `dana:canary-3`) by
--   the user part of the actor. The rollup's key starts with the whole actor string, so that
--   lookup read every rollup row (2,800 rows at 300,000 events); an index on the user part
--   makes it one probe. The rollup changes once per transaction per bucket, so the index
--   costs the bulk path nothing measurable.
-- * The 033 rollback drops the flush function with the rollups (and this index with its
--   table), so it marks 049 not applied too: the next migrate re-applies 033, then 046, then
--   this.

CREATE OR REPLACE FUNCTION fn_iu_aiel_rollup_flush() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_left jsonb;
BEGIN
    WITH moved AS (DELETE FROM iu_aiel_rollup_pending RETURNING *),
    daily AS (
        INSERT INTO iu_aiel_rollup_daily AS r
        SELECT d.day, d.event_type, d.emit_mode, d.status, sum(d.n), sum(d.rb),
               coalesce(min(d.at) FILTER (WHERE d.n > 0), 'infinity'),
               coalesce(max(d.at) FILTER (WHERE d.n > 0), '-infinity')
          FROM moved d
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, event_type, emit_mode, status) DO UPDATE
           SET event_count = r.event_count + excluded.event_count,
               rolled_back_count = r.rolled_back_count + excluded.rolled_back_count,
               first_at = least(r.first_at, excluded.first_at),
               last_at = greatest(r.last_at, excluded.last_at)),
    actor AS (
        INSERT INTO iu_aiel_rollup_actor AS r
        SELECT d.triggered_by, d.event_type, d.emit_mode, d.status, sum(d.n), sum(d.rb),
               coalesce(min(d.at) FILTER (WHERE d.n > 0), 'infinity'),
               coalesce(max(d.at) FILTER (WHERE d.n > 0), '-infinity')
          FROM moved d
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (triggered_by, event_type, emit_mode, status) DO UPDATE
           SET event_count = r.event_count + excluded.event_count,
               rolled_back_count = r.rolled_back_count + excluded.rolled_back_count,
               first_at = least(r.first_at, excluded.first_at),
               last_at = greatest(r.last_at, excluded.last_at))
    -- rows that left a bucket for good: net -1 (or less) at one time
    SELECT jsonb_agg(jsonb_build_object('day', day, 'event_type', event_type, 'emit_mode', emit_mode,
                                        'status', status, 'triggered_by', triggered_by, 'at', at))
      INTO v_left
      FROM (SELECT day, event_type, emit_mode, status, triggered_by, at
              FROM moved GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) < 0) g;

    DELETE FROM iu_aiel_rollup_daily WHERE event_count <= 0;
    DELETE FROM iu_aiel_rollup_actor WHERE event_count <= 0;

    IF v_left IS NOT NULL THEN
        UPDATE iu_aiel_rollup_daily r
           SET first_at = (SELECT min(l.created_at) FROM iu_auto_instantiate_event_log l
                            WHERE l.status = r.status AND l.created_at >= r.day::timestamp AT TIME ZONE 'UTC'
                              AND l.created_at < (r.day + 1)::timestamp AT TIME ZONE 'UTC'
                              AND l.event_type = r.event_type AND l.emit_mode = r.emit_mode),
               last_at = (SELECT max(l.created_at) FROM iu_auto_instantiate_event_log l
                           WHERE l.status = r.status AND l.created_at >= r.day::timestamp AT TIME ZONE 'UTC'
                             AND l.created_at < (r.day + 1)::timestamp AT TIME ZONE 'UTC'
                             AND l.event_type = r.event_type AND l.emit_mode = r.emit_mode)
          FROM (SELECT DISTINCT x.day, x.event_type, x.emit_mode, x.status, x.at
                  FROM jsonb_to_recordset(v_left) AS x(day date, event_type text, emit_mode text, status text,
                                                      triggered_by text, at timestamptz)) g
         WHERE (r.day, r.event_type, r.emit_mode, r.status) = (g.day, g.event_type, g.emit_mode, g.status)
           AND (g.at <= r.first_at OR g.at >= r.last_at);
        UPDATE iu_aiel_rollup_actor r
           SET first_at = (SELECT min(l.created_at) FROM iu_auto_instantiate_event_log l
                            WHERE l.triggered_by = r.triggered_by AND l.status = r.status
                              AND l.event_type = r.event_type AND l.emit_mode = r.emit_mode),
               last_at = (SELECT max(l.created_at) FROM iu_auto_instantiate_event_log l
                           WHERE l.triggered_by = r.triggered_by AND l.status = r.status
                             AND l.event_type = r.event_type AND l.emit_mode = r.emit_mode)
          FROM (SELECT DISTINCT x.triggered_by, x.event_type, x.emit_mode, x.status, x.at
                  FROM jsonb_to_recordset(v_left) AS x(day date, event_type text, emit_mode text, status text,
                                                      triggered_by text, at timestamptz)) g
         WHERE (r.triggered_by, r.event_type, r.emit_mode, r.status) = (g.triggered_by, g.event_type, g.emit_mode, g.status)
           AND (g.at <= r.first_at OR g.at >= r.last_at);
    END IF;

    DELETE FROM iu_aiel_rollup_flush WHERE txid = NEW.txid;
    PERFORM set_config('iu_core.rollup_pending', 'no', true);
    RETURN NULL;
END;
$$;

-- Put existing rollups right: their counts were always right, only first/last could be stale.
UPDATE iu_aiel_rollup_daily r SET first_at = g.first_at, last_at = g.last_at
  FROM (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, event_type, emit_mode, status,
               min(created_at) AS first_at, max(created_at) AS last_at
          FROM iu_auto_instantiate_event_log GROUP BY 1, 2, 3, 4) g
 WHERE (r.day, r.event_type, r.emit_mode, r.status) = (g.day, g.event_type, g.emit_mode, g.status)
   AND (r.first_at, r.last_at) IS DISTINCT FROM (g.first_at, g.last_at);
UPDATE iu_aiel_rollup_actor r SET first_at = g.first_at, last_at = g.last_at
  FROM (SELECT triggered_by, event_type, emit_mode, status, min(created_at) AS first_at, max(created_at) AS last_at
          FROM iu_auto_instantiate_event_log GROUP BY 1, 2, 3, 4) g
 WHERE (r.triggered_by, r.event_type, r.emit_mode, r.status) = (g.triggered_by, g.event_type, g.emit_mode, g.status)
   AND (r.first_at, r.last_at) IS DISTINCT FROM (g.first_at, g.last_at);

CREATE INDEX IF NOT EXISTS iu_aiel_rollup_actor_user_idx ON iu_aiel_rollup_actor (split_part(triggered_by, ':', 1));
