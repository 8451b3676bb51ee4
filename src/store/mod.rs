//! The storage seam: [`UserStore`] and [`GroupStore`], implemented by the host over its own
//! database (or taken from scimitar: `MemoryStore` (feature `memory`)).
//!
//! Stores see no HTTP and write no JSON handling for standard attributes: they receive and
//! return canonical attribute maps ([`Resource::attributes`]) and keep them as they are.
//! Every method takes the tenant; a store must never let one tenant read, count, change
//! or delete another tenant's data.
//!
//! # Writing a store
//!
//! A store over your own tables needs, besides scimitar, `async-trait = "0.1"` (the traits
//! are `#[async_trait]`), `serde_json = "1"` (attribute maps) and `time = "0.3"`
//! ([`Resource::created`]). `examples/own_store.rs` in the repository is a complete one
//! over typed rows (users, groups, memberships): `cargo run --example own_store` provisions
//! a user and a group through the service, `cargo test --example own_store --features
//! testkit` runs the conformance kit on it. The rules it follows:
//!
//! - **Give back exactly the attributes you were given.** The service validates, patches,
//!   filters, sorts and renders what the store returns, so anything a store drops is gone
//!   for the identity provider too (a PUT answers without it, a filter stops matching).
//!   Keep what your product needs in typed columns and the rest (other emails, `title`,
//!   the enterprise extension, ...) in a JSON column; keep absent attributes absent (a
//!   `NOT NULL DEFAULT true` column for `active` returns an `active` the IdP never sent).
//!   The typed [`User`](crate::User) and [`Group`](crate::Group) do the JSON part: their
//!   `from_attributes` / `to_attributes` round-trip a canonical map exactly (see below).
//! - **Store under the id you are given.** [`NewResource::id`] is chosen by the service (a
//!   UUID string); a table keyed by integers needs a text column for it.
//! - **Do not store `id`, `meta`, `schemas` or `User.groups`.** The service derives `meta`
//!   from [`Resource::version`], [`Resource::created`] and [`Resource::last_modified`] (the
//!   ETag is `W/"<version>"`), and `User.groups` from [`GroupStore::groups_of`].
//! - **Versions.** Create at version 1; bump the version and `last_modified` on every write
//!   to a resource: replace, group update (membership changes included),
//!   [`GroupStore::remove_member_everywhere`] for each group it changes, and writes your
//!   own application makes to the same rows, or ETags go stale and `If-None-Match`
//!   answers 304 for a changed resource. When an expected version is given, compare it in
//!   the write itself (`UPDATE ... WHERE version = $expected`), not in a read before it:
//!   a mismatch is [`StoreError::VersionMismatch`].
//! - **Uniqueness, atomically.** `userName` per tenant, compared case-insensitively as
//!   [`str::to_lowercase`] does (RFC 7643 `caseExact: false`; in SQL a unique index on
//!   `(tenant, lower(user_name))`), and for groups `displayName` when
//!   [`GroupStore::unique_display_name`] says so. A violation is
//!   [`StoreError::Uniqueness`]. A look-up followed by an insert is a race. `externalId` is
//!   not required to be unique (RFC 7643 §3.1 leaves it to the client); the built-in stores
//!   do not enforce it.
//! - **Members.** A group's `members` are objects with `value` (the member's id), `type`
//!   (`User` or `Group`, set by the service) and maybe `display`; keep all three, since
//!   `$ref` is derived from `type`. The service checks that members it adds name a User or
//!   Group of the tenant before calling the store; a store with foreign keys may still
//!   answer [`StoreError::InvalidMember`] for one deleted meanwhile. Return `members` only
//!   when asked (`include_members`), apply [`MemberChange`]s as deltas, and let
//!   [`GroupStore::remove_member_everywhere`] (called after a User or Group is deleted)
//!   take a deleted resource out of every group. [`GroupStore::groups_of`] must be exact
//!   for any member id: besides deriving `User.groups`, the service asks it whether a
//!   PATCH's added members are already in the group, and writes nothing when they all are
//!   (RFC 7644 §3.5.2.1).
//! - **Lists.** With no sort pushed down, return resources in a stable order (creation
//!   order). [`Pushdown::None`] and [`Capabilities::default`] are always correct: the store
//!   returns every resource of the tenant, complete, and the service filters, sorts and
//!   pages. To answer the lookups IdPs make on every sync (`userName eq "..."`,
//!   `externalId eq "..."`) from an index, declare them in
//!   [`UserStore::filter_pushdown`]; filter paths keep the client's spelling (`UserName`,
//!   `urn:...:User:userName`), so compare them with
//!   [`AttrPath::eq_ignore_case`](crate::AttrPath::eq_ignore_case), and compare values as
//!   the attribute's `caseExact` says (`userName` ignores case, `externalId` and `id` do
//!   not).
//! - **Your own rules.** To refuse a write for a reason of yours (a seat limit of the
//!   organization's plan, a business rule), return [`StoreError::Refused`] with the SCIM
//!   error the client should get (e.g. 403 with a detail), having changed nothing. To
//!   react to writes that succeeded (end a deactivated user's sessions), use
//!   [`ScimServiceBuilder::on_change`](crate::ScimServiceBuilder::on_change), which works
//!   with any store.
//!
//! Then run the conformance kit in your crate's tests (see the `scimitar::testkit` module,
//! feature `testkit`): with `scimitar = { ..., features = ["testkit"] }` under
//! `[dev-dependencies]`, a
//! `tests/conformance.rs` holding `scimitar::store_conformance_tests!(MyStore::new());`
//! runs every case as a `#[test]`.
//!
//! ## Typed columns and the rest
//!
//! ```
//! use scimitar::resource::Name;
//! use scimitar::store::StoreError;
//! use scimitar::User;
//! use serde_json::{Map, Value};
//!
//! /// A row of your `users` table.
//! struct UserRow {
//!     user_name: String,
//!     given_name: Option<String>,
//!     family_name: Option<String>,
//!     active: Option<bool>, // NULL when the IdP did not say
//!     external_id: Option<String>,
//!     scim_extra: Map<String, Value>, // a JSON column: every other SCIM attribute
//! }
//!
//! fn other(e: scimitar::Error) -> StoreError {
//!     StoreError::Other(Box::new(e))
//! }
//!
//! fn to_row(attrs: &Map<String, Value>) -> Result<UserRow, StoreError> {
//!     let mut user = User::from_attributes(attrs).map_err(other)?;
//!     let name = user.name.take().unwrap_or_default();
//!     // What `name` holds besides the two columns (`formatted`, ...) stays in the JSON.
//!     let rest = Name { given_name: None, family_name: None, ..name.clone() };
//!     user.name = (rest != Name::default()).then_some(rest);
//!     let row = UserRow {
//!         user_name: std::mem::take(&mut user.user_name),
//!         given_name: name.given_name,
//!         family_name: name.family_name,
//!         active: user.active.take(),
//!         external_id: user.external_id.take(),
//!         scim_extra: Map::new(),
//!     };
//!     let mut scim_extra = user.to_attributes();
//!     scim_extra.remove("userName"); // now "": the column holds it
//!     Ok(UserRow { scim_extra, ..row })
//! }
//!
//! fn to_attributes(row: &UserRow) -> Result<Map<String, Value>, StoreError> {
//!     let mut user = User::from_attributes(&row.scim_extra).map_err(other)?;
//!     user.user_name = row.user_name.clone();
//!     user.active = row.active;
//!     user.external_id = row.external_id.clone();
//!     if row.given_name.is_some() || row.family_name.is_some() {
//!         let name = user.name.get_or_insert_with(Name::default);
//!         name.given_name = row.given_name.clone();
//!         name.family_name = row.family_name.clone();
//!     }
//!     Ok(user.to_attributes())
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let attrs: Map<String, Value> = serde_json::from_value(serde_json::json!({
//!     "userName": "bjensen@example.com",
//!     "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara Jensen"},
//!     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
//!     "title": "Tour Guide",
//!     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tours"}
//! }))?;
//! let row = to_row(&attrs)?;
//! assert_eq!(row.given_name.as_deref(), Some("Barbara"));
//! assert_eq!(row.active, None); // not sent, not invented
//! assert!(row.scim_extra.contains_key("title"));
//! // What the store gives back is exactly what it was given.
//! assert_eq!(to_attributes(&row)?, attrs);
//! # Ok(()) }
//! ```
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
///
/// The struct is `#[non_exhaustive]`, so a store outside this crate starts from
/// [`Capabilities::default`] (neither) or [`Capabilities::full`] and sets what it does:
///
/// ```
/// use scimitar::store::Capabilities;
///
/// // LIMIT/OFFSET in SQL, but no ORDER BY on arbitrary attributes:
/// let caps = Capabilities::default().with_paging(true);
/// assert!(caps.paging && !caps.sort);
/// ```
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

    /// These capabilities with [`sort`](Capabilities::sort) set to `yes`.
    pub const fn with_sort(self, yes: bool) -> Self {
        Capabilities { sort: yes, ..self }
    }

    /// These capabilities with [`paging`](Capabilities::paging) set to `yes`.
    pub const fn with_paging(self, yes: bool) -> Self {
        Capabilities {
            paging: yes,
            ..self
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
    /// The store refuses the write for a reason of the host's own (a seat limit of the
    /// organization's plan, a business rule); the error goes to the client as it is: its
    /// status, `scimType` and detail, e.g.
    /// `StoreError::Refused(Error::new(ErrorKind::Forbidden, "the plan allows 50 users"))`.
    /// The write must then have changed nothing.
    Refused(Error),
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
            StoreError::Refused(e) => write!(f, "refused: {e}"),
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
            StoreError::Refused(e) => e,
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

    /// Creates a user under `new.id` (version 1) with exactly `new.attributes`. Enforces
    /// `userName` uniqueness atomically.
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError>;

    /// Replaces a user's attributes with exactly `attributes` (nothing of the old ones is
    /// kept), if its version is `expected_version` (when given), and bumps the version.
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
    /// `include_members` is true, each member as it was written (`value`, `type`,
    /// `display`), and left out (not empty) otherwise.
    async fn get(
        &self,
        tenant: &TenantId,
        id: &str,
        include_members: bool,
    ) -> Result<Option<Resource>, StoreError>;

    /// Creates a group under `new.id` (version 1); `members` in the attributes is its
    /// initial member list (objects with `value`, `type` and maybe `display`).
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError>;

    /// Updates a group: replaces its non-member attributes with `attributes` (when given;
    /// a `members` entry there is ignored) and applies `changes` in order, atomically, if
    /// its version is `expected_version` (when given). Bumps the version (also for member
    /// changes alone). Returns the group without members.
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

    /// The groups `member_id` (a user's or a group's id) belongs to directly: `User.groups`,
    /// and whether a group PATCH's added members are already members (then it is not
    /// written).
    async fn groups_of(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<GroupRef>, StoreError>;

    /// Removes `member_id` from every group of the tenant (called after a User or Group is
    /// deleted), bumping the version and `last_modified` of each group it changes.
    async fn remove_member_everywhere(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<(), StoreError>;
}
