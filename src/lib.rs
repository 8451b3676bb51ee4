//! scimitar: an embeddable SCIM 2.0 **service-provider** library (RFC 7643 schema,
//! RFC 7644 protocol).
//!
//! A SaaS product lets each customer organization enable SCIM: the admin gets a SCIM base
//! URL and a bearer token, pastes both into their identity provider (Okta, Microsoft Entra
//! ID, OneLogin, JumpCloud, Ping, Google), and from then on the IdP creates, updates,
//! deactivates and deletes that organization's users and groups. scimitar is the server
//! side of that conversation: implement [`UserStore`] (and [`GroupStore`]) over your
//! database, or take [`MemoryStore`], and hand every request under your SCIM base path to
//! [`ScimService::handle`].
//!
//! **What it is:** vocabulary plus engines with no I/O of its own: typed schemas and
//! resources ([`schema`], [`resource`]), a filter parser and evaluator ([`filter`]), a PATCH
//! engine ([`patch`]), list logic ([`list`]), bearer-token tenancy ([`auth`]) and an HTTP
//! layer on plain [`http`] types ([`server`]). Every engine can be used on its own.
//!
//! **What it is not:** a SCIM client, an identity provider, a web framework or a runtime.
//! It owns no socket and no thread; your host (axum, actix-web, hyper, ...) does.
//!
//! # Quick start
//!
//! ```
//! use std::sync::Arc;
//! use scimitar::auth::{MemoryTokenStore, TenantTokens};
//! use scimitar::{MemoryStore, ScimService, TenantId};
//!
//! # async fn demo() -> Result<(), scimitar::Error> {
//! // One store for users and groups of every organization, and the token registry.
//! let store = Arc::new(MemoryStore::new());
//! let tokens = Arc::new(TenantTokens::new(MemoryTokenStore::new()));
//!
//! // The admin presses "Enable SCIM" for organization "acme": show this token once.
//! let issued = tokens.enable(&TenantId::new("acme")).await?;
//!
//! let service = ScimService::builder()
//!     .users(store.clone())
//!     .groups(store)
//!     .tokens(tokens.clone())
//!     .build()?;
//!
//! // Your framework turns its request into an `http::Request<Bytes>`...
//! let request = http::Request::post("/scim/v2/Users")
//!     .header("authorization", format!("Bearer {}", issued.secret()))
//!     .header("content-type", "application/scim+json")
//!     .body(bytes::Bytes::from_static(br#"{
//!         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!         "userName": "bjensen@example.com"
//!     }"#))
//!     .map_err(|_| scimitar::Error::internal())?;
//!
//! // ...and sends back the `http::Response<Bytes>`. `handle` never fails or panics.
//! let response = service.handle(request).await;
//! assert_eq!(response.status(), 201);
//! # Ok(()) }
//! # tokio::runtime::Builder::new_current_thread().build().map_err(|_| scimitar::Error::internal()).and_then(|rt| rt.block_on(demo())).map_err(|e| e.to_string()).unwrap();
//! ```
//!
//! The runnable servers in `examples/axum` and `examples/actix` wrap exactly this, plus an
//! admin page for enabling, rotating and disabling SCIM per organization.
//!
//! # Your own store
//!
//! To provision into your own tables, implement [`UserStore`] and [`GroupStore`]: the
//! [`store`] module's "Writing a store" lists what the service relies on (attributes given
//! back exactly, versions, atomic uniqueness, members, what to push down) and shows typed
//! columns mapped with [`User::from_attributes`] / [`User::to_attributes`];
//! `examples/own_store.rs` is a complete store over typed rows. The `testkit` module (feature
//! `testkit`) checks a store from your own `cargo test` and says what to fix.
//!
//! # Acting on provisioning
//!
//! [`ScimServiceBuilder::on_change`] reports every write the store accepted, whichever
//! store you use: end a user's sessions when [`Change::activation`] is
//! [`Activation::Deactivated`] or the user is deleted, sync your own tables, audit. A store
//! refuses a write for a reason of yours (a seat limit, a business rule) with
//! [`store::StoreError::Refused`], and the client gets that error.
//!
//! # Features
//!
//! | Feature | Default | What it adds |
//! |---|---|---|
//! | `memory` | yes | [`MemoryStore`]: an indexed in-memory [`UserStore`] + [`GroupStore`] |
//! | `testkit` | no | `testkit` (module): the store conformance suite for your own store's `cargo test` |
//! | `sqlite` | no | `SqliteStore` (in `store::sql`): an embedded SQLite store (bundled libsqlite3) with filter, sort and paging push-down, persisted tokens and custom attributes |
//! | `postgres` | no | `PostgresStore` (in `store::sql`): the same on PostgreSQL, for several stateless instances over one database |
//! | `tracing` | no | a `tracing` span per request (method, route, tenant, status, duration, compatibility rules fired; never tokens or bodies) |
//! | `tower` | no | `tower_service::Service<http::Request<Bytes>>` for [`ScimService`], to mount it with tower-based frameworks (axum, hyper-util, tonic) |
//!
//! # Untrusted input
//!
//! Everything a client controls is bounded; exceeding a bound is a SCIM error (RFC 7644
//! §3.12 body with a detail naming the bound), never a panic, a hang or unbounded memory,
//! and a rejected request changes nothing. Defaults (all but the fixed ones configurable,
//! through [`ScimServiceBuilder::limits`] and [`ScimServiceBuilder::policy`]):
//!
//! | Input | Default bound | Beyond it | Where to set it |
//! |---|---|---|---|
//! | Request body | 1 MiB | 413 | [`server::Limits::max_body_bytes`] |
//! | JSON nesting of a body | 127 levels | 400 `invalidSyntax` | fixed (the JSON parser's) |
//! | Filter text (`filter` query parameter and `.search` body) | 8 KiB, nesting depth 64, 1,000 terms | 400 `invalidFilter` | [`FilterLimits`] via [`server::Limits::filter`] |
//! | PATCH `path` | same as filters | 400 `invalidPath` | same |
//! | PATCH operations per request | 1,000 | 400 `tooMany` | [`server::Limits::max_patch_operations`] |
//! | `count` (page size) | default 1,000, capped at 1,000 (any larger number, however large, is the cap; negative is 0) | capped | [`server::Limits::max_count`], [`server::Limits::default_count`] |
//! | `startIndex` | below 1 is 1; past the end (any number) is an empty page | - | - |
//! | `count` / `startIndex` that are not integers | - | 400 `invalidValue` | - |
//! | Attribute paths (`attributes`, `excludedAttributes`, `sortBy`) | 8 KiB each; how many, the body or URL size | 400 `invalidValue` | fixed |
//! | Values of one multi-valued attribute of a resource (`emails`, ...; checked on POST, PUT and the result of a PATCH) | 1,000 | 400 `invalidValue` | [`schema::Policy::max_values`] |
//! | Group members added or set by one request (POST/PUT `members`, PATCH `add`/`replace` together) | 10,000 | 400 `invalidValue` | [`server::Limits::max_members_per_request`] |
//! | Members of one Group (POST/PUT bodies and the result of any PATCH, membership deltas included) | none: the body limit | 400 `invalidValue` | [`schema::Policy::max_members`] |
//! | String attribute length (in characters) | none: the body limit | 400 `invalidValue` | [`schema::Policy::max_length`], [`schema::Policy::max_length_of`] |
//! | SQL stores (features `sqlite`, `postgres`): `userName` and group `displayName` (lower-cased), `externalId` | 2,048 bytes of UTF-8; no U+0000 in them or in a member's `display`/`type` | 400 `invalidValue` | fixed: `store::sql::MAX_INDEXED_BYTES` |
//! | Bearer token | 8 KiB | 401 | fixed: [`auth::MAX_TOKEN_LEN`] |
//! | URL and header sizes | your HTTP server's | its error | your HTTP server |
//! | `If-Match` that names no current version (garbage included) | - | 412 | - |
//!
//! Filter parsing is linear in the input and checks nesting depth while parsing, so no
//! input can overflow the stack. The parsers are fuzzed (`fuzz/`), and so is the whole
//! service: the `service_request` target sends sequences of arbitrary requests (methods,
//! paths, query strings, headers, credentials, SCIM-shaped and raw bodies) through
//! [`ScimService::handle`] and checks that none panics or answers 500, that every error is
//! an RFC 7644 §3.12 body with the right `status`, and that no tenant sees another's ids.
//! `tests/service_limits.rs` sends each bound just at and just over its limit through
//! [`ScimService::handle`].
//!
//! # Standards coverage
//!
//! See [`manual::rfc_coverage`]; IdP quirks and how they are handled are in
//! [`manual::idp_interop`]; the security model is in [`manual::security`].

