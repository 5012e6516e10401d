-- Strata framework migration (jobs): outbox rows are claimed before they are
-- pushed, so two relays sharing one SQLite file never push the same row; a
-- claim expires (the relay died mid-push) and the row is pushed again.
ALTER TABLE strata_job_outbox ADD COLUMN claimed_until INTEGER;
