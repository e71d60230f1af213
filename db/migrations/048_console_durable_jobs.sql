-- 048 durable bulk jobs: a bulk run is a pg-boss job (PostgreSQL) or an in-process run
-- (PGlite), created in the same transaction as this row, which records the request.
--
-- request:  the input the wrapper accepted when the request was made (parameters, plan id,
--           typed batch tag, reason, run tag); the worker runs exactly this as the requester
-- role, source: the requester's role and sign-in source at request time; the worker runs
--           the recipe with them (the plan is still checked and used up in the batch's own
--           transaction)
-- heartbeat_at: written by the worker running the job about once a second; a running row
--           whose heartbeat is older than IU_HEARTBEAT_STALE_SECONDS (15) is interrupted
-- cancel_requested_*: a cancel from any instance; the worker reads its own row with every
--           heartbeat and stops within a second, rolling its one transaction back
ALTER TABLE console_bulk_job
    ADD COLUMN request             jsonb,
    ADD COLUMN role                text,
    ADD COLUMN source              text,
    ADD COLUMN heartbeat_at        timestamptz,
    ADD COLUMN cancel_requested_at timestamptz,
    ADD COLUMN cancel_requested_by text,
    ADD COLUMN cancel_reason       text;
