//! The framework's own routes: health, metrics, the document and its page, and
//! the built-in auth endpoints.

use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder};
use utoipa::openapi::{Content, HttpMethod, ResponseBuilder, Type};
use utoipa::{PartialSchema, ToSchema};

use super::operation::{self as op, JSON};
use super::registry::OpenApiRegistry;
use super::schemas::schema_ref;
use crate::auth::{LoginRequest, RefreshRequest, RegisterRequest, RoleChange, Session, User};
use crate::error::ErrorCode;

/// Component name of the health payload (`{"status": "ok", "checks": {…}}`).
pub const HEALTH_STATUS: &str = "HealthStatus";

const SYSTEM_TAG: &str = "system";
const AUTH_TAG: &str = "auth";
const USERS_TAG: &str = "users";

impl OpenApiRegistry {
    /// Documents `GET /health/live`, `GET /health/ready`, `GET /openapi.json`,
    /// `GET /docs` and, when `metrics` is true, `GET /metrics`.
    pub fn system_routes(&mut self, metrics: bool) -> &mut Self {
        let status = ObjectBuilder::new()
            .property(
                "status",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["ok"])),
            )
            .required("status")
            .property(
                "checks",
                ObjectBuilder::new()
                    .description(Some("Each dependency checked and its state."))
                    .additional_properties(Some(AdditionalProperties::RefOr(
                        ObjectBuilder::new().schema_type(Type::String).into(),
                    ))),
            )
            .build();
        self.enveloped_schema(HEALTH_STATUS, status);
        self.tag(SYSTEM_TAG, "Health, metrics and this documentation.");
        let live = op::builder("healthLive", SYSTEM_TAG, "Liveness")
            .description(Some("200 while the process serves requests."))
            .response("200", op::item_response("Alive.", HEALTH_STATUS))
            .build();
        self.path("/health/live", HttpMethod::Get, live);
        let ready = op::builder("healthReady", SYSTEM_TAG, "Readiness")
            .description(Some(
                "200 when the database (and Redis when configured) answer; 503 otherwise, with the failed checks in `details`.",
            ))
            .response("200", op::item_response("Ready.", HEALTH_STATUS));
        let ready = op::with_errors(ready, &[ErrorCode::ServiceUnavailable]).build();
        self.path("/health/ready", HttpMethod::Get, ready);
        if metrics {
            let text = ObjectBuilder::new().schema_type(Type::String).build();
            let metrics = op::builder("metrics", SYSTEM_TAG, "Prometheus metrics")
                .description(Some(
                    "Request count and latency histogram by route and status, in the Prometheus text format.",
                ))
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("Prometheus text exposition.")
                        .content("text/plain; version=0.0.4", Content::new(Some(text))),
                )
                .build();
            self.path("/metrics", HttpMethod::Get, metrics);
        }
        let document = op::builder("openApiDocument", SYSTEM_TAG, "This OpenAPI document")
            .response(
                "200",
                ResponseBuilder::new()
                    .description("The OpenAPI 3.1 document.")
                    .content(
                        JSON,
                        Content::new(Some(ObjectBuilder::new().schema_type(Type::Object).build())),
                    ),
            )
            .build();
        self.path("/openapi.json", HttpMethod::Get, document);
        let docs = op::builder("apiReference", SYSTEM_TAG, "API reference page")
            .response(
                "200",
                ResponseBuilder::new()
                    .description(
                        "An HTML page rendering this document; every asset is served by this app.",
                    )
                    .content(
                        "text/html",
                        Content::new(Some(ObjectBuilder::new().schema_type(Type::String).build())),
                    ),
            )
            .build();
        self.path("/docs", HttpMethod::Get, docs);
        self
    }

    /// Documents the built-in auth routes mounted by
    /// [`App::with_auth`](crate::App::with_auth) and their schemas.
    pub fn auth_routes(&mut self) -> &mut Self {
        self.schema(RegisterRequest::name(), RegisterRequest::schema());
        self.schema(LoginRequest::name(), LoginRequest::schema());
        self.schema(RefreshRequest::name(), RefreshRequest::schema());
        self.schema(RoleChange::name(), RoleChange::schema());
        self.enveloped_schema(&Session::name(), Session::schema());
        self.enveloped_schema(&User::name(), User::schema());
        self.tag(AUTH_TAG, "Registration, sessions and the current user.");
        self.tag(USERS_TAG, "User administration.");

        let body = |name: &str, what: &str| op::json_body(what, schema_ref(name));
        let json_errors = [
            ErrorCode::BadRequest,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
        ];
        let tail = [
            ErrorCode::RateLimited,
            ErrorCode::InternalError,
            ErrorCode::ServiceUnavailable,
        ];
        let errors = |extra: &[ErrorCode]| -> Vec<ErrorCode> {
            json_errors
                .iter()
                .chain(extra)
                .chain(tail.iter())
                .copied()
                .collect()
        };

        let register = op::builder("register", AUTH_TAG, "Create an account and sign in")
            .request_body(Some(body(
                "RegisterRequest",
                "Email, password (at least 10 characters) and name.",
            )))
            .response(
                "201",
                op::item_response("The account was created; a new session.", "Session"),
            );
        let register = op::with_errors(
            register,
            &errors(&[ErrorCode::Conflict, ErrorCode::ValidationError]),
        );
        self.path("/api/v1/auth/register", HttpMethod::Post, register.build());

        let login = op::builder("login", AUTH_TAG, "Sign in")
            .request_body(Some(body("LoginRequest", "Email and password.")))
            .response("200", op::item_response("A new session.", "Session"));
        let login = op::with_errors(
            login,
            &errors(&[ErrorCode::AuthenticationError, ErrorCode::ValidationError]),
        );
        self.path("/api/v1/auth/login", HttpMethod::Post, login.build());

        let refresh = op::builder("refreshSession", AUTH_TAG, "Exchange a refresh token")
            .description(Some(
                "Refresh tokens are single-use; the answer holds a new pair.",
            ))
            .request_body(Some(body("RefreshRequest", "The refresh token.")))
            .response("200", op::item_response("A new session.", "Session"));
        let refresh = op::with_errors(refresh, &errors(&[ErrorCode::AuthenticationError]));
        self.path("/api/v1/auth/refresh", HttpMethod::Post, refresh.build());

        let logout = op::builder("logout", AUTH_TAG, "Revoke a refresh token")
            .request_body(Some(body("RefreshRequest", "The refresh token to revoke.")))
            .response("204", op::empty_response("Signed out; no body."));
        let logout = op::with_errors(logout, &errors(&[]));
        self.path("/api/v1/auth/logout", HttpMethod::Post, logout.build());

        let me = op::builder("getCurrentUser", AUTH_TAG, "The signed-in user")
            .security(op::bearer())
            .response(
                "200",
                op::item_response("The user the token belongs to.", "User"),
            );
        let me = op::with_errors(
            me,
            &[
                ErrorCode::AuthenticationError,
                ErrorCode::RateLimited,
                ErrorCode::InternalError,
                ErrorCode::ServiceUnavailable,
            ],
        );
        self.path("/api/v1/auth/me", HttpMethod::Get, me.build());

        let id = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Uuid,
            )))
            .build();
        let role = op::builder("changeUserRole", USERS_TAG, "Change a user's role")
            .description(Some(
                "Needs the `users:update` permission. A role the policy does not define is 422.",
            ))
            .security(op::bearer())
            .parameter(op::path_param("id", "The user id.", id.into()))
            .request_body(Some(body("RoleChange", "The new role.")))
            .response("200", op::item_response("The updated user.", "User"));
        let role = op::with_errors(
            role,
            &errors(&[
                ErrorCode::AuthenticationError,
                ErrorCode::Forbidden,
                ErrorCode::NotFound,
                ErrorCode::ValidationError,
            ]),
        );
        self.path("/api/v1/users/{id}", HttpMethod::Patch, role.build());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_schemas_are_camel_case() {
        let json = serde_json::to_value(Session::schema()).unwrap();
        assert!(json["properties"]["accessToken"].is_object(), "{json}");
        assert!(json["properties"]["refreshToken"].is_object(), "{json}");
        let json = serde_json::to_value(User::schema()).unwrap();
        assert_eq!(
            json["properties"]["createdAt"]["format"], "date-time",
            "{json}"
        );
        assert_eq!(json["properties"]["id"]["format"], "uuid", "{json}");
    }
}
