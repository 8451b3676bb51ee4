//! [`ScimService`]: the framework-agnostic SCIM 2.0 HTTP layer.
//!
//! A host mounts one `ScimService` under its SCIM base path and hands it every request:
//! `http::Request<Bytes>` in, `http::Response<Bytes>` out. [`ScimService::handle`] never
//! returns an error and never panics; every failure is an RFC 7644 §3.12 error response.
//!
//! ```
//! use std::sync::Arc;
//! use scimitar::auth::{MemoryTokenStore, TenantTokens};
//! use scimitar::server::ScimService;
//! use scimitar::store::memory::MemoryStore;
//!
//! # async fn demo() -> Result<(), scimitar::Error> {
//! let store = Arc::new(MemoryStore::new());
//! let tokens = Arc::new(TenantTokens::new(MemoryTokenStore::new()));
//! let issued = tokens.enable(&"acme".into()).await?;
//! let service = ScimService::builder()
//!     .users(store.clone())
//!     .groups(store)
//!     .tokens(tokens.clone())
//!     .base_path("/scim/v2")
//!     .build()?;
//! let request = http::Request::get("/scim/v2/Users?count=10")
//!     .header("authorization", format!("Bearer {}", issued.secret()))
//!     .body(bytes::Bytes::new())
//!     .map_err(|_| scimitar::Error::internal())?;
//! let response = service.handle(request).await;
//! assert_eq!(response.status(), 200);
//! # Ok(()) }
//! ```
//!
//! # Endpoints
//!
//! Under the base path (default `/scim/v2`; a trailing slash is tolerated, endpoint names
//! match ASCII-case-insensitively since no two SCIM endpoints differ only by case):
//!
//! | path | methods |
//! |---|---|
//! | `/Users`, `/Groups` | `GET` (list), `POST` (create) |
//! | `/Users/{id}`, `/Groups/{id}` | `GET`, `PUT`, `PATCH`, `DELETE` |
//! | `/Users/.search`, `/Groups/.search`, `/.search` | `POST` |
//! | `/Schemas`, `/Schemas/{urn}`, `/ResourceTypes`, `/ResourceTypes/{name}`, `/ServiceProviderConfig` | `GET` |
//! | `/Bulk`, `/Me` | 501 Not Implemented |
//!
//! `/Groups` exists only when a [`GroupStore`] is configured (404 otherwise). A method an
//! endpoint does not support is 405 with an `Allow` header, a method no endpoint supports
//! (`HEAD`, `OPTIONS`, an extension method) is 501 (RFC 7231 §4.1); any other path is
//! 404.
//!
//! # Authentication
//!
//! Every endpoint, discovery included, requires `Authorization: Bearer <token>`; the
//! [`TokenVerifier`] maps the token to the tenant. Entra ID and Okta both send the token on
//! discovery requests. A missing, malformed or unknown credential is 401 with
//! `WWW-Authenticate: Bearer realm="SCIM"` and a SCIM error body.
//!
//! # Request decoding
//!
//! - Bodies must be `application/scim+json` or `application/json`, with any parameters,
//!   matched case-insensitively. A body request without `Content-Type` is accepted when
//!   its body is JSON (some clients omit it); any other media type is 415.
//! - No `Accept` header is required (Entra sends none), and every response is
//!   `Content-Type: application/scim+json`.
//! - Bodies larger than [`Limits::max_body_bytes`] are 413; malformed JSON is 400
//!   `invalidSyntax`.
//! - Query strings are form-decoded (`+` is a space); unknown parameters are ignored.
//!
//! # Responses
//!
//! - Create: 201, `Location`, `ETag` and the resource.
//! - `meta.location`: from [`ScimServiceBuilder::public_url`] when set, else
//!   `http://{Host}{base_path}`.
//! - PATCH: 200 with the resource, or 204, per resource type ([`PatchResponse`]; the
//!   default is 200 for Users and 204 for Groups, which Entra ID prefers). A PATCH whose
//!   query names `attributes` or `excludedAttributes` always answers 200 with the
//!   projected resource (RFC 7644 §3.5.2 requires it for `attributes`).
//! - `If-Match` on PUT/PATCH/DELETE: 412 on mismatch (`*` matches any version);
//!   `If-None-Match` on GET by id: 304 with an empty body when unchanged, and on
//!   PUT/PATCH/DELETE: 412 when it names the current version or is `*` (RFC 7232 §3.2).
//!   Tags compare weakly (`W/"3"` matches `"3"`), as SCIM clients send back the weak
//!   `meta.version` they were given.
//! - Every response carries `Cache-Control: no-store`: all tenants read the same URLs and
//!   only the bearer token tells them apart, so no cache may keep an answer.
//! - Every response carries an `X-Request-Id` header, also used in logs, so an operator can
//!   match a client's generic 500 to its logged cause. It is a random-looking 64-bit number
//!   (a keyed hash of a per-service counter), so that it does not tell a tenant how many
//!   requests other tenants made.
//! - Lists: `ListResponse` with integer `totalResults`, `startIndex` and `itemsPerPage`;
//!   the derived `User.groups` is included in list results only when `attributes` names it
//!   (it costs one membership look-up per user), and always on single-user responses unless
//!   excluded. `POST /.search` lists Users then Groups as one sequence: the filter is
//!   evaluated per resource type, paging spans both.
//!
//! # Groups
//!
//! Every member a request adds (POST/PUT body, PATCH `add`/`replace`) must name an
//! existing User or Group of the same tenant, else 400 `invalidValue`; its `type` is set
//! from what it names, and `$ref` is derived on output. A group cannot contain itself.
//! Membership PATCHes are applied as deltas (see [`crate::patch`]); deleting a User or
//! Group removes it from every group. A PATCH that changes nothing (a rename to the
//! current name, an `add` of members the group already has) is not written: the version
//! and `meta.lastModified` stay as they were (RFC 7644 §3.5.2.1).
//!
//! # As a `tower` service
//!
//! With the `tower` feature, `ScimService` implements
//! `tower_service::Service<http::Request<Bytes>>` with `Response = http::Response<Bytes>`
//! and `Error = Infallible`: it is always ready (`poll_ready` returns `Ready(Ok(()))`, there
//! is no back-pressure of its own) and each `call` clones the service (an `Arc`) into a
//! boxed `Send + 'static` future that runs [`ScimService::handle`]. A framework that
//! streams bodies still has to collect the request body into `Bytes` first, with its own
//! size limit (see [`Limits::max_body_bytes`]).
//!
//! # Errors
//!
//! Client mistakes map to their status and `scimType` (see [`crate::error`]); a store
//! failure is 500 (or 503 when the store says it is unavailable) with a generic detail.

