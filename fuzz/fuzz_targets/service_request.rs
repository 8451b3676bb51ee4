//! The whole HTTP service on network input: a sequence of arbitrary requests (method, path
//! under `/scim/v2` with ids of seeded and created resources, query string, headers incl.
//! `Authorization`, `Content-Type`, `If-Match` / `If-None-Match`, and a body that is usually
//! SCIM-shaped JSON) against one `ScimService` over a `MemoryStore` with two tenants.
//!
//! Checked for every response: `handle` does not panic; the status is one the service
//! documents, and never 500 or 503 (the memory store never fails, so either is a bug);
//! every 4xx/5xx body is an RFC 7644 §3.12 error (`schemas` is the Error URN, `status` the
//! HTTP status as a string, `scimType` from RFC 7644 Table 9 when present); 2xx bodies are
//! JSON, 204/304 are empty; `ListResponse` counts agree with `Resources`; `ETag` equals
//! `meta.version`; no response has a `password` member; 201 has `Location`; every
//! response has `X-Request-Id`; a request without a valid credential is 401 (404 outside
//! the base path); and tenant isolation: a tenant's responses never contain an id of the
//! other tenant's resources (seeded or created in the sequence), unless the tenant itself
//! sent that id (in a body or header, anywhere; in the path or query, for an error response
//! that may echo it).
//!
//! The first byte picks the service configuration (policy, compatibility rules, limits,
//! PATCH responses, passwords, public URL, custom attributes); the rest is a sequence of up
//! to [`MAX_REQUESTS`] requests. Public API only.
#![no_main]

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use arbitrary::Unstructured;
use bytes::Bytes;
use http::{HeaderValue, Method, Request};
use libfuzzer_sys::fuzz_target;
use scimitar::auth::{MemoryTokenStore, TenantTokens};
use scimitar::schema::{AttributeDef, AttributeType, Mutability, SchemaRegistry};
use scimitar::store::NewResource;
use scimitar::{
    Compat, Error, GroupStore, Limits, MemoryStore, Passwords, PatchResponse, Policy, ResourceKind,
    ScimService, TenantId, UserStore,
};
use serde_json::{json, Map, Value};

/// Requests per input.
const MAX_REQUESTS: usize = 8;

const BASE: &str = "/scim/v2";
const HOST: &str = "scim.example.test";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CUSTOM: &str = "urn:example:scim:schemas:extension:acme:2.0:User";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The tokens (registered, so inputs replay exactly). Tenant C is disabled.
const TOKENS: [&str; 3] = [
    "tenantAtoken-0123456789abcdefghijklmnopqrstuv",
    "tenantBtoken-0123456789abcdefghijklmnopqrstuv",
    "tenantCtoken-0123456789abcdefghijklmnopqrstuv",
];
const TENANTS: [&str; 3] = ["tenant-a", "tenant-b", "tenant-c"];

/// Seeded user and group ids per tenant: distinct, and none a substring of another.
const USERS: [[&str; 3]; 2] = [
    [
        "aaaa0001-5eed-4a00-8000-00000000a001",
        "aaaa0002-5eed-4a00-8000-00000000a002",
        "aaaa0003-5eed-4a00-8000-00000000a003",
    ],
    [
        "bbbb0001-5eed-4b00-8000-00000000b001",
        "bbbb0002-5eed-4b00-8000-00000000b002",
        "bbbb0003-5eed-4b00-8000-00000000b003",
    ],
];
const GROUPS: [[&str; 2]; 2] = [
    [
        "aaaa0101-5eed-4a00-8000-00000000a101",
        "aaaa0102-5eed-4a00-8000-00000000a102",
    ],
    [
        "bbbb0101-5eed-4b00-8000-00000000b101",
        "bbbb0102-5eed-4b00-8000-00000000b102",
    ],
];

/// Statuses the service documents. 500 (store failure) and 503 (store unavailable) are
/// left out: the memory store never fails, so either means a bug.
const DOCUMENTED: [u16; 14] = [
    200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 501,
];

const SCIM_TYPES: [&str; 10] = [
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
];

/// Attribute paths for filters, sortBy, attributes, PATCH paths and object keys.
const PATHS: &[&str] = &[
    "userName",
    "name",
    "name.givenName",
    "name.familyName",
    "name.formatted",
    "displayName",
    "nickName",
    "title",
    "active",
    "externalId",
    "id",
    "schemas",
    "meta",
    "meta.created",
    "meta.lastModified",
    "meta.resourceType",
    "meta.version",
    "meta.location",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[primary eq true].value",
    "phoneNumbers",
    "phoneNumbers.value",
    "addresses",
    "addresses[type eq \"work\"].locality",
    "x509Certificates.value",
    "roles",
    "entitlements",
    "groups",
    "groups.value",
    "groups.display",
    "password",
    "members",
    "members.value",
    "members.display",
    "members.type",
    "members[value eq \"aaaa0001-5eed-4a00-8000-00000000a001\"]",
    "members[value eq \"bbbb0001-5eed-4b00-8000-00000000b001\"]",
    "members[type eq \"Group\"]",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
    "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:example:scim:schemas:extension:acme:2.0:User:badge",
    "urn:example:scim:schemas:extension:acme:2.0:User:level",
    "urn:example:scim:schemas:extension:acme:2.0:User:tags",
    "urn:example:scim:schemas:extension:acme:2.0:User:devices.serial",
    "urn:example:scim:schemas:extension:acme:2.0:User:devices[kind eq \"laptop\"].serial",
    "USERNAME",
    "Emails.Value",
    "unknownAttr",
    "name.unknown",
    "",
    ".",
    "emails[",
    "members[value eq",
];

const FILTER_OPS: &[&str] = &[
    "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co", "xx",
];

const URNS: &[&str] = &[
    USER, GROUP, ENT, CUSTOM, ERROR, PATCH_OP, SEARCH, LIST, "urn:nope",
];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => panic!("tokio runtime: {e}"),
        }
    })
}

/// `SERVICE_REQUEST_TRACE=1`: one line per request (status, method, path, error body) on
/// stderr, to see what a corpus exercises (`-runs=0` over it).
fn trace() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("SERVICE_REQUEST_TRACE").is_some())
}

