//! The app `strata generate` works in: found by its `.strata/project.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CliError;

/// Where `strata new` records what the generators need to know.
pub const PROJECT_FILE: &str = ".strata/project.toml";

/// The database an app's migrations are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Db {
    /// SQLite (the embedded default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Db {
    /// `sqlite` or `postgres`, as in templates and `project.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// An app made by `strata new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Its root directory (where `.strata/` is).
    pub root: PathBuf,
    /// Its package name.
    pub name: String,
    /// Its database.
    pub db: Db,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    name: String,
    db: Db,
}

impl Project {
    /// The project whose root is `start` or one of its parents.
    pub fn find(start: &Path) -> Result<Self, CliError> {
        let mut dir = Some(start);
        while let Some(candidate) = dir {
            if candidate.join(PROJECT_FILE).is_file() {
                return Self::open(candidate);
            }
            dir = candidate.parent();
        }
        Err(CliError::NotAProject(start.to_path_buf()))
    }

    /// The project rooted at `root`.
    pub fn open(root: &Path) -> Result<Self, CliError> {
        let path = root.join(PROJECT_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| CliError::io(&path, e))?;
        let file: ProjectFile = toml::from_str(&text).map_err(|e| CliError::BadConfig {
            file: path.display().to_string(),
            reason: e.message().to_owned(),
        })?;
        Ok(Self {
            root: root.to_path_buf(),
            name: file.name,
            db: file.db,
        })
    }

    /// The Rust name of the app's library crate.
    pub fn crate_name(&self) -> String {
        self.name.replace('-', "_")
    }

    /// Refuses (unless `force`) a module `module` of `src/<folder>/` that exists
    /// as a file, a folder or a `pub mod` line of `src/<folder>/mod.rs`.
    pub fn ensure_new_module(
        &self,
        folder: &str,
        module: &str,
        force: bool,
    ) -> Result<(), CliError> {
        let dir = self.root.join("src").join(folder);
        let registered = std::fs::read_to_string(dir.join("mod.rs"))
            .unwrap_or_default()
            .lines()
            .any(|line| line.trim() == format!("pub mod {module};"));
        let exists = dir.join(module).exists() || dir.join(format!("{module}.rs")).exists();
        if force || !(exists || registered) {
            return Ok(());
        }
        Err(CliError::Clash(format!(
            "a module `{module}` already exists in src/{folder}/; pick another name, or use --force to regenerate it"
        )))
    }

    /// The directory of per-project template overrides.
    pub fn overrides(&self) -> PathBuf {
        self.root.join(".strata/templates")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_from_a_subdirectory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".strata")).unwrap();
        std::fs::create_dir_all(dir.path().join("src/domains")).unwrap();
        std::fs::write(
            dir.path().join(PROJECT_FILE),
            "name = \"my-app\"\ndb = \"postgres\"\n",
        )
        .unwrap();
        let project = Project::find(&dir.path().join("src/domains")).unwrap();
        assert_eq!(project.root, dir.path());
        assert_eq!(project.db, Db::Postgres);
        assert_eq!(project.crate_name(), "my_app");
    }

    #[test]
    fn outside_a_project_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Project::find(dir.path()).unwrap_err();
        assert!(matches!(err, CliError::NotAProject(_)), "{err}");
        assert!(err.to_string().contains("strata new"));
    }

    #[test]
    fn a_bad_project_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".strata")).unwrap();
        std::fs::write(
            dir.path().join(PROJECT_FILE),
            "name = \"x\"\ndb = \"mysql\"\n",
        )
        .unwrap();
        let err = Project::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("project.toml"), "{err}");
    }
}
