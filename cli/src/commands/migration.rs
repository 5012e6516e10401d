//! `strata generate migration <name>`: an empty numbered migration.

use minijinja::context;
use serde::Serialize;

use crate::error::CliError;
use crate::plan::{Generate, Plan};
use crate::project::Project;
use crate::render::{plan_in, to_value};

/// What `strata generate migration` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationOptions {
    /// The snake_case description, e.g. `add_post_slug`.
    pub name: String,
}

#[derive(Serialize)]
struct MigrationContext {
    name: String,
    file: String,
}

/// The version after the highest `<version>_*.sql` in `migrations/` (1 when
/// there is none).
pub fn next_version(project: &Project) -> u64 {
    let Ok(entries) = std::fs::read_dir(project.root.join("migrations")) else {
        return 1;
    };
    entries
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let (version, rest) = name.split_once('_')?;
            rest.ends_with(".sql").then_some(())?;
            version.parse::<u64>().ok()
        })
        .max()
        .map_or(1, |v| v + 1)
}

/// `0007_create_posts.sql`: the version padded to four digits.
pub fn migration_file(version: u64, name: &str) -> String {
    format!("{version:04}_{name}.sql")
}

/// Checks a migration name: snake_case, at most 64 characters.
fn check_name(name: &str) -> Result<(), CliError> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(CliError::InvalidName {
            name: name.to_owned(),
            reason: "a migration name is snake_case (lowercase letters, digits, `_`, at most 64), e.g. `add_post_slug`".into(),
        })
    }
}

/// The migration file.
impl Generate for MigrationOptions {
    fn plan(&self, project: &Project, _force: bool) -> Result<Plan, CliError> {
        check_name(&self.name)?;
        let file = migration_file(next_version(project), &self.name);
        let migration = MigrationContext {
            name: self.name.clone(),
            file,
        };
        let parts = context! {
            migration => to_value(&migration),
        };
        plan_in(
            project,
            "migration",
            format!("strata generate migration {}", self.name),
            parts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Db;

    fn project(dir: &std::path::Path) -> Project {
        Project {
            root: dir.to_path_buf(),
            name: "app".into(),
            db: Db::Sqlite,
        }
    }

    #[test]
    fn versions_follow_the_highest() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(next_version(&project(dir.path())), 1);
        std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
        for name in ["0001_a.sql", "0009_b.sql", "README.md", "0100_c.txt"] {
            std::fs::write(dir.path().join("migrations").join(name), "").unwrap();
        }
        assert_eq!(next_version(&project(dir.path())), 10);
        assert_eq!(migration_file(10, "add_x"), "0010_add_x.sql");
    }

    #[test]
    fn names_are_snake_case() {
        for bad in ["AddX", "add-x", "1_add", "", "add x"] {
            let err = check_name(bad).unwrap_err();
            assert!(matches!(err, CliError::InvalidName { .. }), "{bad}");
        }
        assert!(check_name("add_post_slug_2").is_ok());
    }
}
