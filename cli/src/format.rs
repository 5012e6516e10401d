//! Formats the Rust files a command created with `rustfmt`, when it is
//! installed, so generated code reads like hand-written code whatever the
//! names' lengths. Injected-into files are left as they are.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::plan::Plan;

/// Runs `rustfmt --edition 2024` on the plan's `.rs` files under `root`.
/// Returns a note when they could not be formatted (they still compile).
pub fn rust_files(root: &Path, plan: &Plan) -> Option<String> {
    let files: Vec<PathBuf> = plan
        .files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "rs"))
        .map(|f| root.join(&f.path))
        .collect();
    if files.is_empty() {
        return None;
    }
    let status = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(&files)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(status) if status.success() => None,
        Ok(_) => Some("note: rustfmt could not format the generated files".to_owned()),
        Err(_) => Some("note: rustfmt not found; the generated files are not formatted".to_owned()),
    }
}
