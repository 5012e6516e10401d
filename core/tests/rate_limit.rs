//! Rate limiting over HTTP (SPEC §7): 429 envelopes and `RateLimit-*` headers,
//! keys (IP, user, trusted `X-Forwarded-For`), bounded memory, and the Redis
//! backend shared between two app instances and degrading per its failure policy
//! when Redis is cut off through a `TcpProxy` (Redis tests need `TEST_REDIS_URL`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use serde_json::Value;
use strata::axum::Router;
use strata::axum::body::Body;
use strata::axum::extract::ConnectInfo;
use strata::axum::http::{Request, StatusCode};
use strata::axum::routing::get;
use strata::cache::RedisOptions;
use strata::rate_limit::{
    FailurePolicy, KeyBy, MemoryLimiter, Quota, RateLimitLayer, RedisLimiter, TrustedProxies,
    UserKey,
};
use strata::testing::{TcpProxy, TestDatabase};
use strata::{App, Item};
use tower::ServiceExt;

struct Sent {
    status: StatusCode,
    headers: strata::axum::http::HeaderMap,
    body: Value,
}

impl Sent {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn number(&self, name: &str) -> u64 {
        self.header(name)
            .unwrap_or_else(|| panic!("{name} missing: {:?}", self.headers))
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// A request as the server would see it from `peer`.
struct Call {
    request: Request<Body>,
}

impl Call {
    fn from(peer: &str) -> Self {
        let mut request = Request::get("/limited").body(Body::empty()).unwrap();
        let peer: SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        Self { request }
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.request
            .headers_mut()
            .append(name, value.parse().unwrap());
        self
    }

    fn user(mut self, id: &str) -> Self {
        self.request.extensions_mut().insert(UserKey::new(id));
        self
    }

