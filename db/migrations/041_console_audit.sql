-- 041 console audit trail: one row per attempt to act through the console or the CLI's
-- user admin, whatever came of it. A committed run's row is written in the recipe's own
-- transaction (it exists exactly when the run does); a denied, invalid, refused or rolled
-- back attempt's row is written in a transaction of its own afterwards, so it survives.
--
-- mode:     preview (rolled back by design), dry_run, live, durable (rollback by actor),
--           admin (users, gates)
-- decision: ok, refused (the recipe answered a refusal status), denied (role), invalid
--           (input), error (unexpected failure), unauthenticated
CREATE TABLE console_audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    username    text NOT NULL,
    role        text,
    recipe      text NOT NULL,
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,
    mode        text NOT NULL CHECK (mode IN ('preview', 'dry_run', 'live', 'durable', 'admin')),
    decision    text NOT NULL CHECK (decision IN ('ok', 'refused', 'denied', 'invalid', 'error', 'unauthenticated')),
    status      text NOT NULL,
    summary     text NOT NULL DEFAULT '',
    actor       text,
    reason      text,
    ip          text,
    user_agent  text,
    committed   boolean NOT NULL DEFAULT false
);
CREATE INDEX console_audit_log_started_idx ON console_audit_log (started_at, id);
CREATE INDEX console_audit_log_username_idx ON console_audit_log (username, started_at);
