//! Templates for the `strata` CLI.
//!
//! This crate will embed one folder of minijinja templates per generator
//! (`new`, `resource`, `job`, `migration`) with `include_dir`, so the templates ship
//! inside the CLI binary. It is empty until the CLI issue lands.
