//! The command line, parsed by clap into plain option structs: the commands
//! themselves never see clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::job::JobOptions;
use crate::commands::migration::MigrationOptions;
use crate::commands::new::{Framework, NewOptions};
use crate::commands::resource::ResourceOptions;
use crate::plan::Mode;
use crate::project::Db;

/// Scaffolds Strata apps and their domain modules.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates a new app in DIR: auth, RBAC policy, config, migrations, tests.
    New {
        /// The directory to create (its name is the package name).
        dir: PathBuf,
        /// The database the app's migrations are written for.
        #[arg(long, value_enum, default_value = "sqlite")]
        db: Db,
        /// Depend on published Strata versions instead of this checkout.
        #[arg(long)]
        registry: bool,
        /// Print every file, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Adds code to the app in the current directory.
    #[command(subcommand)]
    Generate(Generate),
}

#[derive(Debug, Subcommand)]
enum Generate {
    /// A REST resource: model, service hooks, routes, migration and tests.
    Resource {
        /// The type name, e.g. `Post`.
        name: String,
        /// `name:type[?][:unique][:filter][:sort][:search]`; types: string text
        /// int bigint float bool uuid date datetime json decimal enum(a|b|c).
        #[arg(required = true, value_name = "FIELD")]
        fields: Vec<String>,
        /// Nest under an existing resource: a foreign key and
        /// `/api/v1/<parents>/{id}/<plural>` routes.
        #[arg(long, value_name = "PARENT")]
        belongs_to: Option<String>,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// A background job module.
    Job {
        /// The type name, e.g. `SendDigest`.
        name: String,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// An empty, numbered SQL migration.
    Migration {
        /// A snake_case description, e.g. `add_post_slug`.
        name: String,
        #[command(flatten)]
        write: WriteArgs,
    },
}

#[derive(Debug, Args)]
struct WriteArgs {
    /// Print every file and injection, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Overwrite files that exist.
    #[arg(long)]
    force: bool,
}

impl From<WriteArgs> for Mode {
    fn from(args: WriteArgs) -> Self {
        Self {
            dry_run: args.dry_run,
            force: args.force,
        }
    }
}

/// A parsed command, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `strata new`
    New(NewOptions, Mode),
    /// `strata generate resource`
    Resource(ResourceOptions, Mode),
    /// `strata generate job`
    Job(JobOptions, Mode),
    /// `strata generate migration`
    Migration(MigrationOptions, Mode),
}

impl From<Cli> for Request {
    fn from(cli: Cli) -> Self {
        match cli.command {
            Command::New {
                dir,
                db,
                registry,
                dry_run,
            } => Self::New(
                NewOptions {
                    dir,
                    db,
                    framework: if registry {
                        Framework::this_version()
                    } else {
                        Framework::this_checkout()
                    },
                },
                Mode {
                    dry_run,
                    force: false,
                },
            ),
            Command::Generate(Generate::Resource {
                name,
                fields,
                belongs_to,
                write,
            }) => Self::Resource(
                ResourceOptions {
                    name,
                    fields,
                    belongs_to,
                },
                write.into(),
            ),
            Command::Generate(Generate::Job { name, write }) => {
                Self::Job(JobOptions { name }, write.into())
            }
            Command::Generate(Generate::Migration { name, write }) => {
                Self::Migration(MigrationOptions { name }, write.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Request, clap::Error> {
        Cli::try_parse_from(std::iter::once("strata").chain(args.iter().copied()))
            .map(Request::from)
    }

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn new_with_defaults_and_flags() {
        let Request::New(options, mode) = parse(&["new", "shop"]).unwrap() else {
            panic!("not new");
        };
        assert_eq!(options.dir, PathBuf::from("shop"));
        assert_eq!(options.db, Db::Sqlite);
        assert!(matches!(options.framework, Framework::Path(_)));
        assert_eq!(mode, Mode::default());
        let Request::New(options, mode) =
            parse(&["new", "shop", "--db", "postgres", "--registry", "--dry-run"]).unwrap()
        else {
            panic!("not new");
        };
        assert_eq!(options.db, Db::Postgres);
        assert!(matches!(options.framework, Framework::Registry(_)));
        assert!(mode.dry_run);
    }

    #[test]
    fn generate_resource() {
        let request = parse(&[
            "generate",
            "resource",
            "Comment",
            "body:text",
            "rating:int?:filter",
            "--belongs-to",
            "Post",
            "--force",
            "--dry-run",
        ])
        .unwrap();
        assert_eq!(
            request,
            Request::Resource(
                ResourceOptions {
                    name: "Comment".into(),
                    fields: vec!["body:text".into(), "rating:int?:filter".into()],
                    belongs_to: Some("Post".into()),
                },
                Mode {
                    dry_run: true,
                    force: true
                }
            )
        );
    }

    #[test]
    fn generate_job_and_migration() {
        assert_eq!(
            parse(&["generate", "job", "SendDigest"]).unwrap(),
            Request::Job(
                JobOptions {
                    name: "SendDigest".into()
                },
                Mode::default()
            )
        );
        assert_eq!(
            parse(&["generate", "migration", "add_slug", "--dry-run"]).unwrap(),
            Request::Migration(
                MigrationOptions {
                    name: "add_slug".into()
                },
                Mode {
                    dry_run: true,
                    force: false
                }
            )
        );
    }

    #[test]
    fn usage_errors() {
        for args in [
            &["new"][..],
            &["new", "x", "--db", "mysql"],
            &["generate", "resource", "Post"],
            &["generate", "widget", "X"],
            &["generate", "job", "X", "--overwrite"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }
}
