//! The repository suite of SPEC §8, run on SQLite always and on PostgreSQL when
//! `TEST_DATABASE_URL` is set: CRUD, every filter operator, sort stability, search,
//! offset and keyset pages, soft delete and restore, optimistic locking, unique and
//! foreign-key violations, rollback on error and on panic.

mod filters;
mod pages;
mod support;
mod writes;
