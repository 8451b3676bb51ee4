//! Shared helpers of the SQL store tests: fresh stores (a temp SQLite file, or a private
//! PostgreSQL schema that is dropped again), generated users and filters.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use scimitar::store::{
    Capabilities, GroupRef, GroupStore, MemberChange, NewResource, Pushdown, Resource, StoreError,
    StorePage, StoreQuery, UserStore,
};
use scimitar::{Filter, TenantId};
use serde_json::{Map, Value};

pub mod gen;
pub mod service;

/// A unique name for a temp file or schema.
pub fn unique_name(prefix: &str) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let rand = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{secs}_{}", &rand[..12])
}

/// A temp directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(unique_name("scimitar_sqlite"));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn url(&self, file: &str) -> String {
        format!("sqlite://{}", self.0.join(file).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store plus whatever must outlive it and be cleaned up after it (a temp dir, a schema).
pub struct Guarded<S> {
    pub store: S,
    _guard: Box<dyn Send + Sync>,
}

impl<S> Guarded<S> {
    pub fn new(store: S, guard: impl Send + Sync + 'static) -> Self {
        Guarded {
            store,
            _guard: Box::new(guard),
        }
    }
}

#[async_trait]
impl<S: UserStore + GroupStore> UserStore for Guarded<S> {
    fn capabilities(&self) -> Capabilities {
        UserStore::capabilities(&self.store)
    }
    fn filter_pushdown(&self, filter: &Filter) -> Pushdown {
        UserStore::filter_pushdown(&self.store, filter)
    }
    async fn get(&self, tenant: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        UserStore::get(&self.store, tenant, id).await
    }
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        UserStore::create(&self.store, tenant, new).await
    }
    async fn replace(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Map<String, Value>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        UserStore::replace(&self.store, tenant, id, attributes, expected_version).await
    }
    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        UserStore::delete(&self.store, tenant, id, expected_version).await
    }
    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        UserStore::list(&self.store, tenant, query).await
    }
}

#[async_trait]
impl<S: UserStore + GroupStore> GroupStore for Guarded<S> {
    fn capabilities(&self) -> Capabilities {
        GroupStore::capabilities(&self.store)
    }
    fn filter_pushdown(&self, filter: &Filter) -> Pushdown {
        GroupStore::filter_pushdown(&self.store, filter)
    }
    fn unique_display_name(&self) -> bool {
        GroupStore::unique_display_name(&self.store)
    }
    async fn get(
        &self,
        tenant: &TenantId,
        id: &str,
        include_members: bool,
    ) -> Result<Option<Resource>, StoreError> {
        GroupStore::get(&self.store, tenant, id, include_members).await
    }
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        GroupStore::create(&self.store, tenant, new).await
    }
    async fn update(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Option<Map<String, Value>>,
        changes: Vec<MemberChange>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        GroupStore::update(
            &self.store,
            tenant,
            id,
            attributes,
            changes,
            expected_version,
        )
        .await
    }
    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        GroupStore::delete(&self.store, tenant, id, expected_version).await
    }
    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        GroupStore::list(&self.store, tenant, query).await
    }
    async fn groups_of(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<GroupRef>, StoreError> {
        GroupStore::groups_of(&self.store, tenant, member_id).await
    }
    async fn remove_member_everywhere(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<(), StoreError> {
        GroupStore::remove_member_everywhere(&self.store, tenant, member_id).await
    }
}

#[cfg(feature = "sqlite")]
pub mod sqlite {
    use super::*;
    use scimitar::store::sql::SqliteStore;

    /// A fresh store on a temp file (WAL, separate reader and writer pools).
    pub async fn file_store() -> Guarded<SqliteStore> {
        let dir = TempDir::new();
        let store = SqliteStore::connect(&dir.url("scim.db")).await.unwrap();
        Guarded::new(store, dir)
    }
}

#[cfg(feature = "postgres")]
pub mod pg {
    use super::*;
    use scimitar::store::sql::PostgresStore;
    use sqlx::postgres::{PgPool, PgPoolOptions};
    use sqlx::Executor;

    pub fn url() -> String {
        std::env::var("SCIMITAR_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
    }

    /// Drops the schema when dropped (from a thread of its own: drops happen inside
    /// the tests' runtimes, which must not be blocked on themselves).
    pub struct SchemaGuard(pub String);

    impl Drop for SchemaGuard {
        fn drop(&mut self) {
            let schema = self.0.clone();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(pool) = PgPoolOptions::new()
                        .max_connections(1)
                        .connect(&url())
                        .await
                    {
                        let _ = pool
                            .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
                            .await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }

    /// Drops schemas of earlier runs that did not clean up (killed), older than an hour.
    async fn drop_stale(admin: &PgPool) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'scimitar\\_test\\_%'",
        )
        .fetch_all(admin)
        .await
        .unwrap_or_default();
        for n in names {
            let secs: u64 = n
                .split('_')
                .nth(2)
                .and_then(|s| s.parse().ok())
                .unwrap_or(u64::MAX);
            if secs.saturating_add(3600) < now {
                let _ = admin
                    .execute(format!("DROP SCHEMA IF EXISTS {n} CASCADE").as_str())
                    .await;
            }
        }
    }

    /// A pool whose connections use a fresh schema, and the guard that drops it.
    pub async fn schema_pool(max: u32) -> (PgPool, SchemaGuard) {
        let schema = unique_name("scimitar_test");
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&url())
            .await
            .expect("PostgreSQL at SCIMITAR_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test)");
        drop_stale(&admin).await;
        admin
            .execute(format!("CREATE SCHEMA {schema}").as_str())
            .await
            .unwrap();
        admin.close().await;
        let guard = SchemaGuard(schema.clone());
        let set = format!("SET search_path TO {schema}");
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(std::time::Duration::from_secs(60))
            .after_connect(move |conn, _| {
                let set = set.clone();
                Box::pin(async move {
                    conn.execute(set.as_str()).await?;
                    Ok(())
                })
            })
            .connect(&url())
            .await
            .unwrap();
        (pool, guard)
    }

    /// A fresh store in a private schema, dropped with the store.
    pub async fn store() -> Guarded<PostgresStore> {
        let (pool, guard) = schema_pool(5).await;
        let store = PostgresStore::from_pool(pool).await.unwrap();
        Guarded::new(store, guard)
    }
}

pub fn arc<T>(t: T) -> Arc<T> {
    Arc::new(t)
}
