//! The `strata` command: scaffolds Strata apps (`strata new`) and their domain
//! modules (`strata generate resource|job|migration`) from the templates of
//! `strata-templates`. See `docs/cli.md` for every command, flag and marker.
//!
//! Parsing ([`args`]) is kept apart from the work: each command in
//! [`commands`] turns plain options into a [`plan::Plan`] (files and marker
//! injections), checked in full before anything is written.

pub mod args;
pub mod commands;
pub mod error;
pub mod field;
pub mod format;
pub mod names;
pub mod plan;
pub mod project;
pub mod render;

pub use args::{Cli, Request};
pub use error::CliError;

use std::path::{Path, PathBuf};

use plan::{Generate, Mode, Plan};
use project::Project;

/// Runs a generator in the app containing `cwd`.
fn generate(
    generator: &impl Generate,
    cwd: &Path,
    mode: Mode,
) -> Result<(Plan, Vec<String>, Mode, PathBuf), CliError> {
    let project = Project::find(cwd)?;
    let (plan, log) = generator.run(&project, mode)?;
    Ok((plan, log, mode, project.root))
}

/// Runs one request from the directory `cwd`; returns the lines to print.
pub fn run(request: Request, cwd: &Path) -> Result<Vec<String>, CliError> {
    let (plan, log, mode, root) = match request {
        Request::New(options, mode) => {
            let dir = cwd.join(&options.dir);
            let options = commands::new::NewOptions { dir, ..options };
            let (plan, mut log) = commands::new::run(&options, mode)?;
            if !mode.dry_run {
                log.push(format!(
                    "created {}: cd {} && cargo test",
                    options.dir.display(),
                    options.dir.display()
                ));
            }
            (plan, log, mode, options.dir)
        }
        Request::Resource(options, mode) => generate(&options, cwd, mode)?,
        Request::Job(options, mode) => generate(&options, cwd, mode)?,
        Request::Migration(options, mode) => generate(&options, cwd, mode)?,
    };
    if mode.dry_run {
        let mut out = vec![plan.describe()];
        out.push("dry run: nothing was written. It would:".to_owned());
        out.extend(log);
        return Ok(out);
    }
    let mut log = log;
    log.extend(format::rust_files(&root, &plan));
    Ok(log)
}
