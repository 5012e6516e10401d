//! `strata generate resource <Name> <field:type[:modifier…]>… [--belongs-to <Parent>]`.

use minijinja::context;
use serde::Serialize;

use crate::error::CliError;
use crate::field::{FieldSpec, FieldType, parse_fields};
use crate::names::{Name, api_name, title_case};
use crate::plan::{Generate, Plan};
use crate::project::{Db, Project};
use crate::render::{plan_in, to_value};

use super::migration::{migration_file, next_version};

/// The test fixtures file, where a parent's `create_<parent>` must be.
const FIXTURES: &str = "tests/common/fixtures.rs";

/// What `strata generate resource` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceOptions {
    /// The type name, e.g. `Post`.
    pub name: String,
    /// The `field:type[:modifier…]` arguments, as given.
    pub fields: Vec<String>,
    /// `--belongs-to`: the parent resource's type name.
    pub belongs_to: Option<String>,
}

impl ResourceOptions {
    /// The command line, recorded in generated headers.
    fn command(&self) -> String {
        let mut words = vec!["strata generate resource".to_owned(), self.name.clone()];
        words.extend(self.fields.iter().cloned());
        if let Some(parent) = &self.belongs_to {
            words.push(format!("--belongs-to {parent}"));
        }
        words.join(" ")
    }
}

#[derive(Serialize)]
struct ResourceContext {
    name: String,
    singular: String,
    module: String,
    table: String,
    path: String,
    permission: String,
    rules: String,
    title: String,
    plural_title: String,
    parent: Option<ParentContext>,
    fields: Vec<FieldContext>,
    filter_tests: Vec<FieldContext>,
    patch: Option<PatchContext>,
    uses_date: bool,
    has_search: bool,
}

#[derive(Serialize)]
struct ParentContext {
    name: String,
    singular: String,
    path: String,
    title: String,
    fk: String,
    fk_api: String,
}

#[derive(Serialize, Clone)]
struct FieldContext {
    name: String,
    api: String,
    rust_type: String,
    doc: String,
    attrs: String,
    validate: String,
    sample: String,
    unique: bool,
    filter: bool,
    sort: bool,
    search: bool,
}

#[derive(Serialize)]
struct PatchContext {
    api: String,
    value: String,
}

#[derive(Serialize)]
struct MigrationContext {
    file: String,
    columns: Vec<String>,
    indexes: Vec<String>,
}

