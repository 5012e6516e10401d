//! The `strata` binary: parses the command line, runs it, and turns errors
//! into one `error: …` line and exit status 1 (clap's usage errors exit 2).

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use strata_cli::{Cli, Request};

fn main() -> ExitCode {
    let request = Request::from(Cli::parse());
    let result = std::env::current_dir()
        .map_err(|e| strata_cli::CliError::io(".", e))
        .and_then(|cwd| strata_cli::run(request, &cwd));
    match result {
        Ok(lines) => match print_lines(&lines) {
            Ok(()) => ExitCode::SUCCESS,
            // The reader stopped reading (`strata … | head`, `| grep -q`):
            // the command's work is done, so it still succeeds, quietly.
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: could not write the report: {err}");
                ExitCode::FAILURE
            }
        },
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the report through a locked stdout, returning write errors
/// (`println!` would panic on a closed pipe).
fn print_lines(lines: &[String]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()
}
