//! The classroom binary with auth, roles and rate limits (SPEC §11): register,
//! `/me`, rate-limit headers on the API, and the strict login limit per IP.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Response {
    status: u16,
    head: String,
    body: serde_json::Value,
}

fn send(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
    token: Option<&str>,
) -> Option<Response> {
    let mut stream = TcpStream::connect(addr).ok()?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n");
    if body.is_some() {
        request.push_str(&format!(
            "content-type: application/json\r\ncontent-length: {}\r\n",
            payload.len()
        ));
    }
    if let Some(token) = token {
        request.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&payload);
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let body = serde_json::from_str(body.trim()).unwrap_or(serde_json::Value::Null);
    Some(Response {
        status,
        head: head.to_ascii_lowercase(),
        body,
    })
}

struct Server {
    child: Child,
    addr: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(extra_env: &[(&str, &str)]) -> Server {
    let dir = std::env::temp_dir().join(format!(
        "classroom-auth-{}-{}",
        std::process::id(),
        extra_env.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-classroom"));
    command
        .current_dir(&dir)
        .env_clear()
        .env("BIND_ADDR", &addr)
        .env("LOG_LEVEL", "warn");
    for (k, v) in extra_env {
        command.env(k, v);
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while send(&addr, "GET", "/health/ready", None, None).is_none_or(|r| r.status != 200) {
        assert!(Instant::now() < deadline, "classroom did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child, addr, dir }
}

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