/// The service, and what the sequence has learnt so far.
struct World {
    svc: ScimService,
    /// Resources created in the sequence, per tenant (A, B).
    created: [Vec<(String, Kind)>; 2],
    /// Ids of the other tenant that each tenant has itself sent in a body or header.
    tainted: [HashSet<String>; 2],
    /// ETags and versions seen in responses.
    etags: Vec<String>,
    /// userNames / displayNames sent so far (to provoke uniqueness conflicts).
    names: Vec<String>,
    /// The requests so far and their statuses, for the panic message.
    history: Vec<String>,
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn seed_user(t: usize, i: usize) -> Map<String, Value> {
    let tag = ["a", "b"].get(t).copied().unwrap_or("x");
    let mut attrs = obj(json!({
        "userName": format!("user{i}@{tag}.example.com"),
        "externalId": format!("ext-{tag}-{i}"),
        "name": {"givenName": "Barbara", "familyName": format!("Jensen{i}")},
        "displayName": format!("Babs {i}"),
        "emails": [{"value": format!("user{i}@{tag}.example.com"), "type": "work", "primary": true}],
        "active": i != 2,
    }));
    if i == 0 {
        // The same userName in both tenants: uniqueness is per tenant.
        attrs.insert("userName".into(), json!("shared@example.com"));
        attrs.insert(
            ENT.into(),
            json!({"employeeNumber": "701984", "department": "Tour Operations",
                   "manager": {"value": USERS[t][1]}}),
        );
    }
    attrs
}

impl World {
    async fn new(cfg: u8) -> World {
        let store = Arc::new(MemoryStore::new());
        let tokens = Arc::new(TenantTokens::new(MemoryTokenStore::new()));
        for (tenant, token) in TENANTS.iter().zip(TOKENS) {
            if let Err(e) = tokens.register(&TenantId::new(*tenant), token).await {
                panic!("register {tenant}: {e}");
            }
        }
        if let Err(e) = tokens.disable(&TenantId::new(TENANTS[2])).await {
            panic!("disable: {e}");
        }

        let strict = cfg & 1 != 0;
        let policy = if strict {
            match Policy::default().require_list("externalId,name.givenName,name.familyName,emails")
            {
                Ok(p) => p
                    .max_length(64)
                    .max_values(4)
                    .max_members(Some(4))
                    .enforce_canonical_values(true)
                    .enforce_canonical_types(true),
                Err(e) => panic!("policy: {e}"),
            }
        } else {
            Policy::default()
        };
        let registry = Arc::new(SchemaRegistry::with_policy(policy.clone()));
        if cfg & 2 != 0 {
            let a = TenantId::new(TENANTS[0]);
            let defs = [
                AttributeDef::new("badge", AttributeType::String)
                    .case_exact(true)
                    .mutability(Mutability::Immutable),
                AttributeDef::new("level", AttributeType::Integer),
                AttributeDef::new("score", AttributeType::Decimal),
                AttributeDef::new("hired", AttributeType::DateTime),
                AttributeDef::new("tags", AttributeType::String).multi_valued(true),
                AttributeDef::new("vip", AttributeType::Boolean),
                AttributeDef::new("photo", AttributeType::Binary),
                AttributeDef::new("devices", AttributeType::Complex)
                    .multi_valued(true)
                    .sub_attributes(vec![
                        AttributeDef::new("kind", AttributeType::String)
                            .canonical_values(["laptop", "phone"]),
                        AttributeDef::new("serial", AttributeType::String),
                    ]),
            ];
            for d in defs {
                if let Err(e) = registry.add_user_attribute(&a, CUSTOM, "Acme", d) {
                    panic!("custom attribute: {e}");
                }
            }
        }
        let mut limits = Limits::default();
        if cfg & 4 != 0 {
            limits = limits
                .with_max_body_bytes(256)
                .with_max_count(2)
                .with_default_count(1)
                .with_max_patch_operations(3)
                .with_max_members_per_request(2);
        }
        let compat = if cfg & 8 != 0 {
            Compat::strict()
        } else {
            Compat::default()
        };
        let passwords = match (cfg >> 4) & 3 {
            0 => Passwords::Discard,
            1 => Passwords::Keep,
            _ => Passwords::Hash(Arc::new(|clear: &str| {
                if clear.contains("weak") {
                    Err(Error::invalid_value("password: too weak"))
                } else {
                    Ok(format!("$fake${}", clear.len()))
                }
            })),
        };
        let flip = |p: bool| {
            if p {
                PatchResponse::NoContent
            } else {
                PatchResponse::Resource
            }
        };
        let public_url = (cfg & 64 != 0).then(|| "https://app.example.com/scim/v2/".to_owned());
        let svc = match ScimService::builder()
            .users(store.clone())
            .groups(store.clone())
            .tokens(tokens)
            .schemas(registry)
            .policy(policy)
            .compat(compat)
            .limits(limits)
            .passwords(passwords)
            .public_url(public_url)
            .patch_response(ResourceKind::User, flip(cfg & 128 != 0))
            .patch_response(ResourceKind::Group, flip(cfg & 128 == 0))
            .base_path(BASE)
            .build()
        {
            Ok(s) => s,
            Err(e) => panic!("build: {e}"),
        };

        for t in 0..2 {
            let tenant = TenantId::new(TENANTS[t]);
            for (i, id) in USERS[t].iter().enumerate() {
                let new = NewResource {
                    id: (*id).to_owned(),
                    attributes: seed_user(t, i),
                };
                if let Err(e) = UserStore::create(&*store, &tenant, new).await {
                    panic!("seed user: {e}");
                }
            }
            let members = |ids: &[(&str, &str)]| -> Value {
                ids.iter()
                    .map(|(id, kind)| json!({"value": id, "type": kind}))
                    .collect()
            };
            let groups = [
                obj(json!({"displayName": "Engineering", "externalId": "eng",
                    "members": members(&[(USERS[t][0], "User"), (USERS[t][1], "User")])})),
                obj(json!({"displayName": "Everyone",
                    "members": members(&[(USERS[t][2], "User"), (GROUPS[t][0], "Group")])})),
            ];
            for (id, attributes) in GROUPS[t].iter().zip(groups) {
                let new = NewResource {
                    id: (*id).to_owned(),
                    attributes,
                };
                if let Err(e) = GroupStore::create(&*store, &tenant, new).await {
                    panic!("seed group: {e}");
                }
            }
        }
        World {
            svc,
            created: [Vec::new(), Vec::new()],
            tainted: [HashSet::new(), HashSet::new()],
            etags: Vec::new(),
            names: Vec::new(),
            history: Vec::new(),
        }
    }

