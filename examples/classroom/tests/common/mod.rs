//! Helpers for tests that run the classroom binary and talk raw HTTP to it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Response {
    pub status: u16,
    pub head: String,
    pub body: serde_json::Value,
}

pub fn send(
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

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn start(extra_env: &[(&str, &str)]) -> Server {
    let dir = std::env::temp_dir().join(format!(
        "classroom-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
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
