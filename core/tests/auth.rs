//! Authentication (SPEC §5) through the full default stack, on SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL: every 401 cause, register/login/me, refresh
//! rotation and family revocation, logout, key rings, admin bootstrap.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sqlx::migrate::Migrator;
use strata::auth::{AuthUser, JwtKey, KeyRing, MaybeUser};
use strata::axum::Router;
use strata::axum::routing::get;
use strata::testing::{TestDatabase, TestRequest, TestResponse};
use strata::{App, AppState, Config, Db, Item, Migrations, Server};

const SECRET: &str = "an-hs256-test-secret-of-at-least-32-bytes";
const PASSWORD: &str = "correct horse battery";

fn key(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/keys/{name}.pem", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn probe_routes() -> Router<AppState> {
    async fn whoami(user: AuthUser) -> Item<AuthUser> {
        Item(user)
    }
    async fn maybe(MaybeUser(user): MaybeUser) -> Item<Option<String>> {
        Item(user.map(|u| u.email))
    }
    Router::new()
        .route("/whoami", get(whoami))
        .route("/maybe", get(maybe))
}

fn config(db: &TestDatabase) -> Config {
    let mut config = db.config();
    config.auth.jwt_secret = Some(SECRET.into());
    config
}

async fn build(config: Config, ring: Option<KeyRing>) -> Server {
    let mut app = App::new(config).with_auth().api(probe_routes());
    if let Some(ring) = ring {
        app = app.key_ring(ring);
    }
    app.build().await.expect("app builds")
}

async fn server(db: &TestDatabase) -> Server {
    build(config(db), None).await
}

async fn register(router: &Router, email: &str, password: &str) -> TestResponse {
    TestRequest::post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": password, "name": "Ada Lovelace"}))
        .send(router)
        .await
}

async fn login(router: &Router, email: &str, password: &str) -> TestResponse {
    TestRequest::post("/api/v1/auth/login")
        .json(&json!({"email": email, "password": password}))
        .send(router)
        .await
}

async fn refresh(router: &Router, token: &str) -> TestResponse {
    TestRequest::post("/api/v1/auth/refresh")
        .json(&json!({"refreshToken": token}))
        .send(router)
        .await
}

async fn get_with(router: &Router, path: &str, authorization: Option<&str>) -> TestResponse {
    let mut request = TestRequest::get(path);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send(router).await
}

fn data(response: &TestResponse) -> Value {
    response.json()["data"].clone()
}

fn assert_401(response: &TestResponse, case: &str) {
    assert_eq!(response.status, 401, "{case}: {}", response.text());
    let body = response.json();
    assert_eq!(body["success"], false, "{case}");
    assert_eq!(body["error"]["code"], "AUTHENTICATION_ERROR", "{case}");
    assert_eq!(
        response.header("www-authenticate"),
        Some("Bearer"),
        "{case}"
    );
}

/// Claims a Strata server accepts, with `overrides` applied.
fn claims(sub: &str, overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": "strata", "aud": "strata-api", "sub": sub, "exp": now + 600,
        "iat": now, "nbf": now, "jti": "j", "role": "student", "email": "x@example.com",
    });
    if let (Some(base), Some(over)) = (claims.as_object_mut(), overrides.as_object()) {
        for (k, v) in over {
            base.insert(k.clone(), v.clone());
        }
    }
    claims
}

fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("test token signs")
}

fn hs256(kid: Option<&str>, claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        kid,
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
}

fn b64(value: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value)
}

