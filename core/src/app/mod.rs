//! Assembling and running an application.
//!
//! [`App`] collects configuration, routers, migrations and shared values;
//! [`App::build`] connects the database, runs migrations and wires the default
//! middleware stack into a [`Server`]; [`Server::run`] listens until SIGINT or
//! SIGTERM and then drains in-flight requests within a bounded time.

mod builder;
mod health;
mod server;
mod state;
mod telemetry;

pub use builder::{App, StartupError};
pub use server::{Server, shutdown_signal};
pub use state::{AppState, cursor_codec};
pub use telemetry::init_tracing;
