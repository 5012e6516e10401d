//! `strata generate job <Name>`: a job module registered in `src/jobs/mod.rs`.

use minijinja::context;
use serde::Serialize;

use crate::error::CliError;
use crate::names::Name;
use crate::plan::{Generate, Plan};
use crate::project::Project;
use crate::render::{plan_in, to_value};

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
impl Generate for JobOptions {
    fn plan(&self, project: &Project, force: bool) -> Result<Plan, CliError> {
        let name = Name::parse(&self.name)?;
        project.ensure_new_module("jobs", &name.snake, force)?;
        let job = JobContext {
            name: name.pascal.clone(),
            module: name.snake.clone(),
            title: name.words.clone(),
        };
        let parts = context! {
            job => to_value(&job),
        };
        plan_in(
            project,
            "job",
            format!("strata generate job {}", self.name),
            parts,
        )
    }
}
