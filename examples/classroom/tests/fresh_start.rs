//! `cargo run -p example-classroom` as a new user runs it: an empty working
//! directory, no configuration, nothing in the environment but a free port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(addr: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn starts_on_sqlite_in_an_empty_directory_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("classroom-fresh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_example-classroom"))
        .current_dir(&dir)
        .env_clear()
        .env("BIND_ADDR", &addr)
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("example starts");

    let deadline = Instant::now() + Duration::from_secs(30);
    let ready = loop {
        if let Some(response) = get(&addr, "/health/ready") {
            break response;
        }
        assert!(Instant::now() < deadline, "example did not start listening");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains(r#""database":"ok""#), "{ready}");
    assert!(
        dir.join("classroom.db").exists(),
        "SQLite file created in the working directory"
    );

    let missing = get(&addr, "/api/v1/nothing").unwrap();
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    assert!(missing.contains(r#""code":"NOT_FOUND""#), "{missing}");

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut logs = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .for_each(|l| logs.push_str(&l));
    assert!(status.success(), "exit {status:?}; logs: {logs}");
    assert!(logs.contains("migrations applied"), "{logs}");
    assert!(logs.contains("shut down cleanly"), "{logs}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_configuration_stops_start_up_with_one_line_per_problem() {
    let output = Command::new(env!("CARGO_BIN_EXE_example-classroom"))
        .current_dir(std::env::temp_dir())
        .env_clear()
        .env("STRATA_ENV", "production")
        .env("BIND_ADDR", "nowhere")
        .env("JWT_SECRET", "too-short")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid configuration"), "{stderr}");
    assert!(stderr.contains("BIND_ADDR"), "{stderr}");
    assert!(stderr.contains("JWT_SECRET"), "{stderr}");
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.trim_start().starts_with("- "))
            .count(),
        2,
        "{stderr}"
    );
}
