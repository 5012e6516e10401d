//! `strata new <dir> [--db sqlite|postgres] [--registry]`: a whole app.

use std::path::{Path, PathBuf};

use minijinja::context;

use crate::error::CliError;
use crate::names::{is_keyword, title_case};
use crate::plan::{Mode, Plan, PlannedFile};
use crate::project::Db;
use crate::render::{AppContext, Renderer, to_value};

/// The lock file of the workspace this CLI was built from: the new app gets a
/// copy so it resolves the same versions (offline, with path dependencies).
const WORKSPACE_LOCK: &str = include_str!("../../../Cargo.lock");

/// Where the new app takes the framework from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framework {
    /// Path dependencies on a checkout (its root, holding `core/`).
    Path(PathBuf),
    /// Published versions from the registry.
    Registry(String),
}

impl Framework {
    /// The checkout this CLI was built from.
    pub fn this_checkout() -> Self {
        let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self::Path(cli.parent().unwrap_or(cli).to_path_buf())
    }

    /// The version of this CLI, from the registry.
    pub fn this_version() -> Self {
        Self::Registry(env!("CARGO_PKG_VERSION").to_owned())
    }

    /// The dependency spec written into the app's `Cargo.toml`.
    fn dependency(&self) -> String {
        match self {
            Self::Path(root) => format!(
                "{{ path = {} }}",
                toml_string(&root.join("core").display().to_string())
            ),
            Self::Registry(version) => toml_string(version),
        }
    }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// What `strata new` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOptions {
    /// The directory to create; its last component names the app.
    pub dir: PathBuf,
    /// The database the app is written for.
    pub db: Db,
    /// Path or registry dependencies.
    pub framework: Framework,
}

/// The app's package name, from the directory: lowercase letters, digits, `-`
/// and `_`, starting with a letter, not a keyword or a crate every app uses.
pub fn package_name(dir: &Path) -> Result<String, CliError> {
    let raw = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let refuse = |reason: &str| CliError::InvalidName {
        name: raw.clone(),
        reason: reason.to_owned(),
    };
    if !raw.starts_with(|c: char| c.is_ascii_lowercase())
        || !raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(refuse(
            "an app directory is named like a package: lowercase letters, digits, `-` and `_`, starting with a letter",
        ));
    }
    let crate_name = raw.replace('-', "_");
    if is_keyword(&crate_name) {
        return Err(refuse("it is a Rust keyword"));
    }
    const TAKEN: &[&str] = &[
        "strata",
        "strata_macros",
        "strata_cli",
        "strata_templates",
        "std",
        "core",
        "alloc",
        "test",
        "proc_macro",
        "axum",
        "sqlx",
        "tokio",
        "serde",
        "serde_json",
        "uuid",
        "futures_util",
    ];
    if TAKEN.contains(&crate_name.as_str()) {
        return Err(refuse(
            "a crate the app depends on (or Rust itself) has that name",
        ));
    }
    Ok(raw)
}

/// The files of the new app.
pub fn plan(options: &NewOptions) -> Result<Plan, CliError> {
    let name = package_name(&options.dir)?;
    let crate_name = name.replace('-', "_");
    let title = title_case(&crate_name);
    let app = AppContext {
        name,
        crate_name,
        title,
        db: options.db.as_str(),
        strata: options.framework.dependency(),
    };
    let context = context! { app => to_value(&app) };
    let mut plan = Renderer::new(None).plan("new", &context)?;
    plan.files.push(PlannedFile {
        path: "Cargo.lock".into(),
        contents: WORKSPACE_LOCK.to_owned(),
        summary: Some("(a copy of the Strata workspace's Cargo.lock)\n".to_owned()),
    });
    Ok(plan)
}

/// Creates the app (or, with `dry_run`, describes it).
pub fn run(options: &NewOptions, mode: Mode) -> Result<(Plan, Vec<String>), CliError> {
    let plan = plan(options)?;
    let dir = &options.dir;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| CliError::io(dir, e))?;
        if entries.next().is_some() {
            return Err(CliError::NotEmpty(dir.clone()));
        }
    }
    let log = plan.apply(
        dir,
        Mode {
            force: false,
            ..mode
        },
    )?;
    Ok((plan, log))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(package_name(Path::new("/tmp/my-app")).unwrap(), "my-app");
        assert_eq!(package_name(Path::new("shop_2")).unwrap(), "shop_2");
        for bad in ["My App", "1app", "MyApp", "strata", "loop", "tokio", ""] {
            let err = package_name(Path::new(bad)).unwrap_err();
            assert!(matches!(err, CliError::InvalidName { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn path_and_registry_dependencies() {
        assert_eq!(
            Framework::Path("/src/strata".into()).dependency(),
            "{ path = \"/src/strata/core\" }"
        );
        assert_eq!(
            Framework::Registry("0.1.0".into()).dependency(),
            "\"0.1.0\""
        );
        let Framework::Path(root) = Framework::this_checkout() else {
            panic!("a path");
        };
        assert!(root.join("core/Cargo.toml").is_file(), "{}", root.display());
    }

    #[test]
    fn refuses_a_directory_that_is_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("notes.txt"), "mine").unwrap();
        let options = NewOptions {
            dir: app.clone(),
            db: Db::Sqlite,
            framework: Framework::this_version(),
        };
        let err = run(&options, Mode::default()).unwrap_err();
        assert!(matches!(err, CliError::NotEmpty(_)), "{err}");
        assert_eq!(std::fs::read_dir(&app).unwrap().count(), 1);
    }

    #[test]
    fn creates_the_app() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("shop");
        let options = NewOptions {
            dir: app.clone(),
            db: Db::Sqlite,
            framework: Framework::this_checkout(),
        };
        let (_, dry) = run(
            &options,
            Mode {
                dry_run: true,
                force: false,
            },
        )
        .unwrap();
        assert!(!app.exists());
        let (_, log) = run(&options, Mode::default()).unwrap();
        assert_eq!(dry, log);
        for file in [
            "Cargo.toml",
            "Cargo.lock",
            "src/main.rs",
            "src/lib.rs",
            "config/policy.toml",
            ".strata/project.toml",
        ] {
            assert!(app.join(file).is_file(), "{file}");
        }
        let project = crate::project::Project::open(&app).unwrap();
        assert_eq!(project.name, "shop");
        assert_eq!(project.db, Db::Sqlite);
    }
}
