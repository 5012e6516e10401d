//! What a command will do — files to write, text to inject at markers — and
//! doing it: checked in full first, so a refusal leaves every file untouched.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::CliError;
use crate::project::Project;

/// A file a generator writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Relative to the root the plan is applied in.
    pub path: PathBuf,
    /// The whole contents.
    pub contents: String,
    /// Shown instead of the contents by [`Plan::describe`] (for copied files).
    pub summary: Option<String>,
}

/// Text inserted on the lines before a marker comment of an existing file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    /// Relative to the root.
    pub path: PathBuf,
    /// The marker (a whole line, once trimmed).
    pub marker: String,
    /// The lines to insert, indented like the marker when inserted.
    pub text: String,
}

/// Everything one command writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// New (or, with `--force`, replaced) files.
    pub files: Vec<PlannedFile>,
    /// Insertions into existing files.
    pub injections: Vec<Injection>,
}

/// How to apply a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mode {
    /// Print the plan, write nothing.
    pub dry_run: bool,
    /// Replace existing files.
    pub force: bool,
}

impl Plan {
    /// The plan as text: each file with its contents, each injection with its
    /// text. This is what `--dry-run` prints and what snapshots record.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for file in &self.files {
            let _ = writeln!(out, "==> create {}", file.path.display());
            let text = file.summary.as_ref().unwrap_or(&file.contents);
            out.push_str(text);
            if !text.ends_with('\n') {
                out.push('\n');
            }
        }
        for injection in &self.injections {
            let _ = writeln!(
                out,
                "==> inject into {} before `{}`",
                injection.path.display(),
                injection.marker
            );
            out.push_str(&injection.text);
            if !injection.text.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }

    /// Applies the plan under `root`, returning one line per action taken.
    ///
    /// Every check runs before anything is written: an existing file without
    /// `force` or a missing marker refuses the whole plan.
    pub fn apply(&self, root: &Path, mode: Mode) -> Result<Vec<String>, CliError> {
        let mut log = Vec::new();
        for file in &self.files {
            let target = root.join(&file.path);
            if target.exists() && !mode.force {
                return Err(CliError::Exists(file.path.clone()));
            }
        }
        let mut edits: Vec<(PathBuf, String)> = Vec::new();
        for injection in &self.injections {
            let target = root.join(&injection.path);
            let current = match edits.iter().find(|(p, _)| *p == target) {
                Some((_, text)) => text.clone(),
                None => std::fs::read_to_string(&target)
                    .map_err(|e| CliError::io(&injection.path, e))?,
            };
            match inject(&current, &injection.marker, &injection.text) {
                Injected::Changed(next) => {
                    log.push(format!(
                        "inject  {} (before `{}`)",
                        injection.path.display(),
                        injection.marker
                    ));
                    match edits.iter_mut().find(|(p, _)| *p == target) {
                        Some(edit) => edit.1 = next,
                        None => edits.push((target, next)),
                    }
                }
                Injected::AlreadyPresent => log.push(format!(
                    "skip    {} (already registered)",
                    injection.path.display()
                )),
                Injected::NoMarker => {
                    return Err(CliError::MissingMarker {
                        file: injection.path.clone(),
                        marker: injection.marker.clone(),
                    });
                }
            }
        }
        let mut written = Vec::new();
        for file in &self.files {
            let verb = if root.join(&file.path).exists() {
                "replace"
            } else {
                "create "
            };
            written.push(format!("{verb} {}", file.path.display()));
        }
        written.extend(log);
        if mode.dry_run {
            return Ok(written);
        }
        for file in &self.files {
            let target = root.join(&file.path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, e))?;
            }
            std::fs::write(&target, &file.contents).map_err(|e| CliError::io(&target, e))?;
        }
        for (target, text) in edits {
            std::fs::write(&target, text).map_err(|e| CliError::io(&target, e))?;
        }
        Ok(written)
    }
}

