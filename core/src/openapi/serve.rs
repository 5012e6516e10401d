//! `GET /openapi.json`, `GET /docs` and the page's assets, all served by the app.

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, header};
use utoipa::openapi::OpenApi;

/// The reference page: a shell loading [`SCALAR_JS`] and [`INIT_JS`] from this app.
pub const PAGE_HTML: &str = include_str!("page/index.html");

/// Mounts Scalar on `#api-reference-root`, pointed at `/openapi.json`, with web
/// fonts, the request proxy and telemetry off.
pub const INIT_JS: &str = include_str!("page/init.js");

/// The vendored `@scalar/api-reference` browser bundle (MIT), see
/// `core/assets/scalar/vendor.sh`.
pub const SCALAR_JS: &str = include_str!("../../assets/scalar/standalone.js");

/// Every asset path the page loads, with its content type and body.
pub const ASSETS: [(&str, &str, &str); 2] = [
    (
        "/docs/scalar.js",
        "text/javascript; charset=utf-8",
        SCALAR_JS,
    ),
    ("/docs/init.js", "text/javascript; charset=utf-8", INIT_JS),
];

/// The page's Content-Security-Policy: scripts, styles, fonts and requests from
/// this origin only (Scalar injects its styles, hence `'unsafe-inline'` styles).
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The routes serving `document`: `GET /openapi.json`, `GET /docs` and
/// `GET /docs/{scalar,init}.js`. The document is serialised once, here.
pub fn routes<S: Clone + Send + Sync + 'static>(document: &OpenApi) -> Router<S> {
    // The document holds only strings, maps and numbers: serialising it cannot fail.
    let json: Arc<str> = serde_json::to_string(document)
        .unwrap_or_else(|_| "{}".to_owned())
        .into();
    let mut router = Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json.to_string(),
                    )
                }
            }),
        )
        .route(
            "/docs",
            get(|| async { page_response("text/html; charset=utf-8", PAGE_HTML, "no-cache") }),
        );
    for (path, content_type, body) in ASSETS {
        router = router.route(
            path,
            get(move || async move { page_response(content_type, body, "public, max-age=3600") }),
        );
    }
    router
}

fn page_response(content_type: &'static str, body: &'static str, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_CSP),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scheme://` URLs ending in a file extension a browser would load as an asset,
    /// or used in CSS `url()`, `@import`, `src=`/`href=` attributes or `import()`.
    fn external_assets(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for scheme in ["http://", "https://"] {
            let mut rest = text;
            while let Some(i) = rest.find(scheme) {
                let before = &rest[..i];
                let url: String = rest[i..]
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '\'' | '`' | ')' | ' ' | '\n' | '\\'))
                    .collect();
                let lead = before.trim_end_matches(['"', '\'', '`', ' ', '(']);
                let in_asset_position = lead.ends_with("url")
                    || lead.ends_with("src=")
                    || lead.ends_with("href=")
                    || lead.ends_with("@import")
                    || lead.ends_with("import");
                let path = url.split(['?', '#']).next().unwrap_or("");
                let asset_extension = [".js", ".mjs", ".css", ".woff", ".woff2", ".ttf", ".otf"]
                    .iter()
                    .any(|ext| path.ends_with(ext));
                if in_asset_position || asset_extension {
                    found.push(url);
                }
                rest = &rest[i + scheme.len()..];
            }
        }
        found
    }

    #[test]
    fn page_and_init_script_name_no_url_at_all() {
        for text in [PAGE_HTML, INIT_JS] {
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "{text}"
            );
        }
        assert!(INIT_JS.contains("withDefaultFonts: false"));
        assert!(INIT_JS.contains("url: '/openapi.json'"));
    }

    #[test]
    fn vendored_bundle_loads_no_external_asset() {
        assert!(SCALAR_JS.len() > 1_000_000, "the real bundle is vendored");
        assert_eq!(external_assets(SCALAR_JS), Vec::<String>::new());
        assert!(!SCALAR_JS.contains("fonts.scalar.com"));
    }

    #[test]
    fn the_asset_scan_finds_what_it_should() {
        let found = external_assets(
            r#"<script src="https://cdn.example/x.js"></script> a{src:url(https://f.example/a.woff2)} "http://x.example/y.css""#,
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(external_assets(r#"xmlns="http://www.w3.org/2000/svg""#).is_empty());
    }
}