async fn scalar_i64(db: &Db, sql: &'static str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

async fn scalar_text(db: &Db, sql: &'static str) -> String {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

#[tokio::test]
async fn every_token_failure_is_the_same_401() {
    for db in TestDatabase::all().await {
        let server = server(&db).await;
        let router = server.router();
        let registered = register(&router, "ada@example.com", PASSWORD).await;
        assert_eq!(registered.status, 201, "{}", registered.text());
        let sub = data(&registered)["user"]["id"].as_str().unwrap().to_owned();
        let kid = server.state().auth().key_ring().active().kid().to_owned();
        let kid = Some(kid.as_str());
        let now = chrono::Utc::now().timestamp();

        let valid = hs256(kid, &claims(&sub, json!({})));
        let ok = get_with(&router, "/api/v1/whoami", Some(&format!("Bearer {valid}"))).await;
        assert_eq!(ok.status, 200, "{}", ok.text());
        assert_eq!(data(&ok)["id"], sub);

        let none_token = format!(
            "{}.{}.",
            b64(br#"{"alg":"none","typ":"JWT"}"#),
            b64(claims(&sub, json!({})).to_string().as_bytes())
        );
        let cases: Vec<(&str, Option<String>)> = vec![
            ("missing header", None),
            ("not bearer", Some("Basic YWRhOnB3".into())),
            ("empty bearer", Some("Bearer ".into())),
            ("malformed", Some("Bearer not-a.jwt".into())),
            (
                "expired",
                Some(hs256(
                    kid,
                    &claims(
                        &sub,
                        json!({"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200}),
                    ),
                )),
            ),
            (
                "wrong signature",
                Some(sign(
                    Algorithm::HS256,
                    kid,
                    &claims(&sub, json!({})),
                    &EncodingKey::from_secret(b"another-secret-that-is-32-bytes-long"),
                )),
            ),
            (
                "wrong iss",
                Some(hs256(kid, &claims(&sub, json!({"iss": "evil"})))),
            ),
            (
                "wrong aud",
                Some(hs256(kid, &claims(&sub, json!({"aud": "other-api"})))),
            ),
            (
                "not yet valid",
                Some(hs256(kid, &claims(&sub, json!({"nbf": now + 3600})))),
            ),
            (
                "unknown kid",
                Some(hs256(Some("nope"), &claims(&sub, json!({})))),
            ),
            ("alg none", Some(none_token)),
            (
                "sub not a uuid",
                Some(hs256(kid, &claims("root", json!({})))),
            ),
        ];
        let mut messages = Vec::new();
        for (case, token) in cases {
            let authorization = token.map(|t| {
                if t.starts_with("Basic") || t.starts_with("Bearer") {
                    t
                } else {
                    format!("Bearer {t}")
                }
            });
            let response = get_with(&router, "/api/v1/whoami", authorization.as_deref()).await;
            assert_401(&response, case);
            messages.push(response.json()["error"]["message"].clone());
            // The optional extractor: a present but broken token is still a 401.
            if authorization.is_some() {
                let maybe = get_with(&router, "/api/v1/maybe", authorization.as_deref()).await;
                assert_401(&maybe, case);
            }
        }
        assert!(messages.windows(2).all(|w| w[0] == w[1]), "{messages:?}");

        let anonymous = get_with(&router, "/api/v1/maybe", None).await;
        assert_eq!(anonymous.status, 200);
        assert_eq!(data(&anonymous), Value::Null);
        let known = get_with(&router, "/api/v1/maybe", Some(&format!("Bearer {valid}"))).await;
        assert_eq!(data(&known), "x@example.com");
    }
}

#[tokio::test]
async fn hs_rs_confusion_is_rejected() {
    let db = TestDatabase::sqlite();
    let ring = KeyRing::new(JwtKey::rs256("rs1", &key("rs1.key"), &key("rs1.pub")).unwrap());
    let server = build(config(&db), Some(ring)).await;
    let router = server.router();
    let sub = uuid::Uuid::new_v4().to_string();

    let genuine = sign(
        Algorithm::RS256,
        Some("rs1"),
        &claims(&sub, json!({})),
        &EncodingKey::from_rsa_pem(&key("rs1.key")).unwrap(),
    );
    let ok = get_with(
        &router,
        "/api/v1/whoami",
        Some(&format!("Bearer {genuine}")),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());

    // The classic attack: HMAC with the RSA public key as the shared secret.
    let forged = sign(
        Algorithm::HS256,
        Some("rs1"),
        &claims(&sub, json!({})),
        &EncodingKey::from_secret(&key("rs1.pub")),
    );
    let response = get_with(&router, "/api/v1/whoami", Some(&format!("Bearer {forged}"))).await;
    assert_401(&response, "HS256 token for an RS256 key");
    // And without a kid (falls back to the active RS256 key): still pinned.
    let forged = sign(
        Algorithm::HS256,
        None,
        &claims(&sub, json!({})),
        &EncodingKey::from_secret(&key("rs1.pub")),
    );
    let response = get_with(&router, "/api/v1/whoami", Some(&format!("Bearer {forged}"))).await;
    assert_401(&response, "HS256 token without kid");
}

#[tokio::test]
async fn register_login_me_happy_path() {
    for db in TestDatabase::all().await {
        let server = server(&db).await;
        let router = server.router();

        let response = register(&router, "  Ada@Example.COM ", PASSWORD).await;
        assert_eq!(response.status, 201, "{}", response.text());
        let session = data(&response);
        let user = &session["user"];
        assert_eq!(user["email"], "ada@example.com");
        assert_eq!(user["name"], "Ada Lovelace");
        assert_eq!(user["role"], "student");
        assert!(user["createdAt"].is_string() && user["updatedAt"].is_string());
        assert!(user.get("passwordHash").is_none() && user.get("password_hash").is_none());
        let mut keys: Vec<_> = session.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["accessToken", "expiresIn", "refreshToken", "user"]);
        assert_eq!(session["expiresIn"], 900);
        let id = user["id"].as_str().unwrap();
        assert_eq!(
            response.header("location"),
            Some(format!("/api/v1/users/{id}").as_str())
        );

        // The access token is an HS256 JWT with the SPEC's claims.
        let access = session["accessToken"].as_str().unwrap();
        let header = jsonwebtoken::decode_header(access).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
        assert!(header.kid.is_some());
        let me = get_with(
            &router,
            "/api/v1/auth/me",
            Some(&format!("Bearer {access}")),
        )
        .await;
        assert_eq!(me.status, 200, "{}", me.text());
        assert_eq!(data(&me), *user);

        // Login is case-insensitive on the email and answers the same shape.
        let response = login(&router, "ADA@example.com", PASSWORD).await;
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(data(&response)["user"], *user);
        assert_ne!(data(&response)["refreshToken"], session["refreshToken"]);

        // Side effects: an argon2id hash, and only hashes of refresh tokens.
        let hash = scalar_text(server.state().db(), "SELECT password_hash FROM users").await;
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let stored = scalar_i64(server.state().db(), "SELECT COUNT(*) FROM refresh_tokens").await;
        assert_eq!(stored, 2);
        let token_hash = scalar_text(
            server.state().db(),
            "SELECT token_hash FROM refresh_tokens ORDER BY created_at LIMIT 1",
        )
        .await;
        assert_eq!(token_hash.len(), 64);
        assert_ne!(token_hash, session["refreshToken"].as_str().unwrap());

        // me without a token is a 401.
        assert_401(
            &get_with(&router, "/api/v1/auth/me", None).await,
            "me anonymous",
        );
    }
}

#[tokio::test]
async fn duplicate_email_is_409_and_short_password_422() {
    for db in TestDatabase::all().await {
        let server = server(&db).await;
        let router = server.router();
        assert_eq!(
            register(&router, "ada@example.com", PASSWORD).await.status,
            201
        );

        let duplicate = register(&router, "ADA@example.com", PASSWORD).await;
        assert_eq!(duplicate.status, 409, "{}", duplicate.text());
        let error = &duplicate.json()["error"];
        assert_eq!(error["code"], "CONFLICT");
        assert_eq!(error["details"][0]["field"], "email");

        let short = register(&router, "bob@example.com", "123456789").await;
        assert_eq!(short.status, 422, "{}", short.text());
        let error = &short.json()["error"];
        assert_eq!(error["code"], "VALIDATION_ERROR");
        let fields: Vec<_> = error["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["password"]);
        // Nothing was written for the rejected registration.
        let users = scalar_i64(server.state().db(), "SELECT COUNT(*) FROM users").await;
        assert_eq!(users, 1);

        let everything = TestRequest::post("/api/v1/auth/register")
            .json(&json!({"email": "nope", "password": "x", "name": " "}))
            .send(&router)
            .await;
        assert_eq!(everything.status, 422);
        let fields: Vec<_> = everything.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, ["email", "password", "name"]);
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_indistinguishable() {
    for db in TestDatabase::all().await {
        let router = server(&db).await.router();
        assert_eq!(
            register(&router, "ada@example.com", PASSWORD).await.status,
            201
        );

        let wrong = login(&router, "ada@example.com", "not the password").await;
        let unknown = login(&router, "nobody@example.com", "not the password").await;
        for response in [&wrong, &unknown] {
            assert_401(response, "login failure");
        }
        let normalise = |response: &TestResponse| {
            let body = response.json();
            let mut text = response.text();
            for key in ["requestId", "timestamp"] {
                if let Some(value) = body["meta"][key].as_str() {
                    text = text.replace(value, "…");
                }
            }
            text
        };
        assert_eq!(normalise(&wrong), normalise(&unknown));
        assert_eq!(
            wrong.json()["error"]["message"],
            "Invalid email or password"
        );
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    for db in TestDatabase::all().await {
        let server = server(&db).await;
        let router = server.router();
        let first = data(&register(&router, "ada@example.com", PASSWORD).await);
        let r0 = first["refreshToken"].as_str().unwrap().to_owned();
        let other = data(&login(&router, "ada@example.com", PASSWORD).await);
        let other_r = other["refreshToken"].as_str().unwrap().to_owned();

        let rotated = refresh(&router, &r0).await;
        assert_eq!(rotated.status, 200, "{}", rotated.text());
        let pair = data(&rotated);
        let r1 = pair["refreshToken"].as_str().unwrap().to_owned();
        assert_ne!(r1, r0);
        assert_eq!(pair["user"]["email"], "ada@example.com");
        let access = pair["accessToken"].as_str().unwrap();
        let me = get_with(
            &router,
            "/api/v1/auth/me",
            Some(&format!("Bearer {access}")),
        )
        .await;
        assert_eq!(me.status, 200);

        // Reusing the rotated token: 401, and the family's newest token dies too.
        assert_401(&refresh(&router, &r0).await, "reuse of a rotated token");
        assert_401(
            &refresh(&router, &r1).await,
            "newest token of a revoked family",
        );
        let live = scalar_i64(
            server.state().db(),
            "SELECT COUNT(*) FROM refresh_tokens WHERE revoked_at IS NULL",
        )
        .await;
        assert_eq!(live, 1, "only the other session's token survives");

        // Another session (another family) is untouched.
        let still = refresh(&router, &other_r).await;
        assert_eq!(still.status, 200, "{}", still.text());

        // Garbage and unknown tokens are 401 too.
        assert_401(&refresh(&router, "garbage").await, "unknown refresh token");
    }
}

#[tokio::test]
async fn logout_revokes_and_expired_tokens_do_not_refresh() {
    for db in TestDatabase::all().await {
        let mut config = config(&db);
        config.auth.refresh_ttl_secs = 1;
        let router = build(config, None).await.router();
        let session = data(&register(&router, "ada@example.com", PASSWORD).await);
        let expiring = session["refreshToken"].as_str().unwrap().to_owned();

        let session = data(&login(&router, "ada@example.com", PASSWORD).await);
        let token = session["refreshToken"].as_str().unwrap().to_owned();
        let out = TestRequest::post("/api/v1/auth/logout")
            .json(&json!({"refreshToken": token}))
            .send(&router)
            .await;
        assert_eq!(out.status, 204);
        assert!(out.body.is_empty());
        assert_401(&refresh(&router, &token).await, "refresh after logout");

        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_401(&refresh(&router, &expiring).await, "expired refresh token");
    }
}

#[tokio::test]
async fn rs256_and_eddsa_key_rings_rotate_by_kid() {
    for db in TestDatabase::all().await {
        // Before rotation: RS256 key rs1 signs.
        let before = KeyRing::new(JwtKey::rs256("rs1", &key("rs1.key"), &key("rs1.pub")).unwrap());
        let old = build(config(&db), Some(before)).await.router();
        let session = data(&register(&old, "ada@example.com", PASSWORD).await);
        let old_token = session["accessToken"].as_str().unwrap().to_owned();
        let header = jsonwebtoken::decode_header(&old_token).unwrap();
        assert_eq!(
            (header.alg, header.kid.as_deref()),
            (Algorithm::RS256, Some("rs1"))
        );

        // After rotation: EdDSA key ed1 signs; rs1 is kept, verify-only.
        let after = KeyRing::new(JwtKey::eddsa("ed1", &key("ed1.key"), &key("ed1.pub")).unwrap())
            .with(JwtKey::rs256_public("rs1", &key("rs1.pub")).unwrap());
        let new = build(config(&db), Some(after)).await.router();
        let me = get_with(
            &new,
            "/api/v1/auth/me",
            Some(&format!("Bearer {old_token}")),
        )
        .await;
        assert_eq!(me.status, 200, "old token still verifies: {}", me.text());

        let session = data(&login(&new, "ada@example.com", PASSWORD).await);
        let new_token = session["accessToken"].as_str().unwrap().to_owned();
        let header = jsonwebtoken::decode_header(&new_token).unwrap();
        assert_eq!(
            (header.alg, header.kid.as_deref()),
            (Algorithm::EdDSA, Some("ed1"))
        );
        let me = get_with(
            &new,
            "/api/v1/auth/me",
            Some(&format!("Bearer {new_token}")),
        )
        .await;
        assert_eq!(me.status, 200, "{}", me.text());

        // The old instance does not know ed1; a token signed by a different
        // Ed25519 key under the name ed1 fails its signature check.
        let unknown = get_with(
            &old,
            "/api/v1/auth/me",
            Some(&format!("Bearer {new_token}")),
        )
        .await;
        assert_401(&unknown, "kid unknown to the old ring");
        let sub = session["user"]["id"].as_str().unwrap();
        let impostor = sign(
            Algorithm::EdDSA,
            Some("ed1"),
            &claims(sub, json!({})),
            &EncodingKey::from_ed_pem(&key("ed2.key")).unwrap(),
        );
        let forged = get_with(&new, "/api/v1/auth/me", Some(&format!("Bearer {impostor}"))).await;
        assert_401(&forged, "EdDSA token from another key");
        // An RS256 token claiming the EdDSA key's kid is refused (pinned alg).
        let confused = sign(
            Algorithm::RS256,
            Some("ed1"),
            &claims(sub, json!({})),
            &EncodingKey::from_rsa_pem(&key("rs2.key")).unwrap(),
        );
        let confused = get_with(&new, "/api/v1/auth/me", Some(&format!("Bearer {confused}"))).await;
        assert_401(&confused, "RS256 token naming an EdDSA key");
    }
}

#[tokio::test]
async fn admin_bootstrap_creates_then_updates_the_admin() {
    for db in TestDatabase::all().await {
        // A plain user exists first.
        let router = server(&db).await.router();
        let plain = register(&router, "boss@example.com", PASSWORD).await;
        assert_eq!(data(&plain)["user"]["role"], "student");

        // Start-up with ADMIN_EMAIL/ADMIN_PASSWORD promotes it and resets its password.
        let mut config = config(&db);
        config.auth.admin_email = Some("Boss@Example.com".into());
        config.auth.admin_password = Some("a-brand-new-admin-password".into());
        let router = build(config.clone(), None).await.router();
        assert_401(
            &login(&router, "boss@example.com", PASSWORD).await,
            "old password",
        );
        let session = login(&router, "boss@example.com", "a-brand-new-admin-password").await;
        assert_eq!(session.status, 200, "{}", session.text());
        assert_eq!(data(&session)["user"]["role"], "admin");

        // A missing admin is created.
        config.auth.admin_email = Some("root@example.com".into());
        config.auth.admin_password = Some("root-password-123".into());
        let server = build(config, None).await;
        let router = server.router();
        let session = login(&router, "root@example.com", "root-password-123").await;
        assert_eq!(session.status, 200, "{}", session.text());
        assert_eq!(data(&session)["user"]["role"], "admin");
        assert_eq!(data(&session)["user"]["name"], "Administrator");
        let admins = scalar_i64(
            server.state().db(),
            "SELECT COUNT(*) FROM users WHERE role = 'admin'",
        )
        .await;
        assert_eq!(admins, 2);
    }
}

#[test]
fn admin_variables_and_auth_defaults_come_from_config() {
    let vars = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let config = Config::load_from(
        "",
        vars(&[
            ("STRATA_CONFIG_DIR", "/nonexistent"),
            ("ADMIN_EMAIL", "admin@example.com"),
            ("ADMIN_PASSWORD", "long-enough-password"),
        ]),
    )
    .unwrap();
    assert_eq!(
        config.auth.admin_email.as_deref(),
        Some("admin@example.com")
    );
    assert_eq!(config.auth.issuer, "strata");
    assert_eq!(config.auth.audience, "strata-api");
    assert_eq!(config.auth.access_ttl_secs, 900);
    assert_eq!(config.auth.refresh_ttl_secs, 2_592_000);
    assert!(!format!("{:?}", config.auth).contains("long-enough-password"));

    let err = Config::load_from(
        "",
        vars(&[
            ("STRATA_CONFIG_DIR", "/nonexistent"),
            ("ADMIN_EMAIL", "admin@example.com"),
            ("STRATA_AUTH__ACCESS_TTL_SECS", "0"),
        ]),
    )
    .unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(err.problems.iter().any(|p| p.contains("ADMIN_PASSWORD")));
    assert!(err.problems.iter().any(|p| p.contains("access_ttl_secs")));
}

#[tokio::test]
async fn framework_and_app_migrations_share_the_migrations_table() {
    let dir =
        std::env::temp_dir().join(format!("strata-auth-mig-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("0001_notes.sql"),
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    )
    .unwrap();
    for db in TestDatabase::all().await {
        for _ in 0..2 {
            let migrations = Migrations::new()
                .sqlite(Migrator::new(dir.as_path()).await.unwrap())
                .postgres(Migrator::new(dir.as_path()).await.unwrap());
            let server = App::new(config(&db))
                .with_auth()
                .migrations(migrations)
                .build()
                .await
                .expect("builds, and builds again");
            let db = server.state().db();
            assert_eq!(scalar_i64(db, "SELECT COUNT(*) FROM notes").await, 0);
            assert_eq!(scalar_i64(db, "SELECT COUNT(*) FROM users").await, 0);
            // Strata's auth and audit migrations, then the app's one.
            assert_eq!(
                scalar_i64(db, "SELECT COUNT(*) FROM _sqlx_migrations").await,
                3
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