    /// Every id of tenant `t`'s resources: seeded and created.
    fn ids_of(&self, t: usize) -> Vec<String> {
        let mut out = self.ids_of_kind(t, Kind::User);
        out.extend(self.ids_of_kind(t, Kind::Group));
        out
    }

    /// The ids of tenant `t`'s Users or Groups: seeded and created.
    fn ids_of_kind(&self, t: usize, kind: Kind) -> Vec<String> {
        let seeded: &[&str] = match kind {
            Kind::User => USERS.get(t).map_or(&[], |a| a.as_slice()),
            Kind::Group => GROUPS.get(t).map_or(&[], |a| a.as_slice()),
        };
        let mut out: Vec<String> = seeded.iter().map(|s| (*s).to_owned()).collect();
        if let Some(c) = self.created.get(t) {
            out.extend(
                c.iter()
                    .filter(|(_, k)| *k == kind)
                    .map(|(id, _)| id.clone()),
            );
        }
        out
    }
}

// ---------------------------------------------------------------- input generation

fn pick<'a, T>(u: &mut Unstructured, items: &'a [T]) -> Option<&'a T> {
    u.choose(items).ok()
}

fn byte(u: &mut Unstructured) -> u8 {
    u.arbitrary::<u8>().unwrap_or(0)
}

fn below(u: &mut Unstructured, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    u.int_in_range(0..=n - 1).unwrap_or(0)
}

fn raw_string(u: &mut Unstructured) -> String {
    u.arbitrary::<String>().unwrap_or_default()
}

/// An id: of the acting tenant, of the other, created in the sequence, or made up.
fn id(u: &mut Unstructured, w: &World, actor: usize) -> String {
    let own = actor.min(1);
    let other = 1 - own;
    match below(u, 10) {
        0..=3 => pick(u, &w.ids_of(own)).cloned().unwrap_or_default(),
        4 | 5 => pick(u, &w.ids_of(other)).cloned().unwrap_or_default(),
        6 => {
            let all: Vec<String> = w
                .created
                .iter()
                .flatten()
                .map(|(id, _)| id.clone())
                .collect();
            pick(u, &all)
                .cloned()
                .unwrap_or_else(|| USERS[own][1].to_owned())
        }
        7 => "00000000-0000-4000-8000-000000000000".into(),
        8 => USERS[own][0].to_uppercase(),
        _ => raw_string(u),
    }
}

/// The id for a `/Users/{id}` or `/Groups/{id}` path: mostly one of that kind.
fn id_of(u: &mut Unstructured, w: &World, actor: usize, kind: Kind) -> String {
    let own = actor.min(1);
    match below(u, 10) {
        0..=5 => pick(u, &w.ids_of_kind(own, kind))
            .cloned()
            .unwrap_or_default(),
        6 => pick(u, &w.ids_of_kind(1 - own, kind))
            .cloned()
            .unwrap_or_default(),
        _ => id(u, w, actor),
    }
}

fn string(u: &mut Unstructured, w: &World, actor: usize) -> String {
    const POOL: &[&str] = &[
        "",
        " ",
        "bjensen",
        "shared@example.com",
        "user1@a.example.com",
        "USER1@A.EXAMPLE.COM",
        "user1@b.example.com",
        "Engineering",
        "everyone",
        "work",
        "home",
        "other",
        "User",
        "Group",
        "direct",
        "laptop",
        "true",
        "add",
        "replace",
        "remove",
        "2011-08-01T18:29:49.793Z",
        "2011-08-01",
        "not a date",
        "aGVsbG8=",
        "not base64!",
        "W/\"1\"",
        "ß",
        "İstanbul",
        "\u{212A}elvin",
        "😀",
        "a\"b\\c",
        "\u{0}",
        "https://example.com/x",
        "weak-password",
        "S3cret!pass",
    ];
    match below(u, 8) {
        0..=2 => pick(u, POOL).map(|s| (*s).to_owned()).unwrap_or_default(),
        3 => id(u, w, actor),
        4 => pick(u, &w.names).cloned().unwrap_or_default(),
        5 => "x".repeat(usize::from(byte(u)) * 2),
        6 => pick(u, PATHS).map(|s| (*s).to_owned()).unwrap_or_default(),
        _ => raw_string(u),
    }
}

fn number(u: &mut Unstructured) -> Value {
    match below(u, 6) {
        0 => json!(u.arbitrary::<i64>().unwrap_or(0)),
        1 => json!(u.arbitrary::<u64>().unwrap_or(0)),
        2 => serde_json::Number::from_f64(u.arbitrary::<f64>().unwrap_or(0.5))
            .map(Value::Number)
            .unwrap_or(Value::Null),
        3 => json!(i64::from(u.arbitrary::<i8>().unwrap_or(0))),
        4 => json!(1.5),
        _ => json!(0),
    }
}

/// Any JSON value, `depth` levels deep at most.
fn any_json(u: &mut Unstructured, w: &World, actor: usize, depth: u32) -> Value {
    let k = if depth == 0 { below(u, 5) } else { below(u, 8) };
    match k {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary().unwrap_or(false)),
        2 => number(u),
        3 | 4 => Value::String(string(u, w, actor)),
        5 => {
            let n = below(u, 4);
            (0..n).map(|_| any_json(u, w, actor, depth - 1)).collect()
        }
        _ => {
            let n = below(u, 4);
            let mut m = Map::new();
            for _ in 0..n {
                let key = if u.ratio(3, 4).unwrap_or(true) {
                    pick(u, PATHS).map(|s| (*s).to_owned()).unwrap_or_default()
                } else {
                    raw_string(u)
                };
                m.insert(key, any_json(u, w, actor, depth - 1));
            }
            Value::Object(m)
        }
    }
}

/// Mostly a sensible value, sometimes anything.
fn or_any(u: &mut Unstructured, w: &World, actor: usize, good: Value) -> Value {
    if u.ratio(5, 6).unwrap_or(true) {
        good
    } else {
        any_json(u, w, actor, 2)
    }
}

/// Almost always the sensible value: for what shapes the whole request.
fn rarely_any(u: &mut Unstructured, w: &World, actor: usize, good: Value) -> Value {
    if u.ratio(15, 16).unwrap_or(true) {
        good
    } else {
        any_json(u, w, actor, 2)
    }
}

fn user_name(u: &mut Unstructured, w: &mut World, actor: usize) -> String {
    let name = match below(u, 5) {
        0 | 1 => format!("new{}@example.com", w.names.len() + usize::from(byte(u))),
        2 => pick(u, &w.names)
            .cloned()
            .unwrap_or_else(|| "dup@example.com".into()),
        _ => string(u, w, actor),
    };
    w.names.push(name.clone());
    name
}

