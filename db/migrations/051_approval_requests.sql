-- 051 approval requests: a plan, a reason, and the decisions of other people.
--
-- A request names exactly one plan (045). The apply of that plan runs only once the request
-- holds enough approvals under the policy (050), and the apply uses the request up in its own
-- transaction, together with the plan. A request never moves to another plan: a new preview
-- is a new plan and needs a new request.
--
-- status: pending → approved (enough approvals) or rejected (one rejection); approved →
-- applied (its plan's apply committed) or stale (its apply found the effect changed: the
-- approval is void, the plan cannot use it again). break_glass marks a request whose plan a
-- lead applied without waiting.
--
-- Decisions:
-- * One open (pending or approved) request per plan, by a partial unique index.
-- * One decision per person per request (the primary key). The requester cannot decide their
--   own: the approve and reject actions, the only writers, refuse it with a sentence.
-- * A decision keeps the approver's role at that moment; the apply counts the approvals whose
--   role still meets the policy's current minimum.
CREATE TABLE console_approval_request (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id           bigint NOT NULL REFERENCES console_plan (id),
    recipe            text NOT NULL,
    mode              text NOT NULL,
    requester         text NOT NULL,
    reason            text NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'approved', 'rejected', 'applied', 'stale')),
    approvers_needed  integer NOT NULL CHECK (approvers_needed >= 1),
    min_role          text NOT NULL CHECK (min_role IN ('operator', 'lead')),
    -- the policy's sentence when the request was made ("a live bulk of 1,000 items or more …")
    rule              text NOT NULL,
    break_glass       boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    decided_at        timestamptz,
    applied_at        timestamptz,
    applied_by        text
);
CREATE UNIQUE INDEX console_approval_request_open_plan ON console_approval_request (plan_id)
    WHERE status IN ('pending', 'approved');
CREATE INDEX console_approval_request_status_idx ON console_approval_request (status, created_at DESC);

CREATE TABLE console_approval_decision (
    request_id  bigint NOT NULL REFERENCES console_approval_request (id),
    username    text NOT NULL,
    role        text NOT NULL,
    decision    text NOT NULL CHECK (decision IN ('approve', 'reject')),
    reason      text NOT NULL,
    -- whether the approver ran the plan's preview again first, and whether it had drifted
    rechecked   boolean NOT NULL DEFAULT false,
    drifted     boolean,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (request_id, username)
);
