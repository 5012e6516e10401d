//! One module per command: each builds a [`Plan`](crate::plan::Plan) from
//! plain options (never from clap types) and applies it.

pub mod job;
pub mod migration;
pub mod new;
pub mod resource;
