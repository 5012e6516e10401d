//! The `strata` binary: parses the command line, runs it, and turns errors
//! into one `error: …` line and exit status 1 (clap's usage errors exit 2).

use std::process::ExitCode;

use clap::Parser;
use strata_cli::{Cli, Request};

fn main() -> ExitCode {
    let request = Request::from(Cli::parse());
    let result = std::env::current_dir()
        .map_err(|e| strata_cli::CliError::io(".", e))
        .and_then(|cwd| strata_cli::run(request, &cwd));
    match result {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