/// A `strata generate` command: its options build a plan for a project.
pub trait Generate {
    /// The files and injections for `project`; `force` allows regenerating
    /// what exists.
    fn plan(&self, project: &Project, force: bool) -> Result<Plan, CliError>;

    /// Builds the plan and applies it (or, with `dry_run`, only checks it).
    fn run(&self, project: &Project, mode: Mode) -> Result<(Plan, Vec<String>), CliError> {
        let plan = self.plan(project, mode.force)?;
        let log = plan.apply(&project.root, mode)?;
        Ok((plan, log))
    }
}

/// The outcome of inserting text before a marker.
#[derive(Debug, PartialEq, Eq)]
pub enum Injected {
    /// The new file text.
    Changed(String),
    /// The text is already there (a re-run with `--force`): nothing to do.
    AlreadyPresent,
    /// No line of the file is the marker.
    NoMarker,
}

/// Inserts `text` on the lines before the first line that is `marker` once
/// trimmed, indented like it.
pub fn inject(file: &str, marker: &str, text: &str) -> Injected {
    let Some(start) = line_starts(file).find(|&i| {
        file[i..]
            .lines()
            .next()
            .is_some_and(|line| line.trim() == marker)
    }) else {
        return Injected::NoMarker;
    };
    let line = file[start..].lines().next().unwrap_or_default();
    let indent = &line[..line.len() - line.trim_start().len()];
    let mut block = String::new();
    for line in text.lines() {
        if !line.is_empty() {
            block.push_str(indent);
        }
        block.push_str(line);
        block.push('\n');
    }
    if file[..start].contains(&block) {
        return Injected::AlreadyPresent;
    }
    let at = if block.lines().count() == 1 {
        sorted_position(file, start, &block)
    } else {
        start
    };
    Injected::Changed(format!("{}{block}{}", &file[..at], &file[at..]))
}

