//! The flagship example end to end (SPEC §11), through the real binary, on SQLite
//! and (with `TEST_DATABASE_URL`) PostgreSQL: derived resources, nested routes,
//! the due-date rule, guardian links and each role's view, plus the API docs.

mod common;

use common::{Response, send, start};
use serde_json::{Value, json};

struct Session<'a> {
    addr: &'a str,
    token: String,
    id: String,
}

impl Session<'_> {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        send(self.addr, method, path, body.as_ref(), Some(&self.token)).expect("response")
    }
}

fn register<'a>(addr: &'a str, email: &str) -> Session<'a> {
    let body = json!({"email": email, "password": "a long password", "name": email});
    let r = send(addr, "POST", "/api/v1/auth/register", Some(&body), None).expect("register");
    assert_eq!(r.status, 201, "{}", r.body);
    Session {
        addr,
        token: r.body["data"]["accessToken"].as_str().unwrap().to_owned(),
        id: r.body["data"]["user"]["id"].as_str().unwrap().to_owned(),
    }
}

fn login<'a>(addr: &'a str, email: &str, password: &str) -> Session<'a> {
    let body = json!({"email": email, "password": password});
    let r = send(addr, "POST", "/api/v1/auth/login", Some(&body), None).expect("login");
    assert_eq!(r.status, 200, "{}", r.body);
    Session {
        addr,
        token: r.body["data"]["accessToken"].as_str().unwrap().to_owned(),
        id: r.body["data"]["user"]["id"].as_str().unwrap().to_owned(),
    }
}

