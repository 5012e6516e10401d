//! insta snapshots of every generator's output (`Plan::describe`: each file
//! with its contents, each injection with its text), so a template change shows
//! up as a reviewed diff.

use std::path::Path;

use strata_cli::commands::job::JobOptions;
use strata_cli::commands::migration::MigrationOptions;
use strata_cli::commands::new;
use strata_cli::commands::new::{Framework, NewOptions};
use strata_cli::commands::resource::ResourceOptions;
use strata_cli::plan::{Generate, Mode};
use strata_cli::project::{Db, Project};

fn new_app(db: Db) -> String {
    let options = NewOptions {
        dir: "blog".into(),
        db,
        framework: Framework::Path("/path/to/strata".into()),
    };
    new::plan(&options).unwrap().describe()
}

/// A fresh app on disk (from the real `strata new`) to generate into.
fn app(db: Db) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    let options = NewOptions {
        dir: dir.path().join("blog"),
        db,
        framework: Framework::Path("/path/to/strata".into()),
    };
    new::run(&options, Mode::default()).unwrap();
    let project = Project::open(&dir.path().join("blog")).unwrap();
    (dir, project)
}

fn post() -> ResourceOptions {
    ResourceOptions {
        name: "Post".into(),
        fields: [
            "title:string:filter:sort:search",
            "body:text?:search",
            "views:int:filter:sort",
            "rating:float?",
            "published:bool:filter",
            "status:enum(draft|published):filter",
            "slug:string:unique",
            "published_on:date?:filter:sort",
            "meta:json?",
            "price:decimal?",
        ]
        .map(str::to_owned)
        .to_vec(),
        belongs_to: None,
    }
}

fn comment() -> ResourceOptions {
    ResourceOptions {
        name: "Comment".into(),
        fields: [
            "author:string:filter",
            "body:text:search",
            "score:bigint?:sort",
            "ref_id:uuid?",
            "seen_at:datetime?",
        ]
        .map(str::to_owned)
        .to_vec(),
        belongs_to: Some("Post".into()),
    }
}

#[test]
fn new_sqlite() {
    insta::assert_snapshot!(new_app(Db::Sqlite));
}

#[test]
fn new_postgres() {
    insta::assert_snapshot!(new_app(Db::Postgres));
}

#[test]
fn new_with_registry_dependencies() {
    let options = NewOptions {
        dir: "blog".into(),
        db: Db::Sqlite,
        framework: Framework::Registry("0.1.0".into()),
    };
    let plan = new::plan(&options).unwrap();
    let cargo = plan
        .files
        .iter()
        .find(|f| f.path == Path::new("Cargo.toml"))
        .unwrap();
    assert!(
        cargo.contents.contains("strata = \"0.1.0\"\n"),
        "{}",
        cargo.contents
    );
}

#[test]
fn resource_sqlite() {
    let (_dir, project) = app(Db::Sqlite);
    insta::assert_snapshot!(post().plan(&project, false).unwrap().describe());
}

#[test]
fn resource_postgres() {
    let (_dir, project) = app(Db::Postgres);
    insta::assert_snapshot!(post().plan(&project, false).unwrap().describe());
}

#[test]
fn resource_belongs_to() {
    let (_dir, project) = app(Db::Sqlite);
    post().run(&project, Mode::default()).unwrap();
    insta::assert_snapshot!(comment().plan(&project, false).unwrap().describe());
}

#[test]
fn resource_belongs_to_postgres_migration() {
    let (_dir, project) = app(Db::Postgres);
    post().run(&project, Mode::default()).unwrap();
    let plan = comment().plan(&project, false).unwrap();
    let migration = plan
        .files
        .iter()
        .find(|f| f.path.starts_with("migrations"))
        .unwrap();
    assert_eq!(
        migration.path,
        Path::new("migrations/0002_create_comments.sql")
    );
    insta::assert_snapshot!(migration.contents);
}

#[test]
fn job() {
    let (_dir, project) = app(Db::Sqlite);
    let options = JobOptions {
        name: "SendDigest".into(),
    };
    insta::assert_snapshot!(options.plan(&project, false).unwrap().describe());
}

#[test]
fn migration() {
    let (_dir, project) = app(Db::Postgres);
    let options = MigrationOptions {
        name: "add_post_slug".into(),
    };
    insta::assert_snapshot!(options.plan(&project, false).unwrap().describe());
}
