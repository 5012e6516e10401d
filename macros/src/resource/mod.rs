//! `#[derive(Resource)]`: attribute parsing ([`attr`]), the checked model
//! ([`model`]), the column types it understands ([`types`]) and code generation
//! ([`expand`]).

mod attr;
mod expand;
mod model;
mod types;

pub(crate) use expand::expand;
