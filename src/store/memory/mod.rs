//! [`MemoryStore`]: an in-process [`UserStore`](super::UserStore) and
//! [`GroupStore`](super::GroupStore) for tests, demos and small deployments.
//!
//! All tenants live in one process; each tenant's users and groups sit behind one
//! `RwLock`, taken for short, synchronous critical sections (never across an `.await`),
//! so uniqueness checks, version checks and membership changes are atomic with the
//! writes they guard.
//!
//! Lookups by `id`, `userName`, `externalId`, group `displayName` and member id
//! (`members[value eq "..."]`, `members.value eq "..."`) use hash indexes, also as one
//! operand of an `and` (the rest is evaluated on the candidates). Resources are kept in
//! creation order, which is the order of unsorted lists, so a page of an unfiltered,
//! unsorted list only touches the resources it returns.
//!
//! `externalId` is indexed but not required to be unique (RFC 7643 §3.1 leaves it to the
//! client). Group `displayName` is unique per tenant (case-insensitively) only when
//! enabled with [`MemoryStore::with_unique_group_names`].
//!
//! Like every store, it expects the canonical, schema-valid attributes the library hands it
//! (`userName`, `externalId` and group `displayName` as strings): the indexes hold string
//! values only, so a caller writing, say, an array as `userName` directly to the store would
//! not find that resource with `userName eq`.
//!
//! Filters are evaluated with the schema-aware evaluator ([`Filter::bind`]), sorting uses
//! [`Sorter`], so both declare full pushdown ([`Pushdown::Exact`], [`Capabilities::full`]).
//! Member ids must name a user or group of the same tenant
//! ([`StoreError::InvalidMember`]); an update that fails validation changes nothing.
//! [`remove_member_everywhere`](super::GroupStore::remove_member_everywhere) bumps the
//! version of every group it changes.
//!
//! Attributes are stored as one compact byte buffer per resource and expanded into a
//! fresh map on read; rows sit in chunks in creation order and the indexes hold only
//! hashes and row numbers, checked against the row (about 0.5 KiB for a typical
//! provisioned user with the enterprise extension, 2 KiB for the full RFC 7643 §8.3 user
//! with its certificate, indexes included). A filter that no index answers is tested on
//! each buffer in place (by the same evaluator, through its value-access abstraction), so
//! a list expands only the resources it returns (or, when sorting, the ones that match).
//!
//! [`Filter::bind`]: crate::filter::Filter::bind
//! [`Sorter`]: crate::list::Sorter
//! [`Pushdown::Exact`]: super::Pushdown::Exact
//! [`Capabilities::full`]: super::Capabilities::full
//! [`StoreError::InvalidMember`]: super::StoreError::InvalidMember

mod compact;
mod groups;
mod query;
mod rows;
mod users;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use time::OffsetDateTime;

use self::compact::CObj;
use self::groups::GroupTable;
use self::users::UserTable;
use super::{Resource, StoreError};
use crate::tenant::TenantId;

/// The in-memory store: one value serves as both the [`UserStore`](super::UserStore)
/// and the [`GroupStore`](super::GroupStore) of every tenant.
///
/// Cloning is cheap and clones share the data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    tenants: Arc<RwLock<HashMap<TenantId, Arc<RwLock<TenantState>>>>>,
    unique_group_names: bool,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenants = self
            .tenants
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryStore")
            .field("tenants", &tenants)
            .field("unique_group_names", &self.unique_group_names)
            .finish()
    }
}

impl MemoryStore {
    /// An empty store (group `displayName` not unique).
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether group `displayName` must be unique per tenant, case-insensitively (Entra
    /// matches groups by it). Off by default.
    pub fn with_unique_group_names(mut self, unique: bool) -> Self {
        self.unique_group_names = unique;
        self
    }

    fn tenant(&self, tenant: &TenantId) -> Option<Arc<RwLock<TenantState>>> {
        self.tenants
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tenant)
            .cloned()
    }