mod change;
mod context;
mod decode;
mod discovery;
pub(crate) mod encode;
mod engine;
mod etag;
mod groups;
mod lists;
mod observe;
mod router;
#[cfg(feature = "tower")]
mod tower;
mod users;

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};

use crate::auth::TokenVerifier;
use crate::compat::Compat;
use crate::error::Error;
use crate::filter::FilterLimits;
use crate::schema::{Policy, SchemaRegistry};
use crate::store::{GroupStore, UserStore};

#[cfg(feature = "tower")]
pub use self::tower::ScimFuture;
pub use change::{Activation, Change, ChangeKind};
use context::Ctx;
use router::Route;

/// Bounds on what one request may ask of the service. Every bound is checked before the
/// work it limits, and exceeding one is a 4xx, never a 500.
///
/// ```
/// use scimitar::server::Limits;
/// let limits = Limits::default().with_max_body_bytes(512 * 1024).with_max_count(200);
/// assert_eq!(limits.max_count, 200);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest accepted request body in bytes (413 beyond). Default 1 MiB.
    pub max_body_bytes: usize,
    /// Largest page a list returns whatever `count` asks, advertised as
    /// ServiceProviderConfig `filter.maxResults`. Default 1000.
    pub max_count: usize,
    /// The page size when a list request gives no `count` (capped by `max_count`).
    /// Default 1000.
    pub default_count: usize,
    /// Bounds on filter text: length, nesting depth, number of terms (400
    /// `invalidFilter` beyond). Default [`FilterLimits::default`].
    pub filter: FilterLimits,
    /// Most operations in one PATCH request (400 beyond). Default 1000.
    pub max_patch_operations: usize,
    /// Most group members one request (POST/PUT body or PATCH) may add or set (400
    /// `invalidValue` beyond): a POST/PUT `members` list, the members of PATCH `add` and
    /// `replace` operations together, or, for a PATCH that must rewrite the whole member
    /// list, the members it adds. Each is looked up to check it names a User or Group of
    /// the tenant. Default 10,000.
    pub max_members_per_request: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_count: 1000,
            default_count: 1000,
            filter: FilterLimits::default(),
            max_patch_operations: 1000,
            max_members_per_request: 10_000,
        }
    }
}

