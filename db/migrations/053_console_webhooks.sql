-- 053 outbound webhooks, as a transactional outbox: the audit row (or the bulk job's end
-- state) and the pending deliveries for every enabled hook subscribed to its event are
-- written by the same statement, so they commit together or not at all. A worker loop
-- (lib/hooks/worker.ts) posts the due deliveries, signed, with retries and backoff.
--
-- Events: approval.requested, approval.approved, approval.rejected, apply.succeeded,
--         apply.failed, job.cancelled, job.interrupted, break_glass, gate.leak (and test,
--         sent only by the "Send test" button)
-- secret: kept as written, since signing needs it; shown to the lead once, masked after
CREATE TABLE console_webhook (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    url        text NOT NULL CHECK (url ~* '^https?://'),
    events     text[] NOT NULL,
    secret     text NOT NULL,
    slack      boolean NOT NULL DEFAULT false,
    enabled    boolean NOT NULL DEFAULT true,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- status: pending (waiting for next_attempt_at), delivering (a worker holds it until
--         next_attempt_at, then another may take it), succeeded, failed (gave up after the
--         last attempt), skipped (the hook was disabled before it went out)
-- history: the latest attempts, newest first: {at, code, error}
CREATE TABLE console_webhook_delivery (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hook_id          bigint NOT NULL REFERENCES console_webhook (id) ON DELETE CASCADE,
    event            text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'skipped')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_attempt_at  timestamptz,
    response_code    integer,
    error            text,
    response_excerpt text,
    history          jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX console_webhook_delivery_due_idx ON console_webhook_delivery (next_attempt_at)
    WHERE status IN ('pending', 'delivering');
CREATE INDEX console_webhook_delivery_hook_idx ON console_webhook_delivery (hook_id, id DESC);

-- One pending delivery per enabled hook that subscribes to p_event; the number enqueued.
CREATE FUNCTION console_webhook_enqueue(p_event text, p_payload jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO console_webhook_delivery (hook_id, event, payload)
    SELECT h.id, p_event, p_payload || jsonb_build_object('event', p_event)
      FROM console_webhook h
     WHERE h.enabled AND p_event = ANY (h.events);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- The audit rows that are events: the approval steps, a break-glass, and live or durable applies.
-- A bulk run's cancelled or interrupted end is the job's event (below), not an apply failure.
CREATE FUNCTION console_audit_webhook() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ev text;
BEGIN
    ev := CASE
        WHEN NEW.decision <> 'ok' AND NEW.recipe IN ('approval_requested', 'approval_approved', 'approval_rejected', 'break_glass') THEN NULL
        WHEN NEW.recipe = 'approval_requested' THEN 'approval.requested'
        WHEN NEW.recipe = 'approval_approved' THEN 'approval.approved'
        WHEN NEW.recipe = 'approval_rejected' THEN 'approval.rejected'
        WHEN NEW.recipe = 'break_glass' THEN 'break_glass'
        WHEN NEW.decision = 'ok' AND NEW.committed THEN 'apply.succeeded'
        WHEN NEW.decision IN ('refused', 'error') AND NEW.status NOT IN ('cancelled', 'interrupted') THEN 'apply.failed'
        ELSE NULL
    END;
    IF ev IS NOT NULL THEN
        PERFORM console_webhook_enqueue(ev, jsonb_build_object(
            'occurredAt', NEW.finished_at,
            'summary', NEW.summary,
            'audit', jsonb_build_object(
                'id', NEW.id, 'recipe', NEW.recipe, 'mode', NEW.mode, 'decision', NEW.decision,
                'status', NEW.status, 'username', NEW.username, 'role', NEW.role, 'actor', NEW.actor,
                'via', NEW.via, 'planId', NEW.plan_id, 'reason', NEW.reason)));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER console_audit_webhook AFTER INSERT ON console_audit_log
    FOR EACH ROW
    WHEN (NEW.mode IN ('live', 'durable')
          OR NEW.recipe IN ('approval_requested', 'approval_approved', 'approval_rejected', 'break_glass'))
    EXECUTE FUNCTION console_audit_webhook();

CREATE FUNCTION console_bulk_job_webhook() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM console_webhook_enqueue('job.' || NEW.status, jsonb_build_object(
        'occurredAt', coalesce(NEW.finished_at, clock_timestamp()),
        'summary', coalesce(NEW.message, 'The bulk job ended ' || NEW.status || '.'),
        'job', jsonb_build_object(
            'id', NEW.id, 'mode', NEW.mode, 'status', NEW.status, 'username', NEW.username,
            'actor', NEW.actor, 'total', NEW.total, 'done', NEW.done,
            'cancelledBy', NEW.cancel_requested_by, 'cancelReason', NEW.cancel_reason)));
    RETURN NULL;
END $$;

CREATE TRIGGER console_bulk_job_webhook AFTER UPDATE OF status ON console_bulk_job
    FOR EACH ROW
    WHEN (NEW.status IN ('cancelled', 'interrupted') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION console_bulk_job_webhook();

-- A gate leak is told once per set of open gates per hour, however many pages see it.
CREATE TABLE console_gate_leak_notice (
    gates       text PRIMARY KEY,
    notified_at timestamptz NOT NULL
);

-- Whether this sighting of the open gates p_gates was notified (false: told within the hour).
CREATE FUNCTION console_note_gate_leak(p_gates text[]) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    k text := array_to_string(ARRAY(SELECT DISTINCT g FROM unnest(p_gates) g ORDER BY g), ',');
BEGIN
    IF k = '' THEN
        RETURN false;
    END IF;
    INSERT INTO console_gate_leak_notice AS n (gates, notified_at) VALUES (k, clock_timestamp())
    ON CONFLICT (gates) DO UPDATE SET notified_at = clock_timestamp()
        WHERE n.notified_at < clock_timestamp() - interval '1 hour';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM console_webhook_enqueue('gate.leak', jsonb_build_object(
        'occurredAt', clock_timestamp(),
        'summary', 'iu_core gates open in committed data: ' || k || '. Close them on the Gates page.',
        'gates', to_jsonb(string_to_array(k, ','))));
    RETURN true;
END $$;
