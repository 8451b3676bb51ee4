//! A normative walk of RFC 7644 §3.1–§4 (and the protocol parts of RFC 7643) over
//! `ScimService::handle`, kept as a regression guard. Every row names the section whose
//! MUST / SHALL / SHOULD it checks.
//!
//! Each row runs against a fresh service holding the same fixture (three users, two
//! groups; see [`Fixture`]), so rows are independent. Paths, headers and bodies may use
//! `{name}` placeholders for fixture values (`{alice}`, `{staff_etag}`, ...).
//!
//! Points asserted elsewhere are not repeated here: 201/`Location`/`ETag` on create and
//! read-only input (`service_users.rs`), 409 `uniqueness` (`service_errors.rs`,
//! `service_idp_walk.rs`), `startIndex`/`count` basics and non-integers
//! (`service_users.rs`, `service_limits.rs`), `gt` on a boolean, unknown operators and
//! malformed filters (`service_errors.rs`), `If-Match` on PUT/DELETE and `If-None-Match`
//! with the current tag (`service_users.rs`), `/Bulk` and `/Me` 501, 405 with `Allow`,
//! 415, 413, 401 with `WWW-Authenticate` (`service_errors.rs`), discovery basics and the
//! 403 for filters on `/Schemas` and `/ResourceTypes` (`service_discovery.rs`,
//! `service_errors.rs`), projections on POST/PUT/PATCH answers for users
//! (`service_idp_walk.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use std::collections::BTreeMap;

use http::Method;
use scimitar::schema::{AttributeDef, AttributeType, Mutability, Returned};
use scimitar::{PatchResponse, Policy, ResourceKind, TenantId};
use serde_json::{json, Value};
use service_support::*;

/// A custom extension registered by [`Setup::Custom`].
const ACME: &str = "urn:example:scim:schemas:extension:acme:2.0:User";

/// How the service of a row is configured.
#[derive(Clone, Copy, PartialEq)]
enum Setup {
    /// The defaults (user PATCH answers 200, group PATCH 204).
    Default,
    /// User PATCH configured to answer 204.
    UserPatch204,
    /// A cap on group members (`Policy::max_members`), so group PATCHes load the members.
    MembersCap,
    /// Tenant A has the [`ACME`] extension (`onRequest` returned on request, `always`
    /// always returned, `badge` immutable) and user `{dave}` holds values for all three.
    Custom,
}

/// How a request body is wrapped before it is sent.
#[derive(Clone, Copy)]
enum Wrap {
    /// As written.
    Raw,
    /// A JSON array of operations, sent as a `PatchOp` message.
    PatchOp,
    /// A JSON object of parameters, sent as a `SearchRequest` message.
    Search,
}

#[derive(Clone, Copy)]
struct Req {
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    wrap: Wrap,
    /// As a `before` request: may fail (its answer is not checked).
    may_fail: bool,
}

const fn req(method: &'static str, path: &'static str) -> Req {
    Req {
        method,
        path,
        headers: &[],
        body: b"",
        wrap: Wrap::Raw,
        may_fail: false,
    }
}
const fn get(path: &'static str) -> Req {
    req("GET", path)
}
const fn delete(path: &'static str) -> Req {
    req("DELETE", path)
}
const fn post(path: &'static str, body: &'static str) -> Req {
    req("POST", path).body(body)
}
const fn put(path: &'static str, body: &'static str) -> Req {
    req("PUT", path).body(body)
}
/// A PATCH whose body is the `Operations` array.
const fn patch(path: &'static str, ops: &'static str) -> Req {
    let mut r = req("PATCH", path).body(ops);
    r.wrap = Wrap::PatchOp;
    r
}
/// A POST `.search` whose body holds the parameters (the `schemas` member is added).
const fn search(path: &'static str, params: &'static str) -> Req {
    let mut r = req("POST", path).body(params);
    r.wrap = Wrap::Search;
    r
}

impl Req {
    const fn body(mut self, body: &'static str) -> Req {
        self.body = body.as_bytes();
        self
    }
    const fn bytes(mut self, body: &'static [u8]) -> Req {
        self.body = body;
        self
    }
    const fn may_fail(mut self) -> Req {
        self.may_fail = true;
        self
    }
    const fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Req {
        self.headers = headers;
        self
    }
}

