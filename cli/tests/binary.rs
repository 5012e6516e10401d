//! The `strata` binary itself: what a shell sees of it.

use std::process::{Command, Stdio};

/// `strata … | grep -q …` closes the pipe after the first match; the
/// binary must not panic on the lines it still has to print, and its
/// status must stay 0 so `set -o pipefail` scripts see the grep's answer.
#[test]
fn a_reader_that_stops_early_does_not_make_the_binary_fail() {
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // every write the binary makes now fails with EPIPE
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["new", "blog", "--dry-run"])
        .current_dir(dir.path())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(stderr.is_empty(), "unexpected stderr: {stderr}");
    assert!(!dir.path().join("blog").exists(), "--dry-run wrote files");
}

#[test]
fn a_dry_run_reports_every_file_and_says_nothing_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["new", "blog", "--dry-run"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("dry run: nothing was written"), "{stdout}");
    assert!(stdout.contains("src/main.rs"), "{stdout}");
    assert!(!dir.path().join("blog").exists());
}
