//! What one REST resource contributes to the document: its schemas and the
//! list/get/create/put/patch/delete operations, with the list grammar's query
//! parameters taken from its [`QuerySpec`].

use heck::ToUpperCamelCase;
use utoipa::openapi::path::{Operation, OperationBuilder, Parameter};
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::{
    Content, HttpMethod, KnownFormat, RefOr, ResponseBuilder, SchemaFormat, Type,
};

use super::operation::{self as op, JSON};
use super::schemas::{self, field_type_schema, schema_ref};
use crate::error::ErrorCode;
use crate::query::{FieldType, FilterOp, QuerySpec};

/// Everything the document needs to know about one resource. The `Resource`
/// derive fills it in; hand-written resources build it themselves.
///
/// `path: "assignments"` documents `/api/v1/assignments` and
/// `/api/v1/assignments/{id}`; each `parents` entry `("assignments", "assignmentId")`
/// adds the nested collection `/api/v1/assignments/{assignmentId}/<path>` (list and
/// create).
#[derive(Clone)]
pub struct ResourceDoc {
    /// The plural path segment under `/api/v1`, e.g. `assignments`.
    pub path: &'static str,
    /// The tag grouping the resource's operations.
    pub tag: &'static str,
    /// The component name of the item, e.g. `Assignment`.
    pub schema_name: &'static str,
    /// The item schema.
    pub schema: RefOr<Schema>,
    /// Name and schema of the `POST` body, e.g. `AssignmentCreate`.
    pub create: (&'static str, RefOr<Schema>),
    /// Name and schema of the `PUT` body.
    pub update: (&'static str, RefOr<Schema>),
    /// Name and schema of the `PATCH` body.
    pub patch: (&'static str, RefOr<Schema>),
    /// The list grammar: filterable, sortable and searchable fields, page sizes.
    pub spec: &'static QuerySpec,
    /// Parent collections: `(parent path, path parameter name)`.
    pub parents: &'static [(&'static str, &'static str)],
    /// The type of `{id}`.
    pub id_type: FieldType,
}

/// The errors every authenticated operation can answer with.
const COMMON: [ErrorCode; 5] = [
    ErrorCode::AuthenticationError,
    ErrorCode::Forbidden,
    ErrorCode::RateLimited,
    ErrorCode::InternalError,
    ErrorCode::ServiceUnavailable,
];

/// The errors a JSON body adds.
const BODY: [ErrorCode; 4] = [
    ErrorCode::BadRequest,
    ErrorCode::PayloadTooLarge,
    ErrorCode::UnsupportedMediaType,
    ErrorCode::ValidationError,
];

impl std::fmt::Debug for ResourceDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceDoc")
            .field("path", &self.path)
            .field("tag", &self.tag)
            .field("schema_name", &self.schema_name)
            .field("parents", &self.parents)
            .field("id_type", &self.id_type)
            .finish_non_exhaustive()
    }
}

impl ResourceDoc {
    /// The component schemas this resource adds: the item, its three envelopes and
    /// the three bodies.
    pub fn schemas(&self) -> Vec<(String, RefOr<Schema>)> {
        let mut out = vec![(self.schema_name.to_owned(), self.schema.clone())];
        out.extend(schemas::envelope_schemas(self.schema_name));
        for (name, schema) in [&self.create, &self.update, &self.patch] {
            out.push(((*name).to_owned(), schema.clone()));
        }
        out
    }

