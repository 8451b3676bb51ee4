//! The one place the examples configure [`ScimService`]: stores, tokens, schemas, policy.

use std::sync::Arc;

use scimitar::auth::{MemoryTokenStore, TenantTokens, TokenStore};
use scimitar::schema::{AttributeDef, Policy, SchemaRegistry};
use scimitar::store::sql::{PostgresStore, SqliteStore};
use scimitar::{GroupStore, MemoryStore, ScimService, TenantId, UserStore};

use crate::args::Args;
use crate::SCIM_BASE_PATH;

/// The token registry of the examples, over the memory or the SQL token store.
pub type Tokens = TenantTokens<Arc<dyn TokenStore>>;

/// Where the examples keep Users, Groups, tokens and custom attributes.
#[derive(Debug, Clone)]
pub enum Database {
    /// In memory (no `--database-url`): gone when the process stops.
    Memory(Arc<MemoryStore>, Arc<MemoryTokenStore>),
    /// `--database-url sqlite:...`.
    Sqlite(Arc<SqliteStore>),
    /// `--database-url postgres:...` or `postgresql:...`.
    Postgres(Arc<PostgresStore>),
}

impl Database {
    /// Opens the database of `--database-url` (running its migrations), or the in-memory
    /// store without one.
    pub async fn open(url: Option<&str>) -> Result<Database, scimitar::Error> {
        let Some(url) = url else {
            return Ok(Database::Memory(
                Arc::new(MemoryStore::new()),
                Arc::new(MemoryTokenStore::new()),
            ));
        };
        let context = |e: scimitar::Error| e.with_context("--database-url");
        match crate::args::database_kind(url) {
            Some(crate::args::DatabaseKind::Sqlite) => {
                let store = SqliteStore::connect(url)
                    .await
                    .map_err(|e| context(e.into()))?;
                Ok(Database::Sqlite(Arc::new(store)))
            }
            Some(crate::args::DatabaseKind::Postgres) => {
                let store = PostgresStore::connect(url)
                    .await
                    .map_err(|e| context(e.into()))?;
                Ok(Database::Postgres(Arc::new(store)))
            }
            None => Err(context(scimitar::Error::invalid_value(
                "expected a sqlite: or postgres: URL",
            ))),
        }
    }

    /// Whether data survives a restart.
    pub fn is_persistent(&self) -> bool {
        !matches!(self, Database::Memory(..))
    }

    /// The token store (hashes only) in this database.
    pub fn token_store(&self) -> Arc<dyn TokenStore> {
        match self {
            Database::Memory(_, t) => t.clone(),
            Database::Sqlite(s) => s.clone(),
            Database::Postgres(s) => s.clone(),
        }
    }

    fn users(&self) -> Arc<dyn UserStore> {
        match self {
            Database::Memory(s, _) => s.clone(),
            Database::Sqlite(s) => s.clone(),
            Database::Postgres(s) => s.clone(),
        }
    }

    fn groups(&self) -> Arc<dyn GroupStore> {
        match self {
            Database::Memory(s, _) => s.clone(),
            Database::Sqlite(s) => s.clone(),
            Database::Postgres(s) => s.clone(),
        }
    }

    /// Adds the custom attributes saved earlier to `registry`; returns how many.
    pub async fn load_custom_attributes(
        &self,
        registry: &SchemaRegistry,
    ) -> Result<usize, scimitar::Error> {
        match self {
            Database::Memory(..) => Ok(0),
            Database::Sqlite(s) => s.load_custom_attributes(registry).await,
            Database::Postgres(s) => s.load_custom_attributes(registry).await,
        }
    }

    /// Saves a custom attribute so that it is loaded again at the next start (nothing to
    /// do in memory).
    pub async fn save_custom_attribute(
        &self,
        tenant: &TenantId,
        urn: &str,
        schema_name: &str,
        attr: &AttributeDef,
    ) -> Result<(), scimitar::Error> {
        match self {
            Database::Memory(..) => Ok(()),
            Database::Sqlite(s) => Ok(s
                .save_custom_attribute(tenant, urn, schema_name, attr)
                .await?),
            Database::Postgres(s) => Ok(s
                .save_custom_attribute(tenant, urn, schema_name, attr)
                .await?),
        }
    }

    /// The organizations with SCIM enabled and how many tokens each has, by name.
    pub async fn tenants(&self) -> Result<Vec<(String, usize)>, scimitar::Error> {
        const SQL: &str = "SELECT tenant, COUNT(*) FROM scimitar_tokens GROUP BY tenant";
        let rows: Vec<(String, i64)> = match self {
            Database::Memory(_, t) => {
                let mut counts: Vec<(String, i64)> = Vec::new();
                for record in t.records() {
                    match counts.iter_mut().find(|(n, _)| n == record.tenant.as_str()) {
                        Some((_, c)) => *c += 1,
                        None => counts.push((record.tenant.as_str().to_owned(), 1)),
                    }
                }
                counts
            }
            Database::Sqlite(s) => sqlx::query_as(SQL)
                .fetch_all(s.pool())
                .await
                .map_err(|_| scimitar::Error::internal())?,
            Database::Postgres(s) => sqlx::query_as(SQL)
                .fetch_all(s.pool())
                .await
                .map_err(|_| scimitar::Error::internal())?,
        };
        let mut out: Vec<(String, usize)> = rows
            .into_iter()
            .map(|(n, c)| (n, usize::try_from(c).unwrap_or(0)))
            .collect();
        out.sort();
        Ok(out)
    }
}

/// Builds the SCIM service of the examples: Users and Groups in `db`, bearer-token
/// tenancy from `tokens`, per-tenant schemas from `schemas` (built with
/// [`SchemaRegistry::with_policy`] of the same [`policy`], so `/Schemas` reports it),
/// validation by [`policy`], served under [`SCIM_BASE_PATH`].
pub fn build(
    args: &Args,
    db: &Database,
    tokens: Arc<Tokens>,
    schemas: Arc<SchemaRegistry>,
) -> Result<ScimService, scimitar::Error> {
    // Without --public-url the service derives meta.location from each request's Host
    // header, which is right behind any name the server is reached by.
    let public_url = args
        .public_url
        .as_deref()
        .map(|u| crate::scim_url(Some(u), args.bind));
    let policy = policy(args)?;
    ScimService::builder()
        .users(db.users())
        .groups(db.groups())
        .tokens(tokens)
        .schemas(schemas)
        .policy(policy)
        .base_path(SCIM_BASE_PATH)
        .public_url(public_url)
        // What a product would act on (end a deactivated user's sessions, ...); here it is
        // logged, so you can watch your IdP provision (RUST_LOG=warn silences it).
        .on_change(|c| {
            tracing::info!(
                tenant = %c.tenant,
                resource = ?c.resource,
                id = %c.id,
                change = ?c.kind,
                activation = ?c.activation,
                "provisioned"
            );
        })
        .build()
}

/// The validation policy of `--require` and `--max-length` (the RFC's when both are
/// absent).
pub fn policy(args: &Args) -> Result<Policy, scimitar::Error> {
    let mut policy = Policy::default();
    for attr in &args.require {
        policy = policy
            .require(attr)
            .map_err(|e| e.with_context("--require"))?;
    }
    if let Some(n) = args.max_length {
        policy = policy.max_length(n);
    }
    Ok(policy)
}
