//! The storage seam: [`UserStore`] and [`GroupStore`], implemented by the host over its own
//! database (or taken from scimitar: `MemoryStore` (feature `memory`)).
//!
//! Stores see no HTTP and write no JSON handling for standard attributes: they receive and
//! return canonical attribute maps ([`Resource::attributes`]) and keep them as they are.
//! Every method takes the tenant; a store must never let one tenant read, count, change
//! or delete another tenant's data.
//!
//! # What a store must do itself
//! - Enforce uniqueness **atomically** (no check-then-insert race): `userName` per tenant,
//!   compared case-insensitively (RFC 7643 `caseExact: false`); for groups, `displayName`
//!   when [`GroupStore::unique_display_name`] says so. A violation is
//!   [`StoreError::Uniqueness`]. `externalId` is not required to be unique (RFC 7643 §3.1
//!   leaves it to the client); the built-in stores do not enforce it.
//! - Keep a version per resource, bumped on every write, and compare an expected version
//!   atomically with the write ([`StoreError::VersionMismatch`]).
//! - Set `created` once and `last_modified` on every write.
//! - Return resources in a stable order (creation order) when no sort is pushed down.
//!
//! # What a store may push down
//! [`UserStore::filter_pushdown`] and [`Capabilities`] declare what a store evaluates
//! itself; the library does the rest in memory and keeps `totalResults`, `startIndex` and
//! `itemsPerPage` exact either way (see the `list` module).

#[cfg(feature = "memory")]
pub mod memory;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod sql;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::error::{Error, ErrorKind};
use crate::filter::Filter;
use crate::path::AttrPath;
use crate::schema::SchemaSet;
use crate::tenant::TenantId;

/// A stored resource: id, version, timestamps and canonical attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The server-assigned id.
    pub id: String,
    /// Bumped on every write; rendered as the weak ETag `W/"<version>"`.
    pub version: u64,
    /// When the resource was created.
    pub created: OffsetDateTime,
    /// When the resource was last written.
    pub last_modified: OffsetDateTime,
    /// Canonical attributes: everything but `id`, `meta` and `schemas` (which the library
    /// derives), with core attributes at the top level and extension attributes under
    /// their URN. For groups, `members` is included when requested.
    pub attributes: Map<String, Value>,
}

impl Resource {
    /// The value of a top-level string attribute, e.g. `userName`.
    pub fn str_attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }
}

/// A resource to create: a fresh id chosen by the library and canonical attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResource {
    /// The id to store the resource under.
    pub id: String,
    /// Canonical attributes (see [`Resource::attributes`]).
    pub attributes: Map<String, Value>,
}

/// One member of a group (RFC 7643 §4.2 `members`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    /// The member's id (a User or Group id of the same tenant).
    pub value: String,
    /// The member's display name, if known.
    pub display: Option<String>,
    /// `User` or `Group`, if known.
    pub kind: Option<String>,
}

impl Member {
    /// A member with only its id.
    pub fn new(value: impl Into<String>) -> Self {
        Member {
            value: value.into(),
            display: None,
            kind: None,
        }
    }
}

/// A change of group membership, applied by the store without loading or rewriting the
/// whole member list (except for `ReplaceAll`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberChange {
    /// Add these members (already present ones are left as they are).
    Add(Vec<Member>),
    /// Remove the members with these ids (absent ones are ignored).
    Remove(Vec<String>),
    /// Make the member list exactly this.
    ReplaceAll(Vec<Member>),
}

/// A group the user belongs to, for the derived, read-only `User.groups` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    /// The group's id.
    pub id: String,
    /// The group's `displayName`.
    pub display: Option<String>,
}

/// How far a store evaluates a given filter itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Pushdown {
    /// The store does not evaluate the filter; it returns every resource of the tenant and
    /// the library filters.
    #[default]
    None,
    /// The store returns a superset of the matches (e.g. it evaluated only part of the
    /// filter); the library evaluates the whole filter again.
    Superset,
    /// The store returns exactly the matches, as the reference evaluator would.
    Exact,
}

/// What a store does besides filtering, when the filter is pushed down exactly (or absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Capabilities {
    /// The store sorts by any [`SortKey`] it is given, as the `list` module specifies.
    pub sort: bool,
    /// The store applies [`PageRequest`] and reports the total number of matches.
    pub paging: bool,
}

impl Capabilities {
    /// A store that sorts and pages itself.
    pub const fn full() -> Self {
        Capabilities {
            sort: true,
            paging: true,
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Ascending (the default).
    #[default]
    Ascending,
    /// Descending.
    Descending,
}

/// What to sort by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// The attribute path.
    pub path: AttrPath,
    /// The direction.
    pub order: SortOrder,
}

/// A page of results: a 0-based offset and a maximum count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// How many matches to skip (`startIndex - 1`).
    pub offset: usize,
    /// The maximum number of resources to return.
    pub count: usize,
}