    /// Every operation as `(path, method, operation)`.
    pub fn operations(&self) -> Vec<(String, HttpMethod, Operation)> {
        let collection = format!("/api/v1/{}", self.path);
        let item = format!("{collection}/{{id}}");
        let plural = self.path.to_upper_camel_case();
        let singular = self.schema_name;
        let mut out = vec![
            (
                collection.clone(),
                HttpMethod::Get,
                self.list(
                    &format!("list{plural}"),
                    &format!("List {}", self.path),
                    None,
                ),
            ),
            (
                collection,
                HttpMethod::Post,
                self.create(&format!("create{singular}"), None),
            ),
            (item.clone(), HttpMethod::Get, self.get(singular)),
            (item.clone(), HttpMethod::Put, self.put(singular)),
            (item.clone(), HttpMethod::Patch, self.patch(singular)),
            (item, HttpMethod::Delete, self.delete(singular)),
        ];
        for &(parent_path, param) in self.parents {
            let nested = format!("/api/v1/{parent_path}/{{{param}}}/{}", self.path);
            let parent = param
                .strip_suffix("Id")
                .unwrap_or(param)
                .to_upper_camel_case();
            out.push((
                nested.clone(),
                HttpMethod::Get,
                self.list(
                    &format!("list{parent}{plural}"),
                    &format!("List the {} of one {parent_path} entry", self.path),
                    Some((parent_path, param)),
                ),
            ));
            out.push((
                nested,
                HttpMethod::Post,
                self.create(
                    &format!("create{parent}{singular}"),
                    Some((parent_path, param)),
                ),
            ));
        }
        out
    }

    fn base(&self, id: &str, summary: &str) -> OperationBuilder {
        op::builder(id, self.tag, summary).security(op::bearer())
    }

    fn id_param(&self) -> Parameter {
        op::path_param(
            "id",
            &format!("The {} id.", self.schema_name),
            field_type_schema(self.id_type),
        )
    }

    fn parent_param(&self, (parent_path, param): (&str, &str)) -> Parameter {
        op::path_param(
            param,
            &format!(
                "Id of the parent in `{parent_path}`; 404 when it does not exist or is not visible."
            ),
            // Parents are assumed to use the same id type as the resource.
            field_type_schema(self.id_type),
        )
    }

    fn etag_response(&self, status_text: &str, singular: &str) -> ResponseBuilder {
        ResponseBuilder::new()
            .description(status_text)
            .content(
                JSON,
                Content::new(Some(schema_ref(&schemas::item_envelope_name(singular)))),
            )
            .header(
                "ETag",
                op::string_header("Entity tag of the returned version."),
            )
    }

    fn list(&self, id: &str, summary: &str, parent: Option<(&str, &str)>) -> Operation {
        let mut builder = self
            .base(id, summary)
            .description(Some(self.list_description()))
            .parameters(Some(self.list_params()))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("A page of items: offset pagination, or cursor pagination when `cursor` is given.")
                    .content(
                        JSON,
                        Content::new(Some(schemas::list_response_schema(self.schema_name))),
                    ),
            );
        let mut errors = vec![ErrorCode::BadRequest];
        if let Some(parent) = parent {
            builder = builder.parameter(self.parent_param(parent));
            errors.push(ErrorCode::NotFound);
        }
        errors.extend(COMMON);
        op::with_errors(builder, &errors).build()
    }

    fn create(&self, id: &str, parent: Option<(&str, &str)>) -> Operation {
        let singular = self.schema_name;
        let mut builder = self
            .base(id, &format!("Create a {singular}"))
            .request_body(Some(op::json_body(
                &format!("The new {singular}; read-only fields are not accepted."),
                schema_ref(self.create.0),
            )))
            .response(
                "201",
                self.etag_response("Created.", singular)
                    .header("Location", op::string_header("URL of the created item.")),
            );
        let mut errors = BODY.to_vec();
        if let Some(parent) = parent {
            builder = builder.parameter(self.parent_param(parent));
            errors.push(ErrorCode::NotFound);
        }
        errors.push(ErrorCode::Conflict);
        errors.extend(COMMON);
        op::with_errors(builder, &errors).build()
    }