/// The files and registrations of a new resource in `project`.
impl Generate for ResourceOptions {
    fn plan(&self, project: &Project, force: bool) -> Result<Plan, CliError> {
        let name = Name::parse(&self.name)?;
        project.ensure_new_module("domains", &name.snake_plural, force)?;
        let parent = match &self.belongs_to {
            None => None,
            Some(raw) => {
                let parent = Name::parse(raw)?;
                if parent == name {
                    return Err(CliError::Clash(format!(
                        "`{}` cannot belong to itself",
                        name.pascal
                    )));
                }
                if !project
                    .root
                    .join("src/domains")
                    .join(&parent.snake_plural)
                    .is_dir()
                {
                    return Err(CliError::Clash(format!(
                        "no resource `{}` to belong to: src/domains/{} does not exist (generate it first)",
                        parent.pascal, parent.snake_plural
                    )));
                }
                let fixture = format!("pub async fn create_{}(", parent.snake);
                let fixtures =
                    std::fs::read_to_string(project.root.join(FIXTURES)).unwrap_or_default();
                if !fixtures.contains(&fixture) {
                    return Err(CliError::Clash(format!(
                        "--belongs-to {} needs `create_{}` in {FIXTURES} for the generated tests; `strata generate resource` writes it, add one for a hand-written resource",
                        parent.pascal, parent.snake
                    )));
                }
                Some(parent)
            }
        };
        let foreign_key = parent.as_ref().map(|p| format!("{}_id", p.snake));
        let fields = parse_fields(&self.fields, foreign_key.as_deref())?;
        if fields.is_empty() {
            return Err(CliError::InvalidField {
                spec: String::new(),
                reason: "give at least one field, e.g. `title:string`".into(),
            });
        }

        let contexts: Vec<FieldContext> = fields.iter().map(field_context).collect();
        let parent_context = parent.as_ref().map(|p| {
            let fk = format!("{}_id", p.snake);
            ParentContext {
                name: p.pascal.clone(),
                singular: p.snake.clone(),
                path: p.kebab_plural.clone(),
                title: p.words.clone(),
                fk_api: api_name(&fk),
                fk,
            }
        });
        let mut filter_tests: Vec<FieldContext> = Vec::new();
        if let Some(parent) = &parent_context {
            filter_tests.push(FieldContext {
                name: parent.fk.clone(),
                api: parent.fk_api.clone(),
                rust_type: "Uuid".into(),
                doc: String::new(),
                attrs: String::new(),
                validate: String::new(),
                sample: String::new(),
                unique: false,
                filter: true,
                sort: false,
                search: false,
            });
        }
        filter_tests.extend(
            fields
                .iter()
                .zip(&contexts)
                .filter(|(f, _)| f.filter && equality_testable(&f.ty))
                .map(|(_, c)| c.clone()),
        );
        let patch = fields.iter().find_map(|f| {
            let value = match &f.ty {
                FieldType::String => "\"changed\"".to_owned(),
                FieldType::Text => "\"changed text\"".to_owned(),
                FieldType::Int | FieldType::BigInt => "7".to_owned(),
                FieldType::Bool => "false".to_owned(),
                FieldType::Enum(variants) => format!("\"{}\"", variants.last()?),
                _ => return None,
            };
            Some(PatchContext {
                api: api_name(&f.name),
                value,
            })
        });
        let resource = ResourceContext {
            rules: format!("{}Rules", name.pascal),
            title: name.words.clone(),
            plural_title: title_case(&name.snake_plural),
            module: name.snake_plural.clone(),
            table: name.snake_plural.clone(),
            path: name.kebab_plural.clone(),
            permission: name.snake_plural.clone(),
            singular: name.snake.clone(),
            name: name.pascal.clone(),
            uses_date: fields.iter().any(|f| f.ty == FieldType::Date),
            has_search: fields.iter().any(|f| f.search),
            parent: parent_context,
            fields: contexts,
            filter_tests,
            patch,
        };
        let file = existing_migration(project, &resource.table).unwrap_or_else(|| {
            migration_file(next_version(project), &format!("create_{}", resource.table))
        });
        let migration = MigrationContext {
            file,
            columns: columns(project.db, &resource, &fields),
            indexes: indexes(&resource, &fields),
        };
        let parts = context! {
            resource => to_value(&resource),
            migration => to_value(&migration),
        };
        plan_in(project, "resource", self.command(), parts)
    }
}

/// The migration an earlier run wrote for `table`, reused by `--force`.
fn existing_migration(project: &Project, table: &str) -> Option<String> {
    let dir = project.root.join("migrations");
    let entries = std::fs::read_dir(&dir).ok()?;
    let suffix = format!("_create_{table}.sql");
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(&suffix))
        .collect();
    names.sort();
    names.pop()
}

/// Filters the generated test checks by equality with the created row's value
/// (floats, instants and JSON are filterable but their text is not stable).
fn equality_testable(ty: &FieldType) -> bool {
    !matches!(ty, FieldType::Float | FieldType::DateTime | FieldType::Json)
}

fn field_context(field: &FieldSpec) -> FieldContext {
    let mut attrs: Vec<String> = Vec::new();
    if field.filter {
        attrs.push("filter".into());
    }
    if field.sort {
        attrs.push("sort".into());
    }
    if field.search {
        attrs.push("search".into());
    }
    if let FieldType::Enum(variants) = &field.ty {
        attrs.push(format!("enum = \"{}\"", variants.join("|")));
    }
    let validate = match field.ty {
        FieldType::String => "length(min = 1, max = 255)".to_owned(),
        _ => String::new(),
    };
    let mut doc = format!("`{}`: {}", field.name, field.ty.label());
    if field.optional {
        doc.push_str(", optional");
    }
    if field.unique {
        doc.push_str(", unique");
    }
    if field.ty == FieldType::Decimal {
        doc.push_str(" (exact decimal text, e.g. `\"12.50\"`)");
    }
    doc.push('.');
    FieldContext {
        api: api_name(&field.name),
        rust_type: field.rust_type(),
        sample: sample(field),
        doc,
        attrs: attrs.join(", "),
        validate,
        unique: field.unique,
        filter: field.filter,
        sort: field.sort,
        search: field.search,
        name: field.name.clone(),
    }
}

