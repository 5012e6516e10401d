//! Foreign keys of a derived resource on SQLite and Postgres: a body naming a
//! parent that does not exist is a 409 naming the field (SQLite's error names
//! none; Strata finds the table's only foreign key), a nested route whose
//! parent does not exist is a 404 (the path names no row).

use serde::{Deserialize, Serialize};
use serde_json::json;
use strata::rbac::Policy;
use strata::testing::{TestDatabase, TestRequest};
use strata::{App, Resource};

/// The parent.
#[derive(Resource, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[resource(table = "shelves")]
struct Shelf {
    #[resource(id)]
    id: i64,
    name: String,
}

/// The child, with one foreign key in a column of its own name.
#[derive(Resource, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[resource(table = "books")]
struct Book {
    #[resource(id)]
    id: i64,
    title: String,
    // Its own column name: errors still speak of `shelfId`.
    #[resource(belongs_to = "shelves", filter, column = "shelf_ref")]
    shelf_id: i64,
}

const SQLITE: [&str; 2] = [
    "CREATE TABLE shelves (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, shelf_ref INTEGER NOT NULL REFERENCES shelves(id))",
];
const POSTGRES: [&str; 2] = [
    "CREATE TABLE shelves (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE books (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL, shelf_ref BIGINT NOT NULL REFERENCES shelves(id))",
];

#[tokio::test]
async fn missing_parents_are_named_in_bodies_and_404_in_paths() {
    for db in TestDatabase::all().await {
        let mut config = db.config();
        config.auth.admin_email = Some("root@school.test".into());
        config.auth.admin_password = Some("root password 123".into());
        let server = App::new(config)
            .with_auth()
            .policy(Policy::from_toml("[roles.admin]\npermissions = [\"*\"]").unwrap())
            .resource::<Shelf>()
            .resource::<Book>()
            .build()
            .await
            .unwrap();
        let ddl = match db.dialect() {
            strata::db::Dialect::Sqlite => SQLITE,
            strata::db::Dialect::Postgres => POSTGRES,
        };
        for statement in ddl {
            strata::testing::execute(server.state().db(), statement)
                .await
                .unwrap();
        }
        let router = server.router();
        let login = TestRequest::post("/api/v1/auth/login")
            .json(&json!({"email": "root@school.test", "password": "root password 123"}))
            .send(&router)
            .await
            .json();
        let auth = format!("Bearer {}", login["data"]["accessToken"].as_str().unwrap());
        let post = |uri: &str, body: serde_json::Value| {
            TestRequest::post(uri)
                .header("authorization", &auth)
                .json(&body)
                .send(&router)
        };

        let shelf = post("/api/v1/shelves", json!({"name": "Poetry"})).await;
        assert_eq!(shelf.status, 201, "{}", shelf.text());
        let shelf_id = shelf.json()["data"]["id"].as_i64().unwrap();

        let dangling = post(
            "/api/v1/books",
            json!({"title": "Odes", "shelfId": shelf_id + 100}),
        )
        .await;
        assert_eq!(
            dangling.status,
            409,
            "{:?}: {}",
            db.dialect(),
            dangling.text()
        );
        assert_eq!(dangling.json()["error"]["code"], "CONFLICT");
        assert_eq!(
            dangling.json()["error"]["details"],
            json!([{"field": "shelfId", "code": "reference", "message": "refers to a missing or still-referenced record"}]),
            "{:?}",
            db.dialect()
        );

        let nested = post(
            &format!("/api/v1/shelves/{}/books", shelf_id + 100),
            json!({"title": "Odes"}),
        )
        .await;
        assert_eq!(nested.status, 404, "{:?}: {}", db.dialect(), nested.text());
        assert_eq!(nested.json()["error"]["code"], "NOT_FOUND");

        let ok = post(
            &format!("/api/v1/shelves/{shelf_id}/books"),
            json!({"title": "Odes"}),
        )
        .await;
        assert_eq!(ok.status, 201, "{}", ok.text());
        assert_eq!(ok.json()["data"]["shelfId"], shelf_id);
    }
}
