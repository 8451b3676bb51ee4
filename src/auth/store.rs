//! Where token hashes live: the [`TokenStore`] trait and [`MemoryTokenStore`].

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{Error, TenantId};

use super::{TokenHash, TokenId};

/// One stored token: everything about it except its plaintext, which is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The tenant the token authenticates as.
    pub tenant: TenantId,
    /// The public id, unique per tenant.
    pub id: TokenId,
    /// SHA-256 of the plaintext, unique across all tenants.
    pub hash: TokenHash,
    /// When it was issued or registered (UTC).
    pub created: OffsetDateTime,
}

/// Persistence of token records, for hosts that keep them in their own database.
///
/// The store only keeps records; [`TenantTokens`](super::TenantTokens) decides what they
/// mean. A revoked token is simply gone: once [`revoke`](TokenStore::revoke) or
/// [`revoke_all`](TokenStore::revoke_all) returns, [`find_by_hash`](TokenStore::find_by_hash)
/// and [`list`](TokenStore::list) must no longer return it (a database may keep a
/// soft-deleted row for auditing, as long as these methods skip it).
///
/// Errors are returned as they are (e.g. [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) for an unreachable
/// database) so that an outage is not mistaken for a bad token.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new record. A record whose hash is already stored must be refused with an
    /// [`ErrorKind::Uniqueness`](crate::ErrorKind::Uniqueness) error: a hash maps to exactly one tenant.
    async fn insert(&self, record: TokenRecord) -> Result<(), Error>;

    /// The record with exactly this hash, if one is stored.
    ///
    /// This is the hot path of every request: index the hash column.
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, Error>;

    /// All records of `tenant`, in any order.
    async fn list(&self, tenant: &TenantId) -> Result<Vec<TokenRecord>, Error>;

    /// Removes the record `id` of `tenant`; `false` if the tenant has no such token.
    async fn revoke(&self, tenant: &TenantId, id: &TokenId) -> Result<bool, Error>;

    /// Removes every record of `tenant` and returns how many there were.
    async fn revoke_all(&self, tenant: &TenantId) -> Result<usize, Error>;
}

#[async_trait]
impl<S: TokenStore + ?Sized> TokenStore for Arc<S> {
    async fn insert(&self, record: TokenRecord) -> Result<(), Error> {
        (**self).insert(record).await
    }
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, Error> {
        (**self).find_by_hash(hash).await
    }
    async fn list(&self, tenant: &TenantId) -> Result<Vec<TokenRecord>, Error> {
        (**self).list(tenant).await
    }
    async fn revoke(&self, tenant: &TenantId, id: &TokenId) -> Result<bool, Error> {
        (**self).revoke(tenant, id).await
    }
    async fn revoke_all(&self, tenant: &TenantId) -> Result<usize, Error> {
        (**self).revoke_all(tenant).await
    }
}

/// An in-memory [`TokenStore`] for examples, tests and single-process hosts whose tokens
/// come from configuration. Tokens do not survive a restart.
///
/// Lookup by hash is a `HashMap` probe, one per request, whatever the number of tenants.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_hash: HashMap<TokenHash, TokenRecord>,
    by_tenant: HashMap<TenantId, Vec<TokenHash>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A snapshot of every stored record, for inspection in tests and admin tooling.
    pub fn records(&self) -> Vec<TokenRecord> {
        self.read(|inner| inner.by_hash.values().cloned().collect())
    }

    // The critical sections below never panic, so a poisoned lock still guards consistent
    // data; recovering it beats failing every later request.
    fn read<T>(&self, f: impl FnOnce(&Inner) -> T) -> T {
        f(&self.inner.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn write<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.write().unwrap_or_else(PoisonError::into_inner))
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn insert(&self, record: TokenRecord) -> Result<(), Error> {
        self.write(|inner| {
            if inner.by_hash.contains_key(&record.hash) {
                return Err(Error::uniqueness("token is already registered"));
            }
            inner
                .by_tenant
                .entry(record.tenant.clone())
                .or_default()
                .push(record.hash);
            inner.by_hash.insert(record.hash, record);
            Ok(())
        })
    }

    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, Error> {
        Ok(self.read(|inner| inner.by_hash.get(hash).cloned()))
    }

    async fn list(&self, tenant: &TenantId) -> Result<Vec<TokenRecord>, Error> {
        Ok(self.read(|inner| {
            inner
                .by_tenant
                .get(tenant)
                .into_iter()
                .flatten()
                .filter_map(|hash| inner.by_hash.get(hash).cloned())
                .collect()
        }))
    }

    async fn revoke(&self, tenant: &TenantId, id: &TokenId) -> Result<bool, Error> {
        Ok(self.write(|inner| {
            let Some(hashes) = inner.by_tenant.get_mut(tenant) else {
                return false;
            };
            let by_hash = &mut inner.by_hash;
            let found = hashes
                .iter()
                .position(|h| by_hash.get(h).is_some_and(|r| &r.id == id));
            let Some(pos) = found else {
                return false;
            };
            let hash = hashes.swap_remove(pos);
            by_hash.remove(&hash);
            if hashes.is_empty() {
                inner.by_tenant.remove(tenant);
            }
            true
        }))
    }

    async fn revoke_all(&self, tenant: &TenantId) -> Result<usize, Error> {
        Ok(self.write(|inner| {
            let hashes = inner.by_tenant.remove(tenant).unwrap_or_default();
            for hash in &hashes {
                inner.by_hash.remove(hash);
            }
            hashes.len()
        }))
    }
}