fn member(u: &mut Unstructured, w: &World, actor: usize) -> Value {
    let mut m = Map::new();
    m.insert("value".into(), Value::String(id(u, w, actor)));
    if u.ratio(1, 3).unwrap_or(false) {
        let t = pick(u, &["User", "Group", "user", "Other"])
            .copied()
            .unwrap_or("User");
        m.insert("type".into(), json!(t));
    }
    if u.ratio(1, 4).unwrap_or(false) {
        m.insert("display".into(), Value::String(string(u, w, actor)));
    }
    if u.ratio(1, 8).unwrap_or(false) {
        m.insert("$ref".into(), json!("https://elsewhere.example/Users/x"));
    }
    or_any(u, w, actor, Value::Object(m))
}

fn members(u: &mut Unstructured, w: &World, actor: usize) -> Value {
    let n = below(u, 5);
    (0..n).map(|_| member(u, w, actor)).collect()
}

fn emails(u: &mut Unstructured, w: &World, actor: usize) -> Value {
    let n = below(u, 4);
    (0..n)
        .map(|_| {
            let v = json!({
                "value": string(u, w, actor),
                "type": pick(u, &["work", "home", "other", "Work", "pager"]).copied().unwrap_or("work"),
                "primary": u.arbitrary::<bool>().unwrap_or(false),
            });
            or_any(u, w, actor, v)
        })
        .collect()
}

fn user_body(u: &mut Unstructured, w: &mut World, actor: usize) -> Value {
    let mut m = Map::new();
    let schemas = match below(u, 16) {
        12 => json!([USER, ENT]),
        13 => json!([USER, ENT, CUSTOM]),
        14 => json!([ENT]),
        15 => any_json(u, w, actor, 1),
        _ => json!([USER]),
    };
    if u.ratio(7, 8).unwrap_or(true) {
        m.insert("schemas".into(), schemas);
    }
    if u.ratio(7, 8).unwrap_or(true) {
        let n = user_name(u, w, actor);
        let v = or_any(u, w, actor, json!(n));
        m.insert("userName".into(), v);
    }
    let n = below(u, 10);
    for _ in 0..n {
        match below(u, 18) {
            0 => {
                let v =
                    json!({"givenName": string(u, w, actor), "familyName": string(u, w, actor)});
                let v = or_any(u, w, actor, v);
                m.insert("name".into(), v);
            }
            1 => {
                let v = Value::String(string(u, w, actor));
                m.insert("displayName".into(), v);
            }
            2 => {
                let v = emails(u, w, actor);
                m.insert("emails".into(), v);
            }
            3 => {
                let b = u.arbitrary::<bool>().unwrap_or(true);
                let v = or_any(u, w, actor, json!(b));
                m.insert("active".into(), v);
            }
            4 => {
                let v = Value::String(string(u, w, actor));
                m.insert("externalId".into(), v);
            }
            5 => {
                let v = Value::String(string(u, w, actor));
                m.insert("password".into(), v);
            }
            6 => {
                let v = json!({"employeeNumber": string(u, w, actor),
                    "manager": {"value": id(u, w, actor)}});
                let v = or_any(u, w, actor, v);
                m.insert(ENT.into(), v);
            }
            7 => {
                let v = members(u, w, actor);
                m.insert("groups".into(), v);
            }
            8 => {
                let v = Value::String(id(u, w, actor));
                m.insert("id".into(), v);
            }
            9 => {
                let v = json!({"resourceType": "User", "version": "W/\"9\"",
                    "created": string(u, w, actor)});
                m.insert("meta".into(), v);
            }
            10 => {
                let v = json!([{"value": string(u, w, actor), "type": "mobile"}]);
                m.insert("phoneNumbers".into(), v);
            }
            11 => {
                let v = json!({
                    "badge": string(u, w, actor),
                    "level": number(u),
                    "tags": [string(u, w, actor)],
                    "hired": string(u, w, actor),
                    "devices": [{"kind": string(u, w, actor), "serial": string(u, w, actor)}],
                });
                let v = or_any(u, w, actor, v);
                m.insert(CUSTOM.into(), v);
            }
            12 => {
                let v = json!([{"value": string(u, w, actor)}]);
                m.insert("x509Certificates".into(), v);
            }
            13 => {
                let v = json!([{"locality": string(u, w, actor), "type": "work", "primary": true}]);
                m.insert("addresses".into(), v);
            }
            14 => {
                let k = pick(u, PATHS).map(|s| (*s).to_owned()).unwrap_or_default();
                let v = any_json(u, w, actor, 2);
                m.insert(k, v);
            }
            15 => {
                let v = Value::String(string(u, w, actor));
                m.insert("title".into(), v);
            }
            16 => {
                let v = Value::String(string(u, w, actor));
                m.insert("USERNAME".into(), v);
            }
            _ => {
                let k = raw_string(u);
                let v = any_json(u, w, actor, 2);
                m.insert(k, v);
            }
        }
    }
    Value::Object(m)
}

fn group_body(u: &mut Unstructured, w: &mut World, actor: usize) -> Value {
    let mut m = Map::new();
    if u.ratio(7, 8).unwrap_or(true) {
        m.insert("schemas".into(), rarely_any(u, w, actor, json!([GROUP])));
    }
    if u.ratio(7, 8).unwrap_or(true) {
        let n = user_name(u, w, actor);
        let v = or_any(u, w, actor, json!(n));
        m.insert("displayName".into(), v);
    }
    if u.ratio(2, 3).unwrap_or(true) {
        let v = members(u, w, actor);
        m.insert("members".into(), v);
    }
    let n = below(u, 3);
    for _ in 0..n {
        match below(u, 4) {
            0 => {
                let v = Value::String(string(u, w, actor));
                m.insert("externalId".into(), v);
            }
            1 => {
                let v = Value::String(id(u, w, actor));
                m.insert("id".into(), v);
            }
            2 => {
                let k = pick(u, PATHS).map(|s| (*s).to_owned()).unwrap_or_default();
                let v = any_json(u, w, actor, 2);
                m.insert(k, v);
            }
            _ => {
                let v = json!({"resourceType": "Group"});
                m.insert("meta".into(), v);
            }
        }
    }
    Value::Object(m)
}

