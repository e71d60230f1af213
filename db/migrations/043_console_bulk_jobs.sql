-- 043 console bulk jobs: a bulk scale-out started from the console runs in the server process
-- in the background, and survives a page reload. The job row says who started what, with
-- which parameters, and how it ended; the item rows keep the outcome of every item (written
-- at the end in one statement). The recipe itself runs in ONE transaction, all or nothing:
-- a job that was cancelled, refused, failed or interrupted (the server stopped, so its
-- transaction rolled back) has no items, and nothing of it is in the substrate.
--
-- mode:   preview (the preflight, rolled back by design), dry_run, live
-- status: queued, running, succeeded, refused, cancelled, failed, interrupted
-- runner: the server process that runs it; a running job no live process owns is interrupted
CREATE TABLE console_bulk_job (
    id          uuid PRIMARY KEY,
    username    text NOT NULL,
    actor       text NOT NULL,
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,
    mode        text NOT NULL CHECK (mode IN ('preview', 'dry_run', 'live')),
    status      text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'refused', 'cancelled', 'failed', 'interrupted')),
    total       integer NOT NULL CHECK (total >= 0),
    done        integer NOT NULL DEFAULT 0 CHECK (done >= 0),
    counts      jsonb NOT NULL DEFAULT '{}'::jsonb,
    runner      text,
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    reason      text,
    audit_id    bigint,
    result_status text,
    committed   boolean NOT NULL DEFAULT false,
    message     text
);
CREATE INDEX console_bulk_job_started_idx ON console_bulk_job (started_at DESC, id);
CREATE INDEX console_bulk_job_active_idx ON console_bulk_job (status) WHERE status IN ('queued', 'running');

CREATE TABLE console_bulk_job_item (
    job_id                  uuid NOT NULL REFERENCES console_bulk_job (id) ON DELETE CASCADE,
    seq                     integer NOT NULL,
    event_id                uuid NOT NULL,
    unique_suffix           text NOT NULL,
    status                  text NOT NULL,
    instance_collection_key text,
    instance_collection_id  uuid,
    event_log_id            bigint,
    PRIMARY KEY (job_id, seq)
);
-- the outcome list filtered by status, in order
CREATE INDEX console_bulk_job_item_status_idx ON console_bulk_job_item (job_id, status, seq);
