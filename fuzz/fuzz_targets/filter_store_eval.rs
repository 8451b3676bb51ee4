//! `MemoryStore::list` (filters tested in place on compact records, after index planning)
//! returns exactly the users for which the bound filter matches the decoded resource
//! (`BoundFilter::matches` on what `UserStore::get` returns). Public API only.
#![no_main]

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

use libfuzzer_sys::fuzz_target;
use scimitar::filter::EvalOptions;
use scimitar::store::{NewResource, Resource, StoreQuery};
use scimitar::{Filter, MemoryStore, SchemaSet, TenantId, UserStore};
use serde_json::{json, Map, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Canonical base64 of 64+ characters: the compact buffer keeps it decoded.
const LONG_B64: &str =
    "TUlJREFUNGdBd0lCQWdJVUNlcnRpZmljYXRlIGZvciBCYXJiYXJhIEplbnNlbiBleGFtcGxlIGRhdGE=";
/// The same with non-zero unused bits in its last symbol: not canonical, kept as text.
const LONG_B64_NONCANONICAL: &str =
    "TUlJREFUNGdBd0lCQWdJVUNlcnRpZmljYXRlIGZvciBCYXJiYXJhIEplbnNlbiBleGFtcGxlIGRhdGZ=";

/// The memory store never awaits anything real: poll once with a no-op waker.
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

struct Fixture {
    store: MemoryStore,
    tenant: TenantId,
    schemas: Arc<SchemaSet>,
    /// Every user as `UserStore::get` returns it, in creation order.
    users: Vec<Resource>,
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// ~30 varied users: case variants, non-ASCII text, multi-valued emails with type and
/// primary, name sub-attributes, booleans, the enterprise extension (manager,
/// employeeNumber), long (stored decoded) and short certificates, null and empty values,
/// and a few wrongly typed values (the store keeps whatever it is given). `userName` and
/// `externalId` stay strings (or absent): their indexes assume canonical values, and a
/// stored array or number there is not found by `eq` through the index (out of contract:
/// validation never lets one through).
fn users() -> Vec<Map<String, Value>> {
    let cert_long = LONG_B64.to_string();
    let cert_long2 = format!("{}QQ==", "QUJD".repeat(20));
    let mut out = vec![
        json!({"userName": "bjensen", "externalId": "ext-1", "displayName": "Babs Jensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen III"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@jensen.org", "type": "home"}],
            "active": true, "title": "Tour Guide", "userType": "Employee",
            "x509Certificates": [{"value": cert_long}],
            ENT: {"employeeNumber": "701984", "department": "Tour Operations",
                  "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}}}),
        json!({"userName": "BJensen2", "externalId": "EXT-1", "displayName": "BABS JENSEN",
            "name": {"givenName": "barbara", "familyName": "JENSEN"},
            "emails": [{"value": "BJENSEN@EXAMPLE.COM", "type": "Work", "primary": false}],
            "active": false,
            "x509Certificates": [{"value": "aGVsbG8="}, {"value": cert_long2}]}),
        json!({"userName": "élodie", "displayName": "Élodie Müller",
            "name": {"givenName": "Élodie", "familyName": "Müller"},
            "emails": [{"value": "élodie@exämple.de", "type": "work"}],
            "active": true, "locale": "de-DE", "preferredLanguage": "de",
            ENT: {"employeeNumber": "0999", "organization": "ÄÖÜ GmbH"}}),
        json!({"userName": "ÉLODIE2", "displayName": "ÉLODIE MÜLLER",
            "name": {"givenName": "ÉLODIE"}, "active": "true"}),
        json!({"userName": "\u{212A}ate", "displayName": "\u{212A}ate Kelvin",
            "name": {"givenName": "\u{212A}ate", "familyName": "kelvin"},
            "emails": [{"value": "kate@example.com"}]}),
        json!({"userName": "kate2", "displayName": "KATE", "nickName": "Kat",
            "emails": [{"value": "KATE@EXAMPLE.COM", "type": "home", "primary": true},
                       {"value": "kate@work.example.com", "type": "work"},
                       {"value": "k@other.example", "type": "other"}]}),
        json!({"userName": "straße", "displayName": "STRASSE", "title": "ß",
            "name": {"familyName": "Straße"}}),
        json!({"userName": "İstanbul", "displayName": "i̇stanbul", "title": "ı"}),
        json!({"userName": "ΣΊΣΥΦΟΣ", "displayName": "σίσυφος", "title": "ς"}),
        json!({"userName": "empty-values", "displayName": "", "title": "",
            "name": {"givenName": "", "familyName": null},
            "emails": [], "phoneNumbers": [], "active": null,
            ENT: {}}),
        json!({"userName": "nulls", "displayName": null, "name": null, "emails": null,
            "x509Certificates": null, ENT: null}),
        json!({"userName": "null-elements", "emails": [null, {}, {"type": "work"}, {"value": ""}],
            "x509Certificates": [{}, {"value": ""}, {"value": null}]}),
        json!({"userName": "mgr-only", "externalId": "ext-3",
            ENT: {"manager": {"value": "mgr-1"}}}),
        json!({"userName": "mgr-empty", "externalId": "EXT-3",
            ENT: {"manager": {"value": ""}, "employeeNumber": ""}}),
        json!({"userName": "mgr-obj-empty", ENT: {"manager": {}, "employeeNumber": 1005}}),
        json!({"userName": "emp-num", ENT: {"employeeNumber": "1005", "costCenter": "4130",
            "division": "Theme Park", "department": "smith"}}),
        json!({"userName": "certs", "x509Certificates": [
            {"value": LONG_B64_NONCANONICAL}, {"value": "AGVSBG8="},
            {"value": LONG_B64, "display": "main", "primary": true, "type": "work"}]}),
        json!({"userName": "certs2", "x509Certificates": [{"value": "aGVsbG8="}],
            "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}]}),
        json!({"userName": "phones", "phoneNumbers": [
            {"value": "555-555-8377", "type": "work"}, {"value": "tel:+1-201-555-0123", "type": "mobile", "primary": true}],
            "addresses": [{"streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
                "region": "CA", "postalCode": "91608", "country": "USA", "type": "work", "primary": true}]}),
        json!({"userName": "ims", "ims": [{"value": "someaimhandle", "type": "aim"}],
            "entitlements": [{"value": "Admin"}], "roles": [{"value": "Reader", "primary": false}],
            "timezone": "America/Los_Angeles", "profileUrl": "https://login.example.com/bjensen"}),
        json!({"userName": "numbers", "displayName": 1005, "title": true,
            "active": 1, "emails": [{"value": 42, "type": "work", "primary": "true"}]}),
        json!({"userName": "arrays-in-singular", "displayName": ["Smith", "x"],
            "name": {"givenName": ["a", "b"]}, "title": {"value": "t"}}),
        json!({"userName": "schemas-member", "schemas": [ENT], "active": true}),
        json!({"userName": "schemas-other", "schemas": ["urn:other"], "active": false}),
        json!({"userName": "  spaced  ", "displayName": " leading", "title": "trailing "}),
        json!({"userName": "emoji😀", "displayName": "😀 smile", "nickName": "\u{0}nul"}),
        json!({"userName": "quote\"back\\slash", "displayName": "a\"b", "title": "c\\d"}),
        json!({"userName": "user10@example.com", "externalId": "user10",
            "emails": [{"value": "user10@example.com", "type": "work", "primary": true},
                       {"value": "USER10@home.example.net", "type": "home", "primary": true}],
            "name": {"givenName": "User", "familyName": "Ten", "middleName": "X",
                     "honorificPrefix": "Dr.", "honorificSuffix": "Jr."}}),
        json!({"userName": "upper-ext", ENT: {"employeeNumber": "701984", "manager": {"value": "MGR-1"}},
            "x509Certificates": [{"value": LONG_B64}, {"value": LONG_B64}]}),
        json!({"externalId": "no-username", "displayName": "No Username"}),
        json!({}),
    ];
    // A user with many emails (more than one read-ahead batch of values).
    let many: Vec<Value> = (0..20)
        .map(|i| json!({"value": format!("m{i}@Example.org"), "type": if i % 2 == 0 { "work" } else { "home" }}))
        .collect();
    out.push(json!({"userName": "many-emails", "emails": many}));
    out.into_iter().map(obj).collect()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let store = MemoryStore::new();
        let tenant = TenantId::new("fuzz");
        let mut ids = Vec::new();
        for (i, attributes) in users().into_iter().enumerate() {
            let new = NewResource {
                // Mixed case ids: `id` is case exact.
                id: if i % 3 == 0 {
                    format!("ID-{i:03}")
                } else {
                    format!("id-{i:03}")
                },
                attributes,
            };
            match run(UserStore::create(&store, &tenant, new)) {
                Ok(r) => ids.push(r.id),
                Err(e) => panic!("fixture user {i} not created: {e}"),
            }
        }
        let users = ids
            .iter()
            .map(|id| match run(UserStore::get(&store, &tenant, id)) {
                Ok(Some(r)) => r,
                other => panic!("fixture user {id} not read back: {other:?}"),
            })
            .collect();
        Fixture {
            store,
            tenant,
            schemas: Arc::new(SchemaSet::user()),
            users,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(filter) = text.parse::<Filter>() else {
        return;
    };
    let fx = fixture();
    let Ok(bound) = filter.bind(&fx.schemas, EvalOptions::default()) else {
        return;
    };
    let query = StoreQuery {
        filter: Some(filter),
        sort: None,
        page: None,
        include_members: false,
        schemas: Arc::clone(&fx.schemas),
    };
    let page = match run(UserStore::list(&fx.store, &fx.tenant, &query)) {
        Ok(p) => p,
        Err(e) => panic!("list failed for a bound filter {text:?}: {e}"),
    };
    let listed: Vec<&str> = page.resources.iter().map(|r| r.id.as_str()).collect();
    let got: BTreeSet<&str> = listed.iter().copied().collect();
    let want: BTreeSet<&str> = fx
        .users
        .iter()
        .filter(|r| bound.matches(*r))
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        got == want,
        "filter {text:?}\n  list:      {got:?}\n  reference: {want:?}"
    );
    assert_eq!(listed.len(), got.len(), "duplicate ids listed for {text:?}");
    assert_eq!(
        page.total_results,
        listed.len(),
        "totalResults for {text:?}"
    );
    // Unsorted lists come in creation order.
    let order: Vec<&str> = fx
        .users
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| got.contains(id))
        .collect();
    assert_eq!(listed, order, "order for {text:?}");
});
