-- 050 approval policy: which applies need a second person before they run.
--
-- One row per recipe (its audit name) and apply mode. `required` says whether an apply of
-- that recipe and mode needs approval at all; `condition` says when: always, when a bulk
-- has at least `threshold` items, or when a compose commits a version of a family marked
-- critical (console_family_mark below). `approvers` people other than the requester, each
-- with at least `min_role`, must approve the exact plan before its apply runs.
--
-- Decisions:
-- * The policy is data, edited by leads on /approvals/policy; every change is one audited
--   action (approval_policy_changed) written in the same transaction as the change.
-- * Only the modes that commit are listed (live, durable, a kept dry run): a preview never
--   needs approval. Closing leaked gates is not listed at all: it is the emergency exit and
--   must never wait for a second person.
-- * min_role is operator or lead: a viewer cannot run recipes, so cannot judge one.
-- * The shipped default needs approval for a live bulk of 1,000 items or more (one operator
--   or lead), any durable rollback by actor (one lead) and a compose commit of a critical
--   family (one lead); instantiate and kept dry runs need none.
CREATE TABLE console_approval_policy (
    recipe      text NOT NULL,
    mode        text NOT NULL CHECK (mode IN ('live', 'durable', 'dry_run')),
    required    boolean NOT NULL DEFAULT false,
    approvers   integer NOT NULL DEFAULT 1 CHECK (approvers BETWEEN 1 AND 5),
    min_role    text NOT NULL DEFAULT 'lead' CHECK (min_role IN ('operator', 'lead')),
    condition   text NOT NULL DEFAULT 'always'
                CHECK (condition IN ('always', 'bulk_items_at_least', 'critical_family')),
    threshold   integer CHECK (threshold IS NULL OR threshold >= 1),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by  text NOT NULL DEFAULT 'default policy',
    PRIMARY KEY (recipe, mode),
    CHECK (condition <> 'bulk_items_at_least' OR threshold IS NOT NULL)
);

INSERT INTO console_approval_policy (recipe, mode, required, approvers, min_role, condition, threshold) VALUES
    ('bulk_scale_out', 'live', true, 1, 'operator', 'bulk_items_at_least', 1000),
    ('bulk_scale_out', 'dry_run', false, 1, 'operator', 'always', NULL),
    ('rollback_by_actor', 'durable', true, 1, 'lead', 'always', NULL),
    ('compose_template_version', 'live', true, 1, 'lead', 'critical_family', NULL),
    ('instantiate_from_event', 'live', false, 1, 'operator', 'always', NULL),
    ('instantiate_from_event', 'dry_run', false, 1, 'operator', 'always', NULL);

-- A family marked critical: its compose commits need approval when the policy says so.
-- `family` is the substrate's template_family, tpl:<name>.
CREATE TABLE console_family_mark (
    family      text PRIMARY KEY CHECK (family ~ '^tpl:[A-Za-z0-9][A-Za-z0-9._-]*$'),
    critical    boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by  text NOT NULL
);