/// An assertion on the answer. Pointers are RFC 6901 JSON pointers into the body;
/// expected values are JSON text, placeholders allowed.
enum Check {
    Eq(&'static str, &'static str),
    Absent(&'static str),
    Present(&'static str),
    Len(&'static str, usize),
    /// The header's exact value, or that it is absent.
    Header(&'static str, Option<&'static str>),
    /// The `id`s of `Resources`, in order.
    Ids(&'static [&'static str]),
    /// The error `detail` contains this text.
    Detail(&'static str),
    /// The body is empty.
    NoBody,
}
use Check::*;

struct Case {
    sec: &'static str,
    what: &'static str,
    setup: Setup,
    /// Requests sent first; each must succeed (status below 400).
    before: &'static [Req],
    req: Req,
    status: u16,
    /// For error answers: the `scimType` (or that there is none).
    scim_type: Option<&'static str>,
    checks: &'static [Check],
}

const fn case(sec: &'static str, what: &'static str, req: Req, status: u16) -> Case {
    Case {
        sec,
        what,
        setup: Setup::Default,
        before: &[],
        req,
        status,
        scim_type: None,
        checks: &[],
    }
}

impl Case {
    const fn scim(mut self, t: &'static str) -> Case {
        self.scim_type = Some(t);
        self
    }
    const fn checks(mut self, c: &'static [Check]) -> Case {
        self.checks = c;
        self
    }
    const fn before(mut self, b: &'static [Req]) -> Case {
        self.before = b;
        self
    }
    const fn setup(mut self, s: Setup) -> Case {
        self.setup = s;
        self
    }
}

/// The data every row starts from, and its placeholder values.
///
/// - `{alice}`: `alice@example.com`, externalId `A1`, one work email (primary).
/// - `{bob}`: `Bob@example.com`, externalId `b2`, emails `z@x.com` (home) and `a@x.com`
///   (work, primary), the enterprise extension (`employeeNumber` 7), title `Boss`.
/// - `{carol}`: `carol@example.com`, externalId `C3`, one email `m@x.com`, no `name`,
///   no `displayName`.
/// - `{staff}`: group `Staff` with alice; `{empty}`: group `Empty`, no members.
/// - `{x_etag}` is the ETag of x, `{staff_lm}` the group's `meta.lastModified`,
///   `{ALICE}` alice's id in upper case, `{base}` the base URL.
struct Fixture {
    vars: BTreeMap<String, String>,
}

impl Fixture {
    async fn new(h: &Harness, setup: Setup) -> Fixture {
        let mut vars = BTreeMap::new();
        let mut alice = user("alice@example.com");
        alice["externalId"] = json!("A1");
        let mut bob = user("Bob@example.com");
        bob["schemas"] = json!([USER_SCHEMA, ENTERPRISE]);
        bob["externalId"] = json!("b2");
        bob["displayName"] = json!("Bob");
        bob["title"] = json!("Boss");
        bob["emails"] = json!([
            {"value": "z@x.com", "type": "home"},
            {"value": "a@x.com", "type": "work", "primary": true}
        ]);
        bob[ENTERPRISE] = json!({"employeeNumber": "7"});
        let carol = json!({
            "schemas": [USER_SCHEMA],
            "userName": "carol@example.com",
            "externalId": "C3",
            "emails": [{"value": "m@x.com"}],
            "active": true
        });
        for (name, body) in [("alice", alice), ("bob", bob), ("carol", carol)] {
            let r = h.post("/Users", body).await;
            assert_eq!(r.status, 201, "fixture {name}: {}", r.body);
            vars.insert(format!("{name}_etag"), r.header("etag").unwrap().to_owned());
            vars.insert(name.to_owned(), r.id());
        }
        if setup == Setup::Custom {
            let mut dave = user("dave@example.com");
            dave["schemas"] = json!([USER_SCHEMA, ACME]);
            dave[ACME] = json!({"onRequest": "R", "always": "A", "badge": "B1"});
            let r = h.post("/Users", dave).await;
            assert_eq!(r.status, 201, "fixture dave: {}", r.body);
            vars.insert("dave".into(), r.id());
        }
        let alice = vars["alice"].clone();
        vars.insert("ALICE".into(), alice.to_uppercase());
        for (name, display, members) in
            [("staff", "Staff", vec![alice]), ("empty", "Empty", vec![])]
        {
            let members: Vec<&str> = members.iter().map(String::as_str).collect();
            let id = h.create_group(display, &members).await;
            let g = h.get(&format!("/Groups/{id}")).await;
            vars.insert(format!("{name}_etag"), g.header("etag").unwrap().to_owned());
            vars.insert(
                format!("{name}_lm"),
                g.body["meta"]["lastModified"].as_str().unwrap().to_owned(),
            );
            vars.insert(name.to_owned(), id);
        }
        vars.insert("base".into(), format!("http://{HOST}{BASE}"));
        Fixture { vars }
    }

    fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (k, v) in &self.vars {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }
}

async fn harness(setup: Setup) -> Harness {
    let h = match setup {
        Setup::UserPatch204 => {
            Harness::with(|b| b.patch_response(ResourceKind::User, PatchResponse::NoContent)).await
        }
        Setup::MembersCap => {
            Harness::with(|b| b.policy(Policy::default().max_members(Some(100)))).await
        }
        _ => Harness::new().await,
    };
    if setup == Setup::Custom {
        let tenant = TenantId::new("tenant-a");
        for attr in [
            AttributeDef::new("onRequest", AttributeType::String).returned(Returned::Request),
            AttributeDef::new("always", AttributeType::String).returned(Returned::Always),
            AttributeDef::new("badge", AttributeType::String).mutability(Mutability::Immutable),
        ] {
            h.svc
                .schema_registry()
                .add_user_attribute(&tenant, ACME, "AcmeUser", attr)
                .unwrap();
        }
    }
    h
}

async fn send(h: &Harness, fx: &Fixture, r: &Req) -> Resp {
    let path = fx.fill(r.path);
    let auth = format!("Bearer {}", h.token_a);
    let filled: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), fx.fill(v)))
        .collect();
    let mut headers: Vec<(&str, &str)> = vec![("authorization", auth.as_str())];
    headers.extend(filled.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let body: Vec<u8> = match std::str::from_utf8(r.body) {
        Ok(text) if !text.is_empty() => {
            let text = fx.fill(text);
            match r.wrap {
                Wrap::Raw => text.into_bytes(),
                Wrap::PatchOp => {
                    let ops: Value = serde_json::from_str(&text).expect("PATCH ops are JSON");
                    serde_json::to_vec(&patch_op(ops)).unwrap()
                }
                Wrap::Search => {
                    let params: Value = serde_json::from_str(&text).expect("search is JSON");
                    serde_json::to_vec(&service_support::search(params)).unwrap()
                }
            }
        }
        _ => r.body.to_vec(),
    };
    if !body.is_empty() && !r.headers.iter().any(|(k, _)| *k == "content-type") {
        headers.push(("content-type", "application/scim+json"));
    }
    let method = Method::from_bytes(r.method.as_bytes()).unwrap();
    h.raw(method, &path, &headers, body).await
}

/// What is wrong with the answer to `c`, if anything.
fn verify(c: &Case, fx: &Fixture, r: &Resp) -> Vec<String> {
    let mut errs = Vec::new();
    if r.status != c.status {
        errs.push(format!("status {} (expected {})", r.status, c.status));
    }
    if c.status >= 400 {
        if r.body["schemas"] != json!([ERROR]) || r.body["status"] != json!(c.status.to_string()) {
            errs.push("not an RFC 7644 §3.12 error body with a string status".into());
        }
        if r.body.get("scimType").and_then(Value::as_str) != c.scim_type {
            errs.push(format!(
                "scimType {:?} (expected {:?})",
                r.body.get("scimType"),
                c.scim_type
            ));
        }
    }
    for check in c.checks {
        let at = |p: &str| r.body.pointer(p);
        let bad = match check {
            Eq(p, want) => {
                let want: Value = serde_json::from_str(&fx.fill(want)).expect("expected JSON");
                (at(p) != Some(&want)).then(|| format!("{p} is {:?}, expected {want}", at(p)))
            }
            Absent(p) => at(p).map(|v| format!("{p} is present: {v}")),
            Present(p) => at(p).is_none().then(|| format!("{p} is absent")),
            Len(p, n) => {
                let len = at(p).and_then(Value::as_array).map(Vec::len);
                (len != Some(*n)).then(|| format!("{p} has {len:?} items, expected {n}"))
            }
            Header(name, want) => {
                let want = want.map(|w| fx.fill(w));
                (r.header(name) != want.as_deref())
                    .then(|| format!("header {name} is {:?}, expected {want:?}", r.header(name)))
            }
            Ids(names) => {
                let got: Vec<String> = r.body["Resources"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|x| x["id"].as_str().unwrap_or_default().to_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                let want: Vec<String> = names.iter().map(|n| fx.fill(n)).collect();
                (got != want).then(|| format!("Resources ids {got:?}, expected {want:?}"))
            }
            Detail(text) => {
                let d = r.body["detail"].as_str().unwrap_or_default();
                (!d.contains(text)).then(|| format!("detail {d:?} does not mention {text:?}"))
            }
            NoBody => (!r.raw.is_empty()).then(|| "body is not empty".to_owned()),
        };
        errs.extend(bad);
    }
    errs
}

async fn run(table: &[Case]) {
    let mut failures = Vec::new();
    for c in table {
        let h = harness(c.setup).await;
        let fx = Fixture::new(&h, c.setup).await;
        for (i, b) in c.before.iter().enumerate() {
            let r = send(&h, &fx, b).await;
            assert!(
                b.may_fail || r.status < 400,
                "{} {}: setup request {i} answered {}: {}",
                c.sec,
                c.what,
                r.status,
                r.body
            );
        }
        let r = send(&h, &fx, &c.req).await;
        let errs = verify(c, &fx, &r);
        if !errs.is_empty() {
            failures.push(format!(
                "{} {} ({} {}):\n    {}\n    body: {}",
                c.sec,
                c.what,
                c.req.method,
                c.req.path,
                errs.join("\n    "),
                r.body
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// §3.3 Creating resources (and RFC 7643 §2.4, §3 on request bodies)
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const CREATE: &[Case] = &[
    case("§3.3, RFC 7643 §3", "a resource body without 'schemas' is refused",
        post("/Users", r#"{"userName": "nos@example.com"}"#), 400)
        .scim("invalidValue").checks(&[Detail("schemas")]),
    case("§3.3, RFC 7643 §3", "a User body that does not list the User schema is refused",
        post("/Users", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "userName": "g@example.com"}"#), 400)
        .scim("invalidValue"),
    case("§3.3, RFC 7643 §3", "a Group body without 'schemas' is refused",
        post("/Groups", r#"{"displayName": "No schemas"}"#), 400)
        .scim("invalidValue"),
    case("§3.3, RFC 7643 §4.1.1", "a null required attribute is missing",
        post("/Users", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": null}"#), 400)
        .scim("invalidValue").checks(&[Detail("userName")]),
    case("§3.3, RFC 7643 §2.4", "'primary' true on two values is refused",
        post("/Users", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "pp@example.com",
            "emails": [{"value": "a@example.com", "primary": true}, {"value": "b@example.com", "primary": true}]}"#), 400)
        .scim("invalidValue").checks(&[Detail("primary")]),
    case("§3.3", "client 'meta' values are ignored (readOnly)",
        post("/Users", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "meta@example.com",
            "meta": {"created": "2000-01-01T00:00:00Z", "version": "W/\"99\"", "location": "https://evil.example/x"}}"#), 201)
        .checks(&[Eq("/meta/version", r#""W/\"1\"""#), Header("etag", Some("W/\"1\""))]),
    case("§3.3.1", "the server sets meta.resourceType of a Group",
        post("/Groups", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "New",
            "meta": {"resourceType": "User"}}"#), 201)
        .checks(&[Eq("/meta/resourceType", r#""Group""#)]),
];

#[tokio::test]
async fn s3_3_create() {
    run(CREATE).await;
}

// ---------------------------------------------------------------------------------------
// §3.4.1 Retrieving a known resource, §3.4.2 queries, §3.4.2.1 query endpoints
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const RETRIEVE: &[Case] = &[
    case("§3.4.1, RFC 7643 §3.1", "'id' is case exact: the upper-cased id is not found",
        get("/Users/{ALICE}"), 404),
    case("§3.4.1", "an unknown group id is 404", get("/Groups/no-such-group"), 404),
    case("§3.4.2", "unknown query parameters are ignored",
        get("/Users?frobnicate=1&count=1"), 200)
        .checks(&[Eq("/totalResults", "3"), Eq("/itemsPerPage", "1")]),
    case("§3.4.2", "a list without 'count' returns the server's default page (all three)",
        get("/Users"), 200)
        .checks(&[Eq("/totalResults", "3"), Len("/Resources", 3), Eq("/startIndex", "1")]),
    case("§3.4.2.1", "root .search: an attribute only Users have matches no Group",
        search("/.search", r#"{"filter": "userName pr", "attributes": ["userName"]}"#), 200)
        .checks(&[Eq("/totalResults", "3"), Ids(&["{alice}", "{bob}", "{carol}"])]),
    case("§3.4.2.1", "root .search: an attribute only Groups have matches no User",
        search("/.search", r#"{"filter": "members pr"}"#), 200)
        .checks(&[Ids(&["{staff}"])]),
    case("§3.4.2.1", "root .search: meta.resourceType restricts the types",
        search("/.search", r#"{"filter": "meta.resourceType eq \"Group\"", "excludedAttributes": ["members"]}"#), 200)
        .checks(&[Ids(&["{staff}", "{empty}"]), Absent("/Resources/0/members")]),
    case("§3.4.3", "root .search pages across types with startIndex, count and excludedAttributes",
        search("/.search", r#"{"startIndex": 3, "count": 2, "excludedAttributes": ["emails", "members", "meta"]}"#), 200)
        .checks(&[Eq("/totalResults", "5"), Eq("/startIndex", "3"), Eq("/itemsPerPage", "2"),
            Ids(&["{carol}", "{staff}"]), Absent("/Resources/0/emails"), Absent("/Resources/1/members"),
            Absent("/Resources/1/meta"), Eq("/Resources/1/displayName", r#""Staff""#)]),
    case("§3.4.3", "a .search body whose 'schemas' is not SearchRequest is refused",
        post("/Users/.search", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}"#), 400)
        .scim("invalidSyntax"),
    case("§3.4.3, §3.4.2.4", ".search: negative startIndex is 1 and negative count is 0",
        search("/Users/.search", r#"{"startIndex": -4, "count": -1}"#), 200)
        .checks(&[Eq("/startIndex", "1"), Eq("/itemsPerPage", "0"), Eq("/totalResults", "3")]),
    case("§3.4.3", ".search honours sortBy and sortOrder",
        search("/Users/.search", r#"{"sortBy": "userName", "sortOrder": "descending"}"#), 200)
        .checks(&[Ids(&["{carol}", "{bob}", "{alice}"])]),
];

#[tokio::test]
async fn s3_4_retrieve_and_query() {
    run(RETRIEVE).await;
}

// ---------------------------------------------------------------------------------------
// §3.4.2.2 Filtering
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const FILTER: &[Case] = &[
    case("§3.4.2.2 Table 3", "'ge' on a boolean is invalidFilter",
        get("/Users?filter=active+ge+true"), 400).scim("invalidFilter"),
    case("§3.4.2.2 Table 3", "'lt' on a boolean is invalidFilter",
        get("/Users?filter=active+lt+false"), 400).scim("invalidFilter"),
    case("§3.4.2.2 Table 3", "'le' on a boolean sub-attribute is invalidFilter",
        get("/Users?filter=emails.primary+le+true"), 400).scim("invalidFilter"),
    case("§3.4.2.2 Table 3", "'gt' on a binary attribute is invalidFilter",
        get("/Users?filter=x509Certificates.value+gt+%22abc%22"), 400).scim("invalidFilter"),
    case("§3.12 Table 9", "'co' on a dateTime is an unsupported combination: invalidFilter",
        get("/Users?filter=meta.lastModified+co+%2220%22"), 400).scim("invalidFilter"),
    case("§3.12 Table 9", "'sw' on a dateTime is invalidFilter",
        get("/Users?filter=meta.created+sw+%222%22"), 400).scim("invalidFilter"),
    case("§3.12 Table 9", "a dateTime compared with text that is no date-time is invalidFilter",
        get("/Users?filter=meta.lastModified+gt+%22yesterday%22"), 400).scim("invalidFilter"),
    case("§3.12 Table 9", "a boolean compared with a string is invalidFilter",
        get("/Users?filter=active+eq+%22yes%22"), 400).scim("invalidFilter"),
    case("§3.4.2.2", "an unsupported operator is named in the error",
        get("/Users?filter=userName+regex+%22x%22"), 400).scim("invalidFilter").checks(&[Detail("regex")]),
    case("§3.4.2.2", "a complex attribute needs a sub-attribute for a comparison",
        get("/Users?filter=name+eq+%22x%22"), 400).scim("invalidFilter"),
    case("§3.4.2.2 Table 3", "'pr' on a complex attribute matches a non-empty node",
        get("/Users?filter=name+pr&attributes=id"), 200)
        .checks(&[Ids(&["{alice}", "{bob}"])]),
    case("§3.4.2.2 Table 3", "dateTime 'gt' compares chronologically",
        get("/Users?filter=meta.lastModified+gt+%222011-05-13T04:42:34Z%22&attributes=id"), 200)
        .checks(&[Eq("/totalResults", "3")]),
    case("§3.4.2.2", "a multi-valued attribute matches if any value matches (not only the primary)",
        get("/Users?filter=emails.value+eq+%22z@x.com%22&attributes=id"), 200)
        .checks(&[Ids(&["{bob}"])]),
    case("§3.4.2.2 Figure 2", "a complex multi-valued attribute without sub-attribute compares 'value'",
        get("/Users?filter=emails+co+%22x.com%22&attributes=id"), 200)
        .checks(&[Ids(&["{bob}", "{carol}"])]),
    case("§3.4.2.2 Table 5", "a value filter applies all its expressions to the same value",
        get("/Users?filter=emails%5Btype+eq+%22home%22+and+value+eq+%22a@x.com%22%5D&attributes=id"), 200)
        .checks(&[Eq("/totalResults", "0")]),
    case("§3.4.2.2 Figure 2", "emails[type eq \"work\" and value co \"@x.com\"]",
        get("/Users?filter=emails%5Btype+eq+%22work%22+and+value+co+%22@x.com%22%5D&attributes=id"), 200)
        .checks(&[Ids(&["{bob}"])]),
    case("§3.4.2.2 Figure 2, erratum 7319", "'not (' with a space parses",
        get("/Users?filter=userType+ne+%22Employee%22+and+not+(emails+co+%22example.com%22+or+emails.value+co+%22example.org%22)&attributes=id"), 200)
        .checks(&[Ids(&["{bob}", "{carol}"])]),
    case("§3.4.2.2 Figure 2", "a URN-qualified attribute path",
        get("/Users?filter=urn:ietf:params:scim:schemas:core:2.0:User:userName+sw+%22a%22&attributes=id"), 200)
        .checks(&[Ids(&["{alice}"])]),
    case("§3.4.2.2 Figure 2", "filter on 'schemas' finds the users with the extension",
        get("/Users?filter=schemas+eq+%22urn:ietf:params:scim:schemas:extension:enterprise:2.0:User%22&attributes=id"), 200)
        .checks(&[Ids(&["{bob}"])]),
    case("§3.4.2.2, §3.10", "an extension attribute by its full name",
        get("/Users?filter=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber+eq+%227%22&attributes=id"), 200)
        .checks(&[Ids(&["{bob}"])]),
    case("§3.4.2.2, RFC 7643 §3.1", "externalId is case exact",
        get("/Users?filter=externalId+eq+%22a1%22"), 200)
        .checks(&[Eq("/totalResults", "0")]),
    case("§3.4.2.2, RFC 7643 §3.1", "id is case exact",
        get("/Users?filter=id+eq+%22{ALICE}%22"), 200)
        .checks(&[Eq("/totalResults", "0")]),
    case("§3.4.2.2, RFC 7643 §4.1.1", "userName is not case exact",
        get("/Users?filter=userName+eq+%22BOB@EXAMPLE.COM%22&attributes=id"), 200)
        .checks(&[Ids(&["{bob}"])]),
    case("§3.4.2.2", "'pr' on an attribute nobody has is an empty 200",
        get("/Users?filter=nickName+pr"), 200)
        .checks(&[Eq("/totalResults", "0"), Eq("/Resources", "[]")]),
    case("§3.4.2.2", "a POST .search filter follows the same rules (invalidFilter)",
        search("/Users/.search", r#"{"filter": "active gt true"}"#), 400).scim("invalidFilter"),
];

#[tokio::test]
async fn s3_4_2_2_filtering() {
    run(FILTER).await;
}

// ---------------------------------------------------------------------------------------
// §3.4.2.3 Sorting, §3.4.2.4 Pagination
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const SORT_PAGE: &[Case] = &[
    case("§3.4.2.3", "a multi-valued attribute sorts by its primary value, else the first",
        get("/Users?sortBy=emails&attributes=id"), 200)
        // bob's primary a@x.com < alice@example.com < carol's only m@x.com; bob's first
        // value (z@x.com) would sort him last.
        .checks(&[Ids(&["{bob}", "{alice}", "{carol}"])]),
    case("§3.4.2.3", "resources without a value sort last when ascending",
        get("/Users?sortBy=name.givenName&attributes=id"), 200)
        .checks(&[Ids(&["{alice}", "{bob}", "{carol}"])]),
    case("§3.4.2.3", "resources without a value sort first when descending",
        get("/Users?sortBy=name.givenName&sortOrder=descending&attributes=id"), 200)
        .checks(&[Ids(&["{carol}", "{alice}", "{bob}"])]),
    case("§3.4.2.3", "caseExact false strings sort case-insensitively",
        get("/Users?sortBy=userName&attributes=id"), 200)
        .checks(&[Ids(&["{alice}", "{bob}", "{carol}"])]),
    case("§3.4.2.3", "caseExact strings sort case-sensitively (A1 < C3 < b2)",
        get("/Users?sortBy=externalId&attributes=id"), 200)
        .checks(&[Ids(&["{alice}", "{carol}", "{bob}"])]),
    case("§3.4.2.3", "sortOrder defaults to ascending",
        get("/Users?sortBy=externalId&sortOrder=&attributes=id"), 200)
        .checks(&[Ids(&["{alice}", "{carol}", "{bob}"])]),
    case("§3.4.2.3", "sortOrder without sortBy changes nothing",
        get("/Users?sortOrder=descending&attributes=id"), 200)
        .checks(&[Ids(&["{alice}", "{bob}", "{carol}"])]),
    case("§3.4.2.3", "sortBy a dateTime orders chronologically",
        get("/Users?sortBy=meta.created&sortOrder=descending&attributes=id"), 200)
        .checks(&[Ids(&["{carol}", "{bob}", "{alice}"])]),
    case("§3.4.2.3", "sortBy on /Groups",
        get("/Groups?sortBy=displayName&attributes=id"), 200)
        .checks(&[Ids(&["{empty}", "{staff}"])]),
    case("§3.4.2.4 Table 6", "a negative startIndex is 1",
        get("/Users?startIndex=-5&count=1&attributes=id"), 200)
        .checks(&[Eq("/startIndex", "1"), Ids(&["{alice}"])]),
    case("§3.4.2.4 Table 6", "count is never exceeded",
        get("/Users?startIndex=2&count=1&attributes=id"), 200)
        .checks(&[Eq("/totalResults", "3"), Eq("/itemsPerPage", "1"), Ids(&["{bob}"])]),
    case("§3.4.2.4 Table 6", "a count larger than any integer is capped, not an error",
        get("/Users?count=99999999999999999999999&attributes=id"), 200)
        .checks(&[Eq("/itemsPerPage", "3")]),
    case("§3.4.2.4, §3.12 Table 9", "a fractional count is invalidValue",
        get("/Users?count=1.0"), 400).scim("invalidValue"),
];

#[tokio::test]
async fn s3_4_2_3_sorting_and_paging() {
    run(SORT_PAGE).await;
}

// ---------------------------------------------------------------------------------------
// §3.4.2.5 / §3.9 attributes and excludedAttributes, RFC 7643 §2.2 'returned'
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const PROJECTION: &[Case] = &[
    case("§3.9, RFC 7643 §3.1", "excludedAttributes cannot remove 'id' (returned always)",
        get("/Users/{alice}?excludedAttributes=id,userName"), 200)
        .checks(&[Eq("/id", r#""{alice}""#), Absent("/userName"), Present("/schemas")]),
    case("§3.9, RFC 7643 §4.1.1", "a never-returned attribute stays out even when asked for",
        get("/Users/{alice}?attributes=password"), 200)
        .checks(&[Absent("/password"), Eq("/id", r#""{alice}""#)]),
    case("§3.9", "attributes with a sub-attribute returns only it, plus the minimum set",
        get("/Users/{alice}?attributes=name.givenName"), 200)
        .checks(&[Eq("/name", r#"{"givenName": "Barbara"}"#), Absent("/userName"), Absent("/meta"),
            Eq("/id", r#""{alice}""#)]),
    case("§3.9", "a multi-valued sub-attribute keeps only that sub-attribute of each value",
        get("/Users/{bob}?attributes=emails.value"), 200)
        .checks(&[Eq("/emails", r#"[{"value": "z@x.com"}, {"value": "a@x.com"}]"#)]),
    case("§3.10", "attribute names in 'attributes' are case-insensitive, URN included",
        get("/Users/{alice}?attributes=URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME"), 200)
        .checks(&[Eq("/userName", r#""alice@example.com""#), Absent("/emails")]),
    case("§3.9", "an extension URN in 'attributes' returns the whole extension",
        get("/Users/{bob}?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), 200)
        .checks(&[Eq("/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", r#"{"employeeNumber": "7"}"#),
            Absent("/userName")]),
    case("§3.9", "excludedAttributes removes a whole extension",
        get("/Users/{bob}?excludedAttributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), 200)
        .checks(&[Absent("/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), Present("/userName")]),
    case("§3.9", "projection applies to each resource of a list",
        get("/Users?attributes=userName"), 200)
        .checks(&[Absent("/Resources/1/emails"), Eq("/Resources/1/userName", r#""Bob@example.com""#),
            Present("/Resources/1/id")]),
    case("§3.9", "a group PUT answer honours 'attributes'",
        put("/Groups/{staff}?attributes=displayName",
            r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Staff2", "members": [{"value": "{bob}"}]}"#), 200)
        .checks(&[Eq("/displayName", r#""Staff2""#), Absent("/members"), Eq("/id", r#""{staff}""#)]),
    case("RFC 7643 §2.2", "returned 'request' is left out by default",
        get("/Users/{dave}"), 200).setup(Setup::Custom)
        .checks(&[Absent("/urn:example:scim:schemas:extension:acme:2.0:User/onRequest"),
            Eq("/urn:example:scim:schemas:extension:acme:2.0:User/badge", r#""B1""#)]),
    case("RFC 7643 §2.2", "returned 'request' is returned when named",
        get("/Users/{dave}?attributes=urn:example:scim:schemas:extension:acme:2.0:User:onRequest"), 200)
        .setup(Setup::Custom)
        .checks(&[Eq("/urn:example:scim:schemas:extension:acme:2.0:User/onRequest", r#""R""#), Absent("/userName")]),
    case("RFC 7643 §2.2, §3.9", "returned 'always' survives 'attributes' and 'excludedAttributes'",
        get("/Users/{dave}?attributes=userName&excludedAttributes=urn:example:scim:schemas:extension:acme:2.0:User:always"), 200)
        .setup(Setup::Custom)
        .checks(&[Eq("/urn:example:scim:schemas:extension:acme:2.0:User/always", r#""A""#),
            Eq("/userName", r#""dave@example.com""#)]),
    case("§3.9", "a malformed 'attributes' on a POST is invalidValue",
        post("/Users?attributes=emails%5Btype", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new@example.com"}"#), 400)
        .scim("invalidValue"),
    case("§3.9, §3.12", "... and nothing was created",
        get("/Users?filter=userName+eq+%22new@example.com%22"), 200)
        .before(&[post("/Users?attributes=emails%5Btype", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new@example.com"}"#).may_fail()])
        .checks(&[Eq("/totalResults", "0")]),
    case("§3.9, §3.5.1", "a malformed 'excludedAttributes' on a PUT replaces nothing",
        get("/Users/{alice}"), 200)
        .before(&[put("/Users/{alice}?excludedAttributes=a%20b", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice@example.com"}"#).may_fail()])
        .checks(&[Header("etag", Some("{alice_etag}")), Present("/emails")]),
    case("§3.9, §3.5.2", "a malformed 'attributes' on a PATCH changes nothing",
        get("/Users/{alice}"), 200)
        .before(&[patch("/Users/{alice}?attributes=emails%5Btype", r#"[{"op": "replace", "path": "title", "value": "x"}]"#).may_fail()])
        .checks(&[Header("etag", Some("{alice_etag}")), Absent("/title")]),
    case("§3.9, §3.5.2", "a malformed 'attributes' on a group PATCH is 400 and changes nothing",
        patch("/Groups/{staff}?attributes=members%5B", r#"[{"op": "replace", "path": "displayName", "value": "x"}]"#), 400)
        .scim("invalidValue"),
    case("§3.9, §3.5.2", "... as a read-back shows",
        get("/Groups/{staff}"), 200)
        .before(&[patch("/Groups/{staff}?attributes=members%5B", r#"[{"op": "replace", "path": "displayName", "value": "x"}]"#).may_fail()])
        .checks(&[Header("etag", Some("{staff_etag}")), Eq("/displayName", r#""Staff""#)]),
    case("§3.9", "a malformed 'attributes' on a group POST creates nothing",
        get("/Groups?filter=displayName+eq+%22Fresh%22"), 200)
        .before(&[post("/Groups?attributes=a%20b", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Fresh"}"#).may_fail()])
        .checks(&[Eq("/totalResults", "0")]),
    case("§3.9", "a malformed attribute path is invalidValue",
        get("/Users/{alice}?attributes=emails%5Btype"), 400).scim("invalidValue"),
];

#[tokio::test]
async fn s3_9_projection() {
    run(PROJECTION).await;
}

// ---------------------------------------------------------------------------------------
// §3.5.1 PUT
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const PUT: &[Case] = &[
    case("§3.5.1", "readOnly 'id' and 'meta' in a PUT body are ignored",
        put("/Users/{alice}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "other",
            "userName": "alice@example.com", "meta": {"created": "2000-01-01T00:00:00Z", "version": "W/\"77\""}}"#), 200)
        .checks(&[Eq("/id", r#""{alice}""#), Eq("/meta/version", r#""W/\"2\"""#)]),
    case("§3.5.1", "readWrite attributes a PUT omits are cleared (the RFC allows it)",
        put("/Users/{bob}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Bob@example.com"}"#), 200)
        .checks(&[Absent("/title"), Absent("/emails"),
            Absent("/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            Eq("/schemas", r#"["urn:ietf:params:scim:schemas:core:2.0:User"]"#)]),
    case("§3.5.1", "a PUT without the required userName is refused",
        put("/Users/{alice}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "x"}"#), 400)
        .scim("invalidValue"),
    case("§3.5.1, RFC 7643 §3", "a PUT body without 'schemas' is refused",
        put("/Users/{alice}", r#"{"userName": "alice@example.com"}"#), 400).scim("invalidValue"),
    case("§3.5.1", "changing an immutable attribute that has a value is 400 mutability",
        put("/Users/{dave}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:scim:schemas:extension:acme:2.0:User"],
            "userName": "dave@example.com", "urn:example:scim:schemas:extension:acme:2.0:User": {"badge": "B2"}}"#), 400)
        .setup(Setup::Custom).scim("mutability"),
    case("§3.5.1", "repeating an immutable attribute's value is fine",
        put("/Users/{dave}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:scim:schemas:extension:acme:2.0:User"],
            "userName": "dave@example.com", "urn:example:scim:schemas:extension:acme:2.0:User": {"badge": "B1"}}"#), 200)
        .setup(Setup::Custom),
    case("§3.5.1", "a group PUT without members empties the group",
        put("/Groups/{staff}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Staff"}"#), 200)
        .checks(&[Absent("/members")]),
];

#[tokio::test]
async fn s3_5_1_put() {
    run(PUT).await;
}

// ---------------------------------------------------------------------------------------
// §3.5.2 PATCH
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const PATCH: &[Case] = &[
    case("§3.5.2", "a PATCH body without 'schemas' is refused",
        req("PATCH", "/Users/{alice}").body(r#"{"Operations": [{"op": "replace", "path": "title", "value": "x"}]}"#), 400)
        .scim("invalidSyntax"),
    case("§3.5.2", "'Operations' must hold at least one operation",
        patch("/Users/{alice}", "[]"), 400).scim("invalidSyntax"),
    case("§3.5.2.2", "'remove' without 'path' is noTarget",
        patch("/Users/{alice}", r#"[{"op": "remove"}]"#), 400).scim("noTarget"),
    case("§3.5.2.2", "removing a required attribute is mutability",
        patch("/Users/{alice}", r#"[{"op": "remove", "path": "userName"}]"#), 400).scim("mutability"),
    case("§3.5.2.2, erratum 5368", "removing a group's displayName is mutability",
        patch("/Groups/{staff}", r#"[{"op": "remove", "path": "displayName"}]"#), 400).scim("mutability"),
    case("§3.5.2", "replacing readOnly 'id' is mutability",
        patch("/Users/{alice}", r#"[{"op": "replace", "path": "id", "value": "mine"}]"#), 400).scim("mutability"),
    case("§3.5.2", "adding to readOnly 'groups' is mutability",
        patch("/Users/{alice}", r#"[{"op": "add", "path": "groups", "value": [{"value": "{empty}"}]}]"#), 400)
        .scim("mutability"),
    case("§3.5.2", "replacing an immutable attribute that has a value is mutability",
        patch("/Users/{dave}", r#"[{"op": "replace", "path": "urn:example:scim:schemas:extension:acme:2.0:User:badge", "value": "B9"}]"#), 400)
        .setup(Setup::Custom).scim("mutability"),
    case("§3.5.2, Table 9", "a path naming no attribute is invalidPath",
        patch("/Users/{alice}", r#"[{"op": "replace", "path": "nosuch", "value": "x"}]"#), 400).scim("invalidPath"),
    case("§3.5.2, Figure 7", "a malformed path is invalidPath",
        patch("/Users/{alice}", r#"[{"op": "replace", "path": "name..givenName", "value": "x"}]"#), 400)
        .scim("invalidPath"),
    case("§3.5.2, Table 9", "a value of the wrong type is invalidValue",
        patch("/Users/{alice}", r#"[{"op": "replace", "path": "active", "value": "maybe"}]"#), 400)
        .scim("invalidValue"),
    case("§3.5.2.1", "'add' needs a 'value'",
        patch("/Users/{alice}", r#"[{"op": "add", "path": "title"}]"#), 400).scim("invalidValue"),
    case("§3.5.2", "setting primary on one value clears it on the others",
        patch("/Users/{bob}", r#"[{"op": "replace", "path": "emails[value eq \"z@x.com\"].primary", "value": true}]"#), 200)
        .checks(&[Eq("/emails/0/primary", "true"), Eq("/emails/1/primary", "false")]),
    case("§3.5.2", "adding a primary value clears primary on the others",
        patch("/Users/{bob}", r#"[{"op": "add", "path": "emails", "value": [{"value": "n@x.com", "primary": true}]}]"#), 200)
        .checks(&[Eq("/emails/1/primary", "false"), Eq("/emails/2/primary", "true")]),
    case("§3.5.2", "adding a URN-qualified extension attribute adds the URN to 'schemas'",
        patch("/Users/{alice}", r#"[{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "42"}]"#), 200)
        .checks(&[Eq("/schemas", r#"["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]"#),
            Eq("/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/employeeNumber", r#""42""#)]),
    case("§3.5.2", "removing the last extension attribute drops the URN from 'schemas'",
        patch("/Users/{bob}", r#"[{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}]"#), 200)
        .checks(&[Eq("/schemas", r#"["urn:ietf:params:scim:schemas:core:2.0:User"]"#)]),
    case("§3.5.2", "operations apply in order, each on the result of the previous",
        patch("/Users/{alice}", r#"[{"op": "add", "path": "title", "value": "a"}, {"op": "replace", "path": "title", "value": "b"}]"#), 200)
        .checks(&[Eq("/title", r#""b""#)]),
    case("§3.5.2", "a failing operation leaves the resource as it was",
        patch("/Users/{bob}", r#"[{"op": "replace", "path": "title", "value": "changed"}, {"op": "remove", "path": "userName"}]"#), 400)
        .scim("mutability"),
    case("§3.5.2", "... as a read-back shows",
        get("/Users/{bob}"), 200)
        .before(&[patch("/Users/{bob}", r#"[{"op": "replace", "path": "title", "value": "changed"}, {"op": "remove", "path": "userName"}]"#)
            .may_fail()])
        .checks(&[Eq("/title", r#""Boss""#)]),
    case("§3.5.2.1", "adding a value a user already has changes neither version nor lastModified",
        patch("/Users/{alice}", r#"[{"op": "add", "path": "userName", "value": "alice@example.com"}]"#), 200)
        .checks(&[Header("etag", Some("{alice_etag}")), Eq("/meta/version", r#""W/\"1\"""#)]),
    case("§3.5.2", "a PATCH may answer 204 with the new ETag and no body",
        patch("/Users/{alice}", r#"[{"op": "replace", "path": "title", "value": "x"}]"#), 204)
        .setup(Setup::UserPatch204).checks(&[NoBody, Header("etag", Some("W/\"2\""))]),
    case("§3.5.2", "with 'attributes' a PATCH MUST answer 200, even when configured for 204",
        patch("/Users/{alice}?attributes=title", r#"[{"op": "replace", "path": "title", "value": "x"}]"#), 200)
        .setup(Setup::UserPatch204)
        .checks(&[Eq("/title", r#""x""#), Absent("/userName"), Eq("/id", r#""{alice}""#)]),
    case("§3.5.2", "with 'attributes' a group PATCH answers 200 with the projected group",
        patch("/Groups/{staff}?attributes=displayName", r#"[{"op": "replace", "path": "displayName", "value": "Crew"}]"#), 200)
        .checks(&[Eq("/displayName", r#""Crew""#), Absent("/members"), Header("etag", Some("W/\"2\""))]),
    case("§3.5.2, §3.9", "with 'excludedAttributes' a group PATCH answers 200 too",
        patch("/Groups/{staff}?excludedAttributes=members", r#"[{"op": "add", "path": "members", "value": [{"value": "{bob}"}]}]"#), 200)
        .checks(&[Absent("/members"), Eq("/displayName", r#""Staff""#)]),
    case("§3.5.2", "without them a group PATCH answers 204 (the default)",
        patch("/Groups/{staff}", r#"[{"op": "add", "path": "members", "value": [{"value": "{bob}"}]}]"#), 204)
        .checks(&[NoBody, Header("etag", Some("W/\"2\""))]),
    case("§3.5.2", "removing an attribute the user does not have changes nothing",
        patch("/Users/{alice}", r#"[{"op": "remove", "path": "nickName"}]"#), 200)
        .checks(&[Header("etag", Some("{alice_etag}"))]),
    case("§3.5.2.1", "adding a member a group already has changes nothing (same ETag)",
        patch("/Groups/{staff}", r#"[{"op": "add", "path": "members", "value": [{"value": "{alice}"}]}]"#), 204)
        .checks(&[Header("etag", Some("{staff_etag}"))]),
    case("§3.5.2.1", "... nor the modify timestamp",
        get("/Groups/{staff}"), 200)
        .before(&[patch("/Groups/{staff}", r#"[{"op": "add", "path": "members", "value": [{"value": "{alice}"}]}]"#)])
        .checks(&[Header("etag", Some("{staff_etag}")), Eq("/meta/lastModified", r#""{staff_lm}""#)]),
    case("§3.5.2.3", "replacing a group's displayName with its own value changes nothing",
        get("/Groups/{staff}"), 200)
        .before(&[patch("/Groups/{staff}", r#"[{"op": "replace", "path": "displayName", "value": "Staff"}]"#)])
        .checks(&[Header("etag", Some("{staff_etag}")), Eq("/meta/lastModified", r#""{staff_lm}""#)]),
    case("§3.5.2.3", "Okta's rename carrying the group's id and the same name changes nothing",
        get("/Groups/{staff}"), 200)
        .before(&[patch("/Groups/{staff}", r#"[{"op": "replace", "value": {"id": "{staff}", "displayName": "Staff"}},
            {"op": "add", "path": "members", "value": [{"value": "{alice}", "display": "alice@example.com"}]}]"#)])
        .checks(&[Header("etag", Some("{staff_etag}"))]),
    case("§3.5.2.2", "with the members loaded (a member cap), removing a non-member changes nothing",
        get("/Groups/{staff}"), 200)
        .setup(Setup::MembersCap)
        .before(&[patch("/Groups/{staff}", r#"[{"op": "remove", "path": "members[value eq \"{bob}\"]"},
            {"op": "add", "path": "members", "value": [{"value": "{alice}"}]}]"#)])
        .checks(&[Header("etag", Some("{staff_etag}")), Eq("/meta/lastModified", r#""{staff_lm}""#)]),
    case("§3.5.2", "with the members loaded, a real removal is still written",
        get("/Groups/{staff}"), 200)
        .setup(Setup::MembersCap)
        .before(&[patch("/Groups/{staff}", r#"[{"op": "remove", "path": "members[value eq \"{alice}\"]"}]"#)])
        .checks(&[Header("etag", Some("W/\"2\"")), Absent("/members")]),
    case("§3.5.2", "without them, a real removal is written",
        get("/Groups/{staff}"), 200)
        .before(&[patch("/Groups/{staff}", r#"[{"op": "remove", "path": "members[value eq \"{alice}\"]"}]"#)])
        .checks(&[Header("etag", Some("W/\"2\"")), Absent("/members")]),
    case("§3.5.2", "a group PATCH that changes only its members bumps the version once",
        get("/Groups/{staff}"), 200)
        .before(&[patch("/Groups/{staff}", r#"[{"op": "add", "path": "members", "value": [{"value": "{alice}"}, {"value": "{bob}"}]},
            {"op": "remove", "path": "members[value eq \"{carol}\"]"}]"#)])
        .checks(&[Header("etag", Some("W/\"2\"")), Len("/members", 2)]),
    case("§3.5.2", "PATCH of an unknown id is 404",
        patch("/Users/nobody", r#"[{"op": "add", "path": "title", "value": "x"}]"#), 404),
];

#[tokio::test]
async fn s3_5_2_patch() {
    run(PATCH).await;
}

// ---------------------------------------------------------------------------------------
// §3.6 DELETE
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const DELETE: &[Case] = &[
    case("§3.6", "every operation on a deleted resource is 404: PATCH",
        patch("/Users/{carol}", r#"[{"op": "add", "path": "title", "value": "x"}]"#), 404)
        .before(&[delete("/Users/{carol}")]),
    case("§3.6", "a deleted resource is no conflict: its userName can be created again",
        post("/Users", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "CAROL@example.com"}"#), 201)
        .before(&[delete("/Users/{carol}")]),
    case("§3.6", "a deleted group's displayName can be used again",
        post("/Groups", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Staff"}"#), 201)
        .before(&[delete("/Groups/{staff}")]),
    case("§3.6", "a deleted user is omitted from root .search",
        search("/.search", r#"{"attributes": ["id"]}"#), 200)
        .before(&[delete("/Users/{bob}")])
        .checks(&[Eq("/totalResults", "4"), Ids(&["{alice}", "{carol}", "{staff}", "{empty}"])]),
    case("§3.6", "a deleted member leaves member filters",
        get("/Groups?filter=members.value+eq+%22{alice}%22"), 200)
        .before(&[delete("/Users/{alice}")])
        .checks(&[Eq("/totalResults", "0")]),
];

#[tokio::test]
async fn s3_6_delete() {
    run(DELETE).await;
}

// ---------------------------------------------------------------------------------------
// §3.8 formats, §3.12 errors, §3.13 versions
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const FORMATS_ERRORS: &[Case] = &[
    case("§3.8", "'Accept: application/scim+json' is served as application/scim+json",
        get("/Users/{alice}").headers(&[("accept", "application/scim+json")]), 200)
        .checks(&[Header("content-type", Some("application/scim+json"))]),
    case("§3.8", "'Accept: application/json' is served (JSON, as application/scim+json)",
        get("/Users/{alice}").headers(&[("accept", "application/json")]), 200)
        .checks(&[Header("content-type", Some("application/scim+json"))]),
    case("§3.8", "a body that is not UTF-8 is invalidSyntax",
        req("POST", "/Users").bytes(b"{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"\xff\xfe\"}"), 400)
        .scim("invalidSyntax"),
    case("§3.12 Table 8", "an unknown endpoint is 404 for a POST too",
        post("/Widgets", "{}"), 404),
    case("§3.12 Table 8", "a known method an endpoint lacks is 405 with Allow",
        patch("/Users", r#"[{"op": "add", "path": "title", "value": "x"}]"#), 405)
        .checks(&[Header("allow", Some("GET, POST"))]),
    case("§3.12 Table 8, RFC 7231 §4.1", "a method the service implements nowhere is 501",
        req("FROB", "/Users"), 501),
    case("§3.12 Table 8, RFC 7231 §4.1", "HEAD is implemented nowhere either: 501",
        req("HEAD", "/Users/{alice}"), 501),
    case("§3.12 Table 8", "an unknown id is 404 for DELETE",
        delete("/Groups/no-such-group"), 404),
    case("§3.13", "another protocol version than the base path's is not served",
        get("/scim/v1/Users"), 404),
    case("§3.2", "'/.search' on a single resource is not an endpoint",
        search("/Users/{alice}/.search", "{}"), 404),
];

#[tokio::test]
async fn s3_8_to_3_13_formats_and_errors() {
    run(FORMATS_ERRORS).await;
}

// ---------------------------------------------------------------------------------------
// §3.14 Versioning (RFC 7232 preconditions)
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const VERSIONS: &[Case] = &[
    case("§3.14, RFC 7232 §3.2", "If-None-Match: * on an existing resource is 304",
        get("/Users/{alice}").headers(&[("if-none-match", "*")]), 304)
        .checks(&[NoBody, Header("etag", Some("{alice_etag}"))]),
    case("§3.14, RFC 7232 §3.2", "If-None-Match with a list holding the current tag is 304",
        get("/Users/{alice}").headers(&[("if-none-match", "W/\"77\", {alice_etag}")]), 304),
    case("§3.14, RFC 7232 §2.3.2", "If-None-Match compares weakly (the tag without W/)",
        get("/Users/{alice}").headers(&[("if-none-match", "\"1\"")]), 304),
    case("§3.14", "If-None-Match on a group is 304 when unchanged",
        get("/Groups/{staff}").headers(&[("if-none-match", "{staff_etag}")]), 304),
    case("§3.14", "If-None-Match with another version answers the resource",
        get("/Groups/{staff}?excludedAttributes=members").headers(&[("if-none-match", "W/\"77\"")]), 200)
        .checks(&[Absent("/members")]),
    case("§3.14, RFC 7232 §3.1", "If-Match with a list holding the current tag applies the PATCH",
        patch("/Users/{alice}", r#"[{"op": "replace", "path": "title", "value": "x"}]"#)
            .headers(&[("if-match", "W/\"77\", {alice_etag}")]), 200)
        .checks(&[Eq("/title", r#""x""#), Header("etag", Some("W/\"2\""))]),
    case("§3.14", "a stale If-Match on a group PATCH is 412",
        patch("/Groups/{staff}", r#"[{"op": "replace", "path": "displayName", "value": "x"}]"#)
            .headers(&[("if-match", "W/\"77\"")]), 412),
    case("§3.14, RFC 7232 §3.2", "If-None-Match: * on a PUT of an existing user is 412",
        put("/Users/{alice}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice@example.com"}"#)
            .headers(&[("if-none-match", "*")]), 412),
    case("§3.14, RFC 7232 §3.2", "If-None-Match with the current tag on a PATCH is 412",
        patch("/Users/{alice}", r#"[{"op": "replace", "path": "title", "value": "x"}]"#)
            .headers(&[("if-none-match", "{alice_etag}")]), 412),
    case("§3.14, RFC 7232 §3.2", "... and the PATCH is not performed",
        get("/Users/{alice}"), 200)
        .before(&[patch("/Users/{alice}", r#"[{"op": "replace", "path": "title", "value": "x"}]"#)
            .headers(&[("if-none-match", "{alice_etag}")]).may_fail()])
        .checks(&[Absent("/title"), Header("etag", Some("{alice_etag}"))]),
    case("§3.14, RFC 7232 §3.2", "If-None-Match: * on a DELETE is 412",
        delete("/Users/{carol}").headers(&[("if-none-match", "*")]), 412),
    case("§3.14, RFC 7232 §3.2", "If-None-Match on a group PUT is 412",
        put("/Groups/{staff}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "S"}"#)
            .headers(&[("if-none-match", "{staff_etag}")]), 412),
    case("§3.14, RFC 7232 §3.2", "If-None-Match on a group PATCH is 412",
        patch("/Groups/{staff}", r#"[{"op": "add", "path": "members", "value": [{"value": "{bob}"}]}]"#)
            .headers(&[("if-none-match", "*")]), 412),
    case("§3.14, RFC 7232 §3.2", "If-None-Match on a group DELETE is 412",
        delete("/Groups/{empty}").headers(&[("if-none-match", "W/\"5\", {empty_etag}")]), 412),
    case("§3.14, RFC 7232 §3.2", "If-None-Match naming another version lets a write through",
        patch("/Users/{alice}", r#"[{"op": "replace", "path": "title", "value": "x"}]"#)
            .headers(&[("if-none-match", "W/\"77\"")]), 200)
        .checks(&[Eq("/title", r#""x""#)]),
    case("§3.14, RFC 7232 §5", "preconditions on an unknown resource do not hide the 404",
        put("/Users/nobody", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "n@example.com"}"#)
            .headers(&[("if-match", "*")]), 404),
    case("§3.14", "every write answers the new ETag, equal to meta.version",
        put("/Groups/{empty}", r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Empty!"}"#), 200)
        .checks(&[Header("etag", Some("W/\"2\"")), Eq("/meta/version", r#""W/\"2\"""#)]),
];

#[tokio::test]
async fn s3_14_versioning() {
    run(VERSIONS).await;
}

// ---------------------------------------------------------------------------------------
// §4 Discovery
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const DISCOVERY: &[Case] = &[
    case("§4", "/Schemas ignores paging parameters (SHALL be ignored)",
        get("/Schemas?startIndex=2&count=1"), 200)
        .checks(&[Eq("/totalResults", "3"), Len("/Resources", 3), Eq("/startIndex", "1")]),
    case("§4", "/ResourceTypes ignores sorting parameters",
        get("/ResourceTypes?sortBy=id&sortOrder=descending"), 200)
        .checks(&[Ids(&["User", "Group"])]),
    case("§3.1", "protocol message schemas are not discoverable",
        get("/Schemas/urn:ietf:params:scim:api:messages:2.0:ListResponse"), 404),
    case("§3.1", "/Schemas lists only resource schemas",
        get("/Schemas"), 200)
        .checks(&[Ids(&["urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:core:2.0:Group"])]),
    case("§4, RFC 7643 §7, erratum 8417", "a schema carries 'schemas' and 'meta'",
        get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group"), 200)
        .checks(&[Eq("/schemas", r#"["urn:ietf:params:scim:schemas:core:2.0:Schema"]"#),
            Eq("/meta/resourceType", r#""Schema""#),
            Eq("/meta/location", r#""{base}/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group""#)]),
    case("§4, RFC 7643 §6", "a resource type carries 'schemas' and 'meta'",
        get("/ResourceTypes/Group"), 200)
        .checks(&[Eq("/schemas", r#"["urn:ietf:params:scim:schemas:core:2.0:ResourceType"]"#),
            Eq("/meta/resourceType", r#""ResourceType""#), Eq("/name", r#""Group""#),
            Eq("/schema", r#""urn:ietf:params:scim:schemas:core:2.0:Group""#)]),
    case("§4, RFC 7643 §5", "ServiceProviderConfig carries its schema URN and meta",
        get("/ServiceProviderConfig"), 200)
        .checks(&[Eq("/meta/resourceType", r#""ServiceProviderConfig""#),
            Eq("/meta/location", r#""{base}/ServiceProviderConfig""#),
            Eq("/etag/supported", "true")]),
    case("§4", "/ServiceProviderConfig has no sub-resources",
        get("/ServiceProviderConfig/x"), 404),
];

#[tokio::test]
async fn s4_discovery() {
    run(DISCOVERY).await;
}
