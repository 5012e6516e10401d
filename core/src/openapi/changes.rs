//! The change routes: `GET /api/v1/events` (SSE) and `GET /api/v1/audit`.

use utoipa::openapi::schema::ObjectBuilder;
use utoipa::openapi::{Content, HttpMethod, ResponseBuilder, Type};

use super::operation::{self as op};
use super::registry::OpenApiRegistry;
use super::resource::ResourceDoc;
use crate::error::ErrorCode;

const EVENTS_TAG: &str = "events";
const AUDIT_TAG: &str = "audit";

impl OpenApiRegistry {
    /// Documents `GET /api/v1/events`, the SSE stream of change events
    /// ([`App::with_events`](crate::App::with_events)).
    pub fn events_route(&mut self) -> &mut Self {
        self.tag(EVENTS_TAG, "Live change events over server-sent events.");
        let stream = ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "`event: <resource>.<created|updated|deleted>`, `id: <event id>`, `data: {\"type\", \"resource\", \"permission\", \"action\", \"resourceId\", \"data\" (the row), \"actorId\", \"requestId\", \"at\"}`; `:` keep-alive comments; `event: lagged` with `{\"missed\": n}` when the client fell behind.",
            ))
            .build();
        let list = ObjectBuilder::new().schema_type(Type::String).build();
        let operation = op::builder("streamEvents", EVENTS_TAG, "Stream change events")
            .description(Some(
                "Every committed create, update and delete of the resources the caller may read, restricted to the rows its scopes allow. Delivery is at most once.",
            ))
            .parameter(op::query_param(
                "resources",
                "Comma-separated resource paths to receive (default: all).",
                list.into(),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("A `text/event-stream` that ends when the server shuts down.")
                    .content("text/event-stream", Content::new(Some(stream))),
            );
        let operation = op::with_errors(
            operation,
            &[
                ErrorCode::BadRequest,
                ErrorCode::AuthenticationError,
                ErrorCode::RateLimited,
                ErrorCode::InternalError,
            ],
        )
        .build();
        self.path("/api/v1/events", HttpMethod::Get, operation);
        self
    }

    /// Documents `GET /api/v1/audit` and the `AuditEntry` schema.
    pub fn audit_route(&mut self) -> &mut Self {
        let fields = crate::audit::SPEC.fields;
        let schema = crate::resource::openapi::object(fields.iter(), false);
        let doc = ResourceDoc {
            path: "audit",
            tag: AUDIT_TAG,
            schema_name: "AuditEntry",
            schema: schema.clone(),
            create: ("AuditEntry", schema.clone()),
            update: ("AuditEntry", schema.clone()),
            patch: ("AuditEntry", schema),
            spec: &crate::audit::SPEC,
            parents: &[],
            id_type: crate::query::FieldType::Uuid,
        };
        self.tag(AUDIT_TAG, "Who changed what and when (needs `audit:read`).");
        for (name, schema) in doc.schemas() {
            self.schema(&name, schema);
        }
        let (path, method, mut operation) = doc
            .operations()
            .into_iter()
            .find(|(_, method, _)| *method == HttpMethod::Get)
            .expect("a resource doc lists its collection first");
        operation.operation_id = Some("listAudit".to_owned());
        operation.summary = Some("List audit entries".to_owned());
        self.path(&path, method, operation);
        self
    }
}