pub mod auth;
#[cfg_attr(not(feature = "memory"), allow(dead_code))]
mod base64;
pub mod compat;
pub mod error;
pub mod filter;
pub mod list;
pub mod manual;
pub mod patch;
pub mod path;
pub mod resource;
pub mod schema;
pub mod server;
pub mod store;
pub mod tenant;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use auth::{
    IssuedToken, MemoryTokenStore, ScimStatus, TenantTokens, TokenId, TokenStore, TokenVerifier,
};
pub use compat::{Compat, CompatReport, CompatRule};
pub use error::{Error, ErrorKind, Result, ScimType};
pub use filter::{Filter, FilterError, FilterLimits};
pub use list::{ListQuery, ListResponse};
pub use patch::{GroupPatch, PatchLimits, PatchRequest};
pub use path::{AttrPath, PatchPath};
pub use resource::{Group, User};
pub use schema::{Policy, ResourceType, SchemaSet, ServiceProviderConfig};
pub use server::{
    Activation, Change, ChangeKind, Limits, Passwords, PatchResponse, ResourceKind, ScimService,
    ScimServiceBuilder,
};
#[cfg(feature = "memory")]
pub use store::memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use store::sql::PostgresStore;
#[cfg(feature = "sqlite")]
pub use store::sql::SqliteStore;
pub use store::{GroupStore, UserStore};
pub use tenant::TenantId;
