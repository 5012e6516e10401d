//! The classroom's asynchronous half (SPEC §11), through the real binary on
//! SQLite and (with `TEST_DATABASE_URL`) PostgreSQL: the live assignment feed
//! over SSE shows each user only what they may read, an assignment due within
//! 24 hours gets its reminder, and the daily digest (on a fast schedule here)
//! lists it.

mod common;

use std::time::{Duration, Instant};

use common::{EventStream, Server, send, start};
use serde_json::{Value, json};

struct Session {
    token: String,
    id: String,
}

fn auth(addr: &str, path: &str, body: Value) -> Session {
    let r = send(addr, "POST", path, Some(&body), None).expect("auth");
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    Session {
        token: r.body["data"]["accessToken"].as_str().unwrap().to_owned(),
        id: r.body["data"]["user"]["id"].as_str().unwrap().to_owned(),
    }
}

fn register(addr: &str, email: &str) -> Session {
    auth(
        addr,
        "/api/v1/auth/register",
        json!({"email": email, "password": "a long password", "name": email}),
    )
}

fn login(addr: &str, email: &str, password: &str) -> Session {
    auth(
        addr,
        "/api/v1/auth/login",
        json!({"email": email, "password": password}),
    )
}

fn due_in(hours: i64) -> String {
    (strata::chrono::Utc::now() + strata::chrono::Duration::hours(hours)).to_rfc3339()
}

/// The next assignment event on `feed` within 10 s, skipping anything else.
fn next_assignment(feed: &mut EventStream) -> Option<(String, Value)> {
    next_assignment_within(feed, Duration::from_secs(10))
}

fn next_assignment_within(feed: &mut EventStream, wait: Duration) -> Option<(String, Value)> {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        match feed.next(Duration::from_millis(500)) {
            Some((event, data)) if event.starts_with("assignments.") => return Some((event, data)),
            _ => {}
        }
    }
    None
}

fn wait_for_log(server: &Server, what: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = server.log();
        if let Some(line) = log.lines().find(|l| l.contains(what) && l.contains(needle)) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no `{what}` line with {needle} in:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn scenario(database_url: Option<&str>) {
    let mut env = vec![
        ("ADMIN_EMAIL", "head@school.test"),
        ("ADMIN_PASSWORD", "head teacher password"),
        ("LOG_LEVEL", "info"),
        ("STRATA_APP__DIGEST_CRON", "*/2 * * * * *"),
        ("STRATA_JOBS__POLL_INTERVAL_MS", "200"),
    ];
    if let Some(url) = database_url {
        env.push(("DATABASE_URL", url));
    }
    let server = start(&env);
    let addr = server.addr.as_str();
    let admin = login(addr, "head@school.test", "head teacher password");
    let teacher = register(addr, "teacher@school.test");
    let promoted = send(
        addr,
        "PATCH",
        &format!("/api/v1/users/{}", teacher.id),
        Some(&json!({"role": "teacher"})),
        Some(&admin.token),
    )
    .unwrap();
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    let teacher = login(addr, "teacher@school.test", "a long password");
    let alice = register(addr, "alice@school.test");
    let bob = register(addr, "bob@school.test");

    // Alice, Bob and the teacher watch the live feed.
    let mut alice_feed = EventStream::open(addr, "/api/v1/events", &alice.token);
    let mut bob_feed = EventStream::open(addr, "/api/v1/events", &bob.token);
    let mut teacher_feed =
        EventStream::open(addr, "/api/v1/events?resources=assignments", &teacher.token);

    let create = |student: &Session, title: &str, hours: i64| {
        let r = send(
            addr,
            "POST",
            &format!("/api/v1/students/{}/assignments", student.id),
            Some(&json!({"title": title, "subject": "history", "dueDate": due_in(hours), "status": "pending"})),
            Some(&teacher.token),
        )
        .unwrap();
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["data"]["id"].as_str().unwrap().to_owned()
    };
    let soon = create(&alice, "Soon", 2);
    let later = create(&alice, "Later", 72);
    let bobs = create(&bob, "Bob's lab", 5);

    // Alice sees her two, in order; Bob's first event is his own.
    for expected in [&soon, &later] {
        let (event, data) = next_assignment(&mut alice_feed).expect("alice's event");
        assert_eq!(event, "assignments.created");
        assert_eq!(data["resourceId"], expected.as_str());
        assert_eq!(data["data"]["studentId"], alice.id);
    }
    // Bob's assignment was published right after: Alice must not get it.
    let other = next_assignment_within(&mut alice_feed, Duration::from_secs(1));
    assert!(
        other.is_none(),
        "alice saw someone else's assignment: {other:?}"
    );
    let (event, data) = next_assignment(&mut bob_feed).expect("bob's event");
    assert_eq!(event, "assignments.created");
    assert_eq!(data["resourceId"], bobs.as_str(), "bob sees only his own");
    // The teacher sees all three.
    let seen: Vec<String> = (0..3)
        .map(|_| {
            next_assignment(&mut teacher_feed)
                .expect("teacher's event")
                .1["resourceId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(seen, [soon.clone(), later.clone(), bobs.clone()]);

    // An update reaches the feed too.
    let patched = send(
        addr,
        "PATCH",
        &format!("/api/v1/assignments/{soon}"),
        Some(&json!({"status": "in_progress"})),
        Some(&teacher.token),
    )
    .unwrap();
    assert_eq!(patched.status, 200, "{}", patched.body);
    let (event, data) = next_assignment(&mut alice_feed).expect("alice's update");
    assert_eq!(event, "assignments.updated");
    assert_eq!(data["data"]["status"], "in_progress");

    // The reminder for the assignment due in 2 h runs now; the one due in
    // 72 h waits for its time.
    let line = wait_for_log(&server, "reminder sent", &soon);
    assert!(line.contains(&alice.id), "{line}");
    assert!(
        !server
            .log()
            .lines()
            .any(|l| l.contains("reminder sent") && l.contains(&later)),
        "the 72 h assignment was reminded early"
    );

    // The digest (every 2 s here) lists Alice's assignment due today.
    let digest = wait_for_log(&server, "daily digest sent", &alice.id);
    assert!(digest.contains("Soon"), "{digest}");
    assert!(!digest.contains("Later"), "{digest}");
}

#[test]
fn jobs_and_live_feed_on_sqlite() {
    scenario(None);
}

#[test]
fn jobs_and_live_feed_on_postgres() {
    common::on_postgres(|url| scenario(Some(url)));
}
