//! The `strata` command-line tool.
//!
//! It will scaffold new applications (`strata new`) and domain modules
//! (`strata generate resource|job|migration`) from the templates in
//! `strata-templates`. Until the CLI issue lands it only prints its version.

fn main() {
    println!("strata {}", env!("CARGO_PKG_VERSION"));
}