/// A list request as a store sees it. The library only sets `filter`, `sort` and `page`
/// as far as the store declared it can apply them exactly.
#[derive(Debug, Clone)]
pub struct StoreQuery {
    /// The filter, with the pushdown the store declared for it.
    pub filter: Option<Filter>,
    /// The sort key, set only when [`Capabilities::sort`] is true.
    pub sort: Option<SortKey>,
    /// The page, set only when [`Capabilities::paging`] is true and everything before it
    /// was pushed down.
    pub page: Option<PageRequest>,
    /// For groups: whether `members` is needed in the results.
    pub include_members: bool,
    /// The tenant's schemas for this resource type, for stores that evaluate filters with
    /// [`crate::filter`].
    pub schemas: Arc<SchemaSet>,
}

/// What a store returns for a list request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StorePage {
    /// The resources, in order.
    pub resources: Vec<Resource>,
    /// The number of matches before paging (equal to `resources.len()` when not paged).
    pub total_results: usize,
}

/// A store failure. Converted to a SCIM error without leaking internals.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// No resource with that id in the tenant.
    NotFound,
    /// A uniqueness constraint was violated; names the attribute (e.g. `userName`).
    Uniqueness {
        /// The attribute whose value is taken.
        attribute: String,
    },
    /// The expected version did not match the stored one.
    VersionMismatch,
    /// A member id does not name a resource of the tenant.
    InvalidMember {
        /// The offending id.
        value: String,
    },
    /// A value the store cannot keep, e.g. a string with U+0000 where PostgreSQL needs
    /// `text`, or one longer than an index can hold. A client error (400 `invalidValue`).
    InvalidValue {
        /// The attribute, e.g. `userName` or `members.display`.
        attribute: String,
        /// Why, completing "the value of 'attribute' ...", e.g. "contains U+0000".
        reason: String,
    },
    /// The backend is unavailable (retryable); the cause is logged, not sent.
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// Any other failure; the cause is logged, not sent.
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound => f.write_str("resource not found"),
            StoreError::Uniqueness { attribute } => {
                write!(f, "uniqueness violation on {attribute}")
            }
            StoreError::VersionMismatch => f.write_str("version mismatch"),
            StoreError::InvalidMember { value } => write!(f, "unknown member {value}"),
            StoreError::InvalidValue { attribute, reason } => {
                write!(f, "the value of '{attribute}' {reason}")
            }
            StoreError::Unavailable(e) => write!(f, "store unavailable: {e}"),
            StoreError::Other(e) => write!(f, "store failure: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Unavailable(e) | StoreError::Other(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::not_found("resource not found"),
            StoreError::Uniqueness { attribute } => Error::uniqueness(format!(
                "the value of '{attribute}' is already in use by another resource"
            )),
            StoreError::VersionMismatch => Error::new(
                ErrorKind::PreconditionFailed,
                "the resource was modified: its version does not match",
            ),
            StoreError::InvalidMember { value } => Error::invalid_value(format!(
                "member '{value}' does not name an existing resource"
            )),
            StoreError::InvalidValue { attribute, reason } => {
                Error::invalid_value(format!("the value of '{attribute}' {reason}"))
            }
            StoreError::Unavailable(_) => Error::new(
                ErrorKind::Unavailable,
                "the service is temporarily unavailable",
            ),
            StoreError::Other(_) => Error::internal(),
        }
    }
}

/// Storage of one tenant-scoped collection of Users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// What this store sorts and pages itself.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }

    /// How far this store evaluates `filter` itself.
    fn filter_pushdown(&self, filter: &Filter) -> Pushdown {
        let _ = filter;
        Pushdown::None
    }

    /// The user with `id` in `tenant`, if any.
    async fn get(&self, tenant: &TenantId, id: &str) -> Result<Option<Resource>, StoreError>;

    /// Creates a user (version 1). Enforces `userName` uniqueness atomically.
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError>;

    /// Replaces a user's attributes, if its version is `expected_version` (when given).
    async fn replace(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Map<String, Value>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError>;

    /// Deletes a user, if its version is `expected_version` (when given).
    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError>;

    /// Lists users (see [`StoreQuery`]).
    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError>;
}

/// Storage of one tenant-scoped collection of Groups with membership deltas.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// What this store sorts and pages itself.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }

    /// How far this store evaluates `filter` itself.
    fn filter_pushdown(&self, filter: &Filter) -> Pushdown {
        let _ = filter;
        Pushdown::None
    }

    /// Whether `displayName` is unique per tenant (case-insensitively).
    fn unique_display_name(&self) -> bool {
        false
    }

    /// The group with `id`; `members` is included in the attributes when
    /// `include_members` is true.
    async fn get(
        &self,
        tenant: &TenantId,
        id: &str,
        include_members: bool,
    ) -> Result<Option<Resource>, StoreError>;

    /// Creates a group; `members` in the attributes is its initial member list.
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError>;

    /// Updates a group: replaces its non-member attributes with `attributes` (when given;
    /// a `members` entry there is ignored) and applies `changes` in order, atomically, if
    /// its version is `expected_version` (when given). Returns the group without members.
    async fn update(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Option<Map<String, Value>>,
        changes: Vec<MemberChange>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError>;

    /// Deletes a group, if its version is `expected_version` (when given).
    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError>;

    /// Lists groups (see [`StoreQuery`]).
    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError>;

    /// The groups `member_id` belongs to directly, for `User.groups`.
    async fn groups_of(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<GroupRef>, StoreError>;

    /// Removes `member_id` from every group of the tenant (after a user is deleted).
    async fn remove_member_everywhere(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<(), StoreError>;
}