/// A value for a PATCH operation on `path`, usually of the right shape.
fn patch_value(u: &mut Unstructured, w: &mut World, actor: usize, path: Option<&str>) -> Value {
    if u.ratio(1, 5).unwrap_or(false) {
        return any_json(u, w, actor, 3);
    }
    let p = path.unwrap_or_default().to_ascii_lowercase();
    if p.is_empty() {
        // No path: an object of attributes, as Entra and Okta send.
        let mut m = Map::new();
        let n = below(u, 4);
        for _ in 0..n {
            match below(u, 6) {
                0 => {
                    m.insert(
                        "active".into(),
                        json!(u.arbitrary::<bool>().unwrap_or(false)),
                    );
                }
                1 => {
                    let v = members(u, w, actor);
                    m.insert("members".into(), v);
                }
                2 => {
                    let v = Value::String(string(u, w, actor));
                    m.insert("name.givenName".into(), v);
                }
                3 => {
                    let v = Value::String(string(u, w, actor));
                    m.insert("displayName".into(), v);
                }
                4 => {
                    let v = Value::String(string(u, w, actor));
                    m.insert(format!("{ENT}:employeeNumber"), v);
                }
                _ => {
                    let k = pick(u, PATHS).map(|s| (*s).to_owned()).unwrap_or_default();
                    let v = any_json(u, w, actor, 2);
                    m.insert(k, v);
                }
            }
        }
        return Value::Object(m);
    }
    if p.starts_with("members") || p.starts_with("groups") {
        return members(u, w, actor);
    }
    if p.starts_with("emails") && !p.contains('.') && !p.contains('[') {
        return emails(u, w, actor);
    }
    if p == "active" || p.ends_with("primary") || p.ends_with("vip") {
        return json!(u.arbitrary::<bool>().unwrap_or(false));
    }
    if p == "name" {
        return json!({"givenName": string(u, w, actor)});
    }
    if p.ends_with("level") || p.ends_with("score") {
        return number(u);
    }
    if p.ends_with("manager") {
        return json!({"value": id(u, w, actor)});
    }
    if p.ends_with(&ENT.to_ascii_lowercase()) {
        return json!({"department": string(u, w, actor)});
    }
    if u.ratio(1, 4).unwrap_or(false) {
        // Entra sends booleans and numbers as strings, values wrapped in arrays.
        return json!([{"value": string(u, w, actor)}]);
    }
    Value::String(string(u, w, actor))
}

fn patch_body(u: &mut Unstructured, w: &mut World, actor: usize) -> Value {
    let mut m = Map::new();
    if u.ratio(7, 8).unwrap_or(true) {
        m.insert("schemas".into(), rarely_any(u, w, actor, json!([PATCH_OP])));
    }
    let n = 1 + below(u, 4);
    let mut ops = Vec::new();
    for _ in 0..n {
        let mut op = Map::new();
        let name = match below(u, 8) {
            0 | 1 => "add".to_owned(),
            2 | 3 => "replace".to_owned(),
            4 | 5 => "remove".to_owned(),
            6 => pick(u, &["Add", "REPLACE", "Remove", "test", "move", ""])
                .map(|s| (*s).to_owned())
                .unwrap_or_default(),
            _ => raw_string(u),
        };
        let is_remove = name.eq_ignore_ascii_case("remove");
        op.insert("op".into(), or_any(u, w, actor, json!(name)));
        let path = match below(u, 8) {
            0 | 1 => None,
            2 => {
                let i = id(u, w, actor);
                Some(format!("members[value eq \"{i}\"]"))
            }
            3 => Some(raw_string(u)),
            _ => pick(u, PATHS).map(|s| (*s).to_owned()),
        };
        if let Some(p) = &path {
            op.insert("path".into(), json!(p));
        }
        if !is_remove || u.ratio(1, 4).unwrap_or(false) {
            let v = patch_value(u, w, actor, path.as_deref());
            op.insert("value".into(), v);
        }
        ops.push(Value::Object(op));
    }
    let key = if u.ratio(9, 10).unwrap_or(true) {
        "Operations"
    } else {
        "operations"
    };
    m.insert(key.into(), rarely_any(u, w, actor, Value::Array(ops)));
    Value::Object(m)
}

fn filter_value(u: &mut Unstructured, w: &World, actor: usize) -> String {
    match below(u, 6) {
        0 => "true".into(),
        1 => "null".into(),
        2 => format!("{}", u.arbitrary::<i32>().unwrap_or(0)),
        3 => "\"2011-08-01T18:29:49.793Z\"".into(),
        _ => {
            let s = string(u, w, actor);
            serde_json::to_string(&s).unwrap_or_else(|_| "\"\"".into())
        }
    }
}

/// Filter text from a small grammar (or raw text).
fn filter(u: &mut Unstructured, w: &World, actor: usize, depth: u32) -> String {
    let k = if depth == 0 { below(u, 3) } else { below(u, 7) };
    match k {
        0 | 1 => {
            let p = pick(u, PATHS).copied().unwrap_or("userName");
            let op = pick(u, FILTER_OPS).copied().unwrap_or("eq");
            format!("{p} {op} {}", filter_value(u, w, actor))
        }
        2 => {
            let p = pick(u, PATHS).copied().unwrap_or("userName");
            format!("{p} pr")
        }
        3 => {
            let a = filter(u, w, actor, depth - 1);
            let b = filter(u, w, actor, depth - 1);
            let j = pick(u, &["and", "or", "AND", "Or"])
                .copied()
                .unwrap_or("and");
            format!("{a} {j} {b}")
        }
        4 => format!("not ({})", filter(u, w, actor, depth - 1)),
        5 => {
            let p = pick(
                u,
                &["emails", "members", "addresses", "groups", "phoneNumbers"],
            )
            .copied()
            .unwrap_or("emails");
            format!("{p}[{}]", filter(u, w, actor, depth - 1))
        }
        _ => raw_string(u),
    }
}

fn attr_list(u: &mut Unstructured) -> Vec<String> {
    let n = below(u, 4);
    (0..n)
        .map(|_| pick(u, PATHS).map(|s| (*s).to_owned()).unwrap_or_default())
        .collect()
}

