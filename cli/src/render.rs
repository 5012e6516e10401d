//! Rendering templates with minijinja: strict about undefined values, with
//! case filters, and with per-project overrides taking precedence.

use std::path::{Path, PathBuf};

use heck::{ToKebabCase, ToLowerCamelCase, ToPascalCase, ToShoutySnakeCase, ToSnakeCase};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Deserialize;

use crate::error::CliError;
use crate::names::{plural, title_case};
use crate::plan::{Injection, Plan, PlannedFile};
use crate::project::Project;

/// Renders the templates of one generator.
pub struct Renderer {
    env: Environment<'static>,
    overrides: Option<PathBuf>,
}

/// A generator's `manifest.toml`: its files and its injections.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Files written, in order.
    #[serde(default)]
    pub file: Vec<FileEntry>,
    /// Text inserted before marker comments of existing files.
    #[serde(default)]
    pub inject: Vec<InjectEntry>,
}

/// `[[file]]`: the template and the path it renders to (itself a template).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// The template, relative to the generator's folder.
    pub template: String,
    /// The destination, relative to the app's root.
    pub to: String,
}

/// `[[inject]]`: the template whose text goes before `marker` in `into`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectEntry {
    /// The template, relative to the generator's folder.
    pub template: String,
    /// The file injected into, relative to the app's root.
    pub into: String,
    /// The marker comment, a whole line once trimmed.
    pub marker: String,
}

impl Renderer {
    /// A renderer reading overrides from `overrides` (e.g. `.strata/templates`).
    pub fn new(overrides: Option<PathBuf>) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        if let Ok(syntax) = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        env.add_filter("snake", |s: &str| s.to_snake_case());
        env.add_filter("pascal", |s: &str| s.to_pascal_case());
        env.add_filter("camel", |s: &str| s.to_lower_camel_case());
        env.add_filter("kebab", |s: &str| s.to_kebab_case());
        env.add_filter("shouty", |s: &str| s.to_shouty_snake_case());
        env.add_filter("plural", |s: &str| plural(&s.to_snake_case()));
        Self { env, overrides }
    }

    /// The text of `path` (`<generator>/<file>`): the project's override when
    /// there is one, else the embedded template.
    pub fn source(&self, path: &str) -> Result<String, CliError> {
        if let Some(dir) = &self.overrides {
            let file = dir.join(path);
            if file.is_file() {
                return std::fs::read_to_string(&file).map_err(|e| CliError::io(file, e));
            }
        }
        strata_templates::get(path)
            .map(str::to_owned)
            .ok_or_else(|| CliError::Template {
                template: path.to_owned(),
                reason: "no such template".to_owned(),
            })
    }

    /// The manifest of `generator`.
    pub fn manifest(&self, generator: &str) -> Result<Manifest, CliError> {
        let path = format!("{generator}/manifest.toml");
        toml::from_str(&self.source(&path)?).map_err(|e| CliError::BadConfig {
            file: path,
            reason: e.message().to_owned(),
        })
    }

    /// Renders the template at `path` with `context`.
    pub fn render(&self, path: &str, context: &Value) -> Result<String, CliError> {
        let source = self.source(path)?;
        self.render_str(path, &source, context)
    }

    /// Renders `source` (named `name` in errors) with `context`.
    pub fn render_str(
        &self,
        name: &str,
        source: &str,
        context: &Value,
    ) -> Result<String, CliError> {
        self.env
            .render_named_str(name, source, context)
            .map_err(|e| CliError::Template {
                template: name.to_owned(),
                reason: describe(&e),
            })
    }

    /// Renders every file and injection of `generator`'s manifest into a plan.
    pub fn plan(&self, generator: &str, context: &Value) -> Result<Plan, CliError> {
        let manifest = self.manifest(generator)?;
        let mut plan = Plan::default();
        for entry in &manifest.file {
            let template = format!("{generator}/{}", entry.template);
            let to = self.render_str(&format!("{generator}/manifest.toml"), &entry.to, context)?;
            plan.files.push(PlannedFile {
                path: PathBuf::from(to.trim()),
                contents: self.render(&template, context)?,
                summary: None,
            });
        }
        for entry in &manifest.inject {
            let template = format!("{generator}/{}", entry.template);
            plan.injections.push(Injection {
                path: PathBuf::from(&entry.into),
                marker: entry.marker.clone(),
                text: self.render(&template, context)?,
            });
        }
        Ok(plan)
    }

    /// Whether `path` comes from an override.
    pub fn is_overridden(&self, path: &str) -> bool {
        self.overrides
            .as_deref()
            .is_some_and(|dir: &Path| dir.join(path).is_file())
    }
}

/// Renders `generator` in `project` (whose overrides apply) with `parts`
/// plus the `app` and `command` every template may use.
pub fn plan_in(
    project: &Project,
    generator: &str,
    command: String,
    parts: Value,
) -> Result<Plan, CliError> {
    let context = minijinja::context! {
        app => to_value(&AppContext::of(project)),
        command => command,
        ..parts
    };
    Renderer::new(Some(project.overrides())).plan(generator, &context)
}

/// A template context from any serialisable value.
pub fn to_value<T: serde::Serialize>(context: &T) -> Value {
    Value::from(minijinja::value::Serde(context))
}

/// The `app` part of every context.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AppContext {
    /// The package name.
    pub name: String,
    /// Its Rust crate name.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// A readable title.
    pub title: String,
    /// `sqlite` or `postgres`.
    pub db: &'static str,
    /// The framework's dependency spec (only `strata new` sets it).
    pub strata: String,
}

impl AppContext {
    /// The `app` context of an existing project.
    pub fn of(project: &Project) -> Self {
        let crate_name = project.crate_name();
        Self {
            name: project.name.clone(),
            title: title_case(&crate_name),
            crate_name,
            db: project.db.as_str(),
            strata: String::new(),
        }
    }
}

/// minijinja's error with its chain of causes, on one line.
fn describe(error: &minijinja::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use minijinja::context;

    use super::*;

    #[test]
    fn case_filters() {
        let renderer = Renderer::new(None);
        let out = renderer
            .render_str(
                "t",
                "{{ n | snake }} {{ n | pascal }} {{ n | camel }} {{ n | kebab }} {{ n | shouty }} {{ n | plural }}",
                &context! { n => "BlogCategory" },
            )
            .unwrap();
        assert_eq!(
            out,
            "blog_category BlogCategory blogCategory blog-category BLOG_CATEGORY blog_categories"
        );
    }

    #[test]
    fn undefined_values_are_errors() {
        let renderer = Renderer::new(None);
        let err = renderer
            .render_str("t.j2", "{{ missing }}", &context! {})
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("template t.j2:"), "{err}");
        assert!(err.contains("undefined"), "{err}");
    }

    #[test]
    fn overrides_take_precedence() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("job")).unwrap();
        std::fs::write(
            dir.path().join("job/job.rs.j2"),
            "// mine: {{ job.name }}\n",
        )
        .unwrap();
        let renderer = Renderer::new(Some(dir.path().to_path_buf()));
        assert!(renderer.is_overridden("job/job.rs.j2"));
        let out = renderer
            .render(
                "job/job.rs.j2",
                &context! { job => context! { name => "Digest" } },
            )
            .unwrap();
        assert_eq!(out, "// mine: Digest\n");
        // Files without an override come from the embedded set.
        assert!(
            renderer
                .source("job/manifest.toml")
                .unwrap()
                .contains("[[file]]")
        );
    }
}
