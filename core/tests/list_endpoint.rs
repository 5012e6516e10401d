//! A hand-written list endpoint through the whole stack: the query grammar's 400s
//! arrive as envelopes naming the parameter, pages as list envelopes.

use serde::{Deserialize, Serialize};
use strata::axum::Router;
use strata::axum::extract::{RawQuery, State};
use strata::axum::routing::get;
use strata::query::{FieldMeta, FieldType, ListQuery, QuerySpec, Value};
use strata::repo::{Entity, Repository};
use strata::testing::{TestDatabase, TestRequest};
use strata::{App, AppError, AppState, List};

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
struct Book {
    id: i64,
    title: String,
    status: String,
}

static FIELDS: [FieldMeta; 3] = [
    FieldMeta::new("id", "id", FieldType::Int).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String)
        .sort()
        .search(),
    FieldMeta::new("status", "status", FieldType::Enum(&["draft", "published"])).filter(),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]).per_page(2, 10);

impl Entity for Book {
    const TABLE: &'static str = "books";
    const SPEC: &'static QuerySpec = &SPEC;
    type Id = i64;
    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Int(self.id)),
            ("title", Value::String(self.title.clone())),
            ("status", Value::String(self.status.clone())),
        ]
    }
}

async fn list_books(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<List<Book>, AppError> {
    let query = ListQuery::parse(raw.as_deref().unwrap_or(""), &SPEC, state.cursor_codec())?;
    let page = state.repository::<Book>().list(state.db(), &query).await?;
    Ok(page.into())
}

#[tokio::test]
async fn list_endpoint_envelopes_and_query_errors() {
    for db in TestDatabase::all().await {
        let server = App::new(db.config())
            .api(Router::new().route("/books", get(list_books)))
            .build()
            .await
            .unwrap();
        let ddl =
            "CREATE TABLE books (id BIGINT PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL)";
        strata::testing::execute(server.state().db(), ddl)
            .await
            .map(drop)
            .unwrap();
        let repo = server.state().repository::<Book>();
        for (id, title, status) in [
            (1, "Dune", "published"),
            (2, "Emma", "draft"),
            (3, "Ulysses", "published"),
        ] {
            let book = Book {
                id,
                title: title.into(),
                status: status.into(),
            };
            repo.create(server.state().db(), &book).await.unwrap();
        }
        let router = server.router();

        let body = TestRequest::get("/api/v1/books?status=published&sort=-title")
            .send(&router)
            .await
            .json();
        assert_eq!(body["success"], true);
        let titles: Vec<_> = body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["title"].clone())
            .collect();
        assert_eq!(titles, ["Ulysses", "Dune"]);
        assert_eq!(body["pagination"]["total"], 2);
        assert_eq!(body["pagination"]["perPage"], 2);

        let first = TestRequest::get("/api/v1/books?cursor=&sort=title")
            .send(&router)
            .await
            .json();
        assert_eq!(first["pagination"]["hasMore"], true);
        let next = first["pagination"]["nextCursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let second = TestRequest::get(format!("/api/v1/books?sort=title&cursor={next}"))
            .send(&router)
            .await
            .json();
        assert_eq!(second["data"][0]["title"], "Ulysses");
        assert_eq!(
            second["pagination"],
            serde_json::json!({"limit": 2, "nextCursor": null, "hasMore": false})
        );

        for (query, parameter) in [
            ("status[foo]=x", "status[foo]"),
            ("title=Dune", "title"),
            ("status=lost", "status"),
            ("perPage=0", "perPage"),
            ("sort=status", "sort"),
            ("cursor=garbage", "cursor"),
            ("nope=1", "nope"),
            ("id=1%27%20OR%201%3D1", "id"),
        ] {
            let response = TestRequest::get(format!("/api/v1/books?{query}"))
                .send(&router)
                .await;
            assert_eq!(response.status, 400, "{query}: {}", response.text());
            let body = response.json();
            assert_eq!(body["error"]["code"], "BAD_REQUEST");
            assert_eq!(body["error"]["details"][0]["field"], parameter, "{query}");
        }
        // A cursor signed under another sort is refused too.
        let response = TestRequest::get(format!("/api/v1/books?sort=-title&cursor={next}"))
            .send(&router)
            .await;
        assert_eq!(response.status, 400);
    }
}
