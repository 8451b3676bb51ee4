//! SQL store benchmarks at 100,000 users, on SQLite (temp file) and PostgreSQL (a private
//! schema at `SCIMITAR_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`,
//! dropped afterwards): `userName eq`, a page of 100, create throughput.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use scimitar::schema::SchemaRegistry;
use scimitar::store::sql::{PostgresStore, SqliteStore};
use scimitar::store::{NewResource, PageRequest, StoreQuery, UserStore};
use scimitar::{Filter, TenantId};
use serde_json::json;
use sqlx::Executor;
use tokio::runtime::Runtime;

const USERS: usize = 100_000;

fn pg_url() -> String {
    std::env::var("SCIMITAR_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn query(filter: Option<&str>, page: Option<PageRequest>) -> StoreQuery {
    StoreQuery {
        filter: filter.map(|f| f.parse::<Filter>().unwrap()),
        sort: None,
        page,
        include_members: false,
        schemas: SchemaRegistry::default().user_schemas(&TenantId::new("bench")),
    }
}

fn run(c: &mut Criterion, name: &str, rt: &Runtime, store: Arc<dyn UserStore>) {
    let t = TenantId::new("bench");
    let mut g = c.benchmark_group(format!("sql/{name}"));
    let mut i = 0usize;
    g.bench_function("userName eq at 100k users", |b| {
        b.iter(|| {
            i = (i + 7919) % USERS;
            let q = query(
                Some(&format!(r#"userName eq "USER{}@example.com""#, i + 1)),
                None,
            );
            let page = rt.block_on(store.list(&t, &q)).unwrap();
            assert_eq!(page.resources.len(), 1);
        })
    });
    g.bench_function("page of 100 at offset 50000", |b| {
        let q = query(
            None,
            Some(PageRequest {
                offset: 50_000,
                count: 100,
            }),
        );
        b.iter(|| {
            let page = rt.block_on(store.list(&t, &q)).unwrap();
            assert_eq!(page.resources.len(), 100);
        })
    });
    let n = AtomicUsize::new(0);
    g.bench_function("create", |b| {
        b.iter(|| {
            let k = n.fetch_add(1, Ordering::Relaxed);
            let attrs = json!({"userName": format!("new{k}@example.com"), "active": true});
            let new = NewResource {
                id: format!("new-{k}"),
                attributes: attrs.as_object().unwrap().clone(),
            };
            rt.block_on(store.create(&t, new)).unwrap();
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    // SQLite on a temp file.
    let dir =
        std::env::temp_dir().join(format!("scimitar_bench_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = rt.block_on(async {
        let store = SqliteStore::connect(&format!("sqlite://{}", dir.join("bench.db").display()))
            .await
            .unwrap();
        sqlx::query(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000) \
             INSERT INTO scimitar_users (tenant, id, version, created_ns, modified_ns, \
             user_name_folded, external_id, active, doc) \
             SELECT 'bench', 'id-' || i, 1, i, i, 'user' || i || '@example.com', 'ext-' || i, \
             i % 2 = 0, json_object('userName', 'User' || i || '@Example.com') FROM s",
        )
        .execute(store.pool())
        .await
        .unwrap();
        sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
        store
    });
    run(c, "sqlite", &rt, Arc::new(sqlite.clone()));
    rt.block_on(sqlite.close());
    let _ = std::fs::remove_dir_all(&dir);

    // PostgreSQL in a private schema.
    let schema = format!("scimitar_bench_{}", uuid::Uuid::new_v4().simple());
    let pg = rt.block_on(async {
        let admin = sqlx::PgPool::connect(&pg_url()).await.unwrap();
        admin
            .execute(format!("CREATE SCHEMA {schema}").as_str())
            .await
            .unwrap();
        admin.close().await;
        let set = format!("SET search_path TO {schema}");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .after_connect(move |conn, _| {
                let set = set.clone();
                Box::pin(async move {
                    conn.execute(set.as_str()).await?;
                    Ok(())
                })
            })
            .connect(&pg_url())
            .await
            .unwrap();
        let store = PostgresStore::from_pool(pool).await.unwrap();
        sqlx::query(
            "INSERT INTO scimitar_users (tenant, id, version, created_ns, modified_ns, \
             user_name_folded, external_id, active, doc) \
             SELECT 'bench', 'id-' || i, 1, i, i, 'user' || i || '@example.com', 'ext-' || i, \
             i % 2 = 0, json_build_object('userName', 'User' || i || '@Example.com') \
             FROM generate_series(1, 100000) AS i",
        )
        .execute(store.pool())
        .await
        .unwrap();
        sqlx::query("ANALYZE scimitar_users")
            .execute(store.pool())
            .await
            .unwrap();
        store
    });
    run(c, "postgres", &rt, Arc::new(pg.clone()));
    rt.block_on(async {
        pg.close().await;
        let admin = sqlx::PgPool::connect(&pg_url()).await.unwrap();
        admin
            .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
            .await
            .unwrap();
        admin.close().await;
    });
}

criterion_group!(sql, benches);
criterion_main!(sql);
