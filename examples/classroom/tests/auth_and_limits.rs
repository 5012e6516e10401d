//! The classroom binary with auth, roles and rate limits (SPEC §11): register,
//! `/me`, rate-limit headers on the API, and the strict login limit per IP.

mod common;

use common::{send, start};

#[test]
fn register_me_and_rate_limits() {
    let server = start(&[
        ("ADMIN_EMAIL", "head@school.test"),
        ("ADMIN_PASSWORD", "head teacher password"),
    ]);
    let addr = &server.addr;
    let credentials = serde_json::json!({"email": "kid@school.test", "password": "a long password", "name": "Kid"});
    let registered = send(
        addr,
        "POST",
        "/api/v1/auth/register",
        Some(&credentials),
        None,
    )
    .unwrap();
    assert_eq!(registered.status, 201, "{}", registered.body);
    assert_eq!(registered.body["data"]["user"]["role"], "student");
    let token = registered.body["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let me = send(addr, "GET", "/api/v1/auth/me", None, Some(&token)).unwrap();
    assert_eq!(me.status, 200);
    assert_eq!(me.body["data"]["email"], "kid@school.test");
    assert!(me.head.contains("ratelimit-limit: 1000"), "{}", me.head);
    assert!(me.head.contains("ratelimit-remaining:"), "{}", me.head);

    // Students may not change roles; the bootstrap admin may.
    let user_id = registered.body["data"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let promote = serde_json::json!({"role": "teacher"});
    let denied = send(
        addr,
        "PATCH",
        &format!("/api/v1/users/{user_id}"),
        Some(&promote),
        Some(&token),
    )
    .unwrap();
    assert_eq!(denied.status, 403);

    // Login: 5 per minute per IP (the admin login below is the first).
    let admin_login =
        serde_json::json!({"email": "head@school.test", "password": "head teacher password"});
    let admin = send(addr, "POST", "/api/v1/auth/login", Some(&admin_login), None).unwrap();
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert!(admin.head.contains("ratelimit-limit: 5"), "{}", admin.head);
    let admin_token = admin.body["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let promoted = send(
        addr,
        "PATCH",
        &format!("/api/v1/users/{user_id}"),
        Some(&promote),
        Some(&admin_token),
    )
    .unwrap();
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    assert_eq!(promoted.body["data"]["role"], "teacher");

    let login = serde_json::json!({"email": "kid@school.test", "password": "a long password"});
    for attempt in 2..=5 {
        let response = send(addr, "POST", "/api/v1/auth/login", Some(&login), None).unwrap();
        assert_eq!(response.status, 200, "attempt {attempt}: {}", response.body);
    }
    let limited = send(addr, "POST", "/api/v1/auth/login", Some(&login), None).unwrap();
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.body["error"]["code"], "RATE_LIMITED");
    assert!(limited.head.contains("retry-after:"), "{}", limited.head);
    // Other routes are not affected by the login limit.
    let me = send(addr, "GET", "/api/v1/auth/me", None, Some(&token)).unwrap();
    assert_eq!(me.status, 200);
}

/// SPEC §11: `REDIS_URL` alone moves the quotas (and the row cache) into
/// Redis: two instances share one login quota, and readiness checks Redis.
#[test]
fn redis_url_shares_quotas_between_instances() {
    let Ok(redis) = std::env::var("TEST_REDIS_URL") else {
        eprintln!("skipped: TEST_REDIS_URL is not set");
        return;
    };
    let namespace = format!("classroom-test-{}", uuid::Uuid::new_v4().simple());
    let env = [
        ("REDIS_URL", redis.as_str()),
        ("STRATA_RATE_LIMIT__NAMESPACE", namespace.as_str()),
        ("RATE_LIMIT_LOGIN", "2/min"),
    ];
    let (one, two) = (start(&env), start(&env));
    let ready = send(&one.addr, "GET", "/health/ready", None, None).unwrap();
    assert_eq!(
        ready.body["data"]["checks"]["redis"], "ok",
        "{}",
        ready.body
    );

    let login = serde_json::json!({"email": "nobody@school.test", "password": "a long password"});
    for server in [&one, &two] {
        let response = send(
            &server.addr,
            "POST",
            "/api/v1/auth/login",
            Some(&login),
            None,
        )
        .unwrap();
        assert_eq!(response.status, 401, "{}", response.body);
        assert!(
            response.head.contains("ratelimit-limit: 2"),
            "{}",
            response.head
        );
    }
    // The quota is spent across both instances.
    for server in [&one, &two] {
        let limited = send(
            &server.addr,
            "POST",
            "/api/v1/auth/login",
            Some(&login),
            None,
        )
        .unwrap();
        assert_eq!(limited.status, 429, "{}", limited.body);
    }
}