    /// Runs `f` on the tenant's state under its read lock; `None` for an unknown tenant.
    fn read<R>(&self, tenant: &TenantId, f: impl FnOnce(&TenantState) -> R) -> Option<R> {
        let state = self.tenant(tenant)?;
        let guard = state.read().unwrap_or_else(PoisonError::into_inner);
        Some(f(&guard))
    }

    /// Runs `f` on the tenant's state under its write lock, creating the tenant if needed.
    fn write<R>(&self, tenant: &TenantId, f: impl FnOnce(&mut TenantState) -> R) -> R {
        let state = match self.tenant(tenant) {
            Some(s) => s,
            None => Arc::clone(
                self.tenants
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(tenant.clone())
                    .or_default(),
            ),
        };
        let mut guard = state.write().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// Like [`write`](Self::write) but does not create the tenant (for updates and deletes).
    fn write_existing<R>(
        &self,
        tenant: &TenantId,
        f: impl FnOnce(&mut TenantState) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let state = self.tenant(tenant).ok_or(StoreError::NotFound)?;
        let mut guard = state.write().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}

/// One tenant's data.
#[derive(Default)]
struct TenantState {
    users: UserTable,
    groups: GroupTable,
}

/// What every stored resource carries (64 bytes besides the id and the attributes).
#[derive(Debug, Clone)]
struct Record {
    /// The creation sequence number in its table.
    seq: u64,
    id: Box<str>,
    version: u64,
    /// Unix time in nanoseconds (exact for 1677-2262).
    created: i64,
    /// Unix time in nanoseconds.
    last_modified: i64,
    attrs: CObj,
}

impl rows::Sequenced for Record {
    fn seq(&self) -> u64 {
        self.seq
    }
}

/// The current time as Unix nanoseconds (saturating outside 1677-2262).
fn now_nanos() -> i64 {
    let n = OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

fn from_nanos(n: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Record {
    fn new(seq: u64, id: String, attrs: CObj) -> Self {
        let now = now_nanos();
        Record {
            seq,
            id: id.into_boxed_str(),
            version: 1,
            created: now,
            last_modified: now,
            attrs,
        }
    }

    fn check_version(&self, expected: Option<u64>) -> Result<(), StoreError> {
        match expected {
            Some(v) if v != self.version => Err(StoreError::VersionMismatch),
            _ => Ok(()),
        }
    }

    fn touch(&mut self) {
        self.version += 1;
        self.last_modified = now_nanos();
    }

    /// The record as the filter evaluator reads it, in place.
    fn compact<'r>(&'r self, keys: &'r compact::Keys) -> compact::CompactResource<'r> {
        compact::CompactResource {
            attrs: &self.attrs,
            id: &self.id,
            created: self.created,
            last_modified: self.last_modified,
            version: self.version,
            keys,
        }
    }

    fn to_resource(&self) -> Resource {
        Resource {
            id: String::from(&*self.id),
            version: self.version,
            created: from_nanos(self.created),
            last_modified: from_nanos(self.last_modified),
            attributes: self.attrs.to_map(),
        }
    }
}

/// The Unicode case fold used as the key of case-insensitive indexes.
fn fold(s: &str) -> Box<str> {
    s.to_lowercase().into_boxed_str()
}

/// A non-unique index: value → creation sequence numbers.
#[derive(Debug, Default)]
struct Postings(HashMap<Box<str>, Vec<u64>>);

impl Postings {
    fn insert(&mut self, key: Box<str>, seq: u64) {
        self.0.entry(key).or_default().push(seq);
    }

    fn remove(&mut self, key: &str, seq: u64) {
        if let Some(v) = self.0.get_mut(key) {
            v.retain(|s| *s != seq);
            if v.is_empty() {
                self.0.remove(key);
            }
        }
    }

    fn get(&self, key: &str) -> Vec<u64> {
        self.0.get(key).cloned().unwrap_or_default()
    }

    fn first_other(&self, key: &str, seq: u64) -> Option<u64> {
        self.0.get(key)?.iter().copied().find(|s| *s != seq)
    }
}
