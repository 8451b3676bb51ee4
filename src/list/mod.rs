//! Listing resources (RFC 7644 §3.4.2, §3.4.3, §3.9): the [`ListQuery`] a client sends,
//! sorting, paging, attribute projection and the [`ListResponse`] that goes back.
//!
//! # How a list request is answered
//!
//! 1. [`ListQuery::from_query`] (GET) or [`ListQuery::from_search_body`] (POST `.search`)
//!    turns client input into a normalized query: `startIndex < 1` becomes 1, a negative
//!    `count` becomes 0, `count` defaults to and is capped at [`ListLimits`].
//! 2. [`list_users`] / [`list_groups`] check the filter against the tenant's schemas
//!    (an unknown attribute or a bad operator is `400 invalidFilter` before any store
//!    call), ask the store what it can push down ([`UserStore::filter_pushdown`],
//!    [`UserStore::capabilities`]) and do the rest in memory: filter, stable sort
//!    ([`Sorter`]) and page. `totalResults` is the number of matches either way.
//! 3. The service renders each resource and applies a [`Projection`]
//!    (`attributes`, `excludedAttributes`, `returned`), then serializes a
//!    [`ListResponse`].
//!
//! # Ordering
//!
//! Without `sortBy`, resources come in the store's order, which stores keep stable
//! (creation order), so pages do not overlap or skip. With `sortBy`, ties keep the
//! store's order as well (the sort is stable).
//!
//! [`UserStore::filter_pushdown`]: crate::store::UserStore::filter_pushdown
//! [`UserStore::capabilities`]: crate::store::UserStore::capabilities

mod deps;
mod projection;
mod query;
mod response;
mod run;
mod sort;

pub use projection::Projection;
pub use query::{ListLimits, ListQuery, SEARCH_REQUEST_SCHEMA};
pub use response::{ListResponse, LIST_RESPONSE_SCHEMA};
pub use run::{list_groups, list_users, ListOutcome};
pub use sort::{compare, OrderKey, Sorter};
