//! Every refusal of the generators, through the same functions the binary
//! calls: nothing is written and the error names the problem.

use strata_cli::CliError;
use strata_cli::commands::job::JobOptions;
use strata_cli::commands::migration::MigrationOptions;
use strata_cli::commands::new;
use strata_cli::commands::new::{Framework, NewOptions};
use strata_cli::commands::resource::ResourceOptions;
use strata_cli::plan::{Generate, Mode};
use strata_cli::project::{Db, Project};

fn app() -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    let options = NewOptions {
        dir: dir.path().join("blog"),
        db: Db::Sqlite,
        framework: Framework::this_checkout(),
    };
    new::run(&options, Mode::default()).unwrap();
    let project = Project::open(&dir.path().join("blog")).unwrap();
    (dir, project)
}

fn post(fields: &[&str]) -> ResourceOptions {
    ResourceOptions {
        name: "Post".into(),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        belongs_to: None,
    }
}

fn read(project: &Project, path: &str) -> String {
    std::fs::read_to_string(project.root.join(path)).unwrap()
}

#[test]
fn an_existing_module_is_not_overwritten_without_force() {
    let (_dir, project) = app();
    post(&["title:string"])
        .run(&project, Mode::default())
        .unwrap();
    let model = read(&project, "src/domains/posts/model.rs");
    let err = post(&["name:text"])
        .run(&project, Mode::default())
        .unwrap_err();
    assert!(matches!(err, CliError::Clash(_)), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(read(&project, "src/domains/posts/model.rs"), model);

    // --force regenerates in place: same migration file, no second registration.
    post(&["name:text"])
        .run(
            &project,
            Mode {
                force: true,
                dry_run: false,
            },
        )
        .unwrap();
    assert!(read(&project, "src/domains/posts/model.rs").contains("pub name: String"));
    assert!(read(&project, "migrations/0001_create_posts.sql").contains("name TEXT NOT NULL"));
    assert!(
        !project
            .root
            .join("migrations/0002_create_posts.sql")
            .exists()
    );
    assert_eq!(
        read(&project, "src/domains/mod.rs")
            .matches("pub mod posts;")
            .count(),
        1
    );
    assert_eq!(
        read(&project, "src/lib.rs")
            .matches("domains::posts::Post")
            .count(),
        1
    );
}

#[test]
fn an_existing_file_is_not_overwritten_without_force() {
    let (_dir, project) = app();
    std::fs::write(project.root.join("tests/posts.rs"), "// mine\n").unwrap();
    let err = post(&["title:string"])
        .run(&project, Mode::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "tests/posts.rs already exists (use --force to overwrite it)"
    );
    assert!(!project.root.join("src/domains/posts").exists());
    assert!(!read(&project, "src/domains/mod.rs").contains("posts"));
}

#[test]
fn a_missing_marker_is_an_error_naming_file_and_marker() {
    let (_dir, project) = app();
    let lib = read(&project, "src/lib.rs").replace("    // strata:resources\n", "");
    std::fs::write(project.root.join("src/lib.rs"), &lib).unwrap();
    let err = post(&["title:string"])
        .run(&project, Mode::default())
        .unwrap_err();
    assert!(matches!(err, CliError::MissingMarker { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("src/lib.rs: marker `// strata:resources` not found"),
        "{err}"
    );
    // Nothing was written, not even the files before the failing injection.
    assert!(!project.root.join("src/domains/posts").exists());
    assert!(!read(&project, "src/domains/mod.rs").contains("posts"));

    let jobs = read(&project, "src/jobs/mod.rs").replace("// strata:jobs\n", "");
    std::fs::write(project.root.join("src/jobs/mod.rs"), jobs).unwrap();
    let err = (JobOptions {
        name: "Digest".into(),
    })
    .run(&project, Mode::default())
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("src/jobs/mod.rs: marker `// strata:jobs`"),
        "{err}"
    );
}

#[test]
fn bad_names_are_refused() {
    let (_dir, project) = app();
    for name in [
        "type",
        "Self",
        "User",
        "Event",
        "9Lives",
        "Blog-Post",
        "Jobs",
    ] {
        let options = ResourceOptions {
            name: name.into(),
            fields: vec!["title:string".into()],
            belongs_to: None,
        };
        let err = options.plan(&project, false).unwrap_err();
        assert!(matches!(err, CliError::InvalidName { .. }), "{name}: {err}");
        let err = (JobOptions { name: name.into() })
            .plan(&project, false)
            .unwrap_err();
        assert!(matches!(err, CliError::InvalidName { .. }), "{name}: {err}");
    }
    let err = (MigrationOptions {
        name: "Add-X".into(),
    })
    .plan(&project, false)
    .unwrap_err();
    assert!(matches!(err, CliError::InvalidName { .. }), "{err}");
}

#[test]
fn bad_fields_are_refused() {
    let (_dir, project) = app();
    let err = post(&["title:varchar"]).plan(&project, false).unwrap_err();
    assert!(err.to_string().contains("unknown type `varchar`"), "{err}");
    let err = post(&[]).plan(&project, false).unwrap_err();
    assert!(err.to_string().contains("at least one field"), "{err}");
}

#[test]
fn the_parent_must_exist_and_differ() {
    let (_dir, project) = app();
    let mut options = post(&["title:string"]);
    options.belongs_to = Some("Author".into());
    let err = options.plan(&project, false).unwrap_err();
    assert!(
        err.to_string()
            .contains("no resource `Author` to belong to"),
        "{err}"
    );
    post(&["title:string"])
        .run(&project, Mode::default())
        .unwrap();
    let mut options = post(&["title:string"]);
    options.name = "Post".into();
    options.belongs_to = Some("Post".into());
    let err = options.plan(&project, true).unwrap_err();
    assert!(err.to_string().contains("cannot belong to itself"), "{err}");
    let options = ResourceOptions {
        name: "Comment".into(),
        fields: vec!["post_id:uuid".into()],
        belongs_to: Some("Post".into()),
    };
    let err = options.plan(&project, false).unwrap_err();
    assert!(err.to_string().contains("foreign key"), "{err}");

    // A hand-written parent without a test fixture is named, not compiled into broken tests.
    std::fs::create_dir_all(project.root.join("src/domains/authors")).unwrap();
    let options = ResourceOptions {
        name: "Book".into(),
        fields: vec!["title:string".into()],
        belongs_to: Some("Author".into()),
    };
    let err = options.plan(&project, false).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("--belongs-to Author needs `create_author` in tests/common/fixtures.rs"),
        "{err}"
    );
}

#[test]
fn an_existing_job_is_refused() {
    let (_dir, project) = app();
    let options = JobOptions {
        name: "SendDigest".into(),
    };
    options.run(&project, Mode::default()).unwrap();
    let err = options.run(&project, Mode::default()).unwrap_err();
    assert!(matches!(err, CliError::Clash(_)), "{err}");
}

#[test]
fn dry_run_writes_nothing() {
    let (_dir, project) = app();
    let lib = read(&project, "src/lib.rs");
    let (plan, log) = post(&["title:string"])
        .run(
            &project,
            Mode {
                dry_run: true,
                force: false,
            },
        )
        .unwrap();
    assert!(!project.root.join("src/domains/posts").exists());
    assert_eq!(read(&project, "src/lib.rs"), lib);
    assert!(
        log.iter()
            .any(|l| l == "create  src/domains/posts/model.rs"),
        "{log:?}"
    );
    assert!(
        plan.describe()
            .contains("==> inject into src/lib.rs before `// strata:resources`")
    );
}

#[test]
fn project_overrides_replace_templates() {
    let (_dir, project) = app();
    let dir = project.root.join(".strata/templates/job");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("job.rs.j2"), "//! {{ job.name }}, our way.\n").unwrap();
    let plan = (JobOptions {
        name: "Digest".into(),
    })
    .plan(&project, false)
    .unwrap();
    assert_eq!(plan.files[0].contents, "//! Digest, our way.\n");
    // A broken override is a readable error naming the template.
    std::fs::write(dir.join("job.rs.j2"), "{{ job.nope }}\n").unwrap();
    let err = (JobOptions {
        name: "Digest".into(),
    })
    .plan(&project, false)
    .unwrap_err();
    assert!(
        err.to_string().starts_with("template job/job.rs.j2:"),
        "{err}"
    );
}
