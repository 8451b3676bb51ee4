//! The PostgreSQL store: the conformance suite and the `userName eq` plan at 100,000
//! users. Each test works in a schema of its own (`scimitar_test_<time>_<random>`),
//! dropped when the test's store is dropped; the server is `SCIMITAR_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`).
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod sql_support;

use std::sync::Arc;
use std::time::Instant;

use scimitar::schema::SchemaRegistry;
use scimitar::store::sql::PostgresStore;
use scimitar::store::{NewResource, PageRequest, StoreQuery, UserStore};
use scimitar::{Filter, TenantId};
use serde_json::json;

#[cfg(feature = "testkit")]
mod conformance {
    use super::*;
    scimitar::store_conformance_tests!(sql_support::pg::store().await);
}

#[cfg(feature = "testkit")]
mod unique_group_names {
    use super::*;
    scimitar::store_conformance_tests!(groups: {
        let (pool, guard) = sql_support::pg::schema_pool(5).await;
        let store = PostgresStore::from_pool(pool).await.unwrap().with_unique_group_names(true);
        sql_support::Guarded::new(store, guard)
    });
}

fn query(filter: &str) -> StoreQuery {
    StoreQuery {
        filter: Some(filter.parse::<Filter>().unwrap()),
        sort: None,
        page: None,
        include_members: false,
        schemas: SchemaRegistry::default().user_schemas(&TenantId::new("big")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_name_eq_uses_the_unique_index_at_100k_users() {
    let (pool, _guard) = sql_support::pg::schema_pool(3).await;
    let store = PostgresStore::from_pool(pool.clone()).await.unwrap();
    let t = TenantId::new("big");
    // Bulk-load 100,000 users (plus another tenant's) the way the store writes them.
    for tenant in ["big", "other"] {
        sqlx::query(
            "INSERT INTO scimitar_users (tenant, id, version, created_ns, modified_ns, \
             user_name_folded, external_id, active, doc) \
             SELECT $1, 'id-' || i, 1, i, i, 'user' || i || '@example.com', 'ext-' || (i % 1000), \
             i % 2 = 0, json_build_object('userName', 'User' || i || '@Example.com') \
             FROM generate_series(1, 100000) AS i",
        )
        .bind(tenant)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query("ANALYZE scimitar_users")
        .execute(&pool)
        .await
        .unwrap();
    // One more through the store, so the bulk rows and the store's agree.
    UserStore::create(
        &store,
        &t,
        NewResource {
            id: "new".into(),
            attributes: json!({"userName": "Zed@Example.com"})
                .as_object()
                .unwrap()
                .clone(),
        },
    )
    .await
    .unwrap();

    let q = query(r#"userName eq "USER4242@example.COM""#);
    let plan = store.explain_users(&t, &q).await.unwrap();
    eprintln!("plan of userName eq:\n{plan}");
    assert!(
        plan.contains("Index Scan using scimitar_users_user_name"),
        "{plan}"
    );
    let page = UserStore::list(&store, &t, &q).await.unwrap();
    assert_eq!(page.resources.len(), 1);
    assert_eq!(page.resources[0].id, "id-4242");
    assert_eq!(
        page.resources[0].str_attr("userName"),
        Some("User4242@Example.com")
    );

    // A page of 100 from 100,000 (unfiltered, creation order) uses the (tenant, seq) index.
    let mut all = query(r#"userName pr"#);
    all.filter = None;
    all.page = Some(PageRequest {
        offset: 500,
        count: 100,
    });
    let plan = store.explain_users(&t, &all).await.unwrap();
    eprintln!("plan of a page:\n{plan}");
    assert!(plan.contains("scimitar_users_order"), "{plan}");
    let page = UserStore::list(&store, &t, &all).await.unwrap();
    assert_eq!(page.total_results, 100_001);
    assert_eq!(page.resources.len(), 100);
    assert_eq!(page.resources[0].id, "id-501");

    // Timings are printed for the record, not asserted.
    let store = Arc::new(store);
    let runs = 200;
    let start = Instant::now();
    for i in 0..runs {
        let q = query(&format!(
            r#"userName eq "user{}@example.com""#,
            1 + (i * 499) % 100_000
        ));
        let page = UserStore::list(&*store, &t, &q).await.unwrap();
        assert_eq!(page.resources.len(), 1);
    }
    eprintln!(
        "userName eq at 100k users: {:?} per query (mean of {runs})",
        start.elapsed() / runs as u32
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_custom_attributes_live_in_the_database() {
    use scimitar::schema::{AttributeDef, AttributeType};
    use scimitar::{TenantTokens, TokenStore, TokenVerifier};

    let (pool, _guard) = sql_support::pg::schema_pool(3).await;
    let t = TenantId::new("acme");
    let store = Arc::new(PostgresStore::from_pool(pool.clone()).await.unwrap());
    let tokens = TenantTokens::new(store.clone());
    let issued = tokens.enable(&t).await.unwrap();
    let secret = issued.secret().to_owned();
    let urn = "urn:example:params:scim:schemas:acme:2.0:User";
    store
        .save_custom_attribute(
            &t,
            urn,
            "Acme",
            &AttributeDef::new("badge", AttributeType::String),
        )
        .await
        .unwrap();

    // A second instance on the same database sees both.
    let other = Arc::new(PostgresStore::from_pool(pool).await.unwrap());
    let tokens2 = TenantTokens::new(other.clone());
    assert_eq!(tokens2.verify(&secret).await.unwrap(), t);
    let registry = SchemaRegistry::default();
    assert_eq!(other.load_custom_attributes(&registry).await.unwrap(), 1);
    assert!(registry.user_schemas(&t).extension(urn).is_some());
    // Revoking on one instance is seen by the other.
    assert_eq!(TokenStore::revoke_all(&*store, &t).await.unwrap(), 1);
    assert!(tokens2.verify(&secret).await.is_err());
}

/// A transaction the database aborts as a deadlock victim rolled back everything: the
/// request may be retried, so it is `Unavailable` (503), not an internal error (500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_victim_is_unavailable_not_an_internal_error() {
    use scimitar::store::{GroupStore, StoreError};
    use sqlx::Connection as _;

    let (pool, _guard) = sql_support::pg::schema_pool(4).await;
    let store = Arc::new(PostgresStore::from_pool(pool.clone()).await.unwrap());
    let t = TenantId::new("acme");
    UserStore::create(
        &*store,
        &t,
        NewResource {
            id: "u1".into(),
            attributes: json!({"userName": "u1"}).as_object().unwrap().clone(),
        },
    )
    .await
    .unwrap();
    for g in ["g1", "g2"] {
        GroupStore::create(
            &*store,
            &t,
            NewResource {
                id: g.into(),
                attributes: json!({"displayName": g, "members": [{"value": "u1"}]})
                    .as_object()
                    .unwrap()
                    .clone(),
            },
        )
        .await
        .unwrap();
    }
    // Another client holds g2, the store's cleanup takes g1 and waits for g2, then the
    // other client asks for g1: a cycle the database breaks by aborting the cleanup
    // (whose wait started first, so its deadlock check runs first).
    let mut other = pool.acquire().await.unwrap();
    let mut tx = other.begin().await.unwrap();
    let other_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT id FROM scimitar_groups WHERE id = 'g2' FOR UPDATE")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    let cleanup = {
        let store = store.clone();
        let t = t.clone();
        tokio::spawn(async move { GroupStore::remove_member_everywhere(&*store, &t, "u1").await })
    };
    // Wait until the cleanup is blocked by the other client (it then holds g1).
    let mut waits = 0;
    loop {
        let blocked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        )
        .bind(other_pid)
        .fetch_one(&pool)
        .await
        .unwrap();
        if blocked > 0 {
            break;
        }
        waits += 1;
        assert!(waits < 500, "the cleanup never waited for the other client");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let second = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        sqlx::query("SELECT id FROM scimitar_groups WHERE id = 'g1' FOR UPDATE")
            .fetch_all(&mut *tx),
    )
    .await
    .expect("no deadlock was detected");
    let outcome = cleanup.await.unwrap();
    // Explicitly: a dropped transaction is only rolled back when its connection is next
    // used, and until then it keeps its locks.
    tx.rollback().await.unwrap();
    drop(other);
    assert!(
        second.is_ok(),
        "the other client was the victim: {second:?}"
    );
    match outcome {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
    // Nothing of the cleanup was kept; retried, it succeeds.
    let g1 = GroupStore::get(&*store, &t, "g1", true)
        .await
        .unwrap()
        .unwrap();
    assert!(g1.attributes.contains_key("members"));
    GroupStore::remove_member_everywhere(&*store, &t, "u1")
        .await
        .unwrap();
    assert!(GroupStore::groups_of(&*store, &t, "u1")
        .await
        .unwrap()
        .is_empty());
}

/// Instances starting together on a fresh database, and restarting later, migrate once
/// and all come up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_once() {
    let (pool, _guard) = sql_support::pg::schema_pool(8).await;
    let starts: Vec<_> = (0..6)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { PostgresStore::from_pool(pool).await })
        })
        .collect();
    for s in starts {
        s.await.unwrap().unwrap();
    }
    let store = PostgresStore::from_pool(pool.clone()).await.unwrap();
    let rows: Vec<i64> = sqlx::query_scalar("SELECT version FROM scimitar_migrations")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows, vec![1]);
    let t = TenantId::new("acme");
    UserStore::create(
        &store,
        &t,
        NewResource {
            id: "u1".into(),
            attributes: json!({"userName": "a"}).as_object().unwrap().clone(),
        },
    )
    .await
    .unwrap();
    // A restart keeps the data.
    let again = PostgresStore::from_pool(pool).await.unwrap();
    assert!(UserStore::get(&again, &t, "u1").await.unwrap().is_some());
}

/// Every future the store hands out can be spawned: hosts build and use it inside
/// `tokio::spawn`, axum handlers and `#[async_trait]` methods, which need `Send`.
#[allow(dead_code)]
fn futures_are_send(
    store: &PostgresStore,
    registry: &scimitar::schema::SchemaRegistry,
    q: &StoreQuery,
) {
    fn send<F: std::future::Future + Send>(_: F) {}
    let t = TenantId::new("t");
    let attr = scimitar::schema::AttributeDef::new("a", scimitar::schema::AttributeType::String);
    send(PostgresStore::connect("postgres://x"));
    send(PostgresStore::from_pool(store.pool().clone()));
    send(store.save_custom_attribute(&t, "urn:x", "X", &attr));
    send(store.delete_custom_attributes(&t));
    send(store.load_custom_attributes(registry));
    send(store.explain_users(&t, q));
    send(store.explain_groups(&t, q));
    send(store.close());
}

/// An exhausted pool (every connection busy past the acquire timeout) is 503, retryable,
/// not 500; the request after it is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_is_503() {
    let (pool, _guard) = sql_support::pg::schema_pool(1).await;
    PostgresStore::from_pool(pool.clone()).await.unwrap();
    // A pool of one connection with a short acquire timeout, on the same schema.
    let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    let set = format!("SET search_path TO {schema}");
    let small = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_millis(300))
        .after_connect(move |conn, _| {
            let set = set.clone();
            Box::pin(async move {
                sqlx::Executor::execute(conn, set.as_str()).await?;
                Ok(())
            })
        })
        .connect(&sql_support::pg::url())
        .await
        .unwrap();
    let store = Arc::new(PostgresStore::from_pool(small.clone()).await.unwrap());
    let c = sql_support::service::Client::new(store).await;
    let held = small.acquire().await.unwrap();
    let r = c.get("/Users").await;
    r.assert_error(503, None);
    drop(held);
    assert_eq!(c.get("/Users").await.status, 200);
}
