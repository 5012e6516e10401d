-- Strata framework migration (jobs): the transactional outbox, the dead-letter
-- table and the cron tick ledger. The queue itself is apalis's (schema
-- `apalis`, or Redis), migrated separately.
CREATE TABLE strata_job_outbox (
    id           TEXT PRIMARY KEY,
    queue        TEXT NOT NULL,
    payload      JSONB NOT NULL,
    run_at       BIGINT NOT NULL,
    max_attempts INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX strata_job_outbox_created ON strata_job_outbox (created_at);

CREATE TABLE strata_dead_jobs (
    id        TEXT PRIMARY KEY,
    queue     TEXT NOT NULL,
    payload   JSONB NOT NULL,
    attempts  INTEGER NOT NULL,
    error     TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX strata_dead_jobs_queue ON strata_dead_jobs (queue, failed_at);

CREATE TABLE strata_cron_ticks (
    name    TEXT NOT NULL,
    tick_at BIGINT NOT NULL,
    PRIMARY KEY (name, tick_at)
);