impl Limits {
    /// Sets [`max_body_bytes`](Self::max_body_bytes).
    pub fn with_max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }
    /// Sets [`max_count`](Self::max_count).
    pub fn with_max_count(mut self, n: usize) -> Self {
        self.max_count = n;
        self
    }
    /// Sets [`default_count`](Self::default_count).
    pub fn with_default_count(mut self, n: usize) -> Self {
        self.default_count = n;
        self
    }
    /// Sets [`filter`](Self::filter).
    pub fn with_filter(mut self, limits: FilterLimits) -> Self {
        self.filter = limits;
        self
    }
    /// Sets [`max_patch_operations`](Self::max_patch_operations).
    pub fn with_max_patch_operations(mut self, n: usize) -> Self {
        self.max_patch_operations = n;
        self
    }
    /// Sets [`max_members_per_request`](Self::max_members_per_request).
    pub fn with_max_members_per_request(mut self, n: usize) -> Self {
        self.max_members_per_request = n;
        self
    }
}

/// What a successful PATCH answers with (RFC 7644 §3.5.2 allows both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatchResponse {
    /// 200 with the updated resource (projected by `attributes`/`excludedAttributes`).
    Resource,
    /// 204 No Content, unless the request names `attributes` or `excludedAttributes`:
    /// then 200 with the projected resource (RFC 7644 §3.5.2).
    NoContent,
}

/// What the service does with the `password` a client sends on a User (RFC 7643 §4.1.1:
/// never returned, and "if a service provider holds the value locally, the value SHOULD
/// be hashed").
///
/// Whatever the choice, `password` is accepted (Okta sends it when password sync is on),
/// validated like any string attribute, never returned, and cannot be filtered or sorted
/// on.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Passwords {
    /// Dropped before the store: nothing of it is kept (the default). Right for a product
    /// whose users sign in through the IdP.
    #[default]
    Discard,
    /// Handed to the store as sent (cleartext). Only for a store that hashes it itself.
    Keep,
    /// Replaced by `hash(cleartext)` before the store sees it, e.g. an Argon2 PHC string.
    /// A PUT or PATCH that does not set a new password keeps the stored hash as it is.
    /// When the hash fails, the request answers that error and nothing is written (return
    /// [`Error::internal`] and log the cause yourself). The stored hash is validated like
    /// any string on later writes, so keep a [`Policy`] length cap on `password` above the
    /// hash's length.
    Hash(PasswordHasher),
}

/// A password hash for [`Passwords::Hash`]: cleartext in, the string to store out.
pub type PasswordHasher = Arc<dyn Fn(&str) -> Result<String, Error> + Send + Sync>;

impl fmt::Debug for Passwords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Passwords::Discard => "Discard",
            Passwords::Keep => "Keep",
            Passwords::Hash(_) => "Hash(..)",
        })
    }
}

/// A resource type served by [`ScimService`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

struct Inner {
    users: Arc<dyn UserStore>,
    groups: Option<Arc<dyn GroupStore>>,
    tokens: Arc<dyn TokenVerifier>,
    schemas: Arc<SchemaRegistry>,
    policy: Policy,
    compat: Compat,
    base_path: String,
    public_url: Option<String>,
    limits: Limits,
    patch_users: PatchResponse,
    patch_groups: PatchResponse,
    passwords: Passwords,
    on_change: change::Hook,
    next_request_id: AtomicU64,
    /// Keys the hash that turns the request counter into the published request id.
    request_id_key: RandomState,
}

/// The SCIM 2.0 service provider endpoint (see the [module docs](self)).
///
/// Cheap to clone: the state is shared behind an `Arc`.
#[derive(Clone)]
pub struct ScimService {
    inner: Arc<Inner>,
}

impl fmt::Debug for ScimService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimService")
            .field("base_path", &self.inner.base_path)
            .field("public_url", &self.inner.public_url)
            .field("groups", &self.inner.groups.is_some())
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