    /// `fields=`: a sparse fieldset, on lists and single items.
    fn fields_param(&self) -> Parameter {
        let fields = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(self.spec.fields.iter().map(|f| f.name)))
            .build()
            .into();
        op::query_list_param(
            "fields",
            "Sparse fieldset: comma-separated field names (the id is always included).",
            fields,
        )
    }

    fn get(&self, singular: &str) -> Operation {
        let builder = self
            .base(&format!("get{singular}"), &format!("Get one {singular}"))
            .parameter(self.id_param())
            .parameter(self.fields_param())
            .parameter(op::header_param(
                "If-None-Match",
                "An ETag from an earlier response; 304 when it still matches.",
            ))
            .response("200", self.etag_response("The item.", singular))
            .response(
                "304",
                ResponseBuilder::new()
                    .description("Not modified: `If-None-Match` matches the current ETag.")
                    .header("ETag", op::string_header("The current entity tag.")),
            );
        let mut errors = vec![ErrorCode::BadRequest, ErrorCode::NotFound];
        errors.extend(COMMON);
        op::with_errors(builder, &errors).build()
    }

    fn write(
        &self,
        id: &str,
        summary: &str,
        body: &(&str, RefOr<Schema>),
        what: &str,
    ) -> Operation {
        let builder = self
            .base(id, summary)
            .parameter(self.id_param())
            .parameter(op::header_param(
                "If-Match",
                "The ETag the change is based on; 412 when the item changed since.",
            ))
            .request_body(Some(op::json_body(what, schema_ref(body.0))))
            .response(
                "200",
                self.etag_response("The updated item.", self.schema_name),
            );
        let mut errors = BODY.to_vec();
        errors.extend([
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::PreconditionFailed,
        ]);
        errors.extend(COMMON);
        op::with_errors(builder, &errors).build()
    }

    fn put(&self, singular: &str) -> Operation {
        self.write(
            &format!("replace{singular}"),
            &format!("Replace a {singular}"),
            &self.update,
            "Every writable field.",
        )
    }

    fn patch(&self, singular: &str) -> Operation {
        self.write(
            &format!("update{singular}"),
            &format!("Update part of a {singular}"),
            &self.patch,
            "The fields to change; an absent field is left as is, `null` clears it.",
        )
    }

    fn delete(&self, singular: &str) -> Operation {
        let builder = self
            .base(
                &format!("delete{singular}"),
                &format!("Delete a {singular}"),
            )
            .parameter(self.id_param())
            .parameter(op::header_param(
                "If-Match",
                "The ETag the deletion is based on; 412 when the item changed since.",
            ))
            .response("204", op::empty_response("Deleted; no body."));
        let mut errors = vec![
            ErrorCode::BadRequest,
            ErrorCode::NotFound,
            ErrorCode::PreconditionFailed,
        ];
        errors.extend(COMMON);
        op::with_errors(builder, &errors).build()
    }

    fn list_description(&self) -> String {
        let spec = self.spec;
        let names = |pred: fn(&crate::query::FieldMeta) -> bool| {
            let names: Vec<String> = spec
                .fields
                .iter()
                .filter(|f| pred(f))
                .map(|f| format!("`{}`", f.name))
                .collect();
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        };
        format!(
            "Filterable: {}. Sortable: {}. Searchable: {}. Filters are `field=value` (equality) or \
             `field[op]=value`; `in`/`nin` take comma lists, `contains`/`startsWith` are \
             case-insensitive. Unknown parameters, fields or operators are 400.",
            names(|f| f.filterable),
            names(|f| f.sortable),
            names(|f| f.searchable),
        )
    }

    fn list_params(&self) -> Vec<Parameter> {
        let spec = self.spec;
        let int = |min: u64, max: Option<u64>, default: u64| -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(min as f64))
                .maximum(max.map(|m| m as f64))
                .default(Some(default.into()))
                .build()
                .into()
        };
        let string = || -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .build()
                .into()
        };
        let per_page = format!(
            "Items per page (default {}, at most {}; larger values are clamped, zero or negative is 400).",
            spec.default_per_page, spec.max_per_page
        );
        let mut params = vec![
            op::query_param(
                "page",
                "1-based page number (offset pagination).",
                int(1, None, 1),
            ),
            op::query_param(
                "perPage",
                &per_page,
                int(1, Some(spec.max_per_page), spec.default_per_page),
            ),
            op::query_param(
                "limit",
                &format!("Alias of `perPage`. {per_page}"),
                int(1, Some(spec.max_per_page), spec.default_per_page),
            ),
            op::query_param(
                "cursor",
                "Switches to keyset pagination: empty for the first page, then `pagination.nextCursor`. Opaque and tamper-evident.",
                string(),
            ),
        ];
        let sortable: Vec<String> = spec
            .fields
            .iter()
            .filter(|f| f.sortable)
            .flat_map(|f| [f.name.to_owned(), format!("-{}", f.name)])
            .collect();
        let sort_items = if sortable.is_empty() {
            string()
        } else {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(sortable))
                .build()
                .into()
        };
        params.push(op::query_list_param(
            "sort",
            "Comma-separated sort keys, `-` for descending, e.g. `-dueDate,title`; ties are broken by id.",
            sort_items,
        ));
        let searchable: Vec<&str> = spec
            .fields
            .iter()
            .filter(|f| f.searchable)
            .map(|f| f.name)
            .collect();
        if !searchable.is_empty() {
            params.push(op::query_param(
                "search",
                &format!(
                    "Case-insensitive substring search over {}.",
                    searchable.join(", ")
                ),
                string(),
            ));
        }
        params.push(self.fields_param());
        for field in spec.fields.iter().filter(|f| f.filterable) {
            let ops: Vec<&str> = FilterOp::ALL
                .iter()
                .filter(|o| o.applies_to(field.ty))
                .map(|o| o.as_str())
                .collect();
            params.push(op::query_param(
                field.name,
                &format!(
                    "`{name}` equals this value. Operators: {ops} (as `{name}[op]`).",
                    name = field.name,
                    ops = ops.join(", ")
                ),
                field_type_schema(field.ty),
            ));
            for filter_op in FilterOp::ALL.iter().filter(|o| o.applies_to(field.ty)) {
                if *filter_op == FilterOp::Eq {
                    params.push(op::query_param(
                        &format!("{}[eq]", field.name),
                        &format!("`{}` equals this value.", field.name),
                        field_type_schema(field.ty),
                    ));
                    continue;
                }
                params.push(filter_param(field.name, field.ty, *filter_op));
            }
        }
        params
    }
}