/// A Rust expression (inside `serde_json::json!`) for a valid value of the
/// field in tests; distinct per call for unique fields.
fn sample(field: &FieldSpec) -> String {
    let name = &field.name;
    let unique = field.unique;
    match &field.ty {
        FieldType::String if unique => format!("format!(\"{name}-{{}}\", super::unique())"),
        FieldType::String => format!("\"{name}-sample\""),
        FieldType::Text if unique => format!("format!(\"Some {name} {{}}.\", super::unique())"),
        FieldType::Text => format!("\"Some {name}.\""),
        FieldType::Int | FieldType::BigInt if unique => "super::unique()".into(),
        FieldType::Int => "42".into(),
        FieldType::BigInt => "9_000_000_000_i64".into(),
        FieldType::Float if unique => "super::unique() as f64 + 0.5".into(),
        FieldType::Float => "2.5".into(),
        FieldType::Bool => "true".into(),
        FieldType::Uuid if unique => "uuid::Uuid::new_v4().to_string()".into(),
        FieldType::Uuid => "\"0190b7a4-1d2c-7e3f-8a4b-5c6d7e8f9a0b\"".into(),
        FieldType::Date if unique => "(strata::chrono::NaiveDate::from_ymd_opt(2030, 1, 1).expect(\"a date\") + strata::chrono::Days::new(super::unique())).to_string()".into(),
        FieldType::Date => "\"2030-01-15\"".into(),
        FieldType::DateTime if unique => "(strata::chrono::DateTime::UNIX_EPOCH + strata::chrono::TimeDelta::seconds(1_900_000_000 + super::unique() as i64)).to_rfc3339()".into(),
        FieldType::DateTime => "\"2030-01-15T10:00:00Z\"".into(),
        FieldType::Json => "{\"key\": \"value\"}".into(),
        FieldType::Decimal if unique => "format!(\"{}.50\", super::unique())".into(),
        FieldType::Decimal => "\"12.50\"".into(),
        FieldType::Enum(variants) => format!("\"{}\"", variants.first().map_or("", String::as_str)),
    }
}

fn columns(db: Db, resource: &ResourceContext, fields: &[FieldSpec]) -> Vec<String> {
    let uuid = FieldType::Uuid.sql_type(db);
    let instant = FieldType::DateTime.sql_type(db);
    let mut columns = vec![format!("id {uuid} PRIMARY KEY NOT NULL")];
    if let Some(parent) = &resource.parent {
        columns.push(format!(
            "{} {uuid} NOT NULL REFERENCES {} (id) ON DELETE CASCADE",
            parent.fk,
            crate::names::plural(&parent.singular)
        ));
    }
    for field in fields {
        let mut column = format!("{} {}", field.name, field.ty.sql_type(db));
        if !field.optional {
            column.push_str(" NOT NULL");
        }
        if field.unique {
            column.push_str(" UNIQUE");
        }
        if let FieldType::Enum(variants) = &field.ty {
            let list: Vec<String> = variants.iter().map(|v| format!("'{v}'")).collect();
            column.push_str(&format!(" CHECK ({} IN ({}))", field.name, list.join(", ")));
        }
        columns.push(column);
    }
    columns.push(format!("created_at {instant} NOT NULL"));
    columns.push(format!("updated_at {instant} NOT NULL"));
    columns
}

/// The seeds' indexing guidance: the foreign key, every filter/sort field that
/// a unique constraint does not already index, and the default sort.
fn indexes(resource: &ResourceContext, fields: &[FieldSpec]) -> Vec<String> {
    let table = &resource.table;
    let mut out = Vec::new();
    if let Some(parent) = &resource.parent {
        out.push(format!(
            "CREATE INDEX {table}_{fk} ON {table} ({fk}, id);",
            fk = parent.fk
        ));
    }
    for field in fields.iter().filter(|f| (f.filter || f.sort) && !f.unique) {
        out.push(format!(
            "CREATE INDEX {table}_{name} ON {table} ({name}, id);",
            name = field.name
        ));
    }
    out.push(format!(
        "CREATE INDEX {table}_created_at ON {table} (created_at, id);"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_recorded() {
        let options = ResourceOptions {
            name: "Comment".into(),
            fields: vec!["body:text".into()],
            belongs_to: Some("Post".into()),
        };
        assert_eq!(
            options.command(),
            "strata generate resource Comment body:text --belongs-to Post"
        );
    }
}
