//! The CLI's one error type: every refusal and failure, worded for the user.

use std::path::PathBuf;

/// Why a command did nothing (or stopped). `main` prints it as `error: …` and
/// exits with status 1.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A name given on the command line cannot be used.
    #[error("invalid name `{name}`: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// A `field:type[:modifier…]` argument cannot be used.
    #[error("invalid field `{spec}`: {reason}")]
    InvalidField {
        /// The argument as given.
        spec: String,
        /// Why it is refused.
        reason: String,
    },
    /// A file the command would write exists and `--force` was not given.
    #[error("{} already exists (use --force to overwrite it)", .0.display())]
    Exists(PathBuf),
    /// `strata new` into a directory that is not empty.
    #[error("{} already exists and is not empty", .0.display())]
    NotEmpty(PathBuf),
    /// A file to inject into lacks its marker comment.
    #[error("{}: marker `{marker}` not found; put it back where generated code should be registered (see docs/cli.md)", .file.display())]
    MissingMarker {
        /// The file searched.
        file: PathBuf,
        /// The marker comment.
        marker: String,
    },
    /// A module or resource of that name already exists.
    #[error("{0}")]
    Clash(String),
    /// Not inside an app made by `strata new`.
    #[error("no .strata/project.toml in {} or any parent: run this inside an app made by `strata new`", .0.display())]
    NotAProject(PathBuf),
    /// `.strata/project.toml` or a manifest could not be read.
    #[error("{file}: {reason}")]
    BadConfig {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A template failed to render (a bug in a template or an override).
    #[error("template {template}: {reason}")]
    Template {
        /// The template's path.
        template: String,
        /// minijinja's explanation.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl CliError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
