//! The SQLite store: the conformance suite (in memory and on a WAL file), a restart,
//! tokens and custom attributes persisted in the same database.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod sql_support;

use std::sync::Arc;

use scimitar::schema::{AttributeDef, AttributeType, SchemaRegistry};
use scimitar::store::sql::SqliteStore;
use scimitar::store::{GroupStore, Member, MemberChange, NewResource, StoreQuery, UserStore};
use scimitar::{TenantId, TenantTokens, TokenStore, TokenVerifier};
use serde_json::{json, Map, Value};
use sql_support::TempDir;

#[cfg(feature = "testkit")]
mod memory_db {
    use super::*;
    scimitar::store_conformance_tests!(SqliteStore::memory().await.unwrap());
}

#[cfg(feature = "testkit")]
mod file_db {
    use super::*;
    scimitar::store_conformance_tests!(sql_support::sqlite::file_store().await);
}

#[cfg(feature = "testkit")]
mod unique_group_names {
    use super::*;
    scimitar::store_conformance_tests!(groups: SqliteStore::memory()
        .await
        .unwrap()
        .with_unique_group_names(true));
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn all(schemas: Arc<scimitar::SchemaSet>) -> StoreQuery {
    StoreQuery {
        filter: None,
        sort: None,
        page: None,
        include_members: true,
        schemas,
    }
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let dir = TempDir::new();
    let url = dir.url("restart.db");
    let t = TenantId::new("acme");
    let registry = SchemaRegistry::default();
    let before_users;
    let before_groups;
    {
        let store = SqliteStore::connect(&url).await.unwrap();
        for i in 0..20 {
            let u = obj(json!({
                "userName": format!("User{i}@Example.com"),
                "active": i % 2 == 0,
                "emails": [{"value": format!("u{i}@example.com"), "type": "work"}],
            }));
            UserStore::create(
                &store,
                &t,
                NewResource {
                    id: format!("u{i}"),
                    attributes: u,
                },
            )
            .await
            .unwrap();
        }
        UserStore::replace(
            &store,
            &t,
            "u3",
            obj(json!({"userName": "renamed"})),
            Some(1),
        )
        .await
        .unwrap();
        let g = obj(json!({
            "displayName": "Admins",
            "members": [{"value": "u1", "display": "User1", "type": "User"}, {"value": "u2"}],
        }));
        GroupStore::create(
            &store,
            &t,
            NewResource {
                id: "g1".into(),
                attributes: g,
            },
        )
        .await
        .unwrap();
        GroupStore::update(
            &store,
            &t,
            "g1",
            None,
            vec![
                MemberChange::Add(vec![Member::new("u5")]),
                MemberChange::Remove(vec!["u2".into()]),
            ],
            Some(1),
        )
        .await
        .unwrap();
        GroupStore::create(
            &store,
            &t,
            NewResource {
                id: "g2".into(),
                attributes: obj(json!({"displayName": "Empty"})),
            },
        )
        .await
        .unwrap();
        before_users = UserStore::list(&store, &t, &all(registry.user_schemas(&t)))
            .await
            .unwrap();
        before_groups = GroupStore::list(&store, &t, &all(registry.group_schemas(&t)))
            .await
            .unwrap();
        store.close().await;
    }
    let store = SqliteStore::connect(&url).await.unwrap();
    let users = UserStore::list(&store, &t, &all(registry.user_schemas(&t)))
        .await
        .unwrap();
    let groups = GroupStore::list(&store, &t, &all(registry.group_schemas(&t)))
        .await
        .unwrap();
    assert_eq!(users, before_users);
    assert_eq!(groups, before_groups);
    assert_eq!(users.resources.len(), 20);
    let u3 = UserStore::get(&store, &t, "u3").await.unwrap().unwrap();
    assert_eq!(u3.version, 2);
    assert_eq!(u3.str_attr("userName"), Some("renamed"));
    let g1 = GroupStore::get(&store, &t, "g1", true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g1.version, 2);
    assert_eq!(
        g1.attributes["members"],
        json!([{"value": "u1", "display": "User1", "type": "User"}, {"value": "u5"}])
    );
    let of = GroupStore::groups_of(&store, &t, "u1").await.unwrap();
    assert_eq!(of.len(), 1);
    assert_eq!(of[0].id, "g1");
    // Still race-safe after reopening: the unique index is there.
    let dup = UserStore::create(
        &store,
        &t,
        NewResource {
            id: "x".into(),
            attributes: obj(json!({"userName": "USER1@example.COM"})),
        },
    )
    .await;
    assert!(
        matches!(dup, Err(scimitar::store::StoreError::Uniqueness { attribute }) if attribute == "userName")
    );
}

#[tokio::test]
async fn tokens_are_hashed_and_survive_reopening() {
    let dir = TempDir::new();
    let url = dir.url("tokens.db");
    let t = TenantId::new("acme");
    let secret;
    {
        let store = Arc::new(SqliteStore::connect(&url).await.unwrap());
        let tokens = TenantTokens::new(store.clone());
        let issued = tokens.enable(&t).await.unwrap();
        secret = issued.secret().to_owned();
        assert_eq!(tokens.verify(&secret).await.unwrap(), t);
        let stored = TokenStore::list(&*store, &t).await.unwrap();
        assert_eq!(stored.len(), 1);
        // Only the hash is stored.
        let raw: Vec<String> =
            sqlx::query_scalar("SELECT hash || tenant || id FROM scimitar_tokens")
                .fetch_all(store.pool())
                .await
                .unwrap();
        assert!(!raw[0].contains(&secret));
        store.close().await;
    }
    let store = Arc::new(SqliteStore::connect(&url).await.unwrap());
    let tokens = TenantTokens::new(store.clone());
    assert_eq!(tokens.verify(&secret).await.unwrap(), t);
    assert_eq!(TokenStore::revoke_all(&*store, &t).await.unwrap(), 1);
    assert!(tokens.verify(&secret).await.is_err());
}

#[tokio::test]
async fn custom_attributes_are_reloaded_into_a_registry() {
    let dir = TempDir::new();
    let url = dir.url("custom.db");
    let t = TenantId::new("acme");
    let urn = "urn:example:params:scim:schemas:acme:2.0:User";
    {
        let store = SqliteStore::connect(&url).await.unwrap();
        let badge = AttributeDef::new("badge", AttributeType::String);
        store
            .save_custom_attribute(&t, urn, "Acme", &badge)
            .await
            .unwrap();
        let level = AttributeDef::new("level", AttributeType::Integer);
        store
            .save_custom_attribute(&t, urn, "Acme", &level)
            .await
            .unwrap();
        // Saving again replaces (names compare case-insensitively).
        let badge2 = AttributeDef::new("Badge", AttributeType::String).case_exact(true);
        store
            .save_custom_attribute(&t, urn, "Acme", &badge2)
            .await
            .unwrap();
        store.close().await;
    }
    let store = SqliteStore::connect(&url).await.unwrap();
    let registry = SchemaRegistry::default();
    assert_eq!(store.load_custom_attributes(&registry).await.unwrap(), 2);
    let schemas = registry.user_schemas(&t);
    let ext = schemas.extension(urn).unwrap();
    let names: Vec<&str> = ext
        .schema
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["Badge", "level"]);
    assert!(ext.schema.attributes[0].case_exact);
    // Other tenants are untouched.
    assert!(registry
        .user_schemas(&TenantId::new("other"))
        .extension(urn)
        .is_none());
    assert_eq!(store.delete_custom_attributes(&t).await.unwrap(), 2);
}