/// Where a one-line `block` goes among the one-line entries directly above the
/// marker (at `marker`), keeping them sorted (`pub mod` lines, permissions).
fn sorted_position(file: &str, marker: usize, block: &str) -> usize {
    let mut at = marker;
    while at > 0 {
        let previous = file[..at - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = &file[previous..at];
        if kind(line) != kind(block) || line <= block {
            break;
        }
        at = previous;
    }
    at
}

/// What makes one-line entries alike: their indentation and their text up to
/// the last space (`pub mod`), or the opening quote of a string entry.
fn kind(line: &str) -> (usize, &str) {
    let text = line.trim();
    let indent = line.len() - line.trim_start().len();
    if text.starts_with('"') {
        return (indent, "\"");
    }
    (indent, text.rsplit_once(' ').map_or("", |(head, _)| head))
}

fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(
        text.match_indices('\n')
            .map(|(i, _)| i + 1)
            .filter(move |&i| i < text.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injects_before_the_marker_with_its_indent() {
        let file = "fn f() {\n    let a = 1;\n    // here\n}\n";
        let Injected::Changed(out) = inject(file, "// here", "let b = 2;\nlet c = 3;\n") else {
            panic!("not injected");
        };
        assert_eq!(
            out,
            "fn f() {\n    let a = 1;\n    let b = 2;\n    let c = 3;\n    // here\n}\n"
        );
        assert_eq!(
            inject(&out, "// here", "let b = 2;\nlet c = 3;\n"),
            Injected::AlreadyPresent
        );
    }

    #[test]
    fn one_line_entries_stay_sorted() {
        let file = "pub mod alpha;\npub mod gamma;\n// here\n";
        let Injected::Changed(out) = inject(file, "// here", "pub mod beta;\n") else {
            panic!("not injected");
        };
        assert_eq!(
            out,
            "pub mod alpha;\npub mod beta;\npub mod gamma;\n// here\n"
        );
        let Injected::Changed(out) = inject(&out, "// here", "pub mod zeta;\n") else {
            panic!("not injected");
        };
        assert!(
            out.ends_with("pub mod gamma;\npub mod zeta;\n// here\n"),
            "{out}"
        );
        let Injected::Changed(out) = inject("// top\n// here\n", "// here", "pub mod a;\n") else {
            panic!("not injected");
        };
        assert_eq!(out, "// top\npub mod a;\n// here\n");
        let toml = "[roles.x]\np = [\n    \"b:read\",\n    # here\n]\n";
        let Injected::Changed(out) = inject(toml, "# here", "\"a:read\",\n") else {
            panic!("not injected");
        };
        assert_eq!(
            out,
            "[roles.x]\np = [\n    \"a:read\",\n    \"b:read\",\n    # here\n]\n"
        );
    }

    #[test]
    fn a_missing_marker_is_reported() {
        assert_eq!(inject("fn f() {}\n", "// here", "x\n"), Injected::NoMarker);
        // A marker must be the whole line, not a substring of another comment.
        assert_eq!(
            inject("// here and there\n", "// here", "x\n"),
            Injected::NoMarker
        );
    }

    /// A directory with `src/mod.rs` holding `contents`.
    fn app_with_mod(contents: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/mod.rs"), contents).unwrap();
        dir
    }

    fn read(dir: &tempfile::TempDir, path: &str) -> String {
        std::fs::read_to_string(dir.path().join(path)).unwrap()
    }

    fn plan() -> Plan {
        Plan {
            files: vec![PlannedFile {
                path: "src/new.rs".into(),
                contents: "// new\n".into(),
                summary: None,
            }],
            injections: vec![Injection {
                path: "src/mod.rs".into(),
                marker: "// strata:here".into(),
                text: "pub mod new;\n".into(),
            }],
        }
    }

    #[test]
    fn applies_files_and_injections() {
        let dir = app_with_mod("// strata:here\n");
        let log = plan().apply(dir.path(), Mode::default()).unwrap();
        assert_eq!(
            log,
            [
                "create  src/new.rs",
                "inject  src/mod.rs (before `// strata:here`)"
            ]
        );
        assert_eq!(read(&dir, "src/new.rs"), "// new\n");
        assert_eq!(read(&dir, "src/mod.rs"), "pub mod new;\n// strata:here\n");
    }

    #[test]
    fn refuses_to_overwrite_without_force_and_writes_nothing() {
        let dir = app_with_mod("// strata:here\n");
        std::fs::write(dir.path().join("src/new.rs"), "// mine\n").unwrap();
        let err = plan().apply(dir.path(), Mode::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "src/new.rs already exists (use --force to overwrite it)"
        );
        assert_eq!(read(&dir, "src/new.rs"), "// mine\n");
        assert_eq!(read(&dir, "src/mod.rs"), "// strata:here\n");

        let log = plan()
            .apply(
                dir.path(),
                Mode {
                    force: true,
                    dry_run: false,
                },
            )
            .unwrap();
        assert_eq!(log[0], "replace src/new.rs");
        assert_eq!(read(&dir, "src/new.rs"), "// new\n");
    }

    #[test]
    fn a_missing_marker_refuses_the_whole_plan() {
        let dir = app_with_mod("pub mod old;\n");
        let err = plan().apply(dir.path(), Mode::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "src/mod.rs: marker `// strata:here` not found; put it back where generated code should be registered (see docs/cli.md)"
        );
        assert!(!dir.path().join("src/new.rs").exists());
    }

    #[test]
    fn dry_run_writes_nothing() {
        let dir = app_with_mod("// strata:here\n");
        let log = plan()
            .apply(
                dir.path(),
                Mode {
                    dry_run: true,
                    force: false,
                },
            )
            .unwrap();
        assert_eq!(log.len(), 2);
        assert!(!dir.path().join("src/new.rs").exists());
        assert_eq!(read(&dir, "src/mod.rs"), "// strata:here\n");
        assert!(
            plan()
                .describe()
                .contains("==> inject into src/mod.rs before `// strata:here`\npub mod new;\n")
        );
    }
}