fn search_body(u: &mut Unstructured, w: &mut World, actor: usize) -> Value {
    let mut m = Map::new();
    if u.ratio(7, 8).unwrap_or(true) {
        m.insert("schemas".into(), rarely_any(u, w, actor, json!([SEARCH])));
    }
    let n = below(u, 6);
    for _ in 0..n {
        match below(u, 8) {
            0 | 1 => {
                let f = filter(u, w, actor, 3);
                m.insert("filter".into(), or_any(u, w, actor, json!(f)));
            }
            2 => {
                let v = number(u);
                m.insert("startIndex".into(), or_any(u, w, actor, v));
            }
            3 => {
                let v = number(u);
                m.insert("count".into(), or_any(u, w, actor, v));
            }
            4 => {
                let v = attr_list(u);
                m.insert("attributes".into(), or_any(u, w, actor, json!(v)));
            }
            5 => {
                let v = attr_list(u);
                m.insert("excludedAttributes".into(), json!(v));
            }
            6 => {
                let v = pick(u, PATHS).copied().unwrap_or("userName");
                m.insert("sortBy".into(), json!(v));
            }
            _ => {
                let v = pick(u, &["ascending", "descending", "DESCENDING", "up"])
                    .copied()
                    .unwrap_or("ascending");
                m.insert("sortOrder".into(), json!(v));
            }
        }
    }
    Value::Object(m)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn segment(u: &mut Unstructured, s: &str) -> String {
    match below(u, 6) {
        0 => s.to_owned(),
        // Every byte escaped: the router must decode it back to the same id.
        1 => s.bytes().map(|b| format!("%{b:02x}")).collect(),
        _ => enc(s),
    }
}

fn query(u: &mut Unstructured, w: &World, actor: usize) -> Option<String> {
    if u.ratio(1, 2).unwrap_or(true) {
        return None;
    }
    if u.ratio(1, 10).unwrap_or(false) {
        return Some(raw_string(u));
    }
    let n = below(u, 4) + 1;
    let mut parts = Vec::new();
    for _ in 0..n {
        let (k, v) = match below(u, 9) {
            0 | 1 => ("filter".to_owned(), filter(u, w, actor, 3)),
            2 => ("attributes".to_owned(), attr_list(u).join(",")),
            3 => ("excludedAttributes".to_owned(), attr_list(u).join(",")),
            4 => {
                let v = match below(u, 4) {
                    0 => format!("{}", u.arbitrary::<i64>().unwrap_or(0)),
                    1 => format!("{}", u.arbitrary::<i8>().unwrap_or(0)),
                    2 => "1".into(),
                    _ => raw_string(u),
                };
                let k = pick(u, &["startIndex", "count", "COUNT"])
                    .copied()
                    .unwrap_or("count");
                (k.to_owned(), v)
            }
            5 => (
                "sortBy".to_owned(),
                pick(u, PATHS).map(|s| (*s).to_owned()).unwrap_or_default(),
            ),
            6 => (
                "sortOrder".to_owned(),
                pick(u, &["ascending", "descending", "sideways"])
                    .map(|s| (*s).to_owned())
                    .unwrap_or_default(),
            ),
            7 => ("password".to_owned(), "secret".to_owned()),
            _ => (raw_string(u), raw_string(u)),
        };
        let v = if u.ratio(1, 2).unwrap_or(true) {
            enc(&v).replace("%20", "+")
        } else {
            enc(&v)
        };
        parts.push(format!("{}={v}", enc(&k)));
    }
    Some(parts.join("&"))
}

/// What the acting credential is, and which tenant it should authenticate as.
struct Auth {
    headers: Vec<String>,
    tenant: Option<usize>,
}

fn auth(u: &mut Unstructured) -> Auth {
    let a = TOKENS[0];
    let b = TOKENS[1];
    let one = |h: String, t: Option<usize>| Auth {
        headers: vec![h],
        tenant: t,
    };
    let v = byte(u);
    if v < 150 {
        return one(format!("Bearer {a}"), Some(0));
    }
    if v < 220 {
        return one(format!("Bearer {b}"), Some(1));
    }
    match v % 10 {
        0 => one(format!("Bearer {}", TOKENS[2]), None),
        1 => one("Bearer unknown-token-0123456789abcdef".into(), None),
        2 => Auth {
            headers: Vec::new(),
            tenant: None,
        },
        3 => one(format!("Basic {a}"), None),
        4 => Auth {
            headers: vec![format!("Bearer {a}"), format!("Bearer {a}")],
            tenant: None,
        },
        5 => one(format!("  bearer \t {b}  "), Some(1)),
        6 => one(format!("Bearer {a} extra"), None),
        7 => one(format!("Bearer {a}="), None),
        8 => one("non-token".into(), None),
        _ => one(format!("BEARER {a}"), Some(0)),
    }
}

/// A method: usually one `fits` the endpoint, else any (odd ones included).
fn method(u: &mut Unstructured, fits: &[&str]) -> Method {
    let name = if u.ratio(4, 5).unwrap_or(true) && !fits.is_empty() {
        pick(u, fits).copied().unwrap_or("GET")
    } else {
        let v = byte(u);
        match v {
            0..=69 => "GET",
            70..=119 => "POST",
            120..=149 => "PUT",
            150..=199 => "PATCH",
            200..=229 => "DELETE",
            _ => match v % 8 {
                0 => "HEAD",
                1 => "OPTIONS",
                2 => "TRACE",
                3 => "CONNECT",
                4 => "PROPFIND",
                5 => "get",
                6 => "PURGE",
                _ => "QUERY",
            },
        }
    };
    Method::from_bytes(name.as_bytes()).unwrap_or(Method::GET)
}

/// A resource type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    User,
    Group,
}

/// Which body shape a request carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    User,
    Group,
    Patch,
    Search,
    None,
}

