//! `strata generate job <Name>`: a job module registered in `src/jobs/mod.rs`.

use minijinja::context;
use serde::Serialize;

use crate::error::CliError;
use crate::names::Name;
use crate::plan::{Mode, Plan};
use crate::project::Project;
use crate::render::{AppContext, Renderer, to_value};

/// What `strata generate job` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOptions {
    /// The type name, e.g. `SendDigest`.
    pub name: String,
}

#[derive(Serialize)]
struct JobContext {
    name: String,
    module: String,
    title: String,
}

/// The job module and its registration.
pub fn plan(project: &Project, options: &JobOptions, force: bool) -> Result<Plan, CliError> {
    let name = Name::parse(&options.name)?;
    let file = project
        .root
        .join("src/jobs")
        .join(format!("{}.rs", name.snake));
    let registered = std::fs::read_to_string(project.root.join("src/jobs/mod.rs"))
        .unwrap_or_default()
        .lines()
        .any(|line| line.trim() == format!("pub mod {};", name.snake));
    if !force && (file.exists() || registered) {
        return Err(CliError::Clash(format!(
            "a job module `{}` already exists (src/jobs/{}.rs); pick another name, or use --force to regenerate it",
            name.snake, name.snake
        )));
    }
    let job = JobContext {
        name: name.pascal.clone(),
        module: name.snake.clone(),
        title: name.words.clone(),
    };
    let app = AppContext::of(project);
    let context = context! {
        app => to_value(&app),
        job => to_value(&job),
        command => format!("strata generate job {}", options.name),
    };
    Renderer::new(Some(project.overrides())).plan("job", &context)
}

/// Writes the job (or, with `dry_run`, describes it).
pub fn run(
    project: &Project,
    options: &JobOptions,
    mode: Mode,
) -> Result<(Plan, Vec<String>), CliError> {
    let plan = plan(project, options, mode.force)?;
    let log = plan.apply(&project.root, mode)?;
    Ok((plan, log))
}