fn titles(r: &Response) -> Vec<String> {
    r.body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

fn due(days: i64) -> String {
    (strata::chrono::Utc::now() + strata::chrono::Duration::days(days)).to_rfc3339()
}

/// A teacher's create for `student` that leaves `status` out.
fn create_plain(teacher: &Session, student: &Session, title: &str) -> Response {
    teacher.call(
        "POST",
        &format!("/api/v1/students/{}/assignments", student.id),
        Some(json!({"title": title, "subject": "english", "dueDate": due(4)})),
    )
}

fn scenario(database_url: Option<&str>) {
    let mut env = vec![
        ("ADMIN_EMAIL", "head@school.test"),
        ("ADMIN_PASSWORD", "head teacher password"),
    ];
    if let Some(url) = database_url {
        env.push(("DATABASE_URL", url));
    }
    let server = start(&env);
    let addr = server.addr.as_str();
    let admin = login(addr, "head@school.test", "head teacher password");
    let promote = |who: &Session, role: &str| {
        let r = admin.call(
            "PATCH",
            &format!("/api/v1/users/{}", who.id),
            Some(json!({"role": role})),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    };
    let teacher = register(addr, "teacher@school.test");
    promote(&teacher, "teacher");
    let teacher = login(addr, "teacher@school.test", "a long password");
    let alice = register(addr, "alice@school.test");
    let bob = register(addr, "bob@school.test");
    let mum = register(addr, "mum@school.test");
    promote(&mum, "guardian");
    let mum = login(addr, "mum@school.test", "a long password");

    // Teachers create assignments for a student through the nested route.
    let create = |student: &Session, title: &str, days: i64| {
        teacher.call(
            "POST",
            &format!("/api/v1/students/{}/assignments", student.id),
            Some(json!({"title": title, "subject": "english", "dueDate": due(days), "status": "pending"})),
        )
    };
    let essay = create(&alice, "Essay", 3);
    assert_eq!(essay.status, 201, "{}", essay.body);
    assert!(essay.head.contains("etag: \"v1\""), "{}", essay.head);
    let essay_id = essay.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(essay.body["data"]["studentId"], alice.id);
    assert_eq!(create(&alice, "Poem", 6).status, 201);
    assert_eq!(create(&bob, "Lab", 2).status, 201);
    let late = create(&alice, "Late", -1);
    assert_eq!(late.status, 422);
    assert_eq!(late.body["error"]["details"][0]["field"], "dueDate");
    // One 422 lists every failing field: the field rules and the hook's rule.
    let details = |r: &Response| -> Vec<(String, String)> {
        r.body["error"]["details"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|d| {
                (
                    d["field"].as_str().unwrap().to_owned(),
                    d["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let bad = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/assignments", alice.id),
        Some(json!({"title": "", "subject": "english", "dueDate": due(-1), "status": "lost"})),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["error"]["code"], "VALIDATION_ERROR");
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
            .collect()
    };
    assert_eq!(
        details(&bad),
        pairs(&[
            ("status", "one_of"),
            ("title", "length"),
            ("dueDate", "future")
        ])
    );
    // Absent required fields: one 422 naming each; `status` defaults to pending.
    let empty = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/assignments", alice.id),
        Some(json!({})),
    );
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert_eq!(
        details(&empty),
        pairs(&[
            ("title", "required"),
            ("subject", "required"),
            ("dueDate", "required")
        ])
    );
    // Rules of the fields that were sent fail in the same 422 as the absent ones.
    let partial = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/assignments", alice.id),
        Some(json!({"title": ""})),
    );
    assert_eq!(partial.status, 422, "{}", partial.body);
    assert_eq!(
        details(&partial),
        pairs(&[
            ("subject", "required"),
            ("dueDate", "required"),
            ("title", "length")
        ])
    );
    let wrong_type = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/assignments", alice.id),
        Some(json!({"title": 7, "subject": "english", "dueDate": due(3)})),
    );
    assert_eq!(wrong_type.status, 400, "{}", wrong_type.body);
    // A student that does not exist: the path names no row, 404.
    let ghost = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/assignments", uuid::Uuid::now_v7()),
        Some(json!({"title": "Ghost", "subject": "english", "dueDate": due(3)})),
    );
    assert_eq!(ghost.status, 404, "{}", ghost.body);
    assert_eq!(ghost.body["error"]["code"], "NOT_FOUND");
    // So is a user who is not a student (here: a guardian).
    let not_a_student = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/assignments", mum.id),
        Some(json!({"title": "Chores", "subject": "home", "dueDate": due(3)})),
    );
    assert_eq!(not_a_student.status, 404, "{}", not_a_student.body);
    let defaulted = create_plain(&teacher, &alice, "Reading");
    assert_eq!(defaulted.status, 201, "{}", defaulted.body);
    assert_eq!(defaulted.body["data"]["status"], "pending");
    let reading_id = defaulted.body["data"]["id"].as_str().unwrap().to_owned();
    // A bare date in a timestamp field means midnight UTC (as in the seed's
    // `dueDate: '2025-01-01'` and the list grammar), on create and on PATCH.
    let dated = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/assignments", alice.id),
        Some(json!({"title": "Dated", "subject": "english", "dueDate": "2040-03-01"})),
    );
    assert_eq!(dated.status, 201, "{}", dated.body);
    assert_eq!(dated.body["data"]["dueDate"], "2040-03-01T00:00:00Z");
    let dated_id = dated.body["data"]["id"].as_str().unwrap().to_owned();
    let moved = teacher.call(
        "PATCH",
        &format!("/api/v1/assignments/{dated_id}"),
        Some(json!({"dueDate": "2041-04-02"})),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["data"]["dueDate"], "2041-04-02T00:00:00Z");
    let not_a_date = teacher.call(
        "PATCH",
        &format!("/api/v1/assignments/{dated_id}"),
        Some(json!({"dueDate": "2041-02-30"})),
    );
    assert_eq!(not_a_date.status, 400, "{}", not_a_date.body);
    assert_eq!(
        admin
            .call("DELETE", &format!("/api/v1/assignments/{dated_id}"), None)
            .status,
        204
    );
    // `null` is not a value of a required field: 400, and nothing changes.
    let nulled = teacher.call(
        "PATCH",
        &format!("/api/v1/assignments/{reading_id}"),
        Some(json!({"title": null})),
    );
    assert_eq!(nulled.status, 400, "{}", nulled.body);
    let unchanged = teacher.call("GET", &format!("/api/v1/assignments/{reading_id}"), None);
    assert_eq!(unchanged.body["data"]["title"], "Reading");
    assert_eq!(unchanged.body["data"]["version"], 1);
    assert_eq!(
        teacher
            .call("DELETE", &format!("/api/v1/assignments/{reading_id}"), None)
            .status,
        403,
        "teachers create and update, they do not delete"
    );
    assert_eq!(
        admin
            .call("DELETE", &format!("/api/v1/assignments/{reading_id}"), None)
            .status,
        204
    );
    // Students cannot create assignments.
    let r = alice.call(
        "POST",
        "/api/v1/assignments",
        Some(json!({"title": "x", "subject": "x", "dueDate": due(1), "status": "pending"})),
    );
    assert_eq!(r.status, 403);

    // Views: student own, teacher all, guardian nothing until linked.
    assert_eq!(
        titles(&alice.call("GET", "/api/v1/assignments", None)),
        ["Essay", "Poem"]
    );
    assert_eq!(
        titles(&bob.call("GET", "/api/v1/assignments", None)),
        ["Lab"]
    );
    assert_eq!(
        titles(&teacher.call("GET", "/api/v1/assignments?sort=title", None)),
        ["Essay", "Lab", "Poem"]
    );
    assert_eq!(
        bob.call("GET", &format!("/api/v1/assignments/{essay_id}"), None)
            .status,
        404
    );
    assert_eq!(
        titles(&mum.call("GET", "/api/v1/assignments", None)).len(),
        0
    );
    // Sparse fields on a single item as on lists; the id is always kept.
    let sparse = alice.call(
        "GET",
        &format!("/api/v1/assignments/{essay_id}?fields=title,dueDate"),
        None,
    );
    assert_eq!(sparse.status, 200, "{}", sparse.body);
    let mut keys: Vec<&String> = sparse.body["data"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["dueDate", "id", "title"]);
    assert!(sparse.head.contains("etag: \"v1\""), "{}", sparse.head);
    let unknown = alice.call(
        "GET",
        &format!("/api/v1/assignments/{essay_id}?fields=nope"),
        None,
    );
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    // The SPEC §11 whitelist: title is sortable and searchable, not filterable.
    for query in ["title=Essay", "title[contains]=ess"] {
        let r = teacher.call("GET", &format!("/api/v1/assignments?{query}"), None);
        assert_eq!(r.status, 400, "{query}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "BAD_REQUEST");
    }
    assert_eq!(
        titles(&teacher.call("GET", "/api/v1/assignments?search=ess", None)),
        ["Essay"]
    );
    assert_eq!(
        titles(&teacher.call("GET", "/api/v1/assignments?sort=-createdAt", None)),
        ["Lab", "Poem", "Essay"]
    );
    let students_view = teacher.call(
        "GET",
        &format!("/api/v1/students/{}/assignments", alice.id),
        None,
    );
    assert_eq!(titles(&students_view), ["Essay", "Poem"]);

    // Guardian links: teachers link guardians; only guardians can be linked.
    let link = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/guardians", alice.id),
        Some(json!({"guardianId": mum.id})),
    );
    assert_eq!(link.status, 201, "{}", link.body);
    let wrong = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/guardians", alice.id),
        Some(json!({"guardianId": bob.id})),
    );
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.body["error"]["details"][0]["field"], "guardianId");
    let to_nobody = teacher.call(
        "POST",
        &format!("/api/v1/students/{}/guardians", mum.id),
        Some(json!({"guardianId": mum.id})),
    );
    assert_eq!(
        to_nobody.status, 404,
        "a guardian is not a student: {}",
        to_nobody.body
    );
    let by_student = alice.call(
        "POST",
        &format!("/api/v1/students/{}/guardians", alice.id),
        Some(json!({"guardianId": mum.id})),
    );
    assert_eq!(by_student.status, 403);
    assert_eq!(
        titles(&mum.call("GET", "/api/v1/assignments", None)),
        ["Essay", "Poem"]
    );

    // Subtasks: students manage the subtasks of their own assignments only.
    let step = alice.call(
        "POST",
        &format!("/api/v1/assignments/{essay_id}/subtasks"),
        Some(json!({"title": "Outline", "done": false})),
    );
    assert_eq!(step.status, 201, "{}", step.body);
    assert_eq!(step.body["data"]["studentId"], alice.id);
    let step_id = step.body["data"]["id"].as_str().unwrap().to_owned();
    // Another student's assignment answers exactly like one that does not
    // exist (404 in a path, 422 on the id in a body), so it does not leak.
    let foreign = bob.call(
        "POST",
        &format!("/api/v1/assignments/{essay_id}/subtasks"),
        Some(json!({"title": "Sabotage", "done": false})),
    );
    let missing = bob.call(
        "POST",
        &format!("/api/v1/assignments/{}/subtasks", uuid::Uuid::now_v7()),
        Some(json!({"title": "Sabotage", "done": false})),
    );
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(foreign.body["error"], missing.body["error"]);
    let flat = |assignment: String| {
        bob.call(
            "POST",
            "/api/v1/subtasks",
            Some(json!({"assignmentId": assignment, "title": "Sabotage"})),
        )
    };
    let flat_foreign = flat(essay_id.clone());
    let flat_missing = flat(uuid::Uuid::now_v7().to_string());
    assert_eq!(flat_foreign.status, 422, "{}", flat_foreign.body);
    assert_eq!(flat_foreign.body["error"], flat_missing.body["error"]);
    assert_eq!(
        details(&flat_foreign),
        pairs(&[("assignmentId", "not_found")])
    );
    // The flat route needs the parent in the body: named with the other failures.
    let orphan = alice.call("POST", "/api/v1/subtasks", Some(json!({"title": ""})));
    assert_eq!(orphan.status, 422, "{}", orphan.body);
    assert_eq!(
        details(&orphan),
        pairs(&[("title", "length"), ("assignmentId", "required")])
    );
    // `done` defaults to false.
    let draft = alice.call(
        "POST",
        &format!("/api/v1/assignments/{essay_id}/subtasks"),
        Some(json!({"title": "Draft"})),
    );
    assert_eq!(draft.status, 201, "{}", draft.body);
    assert_eq!(draft.body["data"]["done"], false);
    let draft_id = draft.body["data"]["id"].as_str().unwrap();
    assert_eq!(
        alice
            .call("DELETE", &format!("/api/v1/subtasks/{draft_id}"), None)
            .status,
        204
    );
    let done = alice.call(
        "PATCH",
        &format!("/api/v1/subtasks/{step_id}"),
        Some(json!({"done": true})),
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["data"]["done"], true);
    assert_eq!(
        bob.call(
            "PATCH",
            &format!("/api/v1/subtasks/{step_id}"),
            Some(json!({"done": false}))
        )
        .status,
        404
    );
    assert_eq!(
        titles(&mum.call(
            "GET",
            &format!("/api/v1/assignments/{essay_id}/subtasks"),
            None
        )),
        ["Outline"]
    );
    assert_eq!(
        titles(&teacher.call("GET", "/api/v1/subtasks", None)),
        ["Outline"]
    );

    // Teachers update assignments (If-Match/412 flows: core/tests/resource.rs).
    let progress = teacher.call(
        "PATCH",
        &format!("/api/v1/assignments/{essay_id}"),
        Some(json!({"status": "in_progress"})),
    );
    assert_eq!(progress.status, 200, "{}", progress.body);
    assert!(progress.head.contains("etag: \"v2\""), "{}", progress.head);
    assert_eq!(
        alice
            .call(
                "PATCH",
                &format!("/api/v1/assignments/{essay_id}"),
                Some(json!({"status": "completed"}))
            )
            .status,
        403
    );
    // Docs.
    let doc = send(addr, "GET", "/openapi.json", None, None).unwrap();
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    for path in [
        "/api/v1/assignments/{id}",
        "/api/v1/students/{studentId}/assignments",
        "/api/v1/assignments/{assignmentId}/subtasks",
        "/api/v1/students/{studentId}/guardians",
        "/api/v1/auth/login",
    ] {
        assert!(doc.body["paths"][path].is_object(), "{path} not documented");
    }
    assert_eq!(send(addr, "GET", "/docs", None, None).unwrap().status, 200);
}

#[test]
fn classroom_on_sqlite() {
    scenario(None);
}

#[test]
fn classroom_on_postgres() {
    common::on_postgres(|url| scenario(Some(url)));
}
