-- 045 plans: a preview is a plan that binds what runs.
--
-- Every preview (an instantiate dry run, a bulk preflight, a rollback dry run, a compose
-- preview, the open gates before "close all gates") is stored here with the parameters it
-- ran with and the effect it showed: the instance ids a rollback removes, the version a
-- compose makes and the one it follows, a bulk's per-item outcomes (their digest and counts),
-- the instance keys and statuses an instantiate makes, the gates a close would close.
--
-- The live or durable step names its plan. It is accepted only when the plan is the
-- caller's own, for the same recipe and the same parameters, unexpired and unused; then the
-- recipe runs, its effect is computed inside its own transaction and compared with the
-- plan's, and only if they are equal is the plan marked used (in that same transaction) and
-- the run committed. Anything else rolls back and is refused (plan_required, plan_expired,
-- plan_used, plan_stale) with nothing written but the audit row.
--
-- 042's preview_key on the audit trail is no longer read: a hash of the parameters proved
-- that a preview happened, not what it showed, and it could be used any number of times.
CREATE TABLE console_plan (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipe        text NOT NULL,
    username      text NOT NULL,
    actor         text NOT NULL,
    -- the parameters the plan binds, as the recipe's confirm rule chose them (canonical JSON)
    params        jsonb NOT NULL,
    params_key    text NOT NULL,
    effect        jsonb NOT NULL,
    summary       text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX console_plan_user_idx ON console_plan (username, created_at DESC);

-- every audit row of a preview names the plan it made; every apply's names the plan it ran
ALTER TABLE console_audit_log ADD COLUMN plan_id bigint;
CREATE INDEX console_audit_log_plan_idx ON console_audit_log (plan_id) WHERE plan_id IS NOT NULL;

-- a bulk job names the plan its preflight made, or the plan its run applied
ALTER TABLE console_bulk_job ADD COLUMN plan_id bigint;