impl ScimService {
    /// A builder; [`users`](ScimServiceBuilder::users) and
    /// [`tokens`](ScimServiceBuilder::tokens) are required.
    pub fn builder() -> ScimServiceBuilder {
        ScimServiceBuilder::default()
    }

    /// The schema registry, e.g. to add a tenant's custom attributes at run time.
    pub fn schema_registry(&self) -> &Arc<SchemaRegistry> {
        &self.inner.schemas
    }

    /// The token verifier the service authenticates with.
    pub fn tokens(&self) -> &Arc<dyn TokenVerifier> {
        &self.inner.tokens
    }

    /// The base path the service answers under, e.g. `/scim/v2`.
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The configured limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Answers one request. Never fails and never panics: every error is a SCIM error
    /// response.
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        let started = Instant::now();
        let seq = self.inner.next_request_id.fetch_add(1, Ordering::Relaxed);
        // The counter itself is shared by every tenant: published, the gap between two of
        // a tenant's ids would count everyone else's requests. A keyed hash of it is as
        // unique in practice (64 bits) and says nothing about the others.
        let request_id = self.inner.request_id_key.hash_one(seq);
        let span = observe::RequestSpan::new(request_id, req.method());
        let (route_name, tenant, report, response) =
            observe::in_span(&span, self.dispatch(req, request_id)).await;
        span.finish(
            route_name,
            tenant.as_ref(),
            response.status(),
            started.elapsed(),
            &report,
        );
        response
    }

    async fn dispatch(
        &self,
        req: Request<Bytes>,
        request_id: u64,
    ) -> (
        &'static str,
        Option<crate::TenantId>,
        crate::CompatReport,
        Response<Bytes>,
    ) {
        let inner = &*self.inner;
        let path = req.uri().path();
        let Some(rest) = router::strip_base(&inner.base_path, path) else {
            let e = Error::not_found(format!("no SCIM endpoint at '{path}'"));
            return (
                "unknown",
                None,
                crate::CompatReport::new(),
                encode::error(&e, request_id),
            );
        };
        let tenant = match crate::auth::authenticate(&*inner.tokens, req.headers()).await {
            Ok(t) => t,
            Err(e) => {
                return (
                    "unauthenticated",
                    None,
                    crate::CompatReport::new(),
                    encode::error(&e, request_id),
                )
            }
        };
        let route = match router::route(rest, inner.groups.is_some()) {
            Ok(r) => r,
            Err(e) => {
                return (
                    "unknown",
                    Some(tenant),
                    crate::CompatReport::new(),
                    encode::error(&e, request_id),
                )
            }
        };
        let name = route.template();
        if !router::implemented(req.method()) {
            let e = Error::new(
                crate::ErrorKind::NotImplemented,
                format!("the {} method is not implemented", req.method()),
            );
            return (
                name,
                Some(tenant),
                crate::CompatReport::new(),
                encode::error(&e, request_id),
            );
        }
        if !route.allows(req.method()) {
            let e = Error::new(
                crate::ErrorKind::MethodNotAllowed,
                format!("{} does not support {}", name, req.method()),
            );
            let mut resp = encode::error(&e, request_id);
            if let Ok(v) = http::HeaderValue::from_str(route.allow_header()) {
                resp.headers_mut().insert(http::header::ALLOW, v);
            }
            return (name, Some(tenant), crate::CompatReport::new(), resp);
        }
        let mut cx = Ctx::new(inner, tenant, &req, request_id);
        let result = self.run(&mut cx, route, &req).await;
        let resp = match result {
            Ok(r) => encode::finish(r, request_id),
            Err(e) => {
                observe::log_error(request_id, &e);
                encode::error(&e, request_id)
            }
        };
        (name, Some(cx.tenant), cx.report, resp)
    }

    async fn run(
        &self,
        cx: &mut Ctx<'_>,
        route: Route,
        req: &Request<Bytes>,
    ) -> Result<Response<Bytes>, Error> {
        use http::Method;
        let m = req.method();
        match route {
            Route::Users => {
                if m == Method::POST {
                    users::create(cx, req).await
                } else {
                    lists::list_users_get(cx, req).await
                }
            }
            Route::UsersSearch => lists::list_users_search(cx, req).await,
            Route::User(id) => match *m {
                Method::GET => users::get(cx, req, &id).await,
                Method::PUT => users::replace(cx, req, &id).await,
                Method::PATCH => users::patch(cx, req, &id).await,
                _ => users::delete(cx, req, &id).await,
            },
            Route::Groups => {
                if m == Method::POST {
                    groups::create(cx, req).await
                } else {
                    lists::list_groups_get(cx, req).await
                }
            }
            Route::GroupsSearch => lists::list_groups_search(cx, req).await,
            Route::Group(id) => match *m {
                Method::GET => groups::get(cx, req, &id).await,
                Method::PUT => groups::replace(cx, req, &id).await,
                Method::PATCH => groups::patch(cx, req, &id).await,
                _ => groups::delete(cx, req, &id).await,
            },
            Route::Search => lists::search_all(cx, req).await,
            Route::ServiceProviderConfig => discovery::service_provider_config(cx, req),
            Route::ResourceTypes => discovery::resource_types(cx, req),
            Route::ResourceType(name) => discovery::resource_type(cx, req, &name),
            Route::Schemas => discovery::schemas(cx, req),
            Route::Schema(urn) => discovery::schema(cx, req, &urn),
            Route::Bulk => Err(Error::new(
                crate::ErrorKind::NotImplemented,
                "bulk operations are not supported (see /ServiceProviderConfig bulk.supported)",
            )),
            Route::Me => Err(Error::new(
                crate::ErrorKind::NotImplemented,
                "the /Me alias is not supported",
            )),
        }
    }
}

