//! [`SqliteStore`]: the SQL store on an embedded SQLite database (feature `sqlite`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::compile::Dialect;
use super::extras::impl_sql_extras;
use super::groups::impl_sql_groups;
use super::imp::impl_sql_store;

/// Migrations, in order; each runs once per database, in a transaction.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("migrations/sqlite_0001_init.sql"))];

/// Users, groups, memberships, token hashes and custom attributes in one SQLite database
/// (see the [module docs](super)).
///
/// Writes go through one connection (SQLite has a single writer; this avoids
/// `SQLITE_BUSY` between the store's own connections), reads through a pool of up to
/// four (WAL mode lets them run beside a write). Cloning is cheap and clones share the
/// pools.
///
/// ```no_run
/// # async fn demo() -> Result<(), scimitar::store::StoreError> {
/// use scimitar::store::sql::SqliteStore;
///
/// let store = SqliteStore::connect("sqlite://scim.db").await?;
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
    unique_group_names: bool,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("unique_group_names", &self.unique_group_names)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    const DIALECT: Dialect = Dialect::Sqlite;
    const DOC_OUT: &'static str = "doc";

    /// No row locks: a write transaction holds the whole database (`BEGIN IMMEDIATE`).
    const KEY_SHARE_LOCK: &'static str = "";
    const UPDATE_LOCK: &'static str = "";

    const EXPLAIN: &'static str = "EXPLAIN QUERY PLAN";
    const EXPLAIN_COLUMN: &'static str = "detail";

    fn doc_in(n: usize) -> String {
        format!("${n}")
    }

    fn read_pool(&self) -> &SqlitePool {
        &self.reader
    }

    fn write_pool(&self) -> &SqlitePool {
        &self.writer
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, super::StoreError> {
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads and
        // then writes could fail instead of waiting for another process's writer.
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(super::db_error)
    }

    /// Opens (creating it if missing) the database at `url` (`sqlite://PATH`,
    /// `sqlite:PATH` or `sqlite::memory:`) and runs the migrations.
    ///
    /// # Errors
    ///
    /// When the URL is invalid, the file cannot be opened or a migration fails.
    pub async fn connect(url: &str) -> Result<Self, super::StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(super::db_error)?
            .create_if_missing(true)
            .foreign_keys(false)
            .busy_timeout(Duration::from_secs(10));
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if in_memory {
            // Every connection to `:memory:` is its own database: keep exactly one, forever.
            let pool = SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .map_err(super::db_error)?;
            return Self::from_pools(pool.clone(), pool).await;
        }
        let options = options.journal_mode(SqliteJournalMode::Wal);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(super::db_error)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(super::db_error)?;
        Self::migrate(&writer).await?;
        Ok(SqliteStore {
            reader,
            writer,
            unique_group_names: false,
        })
    }

    /// A fresh in-memory database (for tests and demos; gone when the store is dropped).
    ///
    /// # Errors
    ///
    /// When SQLite cannot be initialized.
    pub async fn memory() -> Result<Self, super::StoreError> {
        Self::connect("sqlite::memory:").await
    }

    /// Uses existing pools (writes go through `writer`, which should have one connection)
    /// and runs the migrations.
    ///
    /// # Errors
    ///
    /// When a migration fails.
    pub async fn from_pools(
        reader: SqlitePool,
        writer: SqlitePool,
    ) -> Result<Self, super::StoreError> {
        Self::migrate(&writer).await?;
        Ok(SqliteStore {
            reader,
            writer,
            unique_group_names: false,
        })
    }

    /// Whether group `displayName` must be unique per tenant, case-insensitively (enforced
    /// by a unique index on groups written from now on). Off by default.
    pub fn with_unique_group_names(mut self, unique: bool) -> Self {
        self.unique_group_names = unique;
        self
    }

    /// The pool used for writes.
    pub fn pool(&self) -> &SqlitePool {
        &self.writer
    }

    /// Closes the pools, waiting for connections in use.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    async fn migrate(writer: &SqlitePool) -> Result<(), super::StoreError> {
        let mut tx = writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(super::db_error)?;
        run_migrations!(
            tx,
            "CREATE TABLE IF NOT EXISTS scimitar_migrations \
             (version INTEGER PRIMARY KEY, applied_ns INTEGER NOT NULL)",
            MIGRATIONS
        )
    }
}

impl_sql_store!(SqliteStore, sqlx::Sqlite);
impl_sql_groups!(SqliteStore);
impl_sql_extras!(SqliteStore);