/// Every future the store hands out can be spawned: hosts build and use it inside
/// `tokio::spawn`, axum handlers and `#[async_trait]` methods, which need `Send`.
#[allow(dead_code)]
fn futures_are_send(
    store: &SqliteStore,
    registry: &scimitar::schema::SchemaRegistry,
    q: &StoreQuery,
) {
    fn send<F: std::future::Future + Send>(_: F) {}
    let t = TenantId::new("t");
    let attr = scimitar::schema::AttributeDef::new("a", scimitar::schema::AttributeType::String);
    send(SqliteStore::connect("sqlite::memory:"));
    send(SqliteStore::memory());
    send(SqliteStore::from_pools(
        store.pool().clone(),
        store.pool().clone(),
    ));
    send(store.save_custom_attribute(&t, "urn:x", "X", &attr));
    send(store.delete_custom_attributes(&t));
    send(store.load_custom_attributes(registry));
    send(store.explain_users(&t, q));
    send(store.explain_groups(&t, q));
    send(store.close());
}

/// Another process holding the database's write lock past the busy timeout makes a write
/// 503 (`Unavailable`, retryable), not 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_by_another_process_is_unavailable() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::Connection as _;
    use std::str::FromStr as _;

    let dir = TempDir::new();
    let url = dir.url("busy.db");
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .busy_timeout(std::time::Duration::from_millis(200));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .unwrap();
    let store = SqliteStore::from_pools(pool.clone(), pool).await.unwrap();
    let mut other = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::Executor::execute(&mut other, "BEGIN IMMEDIATE")
        .await
        .unwrap();
    let t = TenantId::new("acme");
    let new = || NewResource {
        id: "u1".into(),
        attributes: obj(json!({"userName": "a"})),
    };
    match UserStore::create(&store, &t, new()).await {
        Err(scimitar::store::StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
    sqlx::Executor::execute(&mut other, "ROLLBACK")
        .await
        .unwrap();
    UserStore::create(&store, &t, new()).await.unwrap();
}