/// Builds a [`ScimService`]; see [`ScimService::builder`].
#[derive(Default)]
pub struct ScimServiceBuilder {
    users: Option<Arc<dyn UserStore>>,
    groups: Option<Arc<dyn GroupStore>>,
    tokens: Option<Arc<dyn TokenVerifier>>,
    schemas: Option<Arc<SchemaRegistry>>,
    policy: Policy,
    compat: Compat,
    base_path: Option<String>,
    public_url: Option<String>,
    limits: Limits,
    patch_users: Option<PatchResponse>,
    patch_groups: Option<PatchResponse>,
    passwords: Passwords,
    on_change: change::Hook,
}

impl fmt::Debug for ScimServiceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimServiceBuilder")
            .field("base_path", &self.base_path)
            .field("public_url", &self.public_url)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ScimServiceBuilder {
    /// The User store (required).
    pub fn users(mut self, store: Arc<dyn UserStore>) -> Self {
        self.users = Some(store);
        self
    }

    /// The Group store; without one, `/Groups` is 404 and not advertised.
    pub fn groups(mut self, store: Arc<dyn GroupStore>) -> Self {
        self.groups = Some(store);
        self
    }

    /// The bearer-token verifier that maps each request to its tenant (required), e.g. a
    /// [`TenantTokens`](crate::auth::TenantTokens).
    pub fn tokens(mut self, verifier: Arc<dyn TokenVerifier>) -> Self {
        self.tokens = Some(verifier);
        self
    }

    /// The per-tenant schema registry (default: the RFC 7643 schemas, no custom attributes).
    pub fn schemas(mut self, registry: Arc<SchemaRegistry>) -> Self {
        self.schemas = Some(registry);
        self
    }

    /// The validation policy (default: the RFC's required attributes only).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The IdP compatibility rules (default: all enabled).
    pub fn compat(mut self, compat: Compat) -> Self {
        self.compat = compat;
        self
    }

    /// The path the service is mounted under (default `/scim/v2`; `""` or `/` for the root).
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = Some(path.into());
        self
    }

    /// The absolute URL of the base path as clients see it, e.g.
    /// `https://app.example.com/scim/v2`, used for `meta.location` and `Location`. Without
    /// it, `{scheme}://{Host}{base_path}` is used, where the scheme is the request URI's own
    /// (HTTP/2), else `X-Forwarded-Proto` or `Forwarded: proto=` from a TLS-terminating
    /// proxy (`http` or `https` only), else `http`. Set it in production: the `Host` and
    /// proxy headers are whatever the client sent.
    pub fn public_url(mut self, url: Option<String>) -> Self {
        self.public_url = url;
        self
    }

    /// Request limits (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// What a successful PATCH on `kind` answers with (default: 200 with the resource for
    /// Users, 204 for Groups). A PATCH that names `attributes` or `excludedAttributes`
    /// answers 200 with the projected resource either way.
    pub fn patch_response(mut self, kind: ResourceKind, response: PatchResponse) -> Self {
        match kind {
            ResourceKind::User => self.patch_users = Some(response),
            ResourceKind::Group => self.patch_groups = Some(response),
        }
        self
    }

    /// What happens to the `password` clients send (default [`Passwords::Discard`]).
    pub fn passwords(mut self, passwords: Passwords) -> Self {
        self.passwords = passwords;
        self
    }

    /// Calls `hook` after every write the store accepted, before the response is sent:
    /// each create, replace, PATCH that changed something, and delete of a user or group,
    /// with the tenant, the id and, for users, whether `active` flipped (see [`Change`]).
    /// Use it to end a deactivated user's sessions or to sync your own tables.
    ///
    /// The hook runs on the request's task: keep it quick and hand slow work (network,
    /// database) to a queue or a spawned task. A write whose response then fails (e.g. the
    /// connection drops) has still happened and is still reported. A panic in the hook is
    /// contained: the client gets its answer, and the `tracing` feature logs it.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use scimitar::{Activation, Change, ScimService};
    /// # use scimitar::{auth::{MemoryTokenStore, TenantTokens}, MemoryStore};
    /// # let store = Arc::new(MemoryStore::new());
    /// # let tokens = Arc::new(TenantTokens::new(MemoryTokenStore::new()));
    ///
    /// let deactivated = Arc::new(Mutex::new(Vec::<String>::new()));
    /// let seen = deactivated.clone();
    /// let service = ScimService::builder()
    ///     .users(store.clone())
    ///     .tokens(tokens)
    ///     .on_change(move |c: &Change| {
    ///         if c.activation == Some(Activation::Deactivated) {
    ///             // e.g. queue "end all sessions of user c.id in organization c.tenant"
    ///             seen.lock().unwrap_or_else(|e| e.into_inner()).push(c.id.clone());
    ///         }
    ///     })
    ///     .build()?;
    /// # let _ = service;
    /// # Ok::<(), scimitar::Error>(())
    /// ```
    pub fn on_change(mut self, hook: impl Fn(&Change) + Send + Sync + 'static) -> Self {
        self.on_change = change::Hook(Some(Arc::new(hook)));
        self
    }

    /// The service.
    ///
    /// # Errors
    ///
    /// `invalidValue` when no User store or no token verifier was given, when the base path
    /// does not start with `/`, or when the public URL is not an absolute `http(s)` URL.
    pub fn build(self) -> Result<ScimService, Error> {
        let users = self
            .users
            .ok_or_else(|| Error::invalid_value("ScimService needs a User store (.users(...))"))?;
        let tokens = self.tokens.ok_or_else(|| {
            Error::invalid_value("ScimService needs a token verifier (.tokens(...))")
        })?;
        let base_path = normalize_base_path(self.base_path.as_deref().unwrap_or("/scim/v2"))?;
        let public_url = match self.public_url {
            Some(url) => {
                let lower = url.to_ascii_lowercase();
                if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                    return Err(Error::invalid_value(format!(
                        "public URL '{url}' must be an absolute http(s) URL"
                    )));
                }
                Some(url.trim_end_matches('/').to_owned())
            }
            None => None,
        };
        if self.limits.max_count == 0 {
            return Err(Error::invalid_value("Limits::max_count must be at least 1"));
        }
        Ok(ScimService {
            inner: Arc::new(Inner {
                users,
                groups: self.groups,
                tokens,
                schemas: self.schemas.unwrap_or_default(),
                policy: self.policy,
                compat: self.compat,
                base_path,
                public_url,
                limits: self.limits,
                patch_users: self.patch_users.unwrap_or(PatchResponse::Resource),
                patch_groups: self.patch_groups.unwrap_or(PatchResponse::NoContent),
                passwords: self.passwords,
                on_change: self.on_change,
                next_request_id: AtomicU64::new(1),
                request_id_key: RandomState::new(),
            }),
        })
    }
}

fn normalize_base_path(path: &str) -> Result<String, Error> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if !trimmed.starts_with('/') || trimmed.contains(['?', '#']) {
        return Err(Error::invalid_value(format!(
            "base path '{path}' must start with '/' and hold no query or fragment"
        )));
    }
    Ok(trimmed.to_owned())
}
