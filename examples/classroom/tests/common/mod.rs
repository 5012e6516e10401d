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

impl Server {
    /// What the server has logged to stdout so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout.log")).unwrap_or_default()
    }
}

/// An open `text/event-stream` response, decoded from HTTP/1.1 chunks.
pub struct EventStream {
    stream: TcpStream,
    raw: Vec<u8>,
    body: String,
}

impl EventStream {
    /// `GET path` with a bearer token, keeping the connection open.
    pub fn open(addr: &str, path: &str, token: &str) -> Self {
        let mut stream = TcpStream::connect(addr).unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nhost: localhost\r\naccept: text/event-stream\r\nauthorization: Bearer {token}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut this = Self {
            stream,
            raw: Vec::new(),
            body: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !this.raw.windows(4).any(|w| w == b"\r\n\r\n") {
            assert!(Instant::now() < deadline, "no response head");
            this.fill();
        }
        let end = this.raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&this.raw[..end]).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("text/event-stream"), "{head}");
        this.raw.drain(..end);
        this
    }

    fn fill(&mut self) {
        let mut buf = [0u8; 4096];
        match self.stream.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => self.raw.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("event stream: {e}"),
        }
        // De-chunk whatever complete chunks arrived.
        loop {
            let Some(line_end) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&self.raw[..line_end]).trim(), 16);
            let Ok(size) = size else { return };
            if self.raw.len() < line_end + 2 + size + 2 {
                return;
            }
            let chunk = &self.raw[line_end + 2..line_end + 2 + size];
            self.body.push_str(&String::from_utf8_lossy(chunk));
            self.raw.drain(..line_end + 2 + size + 2);
        }
    }

    /// The next `(event, data)` message (comments skipped), or `None` after
    /// `wait`.
    pub fn next(&mut self, wait: Duration) -> Option<(String, serde_json::Value)> {
        let deadline = Instant::now() + wait;
        loop {
            while let Some(end) = self.body.find("\n\n") {
                let message: String = self.body.drain(..end + 2).collect();
                let mut event = String::new();
                let mut data = String::new();
                for line in message.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !event.is_empty() || !data.is_empty() {
                    let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
                    return Some((event, data));
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            self.fill();
        }
    }
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
    let log = std::fs::File::create(dir.join("stdout.log")).unwrap();
    let child = command
        .stdout(Stdio::from(log))
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

/// Runs `scenario` against a fresh PostgreSQL database, or says it skipped
/// when `TEST_DATABASE_URL` is unset.
pub fn on_postgres(scenario: impl FnOnce(&str)) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(strata::testing::TestDatabase::postgres()) else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    scenario(db.url());
    drop(db);
}