    async fn send(self, router: &Router) -> Sent {
        let response = router.clone().oneshot(self.request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Sent {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

fn quota(text: &str) -> Quota {
    text.parse().unwrap()
}

fn limited(layer: RateLimitLayer) -> Router {
    Router::new()
        .route("/limited", get(|| async { Item("ok") }))
        .route_layer(layer)
}

fn assert_rate_limited(sent: &Sent) {
    assert_eq!(
        sent.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        sent.body
    );
    assert_eq!(sent.body["success"], false, "{}", sent.body);
    assert_eq!(sent.body["error"]["code"], "RATE_LIMITED", "{}", sent.body);
    assert!(sent.number("retry-after") >= 1);
    assert_eq!(sent.number("ratelimit-remaining"), 0);
}

#[tokio::test]
async fn the_request_after_the_quota_is_refused_with_retry_after_and_the_envelope() {
    let router = limited(RateLimitLayer::per_ip(quota("3/min")));
    for expected_remaining in [2, 1, 0] {
        let sent = Call::from("1.2.3.4:1000").send(&router).await;
        assert_eq!(sent.status, StatusCode::OK);
        assert_eq!(sent.body["data"], "ok");
        assert_eq!(sent.number("ratelimit-limit"), 3);
        assert_eq!(sent.number("ratelimit-remaining"), expected_remaining);
        // Each used request takes 20 s (60 s / 3) to come back.
        let used = 3 - expected_remaining;
        assert_eq!(sent.number("ratelimit-reset"), 20 * used);
        assert_eq!(sent.header("retry-after"), None);
    }
    let refused = Call::from("1.2.3.4:1001").send(&router).await;
    assert_rate_limited(&refused);
    assert_eq!(refused.number("retry-after"), 20);
    assert_eq!(refused.number("ratelimit-limit"), 3);
    assert_eq!(refused.number("ratelimit-reset"), 60);
}

#[tokio::test]
async fn refused_responses_go_through_the_default_stack_as_envelopes() {
    let db = TestDatabase::sqlite();
    let api = Router::new()
        .route("/ping", get(|| async { Item("pong") }))
        .route_layer(RateLimitLayer::per_ip(quota("1/h")));
    let server = App::new(db.config())
        .api(api)
        .build()
        .await
        .expect("app builds");
    let router = server.router();
    let call = || {
        let mut request = Request::get("/api/v1/ping").body(Body::empty()).unwrap();
        let peer: SocketAddr = "9.9.9.9:1".parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        Call { request }
    };
    let first = call().send(&router).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.number("ratelimit-remaining"), 0);
    let second = call().send(&router).await;
    assert_rate_limited(&second);
    assert_eq!(second.number("retry-after"), 3600);
    let request_id = second
        .header("x-request-id")
        .expect("request id")
        .to_owned();
    assert_eq!(second.body["meta"]["requestId"], request_id.as_str());
    // Routes outside the group are not limited.
    let health = router
        .clone()
        .oneshot(Request::get("/health/live").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(health.headers().get("ratelimit-limit").is_none());
}

#[tokio::test]
async fn two_ips_do_not_share_a_quota() {
    let router = limited(RateLimitLayer::per_ip(quota("1/min")));
    assert_eq!(
        Call::from("1.1.1.1:1").send(&router).await.status,
        StatusCode::OK
    );
    assert_rate_limited(&Call::from("1.1.1.1:2").send(&router).await);
    assert_eq!(
        Call::from("2.2.2.2:1").send(&router).await.status,
        StatusCode::OK
    );
    assert_rate_limited(&Call::from("2.2.2.2:1").send(&router).await);
}

#[tokio::test]
async fn two_users_do_not_share_a_quota_even_from_one_ip() {
    let router = limited(RateLimitLayer::per_user(quota("2/min")));
    let office = "5.5.5.5:1";
    for _ in 0..2 {
        let sent = Call::from(office).user("alice").send(&router).await;
        assert_eq!(sent.status, StatusCode::OK);
    }
    assert_rate_limited(&Call::from(office).user("alice").send(&router).await);
    let bob = Call::from(office).user("bob").send(&router).await;
    assert_eq!(bob.status, StatusCode::OK);
    assert_eq!(bob.number("ratelimit-remaining"), 1);
    // Anonymous requests from the office IP have their own (IP) bucket.
    let anonymous = Call::from(office).send(&router).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert_eq!(anonymous.number("ratelimit-remaining"), 1);
}

#[tokio::test]
async fn api_keys_have_their_own_quota() {
    let layer = RateLimitLayer::new(
        MemoryLimiter::new(quota("1/min")),
        KeyBy::ApiKey("x-api-key".parse().unwrap()),
    );
    let router = limited(layer);
    let peer = "6.6.6.6:1";
    let first = Call::from(peer).header("x-api-key", "k1");
    assert_eq!(first.send(&router).await.status, StatusCode::OK);
    assert_rate_limited(
        &Call::from(peer)
            .header("x-api-key", "k1")
            .send(&router)
            .await,
    );
    let other = Call::from(peer).header("x-api-key", "k2");
    assert_eq!(other.send(&router).await.status, StatusCode::OK);
}

#[tokio::test]
async fn x_forwarded_for_is_honoured_only_from_trusted_proxies() {
    let proxies = TrustedProxies::parse(["10.0.0.0/8"]).unwrap();
    let router = limited(RateLimitLayer::per_ip(quota("1/min")).trusted_proxies(proxies));

    // Behind the trusted proxy, each forwarded client has its own quota.
    let via_proxy = |client: &str| Call::from("10.0.0.1:443").header("x-forwarded-for", client);
    assert_eq!(
        via_proxy("7.7.7.7").send(&router).await.status,
        StatusCode::OK
    );
    assert_rate_limited(&via_proxy("7.7.7.7").send(&router).await);
    assert_eq!(
        via_proxy("8.8.8.8").send(&router).await.status,
        StatusCode::OK
    );
    // A forged leftmost entry does not change the key: the proxy appended the
    // real client (7.7.7.7), which is read right to left.
    assert_rate_limited(&via_proxy("1.2.3.4, 7.7.7.7").send(&router).await);

    // From an untrusted peer, the header is ignored: spoofing a new address every
    // time still counts against the peer.
    let direct = |spoofed: &str| Call::from("3.3.3.3:1").header("x-forwarded-for", spoofed);
    assert_eq!(
        direct("20.0.0.1").send(&router).await.status,
        StatusCode::OK
    );
    assert_rate_limited(&direct("20.0.0.2").send(&router).await);
    assert_rate_limited(&Call::from("3.3.3.3:2").send(&router).await);
}

#[tokio::test]
async fn a_disabled_layer_lets_everything_through_without_headers() {
    let router = limited(RateLimitLayer::per_ip(quota("1/min")).enabled(false));
    for _ in 0..3 {
        let sent = Call::from("1.2.3.4:1").send(&router).await;
        assert_eq!(sent.status, StatusCode::OK);
        assert_eq!(sent.header("ratelimit-limit"), None);
    }
}

#[tokio::test]
async fn memory_stays_bounded_under_key_churn() {
    // Explicit retain_recent: every key is forgotten once its quota is full again.
    // 10/s: one request's worth returns in 100 ms; governor forgets a key once
    // its state is indistinguishable from a fresh one.
    let limiter = MemoryLimiter::new(quota("10/s"));
    for i in 0..5_000 {
        assert!(
            limiter
                .check_key(&format!("ip:10.{}.{}.1", i / 256, i % 256))
                .is_allowed()
        );
    }
    assert_eq!(limiter.len(), 5_000);
    limiter.retain_recent();
    assert!(
        limiter.len() > 4_000,
        "keys still within their period are kept"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    limiter.retain_recent();
    assert_eq!(limiter.len(), 0);

    // The background task does the same while the limiter lives.
    let limiter = MemoryLimiter::with_cleanup_interval(quota("10/s"), Duration::from_millis(100));
    for i in 0..2_000 {
        limiter.check_key(&format!("user:{i}"));
    }
    assert_eq!(limiter.len(), 2_000);
    let deadline = Instant::now() + Duration::from_secs(3);
    while !limiter.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(limiter.len(), 0, "the cleanup task forgot idle keys");
}

// ---- Redis ---------------------------------------------------------------

use strata::testing::redis_url;

fn namespace() -> String {
    format!("test-{}", uuid::Uuid::new_v4().simple())
}

async fn redis_layer(url: &str, namespace: &str, quota: Quota) -> RateLimitLayer {
    let limiter = RedisLimiter::connect(url, namespace, quota, RedisOptions::default())
        .await
        .unwrap_or_else(|e| panic!("TEST_REDIS_URL is set but unreachable: {e}"));
    RateLimitLayer::new(limiter, KeyBy::ClientIp)
}

#[tokio::test]
async fn two_instances_on_one_redis_share_one_quota() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL unset: Redis rate-limit test skipped");
        return;
    };
    let shared = namespace();
    let one = limited(redis_layer(&url, &shared, quota("4/min")).await);
    let two = limited(redis_layer(&url, &shared, quota("4/min")).await);
    let client = "4.4.4.4:1";
    let mut remaining = Vec::new();
    for router in [&one, &two, &one, &two] {
        let sent = Call::from(client).send(router).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        assert_eq!(sent.number("ratelimit-limit"), 4);
        remaining.push(sent.number("ratelimit-remaining"));
    }
    assert_eq!(remaining, [3, 2, 1, 0]);
    let refused = Call::from(client).send(&two).await;
    assert_rate_limited(&refused);
    assert_eq!(refused.number("retry-after"), 15);
    assert_rate_limited(&Call::from(client).send(&one).await);

    // Another client, and another namespace, start fresh.
    let other = Call::from("4.4.4.5:1").send(&one).await;
    assert_eq!(other.number("ratelimit-remaining"), 3);
    let elsewhere = limited(redis_layer(&url, &namespace(), quota("4/min")).await);
    let fresh = Call::from(client).send(&elsewhere).await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_eq!(fresh.number("ratelimit-remaining"), 3);
}

#[tokio::test]
async fn redis_quota_comes_back_after_the_interval() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL unset: Redis rate-limit test skipped");
        return;
    };
    let router = limited(redis_layer(&url, &namespace(), quota("2/s")).await);
    let client = "4.4.4.4:1";
    assert_eq!(
        Call::from(client).send(&router).await.status,
        StatusCode::OK
    );
    assert_eq!(
        Call::from(client).send(&router).await.status,
        StatusCode::OK
    );
    assert_rate_limited(&Call::from(client).send(&router).await);
    tokio::time::sleep(Duration::from_millis(550)).await;
    let back = Call::from(client).send(&router).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(back.number("ratelimit-remaining"), 0);
}

#[tokio::test]
async fn layers_from_config_share_quotas_per_group_through_redis() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL unset: Redis rate-limit test skipped");
        return;
    };
    let mut config = strata::Config::default();
    config.redis.url = Some(url);
    config.rate_limit.redis = Some(true);
    config.rate_limit.namespace = namespace();
    config.rate_limit.login = "1/min".into();
    config.rate_limit.trusted_proxies = vec!["10.0.0.0/8".into()];
    assert!(config.problems().is_empty(), "{:?}", config.problems());
    let login_quota = config.rate_limit.login_quota().unwrap();
    let build = |group: &str| {
        let layer = RateLimitLayer::from_config(&config, group, login_quota, KeyBy::ClientIp)
            .expect("layer builds");
        limited(layer)
    };
    let (one, two, other_group) = (build("login"), build("login"), build("signup"));
    let via_proxy = || Call::from("10.0.0.1:1").header("x-forwarded-for", "7.7.7.7");
    assert_eq!(via_proxy().send(&one).await.status, StatusCode::OK);
    assert_rate_limited(&via_proxy().send(&two).await);
    assert_eq!(via_proxy().send(&other_group).await.status, StatusCode::OK);
}

/// A Redis limiter behind a proxy, with a short operation timeout.
async fn behind_proxy(url: &str, policy: FailurePolicy) -> (TcpProxy, Router) {
    let target = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:6379")
        .to_owned();
    let proxy = TcpProxy::start(&target).await.expect("proxy starts");
    let options = RedisOptions::default().operation_timeout(Duration::from_millis(300));
    let limiter = RedisLimiter::connect(
        &format!("redis://{}", proxy.addr()),
        &namespace(),
        quota("2/min"),
        options,
    )
    .await
    .expect("Redis reachable through the proxy");
    let router = limited(RateLimitLayer::new(limiter, KeyBy::ClientIp).on_failure(policy));
    (proxy, router)
}

#[tokio::test]
async fn redis_down_fails_open_quickly_when_configured_to() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL unset: Redis rate-limit test skipped");
        return;
    };
    let (proxy, router) = behind_proxy(&url, FailurePolicy::Open).await;
    let client = "4.4.4.4:1";
    let sent = Call::from(client).send(&router).await;
    assert_eq!(sent.number("ratelimit-remaining"), 1, "Redis answers first");

    proxy.sever();
    for _ in 0..5 {
        let started = Instant::now();
        let sent = Call::from(client).send(&router).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        assert_eq!(sent.body["data"], "ok");
        assert_eq!(sent.header("ratelimit-limit"), None, "no invented numbers");
    }

    // Once Redis is back (after the 1 s outage cool-down), limits apply again.
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = Call::from(client).send(&router).await;
        if sent.header("ratelimit-limit").is_some() {
            assert_eq!(sent.number("ratelimit-remaining"), 0);
            break;
        }
        assert!(Instant::now() < deadline, "limiter never recovered");
    }
    assert_rate_limited(&Call::from(client).send(&router).await);
}

#[tokio::test]
async fn redis_down_fails_closed_quickly_when_configured_to() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL unset: Redis rate-limit test skipped");
        return;
    };
    let (proxy, router) = behind_proxy(&url, FailurePolicy::Closed).await;
    let client = "4.4.4.4:1";
    assert_eq!(
        Call::from(client).send(&router).await.status,
        StatusCode::OK
    );

    proxy.sever();
    for _ in 0..5 {
        let started = Instant::now();
        let sent = Call::from(client).send(&router).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            sent.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            sent.body
        );
        assert_eq!(sent.body["success"], false);
        assert_eq!(sent.body["error"]["code"], "SERVICE_UNAVAILABLE");
    }
    proxy.restore();
}
