//! Background jobs (SPEC §11b) on every storage: the app's SQLite, the app's
//! Postgres, and Redis. Success, retry then success, exhaustion into the dead
//! letters, delayed jobs, cron ticks queued once across instances, a
//! transactional enqueue rolled back, a worker killed mid-job whose job is
//! finished by another, and two instances sharing one queue without running a
//! job twice.
//!
//! Each job records what happened under a key unique to its test run, so
//! leftovers from other runs (Redis outlives a test) never count.

mod instances;
mod lifecycle;
mod resource_hook;
mod retries;
mod scheduling;
mod support;
mod transactions;
