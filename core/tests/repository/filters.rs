//! Every filter operator, sort stability and search.

use strata::Db;
use strata::repo::Repository;
use uuid::Uuid;

use super::support::*;

async fn seed_filter_rows(f: &Fixture) -> Uuid {
    let project = Uuid::now_v7();
    match &f.pool {
        Db::Sqlite(p) => sqlx::query("INSERT INTO projects (id) VALUES (?)")
            .bind(project)
            .execute(p)
            .await
            .map(drop),
        Db::Postgres(p) => sqlx::query("INSERT INTO projects (id) VALUES ($1)")
            .bind(project)
            .execute(p)
            .await
            .map(drop),
    }
    .unwrap();
    let rows = [
        (
            "Alpha essay",
            1,
            Some("2030-01-10"),
            "pending",
            Some("Read 50% of it"),
            true,
        ),
        ("Beta lab", 2, Some("2030-02-10"), "active", None, false),
        ("gamma Essay", 3, None, "closed", Some("draft_one"), true),
        (
            "Delta quiz",
            4,
            Some("2030-04-10"),
            "active",
            Some("essay outline"),
            false,
        ),
    ];
    for (title, priority, due, status, note, in_project) in rows {
        let mut t = task(title, priority);
        t.due_on = due.map(|d| d.parse().unwrap());
        t.status = status.into();
        t.note = note.map(str::to_owned);
        t.project_id = in_project.then_some(project);
        f.repo.create(&f.pool, &t).await.unwrap();
    }
    project
}

#[tokio::test]
async fn every_filter_operator() {
    for f in fixtures().await {
        let project = seed_filter_rows(&f).await;
        let cases: Vec<(String, Vec<&str>)> = vec![
            ("priority=2".into(), vec!["Beta lab"]),
            ("priority[eq]=2".into(), vec!["Beta lab"]),
            (
                "priority[ne]=2".into(),
                vec!["Alpha essay", "gamma Essay", "Delta quiz"],
            ),
            ("priority[gt]=2".into(), vec!["gamma Essay", "Delta quiz"]),
            (
                "priority[gte]=2".into(),
                vec!["Beta lab", "gamma Essay", "Delta quiz"],
            ),
            ("priority[lt]=2".into(), vec!["Alpha essay"]),
            ("priority[lte]=2".into(), vec!["Alpha essay", "Beta lab"]),
            (
                "status[in]=pending,closed".into(),
                vec!["Alpha essay", "gamma Essay"],
            ),
            (
                "status[nin]=pending,closed".into(),
                vec!["Beta lab", "Delta quiz"],
            ),
            (
                "title[contains]=ESSAY".into(),
                vec!["Alpha essay", "gamma Essay"],
            ),
            ("title[startsWith]=g".into(), vec!["gamma Essay"]),
            ("note[isNull]=true".into(), vec!["Beta lab"]),
            (
                "note[isNull]=false".into(),
                vec!["Alpha essay", "gamma Essay", "Delta quiz"],
            ),
            (
                "note[ne]=draft_one".into(),
                vec!["Alpha essay", "Beta lab", "Delta quiz"],
            ),
            ("note[contains]=50%25".into(), vec!["Alpha essay"]),
            ("note[contains]=t_o".into(), vec!["gamma Essay"]),
            ("score[gte]=1.5".into(), vec!["gamma Essay", "Delta quiz"]),
            ("done=true".into(), vec!["Beta lab", "Delta quiz"]),
            (
                "dueOn[gte]=2030-02-10".into(),
                vec!["Beta lab", "Delta quiz"],
            ),
            (
                "dueOn[lt]=2030-02-10&dueOn[isNull]=false".into(),
                vec!["Alpha essay"],
            ),
            (
                format!("projectId={project}"),
                vec!["Alpha essay", "gamma Essay"],
            ),
            ("status=active&priority[gt]=2".into(), vec!["Delta quiz"]),
            (
                "createdAt[gte]=2000-01-01T00:00:00Z".into(),
                vec!["Alpha essay", "Beta lab", "gamma Essay", "Delta quiz"],
            ),
            ("createdAt[lt]=2000-01-01".into(), vec![]),
        ];
        for (query, expected) in cases {
            let got = f.titles(&format!("{query}&sort=priority")).await;
            assert_eq!(got, expected, "{query} on {:?}", f.pool.dialect());
        }
        assert_eq!(
            f.repo
                .count(&f.pool, &f.parse("status=active").filters)
                .await
                .unwrap(),
            2
        );
    }
}

#[tokio::test]
async fn sort_is_stable_with_ties_broken_by_id() {
    for f in fixtures().await {
        let mut ids = Vec::new();
        for i in 0..9 {
            let t = task(&format!("Task {i}"), i % 3);
            ids.push((t.priority, t.id));
            f.repo.create(&f.pool, &t).await.unwrap();
        }
        let (asc, _) = f.list("sort=priority").await;
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(
            asc.iter().map(|t| (t.priority, t.id)).collect::<Vec<_>>(),
            expected
        );

        let (desc, _) = f.list("sort=-priority").await;
        expected.reverse();
        assert_eq!(
            desc.iter().map(|t| (t.priority, t.id)).collect::<Vec<_>>(),
            expected
        );

        let (mixed, _) = f.list("sort=-priority,title").await;
        let keys: Vec<_> = mixed
            .iter()
            .map(|t| (-t.priority, t.title.clone()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);

        // Nullable keys: NULL sorts first ascending, last descending, on both dialects.
        let (by_due, _) = f.list("sort=dueOn").await;
        assert!(by_due.iter().all(|t| t.due_on.is_none()));
    }
}

#[tokio::test]
async fn search_is_case_insensitive_over_searchable_fields_and_literal() {
    for f in fixtures().await {
        seed_filter_rows(&f).await;
        assert_eq!(
            f.titles("search=ESSAY&sort=priority").await,
            ["Alpha essay", "gamma Essay", "Delta quiz"],
            "title or note"
        );
        assert_eq!(f.titles("search=50%25").await, ["Alpha essay"]);
        assert_eq!(
            f.titles("search=%25%25%25").await,
            Vec::<String>::new(),
            "% is literal"
        );
        assert_eq!(f.titles("search=_").await, ["gamma Essay"], "_ is literal");
        assert_eq!(f.titles("search=essay&status=active").await, ["Delta quiz"]);
    }
}
