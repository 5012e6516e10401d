//! Procedural macros for Strata.
//!
//! This crate will hold `#[derive(Resource)]`, which turns a plain struct into a
//! complete REST resource (DTOs, validation, repository binding, router and OpenAPI
//! paths). It is re-exported by the `strata` crate; depend on `strata`, not on this
//! crate directly. The derive lands with the resource issue; until then the crate
//! only reserves the name.
