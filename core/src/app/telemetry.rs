use tracing_subscriber::EnvFilter;

use crate::config::{Environment, LogConfig, LogFormat};

/// Installs the global `tracing` subscriber: JSON lines in production, pretty
/// lines elsewhere (unless `log.format` says otherwise); `RUST_LOG` overrides
/// `log.level`. Does nothing when a subscriber is already installed.
pub fn init_tracing(config: &LogConfig, env: Environment) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let format = config.format.unwrap_or(match env {
        Environment::Production => LogFormat::Json,
        _ => LogFormat::Pretty,
    });
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    // `try_init` fails only when a subscriber exists already, which is fine.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
