//! [`PostgresStore`]: the SQL store on PostgreSQL (feature `postgres`).

use std::fmt;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::compile::Dialect;
use super::extras::impl_sql_extras;
use super::groups::impl_sql_groups;
use super::imp::impl_sql_store;

/// Migrations, in order; each runs once per database (schema), in a transaction.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("migrations/postgres_0001_init.sql"))];

/// An arbitrary constant identifying scimitar's migration lock (`pg_advisory_xact_lock`),
/// so instances starting together migrate one after the other.
const MIGRATION_LOCK: i64 = 0x005c_17a2_0001;

/// Users, groups, memberships, token hashes and custom attributes in one PostgreSQL
/// database (see the [module docs](super)). Any number of instances may share it.
///
/// Tables are created in the first schema of the connection's `search_path`. Cloning is
/// cheap and clones share the pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), scimitar::store::StoreError> {
/// use scimitar::store::sql::PostgresStore;
///
/// let store = PostgresStore::connect("postgres://scim@db.internal/scim").await?;
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    unique_group_names: bool,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("unique_group_names", &self.unique_group_names)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    const DIALECT: Dialect = Dialect::Postgres;
    const DOC_OUT: &'static str = "doc::text AS doc";

    /// Keeps the rows read from being deleted (or their keys changed) until the
    /// transaction ends, without blocking ordinary updates of them.
    const KEY_SHARE_LOCK: &'static str = " FOR KEY SHARE";
    /// The lock an `UPDATE` of non-key columns takes, taken ahead to fix the lock order.
    const UPDATE_LOCK: &'static str = " FOR NO KEY UPDATE";

    const EXPLAIN: &'static str = "EXPLAIN";
    const EXPLAIN_COLUMN: &'static str = "QUERY PLAN";

    fn doc_in(n: usize) -> String {
        format!("${n}::json")
    }

    fn read_pool(&self) -> &PgPool {
        &self.pool
    }

    fn write_pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, super::StoreError> {
        self.pool.begin().await.map_err(super::db_error)
    }

    /// Connects to `url` (`postgres://user:password@host:port/database`) with a pool of up
    /// to 10 connections and runs the migrations.
    ///
    /// # Errors
    ///
    /// When the URL is invalid, the server cannot be reached or a migration fails.
    pub async fn connect(url: &str) -> Result<Self, super::StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(super::db_error)?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (e.g. one whose `after_connect` sets a `search_path`) and
    /// runs the migrations.
    ///
    /// # Errors
    ///
    /// When a migration fails.
    pub async fn from_pool(pool: PgPool) -> Result<Self, super::StoreError> {
        Self::migrate(&pool).await?;
        Ok(PostgresStore {
            pool,
            unique_group_names: false,
        })
    }

    /// Whether group `displayName` must be unique per tenant, case-insensitively (enforced
    /// by a unique index on groups written from now on). Off by default.
    pub fn with_unique_group_names(mut self, unique: bool) -> Self {
        self.unique_group_names = unique;
        self
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn migrate(pool: &PgPool) -> Result<(), super::StoreError> {
        let mut tx = pool.begin().await.map_err(super::db_error)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(super::db_error)?;
        run_migrations!(
            tx,
            "CREATE TABLE IF NOT EXISTS scimitar_migrations \
             (version BIGINT PRIMARY KEY, applied_ns BIGINT NOT NULL)",
            MIGRATIONS
        )
    }
}

impl_sql_store!(PostgresStore, sqlx::Postgres);
impl_sql_groups!(PostgresStore);
impl_sql_extras!(PostgresStore);