/// The path, and the methods and body shape that fit it.
fn path(u: &mut Unstructured, w: &World, actor: usize) -> (String, &'static [&'static str], Shape) {
    const ONE: &[&str] = &["GET", "PUT", "PATCH", "DELETE"];
    const MANY: &[&str] = &["GET", "POST"];
    const SEARCH: &[&str] = &["POST"];
    const READ: &[&str] = &["GET"];
    const ANY: &[&str] = &[];
    let prefix = match below(u, 24) {
        1 => "",
        2 => "/scim",
        3 => "/scim/v22",
        4 => "/SCIM/v2",
        5 => "/scim/v2/",
        _ => BASE,
    };
    let (rest, fits, shape) = match below(u, 20) {
        0..=3 => {
            let i = id_of(u, w, actor, Kind::User);
            (format!("/Users/{}", segment(u, &i)), ONE, Shape::User)
        }
        4..=6 => {
            let i = id_of(u, w, actor, Kind::Group);
            (format!("/Groups/{}", segment(u, &i)), ONE, Shape::Group)
        }
        7 | 8 => ("/Users".to_owned(), MANY, Shape::User),
        9 | 10 => ("/Groups".to_owned(), MANY, Shape::Group),
        11 => ("/Users/.search".to_owned(), SEARCH, Shape::Search),
        12 => ("/Groups/.search".to_owned(), SEARCH, Shape::Search),
        13 => ("/.search".to_owned(), SEARCH, Shape::Search),
        14 => {
            let r = match below(u, 5) {
                0 => "/Schemas".to_owned(),
                1 => "/ResourceTypes".to_owned(),
                2 => "/ServiceProviderConfig".to_owned(),
                3 => {
                    let urn = pick(u, URNS).copied().unwrap_or(USER);
                    format!("/Schemas/{}", segment(u, urn))
                }
                _ => {
                    let n = pick(u, &["User", "Group", "user", "Users", "Nope"])
                        .copied()
                        .unwrap_or("User");
                    format!("/ResourceTypes/{n}")
                }
            };
            (r, READ, Shape::None)
        }
        15 => {
            let r = pick(
                u,
                &[
                    "/Me", "/Me/x", "/Bulk", "", "/", "//Users", "/users/", "/GROUPS",
                ],
            )
            .map(|s| (*s).to_owned())
            .unwrap_or_default();
            (r, ANY, Shape::User)
        }
        16 => {
            let s = raw_string(u);
            (format!("/Users/{s}"), ONE, Shape::User)
        }
        17 => {
            let s = raw_string(u);
            (format!("/{}", enc(&s)), ANY, Shape::None)
        }
        _ => {
            let s = raw_string(u);
            (s, ANY, Shape::None)
        }
    };
    (format!("{prefix}{rest}"), fits, shape)
}

fn etag(u: &mut Unstructured, w: &World) -> String {
    match below(u, 8) {
        0..=2 => pick(u, &w.etags)
            .cloned()
            .unwrap_or_else(|| "W/\"1\"".into()),
        3 => "*".into(),
        4 => format!("W/\"{}\"", below(u, 6)),
        5 => format!("\"{}\"", below(u, 6)),
        6 => format!(
            "W/\"1\", W/\"2\", {}",
            pick(u, &w.etags).cloned().unwrap_or_default()
        ),
        _ => raw_string(u),
    }
}

/// One generated request, plus what the checks need to know about it.
struct Spec {
    req: Request<Bytes>,
    tenant: Option<usize>,
    under_base: bool,
}

fn request(u: &mut Unstructured, w: &mut World) -> Option<Spec> {
    let auth = auth(u);
    // Which tenant's ids to prefer: the credential's (or A's when there is none).
    let actor = auth.tenant.unwrap_or(0);
    let (path, fits, fitting) = path(u, w, actor);
    let m = method(u, fits);
    let fitting = match (fitting, m.as_str()) {
        (Shape::User | Shape::Group, "PATCH") => Shape::Patch,
        (s, _) => s,
    };
    let q = query(u, w, actor);
    let uri = match &q {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };

    let wants_body =
        matches!(m.as_str(), "POST" | "PUT" | "PATCH") || u.ratio(1, 10).unwrap_or(false);
    let shape = if u.ratio(4, 5).unwrap_or(true) {
        fitting
    } else {
        pick(
            u,
            &[
                Shape::User,
                Shape::Group,
                Shape::Patch,
                Shape::Search,
                Shape::None,
            ],
        )
        .copied()
        .unwrap_or(Shape::None)
    };
    let body: Vec<u8> = if !wants_body {
        Vec::new()
    } else {
        match below(u, 24) {
            21 => u.arbitrary::<Vec<u8>>().unwrap_or_default(),
            22 => {
                let v = any_json(u, w, actor, 4);
                serde_json::to_vec(&v).unwrap_or_default()
            }
            23 => Vec::new(),
            _ => {
                let v = match shape {
                    Shape::User => user_body(u, w, actor),
                    Shape::Group => group_body(u, w, actor),
                    Shape::Patch => patch_body(u, w, actor),
                    Shape::Search => search_body(u, w, actor),
                    Shape::None => any_json(u, w, actor, 3),
                };
                let mut bytes = serde_json::to_vec(&v).unwrap_or_default();
                if u.ratio(1, 16).unwrap_or(false) {
                    // A truncated document.
                    let keep = below(u, bytes.len());
                    bytes.truncate(keep);
                }
                bytes
            }
        }
    };

    let mut b = Request::builder().method(m).uri(uri);
    for h in &auth.headers {
        b = b.header(http::header::AUTHORIZATION, h.as_str());
    }
    match below(u, 10) {
        0 => {}
        1 => {
            let h = raw_string(u);
            if let Ok(v) = HeaderValue::from_str(&h) {
                b = b.header(http::header::HOST, v);
            }
        }
        2 => b = b.header(http::header::HOST, "evil.example/<script>"),
        _ => b = b.header(http::header::HOST, HOST),
    }
    if !body.is_empty() || u.ratio(1, 4).unwrap_or(false) {
        let ct = match below(u, 12) {
            0 => None,
            1 => Some("application/json".to_owned()),
            2 => Some("Application/SCIM+JSON; charset=utf-8".to_owned()),
            3 => Some("text/plain".to_owned()),
            4 => Some(raw_string(u)),
            5 => Some("application/json;".to_owned()),
            _ => Some("application/scim+json".to_owned()),
        };
        if let Some(ct) = ct {
            if let Ok(v) = HeaderValue::from_str(&ct) {
                b = b.header(http::header::CONTENT_TYPE, v);
            }
        }
    }
    if u.ratio(1, 4).unwrap_or(false) {
        let n = below(u, 2) + 1;
        for _ in 0..n {
            if let Ok(v) = HeaderValue::from_str(&etag(u, w)) {
                b = b.header(http::header::IF_MATCH, v);
            }
        }
    }
    if u.ratio(1, 5).unwrap_or(false) {
        if let Ok(v) = HeaderValue::from_str(&etag(u, w)) {
            b = b.header(http::header::IF_NONE_MATCH, v);
        }
    }
    if u.ratio(1, 10).unwrap_or(false) {
        b = b.header(http::header::ACCEPT, "application/xml");
    }
    // Anything `http` refuses (a bad URI or method) never reaches a host's service.
    let req = b.body(Bytes::from(body)).ok()?;
    let p = req.uri().path();
    let under_base = p == BASE || p.starts_with("/scim/v2/");
    Some(Spec {
        req,
        tenant: auth.tenant,
        under_base,
    })
}

// ---------------------------------------------------------------- checks

fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether any object member of `v` is named `password` (never returned, RFC 7643 §4.1.1).
fn has_password(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("password") || has_password(v)),
        Value::Array(a) => a.iter().any(has_password),
        _ => false,
    }
}

async fn send(w: &mut World, spec: Spec) {
    let Spec {
        req,
        tenant,
        under_base,
    } = spec;
    let described = format!(
        "{} {} headers={:?} body={:?}",
        req.method(),
        req.uri(),
        req.headers(),
        String::from_utf8_lossy(req.body())
    );
    let uri_text = req.uri().to_string();
    let uri_decoded = percent_decoded(&uri_text);
    let mut sent = String::from_utf8_lossy(req.body()).into_owned();
    for v in req.headers().values() {
        sent.push_str(&String::from_utf8_lossy(v.as_bytes()));
    }

    // The other tenant's ids this tenant now sent itself (body, headers).
    if let Some(t) = tenant {
        for other in w.ids_of(1 - t) {
            if sent.contains(&other) {
                if let Some(set) = w.tainted.get_mut(t) {
                    set.insert(other);
                }
            }
        }
    }

    let route = format!("{} {}", req.method(), req.uri().path());
    let resp = w.svc.handle(req).await;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body();
    let text = String::from_utf8_lossy(&body);
    if trace() {
        let detail = if status >= 400 { text.as_ref() } else { "" };
        eprintln!("TRACE {status} {route} {detail}");
    }
    let ctx = || {
        format!(
            "{}\nrequest: {described}\nresponse {status}: {text}",
            w.history.join("\n")
        )
    };

    assert!(
        status != 500 && status != 503,
        "server error on a request\n{}",
        ctx()
    );
    assert!(
        DOCUMENTED.contains(&status),
        "undocumented status\n{}",
        ctx()
    );
    assert!(
        headers.contains_key("x-request-id"),
        "no X-Request-Id\n{}",
        ctx()
    );
    match tenant {
        None if under_base => assert_eq!(status, 401, "no valid credential\n{}", ctx()),
        _ if !under_base => assert_eq!(status, 404, "outside the base path\n{}", ctx()),
        Some(_) => assert_ne!(status, 401, "valid credential refused\n{}", ctx()),
        None => {}
    }
    if status == 401 {
        assert!(
            headers.contains_key(http::header::WWW_AUTHENTICATE),
            "401 without WWW-Authenticate\n{}",
            ctx()
        );
    }

    if status >= 400 {
        let v: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => panic!("error body is not JSON ({e})\n{}", ctx()),
        };
        assert_eq!(
            v.get("schemas"),
            Some(&json!([ERROR])),
            "error schemas\n{}",
            ctx()
        );
        assert_eq!(
            v.get("status"),
            Some(&json!(status.to_string())),
            "error status\n{}",
            ctx()
        );
        if let Some(t) = v.get("scimType") {
            assert!(
                t.as_str().is_some_and(|t| SCIM_TYPES.contains(&t)),
                "scimType\n{}",
                ctx()
            );
        }
        if let Some(d) = v.get("detail") {
            assert!(d.is_string(), "detail\n{}", ctx());
        }
        assert_eq!(
            headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/scim+json"),
            "error content type\n{}",
            ctx()
        );
    } else if status == 204 || status == 304 {
        assert!(body.is_empty(), "{status} with a body\n{}", ctx());
    } else {
        let v: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => panic!("success body is not JSON ({e})\n{}", ctx()),
        };
        if status == 201 {
            if let (Some(t), Some(id)) = (tenant, v.get("id").and_then(Value::as_str)) {
                assert!(
                    headers.contains_key(http::header::LOCATION),
                    "201 without Location\n{}",
                    ctx()
                );
                let kind = match v.pointer("/meta/resourceType").and_then(Value::as_str) {
                    Some("Group") => Kind::Group,
                    _ => Kind::User,
                };
                if let Some(c) = w.created.get_mut(t) {
                    c.push((id.to_owned(), kind));
                }
            }
        }
        assert!(!has_password(&v), "password returned\n{}", ctx());
        if v.get("schemas") == Some(&json!([LIST])) {
            let n = v
                .get("Resources")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let int = |k: &str| v.get(k).and_then(Value::as_u64);
            let (total, start, per) = (int("totalResults"), int("startIndex"), int("itemsPerPage"));
            assert!(
                total.is_some_and(|t| t >= n as u64)
                    && start.is_some_and(|s| s >= 1)
                    && per == Some(n as u64),
                "ListResponse counts\n{}",
                ctx()
            );
        }
        let tag = headers
            .get(http::header::ETAG)
            .and_then(|e| e.to_str().ok());
        if let (Some(tag), Some(ver)) = (tag, v.pointer("/meta/version").and_then(Value::as_str)) {
            assert_eq!(tag, ver, "ETag is not meta.version\n{}", ctx());
        }
        if let Some(ver) = v.pointer("/meta/version").and_then(Value::as_str) {
            w.etags.push(ver.to_owned());
        }
    }
    if let Some(e) = headers
        .get(http::header::ETAG)
        .and_then(|v| v.to_str().ok())
    {
        w.etags.push(e.to_owned());
    }

    // Tenant isolation.
    if let Some(t) = tenant {
        let mut seen = text.into_owned();
        if let Some(l) = headers.get(http::header::LOCATION) {
            seen.push_str(&String::from_utf8_lossy(l.as_bytes()));
        }
        for other in w.ids_of(1 - t) {
            if !seen.contains(&other) {
                continue;
            }
            let sent_itself = w.tainted.get(t).is_some_and(|s| s.contains(&other));
            let echoed =
                status >= 400 && (uri_text.contains(&other) || uri_decoded.contains(&other));
            assert!(
                sent_itself || echoed,
                "tenant {} sees id {other} of tenant {}\n{}\nrequest: {described}\nresponse {status}: {seen}",
                TENANTS[t],
                TENANTS[1 - t],
                w.history.join("\n")
            );
        }
    }
    w.history
        .push(format!("earlier: {described}\n  -> {status}"));
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let cfg = byte(&mut u);
    let rt = runtime();
    let mut w = rt.block_on(World::new(cfg));
    w.history.push(format!("configuration byte: {cfg:#04x}"));
    for _ in 0..MAX_REQUESTS {
        if u.is_empty() {
            break;
        }
        if let Some(spec) = request(&mut u, &mut w) {
            rt.block_on(send(&mut w, spec));
        }
    }
});
