//! The registry the app (and the `Resource` derive) documents routes into.

use std::collections::BTreeMap;

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, HttpMethod, InfoBuilder, OpenApi, OpenApiBuilder, Paths, RefOr,
};

use super::operation::BEARER_AUTH;
use super::resource::ResourceDoc;
use super::schemas;

/// Collects paths, schemas and tags, and builds the OpenAPI 3.1 document.
///
/// ```
/// use strata::openapi::OpenApiRegistry;
///
/// let registry = OpenApiRegistry::new("Classroom", "1.0.0");
/// let doc = registry.document();
/// assert_eq!(doc.info.title, "Classroom");
/// assert!(doc.components.unwrap().schemas.contains_key("ErrorEnvelope"));
/// ```
#[derive(Clone)]
pub struct OpenApiRegistry {
    title: String,
    version: String,
    description: Option<String>,
    paths: Paths,
    schemas: BTreeMap<String, RefOr<Schema>>,
    tags: BTreeMap<String, Option<String>>,
}

impl std::fmt::Debug for OpenApiRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApiRegistry")
            .field("title", &self.title)
            .field("version", &self.version)
            .field("paths", &self.paths.paths.keys().collect::<Vec<_>>())
            .field("schemas", &self.schemas.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl OpenApiRegistry {
    /// An empty document titled `title`, API version `version`, holding the
    /// contract's shared schemas (envelopes, errors, pagination) and the
    /// `bearerAuth` security scheme.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            version: version.into(),
            description: None,
            paths: Paths::new(),
            schemas: schemas::contract_schemas().into_iter().collect(),
            tags: BTreeMap::new(),
        }
    }

    /// The document's `info.description` (Markdown).
    pub fn description(&mut self, description: impl Into<String>) -> &mut Self {
        self.description = Some(description.into());
        self
    }

    /// Documents a resource: its schemas, envelopes and every operation.
    pub fn resource(&mut self, doc: ResourceDoc) -> &mut Self {
        for (name, schema) in doc.schemas() {
            self.schemas.insert(name, schema);
        }
        self.tags.entry(doc.tag.to_owned()).or_insert(None);
        for (path, method, operation) in doc.operations() {
            self.path(&path, method, operation);
        }
        self
    }

    /// Documents one hand-written operation at `path` (the full path, e.g.
    /// `/api/v1/stats`, with `{param}` placeholders). Build `operation` with
    /// [`operation`](super::operation)'s helpers. A later operation for the same
    /// path and method replaces the earlier one.
    pub fn path(&mut self, path: &str, method: HttpMethod, operation: Operation) -> &mut Self {
        if let Some(tags) = &operation.tags {
            for tag in tags {
                self.tags.entry(tag.clone()).or_insert(None);
            }
        }
        self.paths.add_path_operation(path, vec![method], operation);
        self
    }

    /// Adds (or replaces) the component schema `name`.
    pub fn schema(
        &mut self,
        name: impl Into<String>,
        schema: impl Into<RefOr<Schema>>,
    ) -> &mut Self {
        self.schemas.insert(name.into(), schema.into());
        self
    }

    /// Adds the component `name` and its three envelopes
    /// (`{name}ItemEnvelope`, `{name}Page`, `{name}CursorPage`).
    pub fn enveloped_schema(&mut self, name: &str, schema: impl Into<RefOr<Schema>>) -> &mut Self {
        self.schema(name, schema);
        for (envelope, schema) in schemas::envelope_schemas(name) {
            self.schemas.insert(envelope, schema);
        }
        self
    }

    /// Describes the tag `name` (tags used by operations are listed anyway).
    pub fn tag(&mut self, name: &str, description: &str) -> &mut Self {
        self.tags
            .insert(name.to_owned(), Some(description.to_owned()));
        self
    }

    /// Whether an operation is documented for `path` and `method`.
    pub fn has_operation(&self, path: &str, method: HttpMethod) -> bool {
        self.paths.get_path_operation(path, method).is_some()
    }

    /// The OpenAPI 3.1 document.
    pub fn document(&self) -> OpenApi {
        let info = InfoBuilder::new()
            .title(self.title.clone())
            .version(self.version.clone())
            .description(self.description.clone())
            .build();
        let mut components = ComponentsBuilder::new().security_scheme(
            BEARER_AUTH,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login`, sent as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        for (name, schema) in &self.schemas {
            components = components.schema(name.clone(), schema.clone());
        }
        let tags = self.tags.iter().map(|(name, description)| {
            TagBuilder::new()
                .name(name.clone())
                .description(description.clone())
                .build()
        });
        OpenApiBuilder::new()
            .info(info)
            .paths(self.paths.clone())
            .components(Some(components.build()))
            .tags(Some(tags))
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::openapi::operation;

    #[test]
    fn hand_written_paths_and_tags_reach_the_document() {
        let mut registry = OpenApiRegistry::new("T", "0.1.0");
        registry.description("The test API.");
        let op = operation::builder("getStats", "stats", "Statistics");
        let op = operation::with_errors(op, &[ErrorCode::AuthenticationError]);
        registry.path("/api/v1/stats", HttpMethod::Get, op.build());
        registry.enveloped_schema("Stats", utoipa::openapi::ObjectBuilder::new().build());
        assert!(registry.has_operation("/api/v1/stats", HttpMethod::Get));
        assert!(!registry.has_operation("/api/v1/stats", HttpMethod::Post));

        let json = serde_json::to_value(registry.document()).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        assert_eq!(json["info"]["description"], "The test API.");
        assert_eq!(
            json["paths"]["/api/v1/stats"]["get"]["operationId"],
            "getStats"
        );
        assert_eq!(json["tags"][0]["name"], "stats");
        for name in [
            "Stats",
            "StatsItemEnvelope",
            "StatsPage",
            "StatsCursorPage",
            "ErrorEnvelope",
        ] {
            assert!(json["components"]["schemas"][name].is_object(), "{name}");
        }
    }

    #[test]
    fn system_routes_follow_the_metrics_switch() {
        let mut registry = OpenApiRegistry::new("T", "0.1.0");
        registry.system_routes(false);
        assert!(registry.has_operation("/health/live", HttpMethod::Get));
        assert!(!registry.has_operation("/metrics", HttpMethod::Get));
        registry.system_routes(true);
        assert!(registry.has_operation("/metrics", HttpMethod::Get));
    }
}
