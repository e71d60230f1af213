-- Substrate rollback of migration 033 (auto-instantiate from events).
--
-- Run it exactly as the runbook shows:
--   psql -c "SET iu_core.force_rollback_033=true;" -f db/rollback/033_auto_instantiate_from_event.rollback.sql
--
-- Without that setting it stops with an error, psql exits non-zero and nothing changes.
-- With it, it drops 033's functions and views, keeps the event log by renaming it to
-- iu_auto_instantiate_event_log_archive_033, and marks 033 as not applied in the ledger.
-- The rollups of the log (iu_aiel_rollup_daily, iu_aiel_rollup_actor) and their triggers are
-- derived data and are dropped; re-applying 033 rebuilds them from the archive.
-- `npm run db:migrate` restores 033 and renames the archive back, history included.
-- 046's batch entry point calls into 033's log, so it is dropped too and 046 is marked not
-- applied: the migrator re-applies every version missing from its ledger, in order, so the
-- next migrate restores 033 and then 046. 049 replaces the rollups' flush function, which is
-- dropped here with them, so it is marked not applied as well and re-applied after 046. 058
-- gives the batch entry point its prediction argument; it goes with the function and is
-- re-applied after 049. 060 replaces the rollback function (and 033's open-rows index) and is
-- re-applied last.
\set ON_ERROR_STOP on

BEGIN;

DO $$
BEGIN
    IF coalesce(current_setting('iu_core.force_rollback_033', true), '') NOT IN ('true', 'on') THEN
        RAISE EXCEPTION 'refusing to roll back migration 033 without iu_core.force_rollback_033=true'
            USING HINT = 'Run: psql -c "SET iu_core.force_rollback_033=true;" -f db/rollback/033_auto_instantiate_from_event.rollback.sql';
    END IF;
    IF to_regclass('iu_auto_instantiate_event_log') IS NULL THEN
        RAISE EXCEPTION 'migration 033 is not applied: there is nothing to roll back'
            USING HINT = 'npm run db:status shows what is applied.';
    END IF;
END;
$$;

DROP VIEW IF EXISTS v_iu_auto_instantiate_event_summary;
DROP VIEW IF EXISTS v_iu_auto_instantiate_event_log;
DROP FUNCTION IF EXISTS fn_iu_auto_instantiate_rollback_by_actor(text, boolean);
DROP FUNCTION IF EXISTS fn_iu_auto_instantiate_from_event(uuid, text, uuid, text, text, text, text);
DROP FUNCTION IF EXISTS fn_iu_auto_instantiate_batch(uuid[], text[], uuid[], text[], text[], text[], text);
DROP FUNCTION IF EXISTS fn_iu_auto_instantiate_batch(uuid[], text[], uuid[], text[], text[], text[], text, boolean);
DROP TRIGGER IF EXISTS iu_aiel_rollup_ins_trg ON iu_auto_instantiate_event_log;
DROP TRIGGER IF EXISTS iu_aiel_rollup_upd_trg ON iu_auto_instantiate_event_log;
DROP TRIGGER IF EXISTS iu_aiel_rollup_del_trg ON iu_auto_instantiate_event_log;
DROP TRIGGER IF EXISTS iu_aiel_rollup_truncate_trg ON iu_auto_instantiate_event_log;
DROP TABLE IF EXISTS iu_aiel_rollup_flush;
DROP TABLE IF EXISTS iu_aiel_rollup_pending;
DROP TABLE IF EXISTS iu_aiel_rollup_daily;
DROP TABLE IF EXISTS iu_aiel_rollup_actor;
DROP FUNCTION IF EXISTS fn_iu_aiel_rollup_ins();
DROP FUNCTION IF EXISTS fn_iu_aiel_rollup_upd();
DROP FUNCTION IF EXISTS fn_iu_aiel_rollup_del();
DROP FUNCTION IF EXISTS fn_iu_aiel_rollup_truncate();
DROP FUNCTION IF EXISTS fn_iu_aiel_rollup_flush();
DROP FUNCTION IF EXISTS fn_iu_aiel_rollup_mark();
ALTER TABLE iu_auto_instantiate_event_log RENAME TO iu_auto_instantiate_event_log_archive_033;
DELETE FROM iu_core_schema_migrations WHERE version IN ('033', '046', '049', '058', '060');

COMMIT;
