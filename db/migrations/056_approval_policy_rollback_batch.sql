-- 056 · the approval policy covers the per-batch rollback.
--
-- The bulk job page's "Roll back this batch" (the rollback-batch recipe, audit name
-- rollback_batch) runs the substrate's rollback by actor when that actor's standing
-- instances are exactly one bulk job's items. Its durable run is a durable rollback like
-- rollback_by_actor's, so it takes the same default line: one lead other than the requester
-- approves the exact plan, always.
--
-- Decisions:
-- * Only the durable mode is listed: the dry run writes nothing (a plan), as for rollback by
--   actor.
-- * The default equals rollback_by_actor durable ("any durable rollback needs approval"); leads
--   change it on /approvals/policy like any line. An operator rolling back their own batch
--   therefore needs a lead's approval by default, as a lead rolling back anyone's does.
-- * ON CONFLICT DO NOTHING: a line a lead already set is never overwritten.
INSERT INTO console_approval_policy (recipe, mode, required, approvers, min_role, condition, threshold) VALUES
    ('rollback_batch', 'durable', true, 1, 'lead', 'always', NULL)
ON CONFLICT (recipe, mode) DO NOTHING;
