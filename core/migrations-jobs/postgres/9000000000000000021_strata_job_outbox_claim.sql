-- Strata framework migration (jobs): the claim column SQLite relays use
-- (Postgres relays claim rows with FOR UPDATE SKIP LOCKED instead); kept on
-- both dialects so the table has one shape.
ALTER TABLE strata_job_outbox ADD COLUMN claimed_until BIGINT;