fn filter_param(name: &str, ty: FieldType, filter_op: FilterOp) -> Parameter {
    let param = format!("{name}[{}]", filter_op.as_str());
    match filter_op {
        FilterOp::In | FilterOp::Nin => op::query_list_param(
            &param,
            &format!(
                "`{name}` is {}one of these comma-separated values.",
                if filter_op == FilterOp::Nin {
                    "not "
                } else {
                    ""
                }
            ),
            field_type_schema(ty),
        ),
        FilterOp::IsNull => op::query_param(
            &param,
            &format!("`true`: `{name}` is null; `false`: it is not."),
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .build()
                .into(),
        ),
        FilterOp::Contains | FilterOp::StartsWith => op::query_param(
            &param,
            &format!(
                "`{name}` {} this text (case-insensitive).",
                if filter_op == FilterOp::Contains {
                    "contains"
                } else {
                    "starts with"
                }
            ),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .build()
                .into(),
        ),
        other => op::query_param(
            &param,
            &format!(
                "`{name}` {} this value.",
                match other {
                    FilterOp::Ne => "differs from",
                    FilterOp::Gt => "is greater than",
                    FilterOp::Gte => "is greater than or equal to",
                    FilterOp::Lt => "is less than",
                    FilterOp::Lte => "is less than or equal to",
                    _ => "equals",
                }
            ),
            field_type_schema(ty),
        ),
    }
}
