//! Hostile and unusual input through [`scimitar::ScimService`] on the SQL stores: strings
//! with U+0000 (which PostgreSQL `text` cannot hold), values longer than a database index
//! can hold, `LIKE` metacharacters in filter values, non-ASCII case folding. A client
//! mistake is a SCIM 4xx, never a 500; everything else answers as the in-memory store
//! does (the same requests are sent to a `MemoryStore` service and compared).
#![cfg(any(feature = "sqlite", feature = "postgres"))]
#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod sql_support;

use std::sync::Arc;

use http::Method;
use scimitar::store::memory::MemoryStore;
use serde_json::{json, Value};
use sql_support::service::{group, patch_op, user, Client, Resp, GROUP_SCHEMA, USER_SCHEMA};

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn count(c: &Client, path: &str) -> u64 {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body["totalResults"].as_u64().unwrap()
}

/// The sorted `userName`s a filter lists.
async fn names(c: &Client, filter: &str) -> Result<Vec<String>, Resp> {
    let r = c
        .get(&format!("/Users?count=1000&filter={}", enc(filter)))
        .await;
    if r.status != 200 {
        return Err(r);
    }
    let mut v: Vec<String> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    Ok(v)
}

/// `U+0000` in a value that goes to an indexed column is 400 `invalidValue` naming the
/// attribute, on every write path; nothing is written.
async fn nul_in_indexed_values_is_invalid_value(c: Client) {
    let u = c.create_user("plain").await;
    // Not a member yet: adding a member the group has is a no-op the store never sees.
    let other = c.create_user("other").await;
    let g = c.create_group("Plain", std::slice::from_ref(&u)).await;
    let cases: Vec<(Method, String, Value, &str)> = vec![
        (Method::POST, "/Users".into(), user("a\u{0}b"), "userName"),
        (
            Method::POST,
            "/Users".into(),
            json!({"schemas": [USER_SCHEMA], "userName": "x", "externalId": "e\u{0}"}),
            "externalId",
        ),
        (
            Method::PUT,
            format!("/Users/{u}"),
            user("plain\u{0}"),
            "userName",
        ),
        (
            Method::PATCH,
            format!("/Users/{u}"),
            patch_op(json!([{"op": "replace", "path": "externalId", "value": "\u{0}"}])),
            "externalId",
        ),
        (
            Method::POST,
            "/Groups".into(),
            group("Bad\u{0}Name", &[]),
            "displayName",
        ),
        (
            Method::PUT,
            format!("/Groups/{g}"),
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Plain", "externalId": "\u{0}"}),
            "externalId",
        ),
        (
            Method::PATCH,
            format!("/Groups/{g}"),
            patch_op(json!([{"op": "replace", "path": "displayName", "value": "P\u{0}"}])),
            "displayName",
        ),
        (
            Method::PATCH,
            format!("/Groups/{g}"),
            patch_op(
                json!([{"op": "add", "path": "members", "value": [{"value": other, "display": "d\u{0}"}]}]),
            ),
            "display",
        ),
        (
            Method::POST,
            "/Groups".into(),
            json!({"schemas": [GROUP_SCHEMA], "displayName": "New", "members": [{"value": u, "display": "\u{0}"}]}),
            "display",
        ),
    ];
    for (method, path, body, attribute) in cases {
        let r = c
            .call_as(&c.token_a, method.clone(), &path, Some(body))
            .await;
        r.assert_error(400, Some("invalidValue"));
        let detail = r.body["detail"].as_str().unwrap();
        assert!(
            detail.contains(attribute),
            "{method} {path}: detail should name {attribute}: {detail}"
        );
    }
    assert_eq!(count(&c, "/Users?count=0").await, 2);
    assert_eq!(count(&c, "/Groups?count=0").await, 1);
    let r = c.get(&format!("/Users/{u}")).await;
    assert_eq!(r.body["userName"], "plain");
    assert!(r.body.get("externalId").is_none());
    let r = c.get(&format!("/Groups/{g}")).await;
    assert_eq!(r.body["displayName"], "Plain");
    assert_eq!(r.body["meta"]["version"], json!("W/\"1\""), "{}", r.body);
}

/// `U+0000` where no index needs it is kept, as the in-memory store keeps it.
async fn nul_elsewhere_round_trips(c: Client) {
    let mut body = user("nul-title");
    body["title"] = json!("Chief\u{0}Officer");
    body["name"] = json!({"givenName": "\u{0}"});
    let r = c.post("/Users", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = c.get(&format!("/Users/{}", r.id())).await;
    assert_eq!(r.body["title"], "Chief\u{0}Officer");
    assert_eq!(r.body["name"]["givenName"], "\u{0}");
}

/// `U+0000` in ids and filter values finds nothing (no stored id or indexed value holds
/// it): 404 for ids, an empty or exact list for filters; never a 500.
async fn nul_in_lookups_finds_nothing(c: Client) {
    let u = c.create_user("alice").await;
    c.create_user("alicez").await;
    c.create_user("bob").await;
    let g = c.create_group("Team", std::slice::from_ref(&u)).await;
    for kind in ["Users", "Groups"] {
        let path = format!("/{kind}/x%00y");
        c.get(&path).await.assert_error(404, None);
        c.delete(&path).await.assert_error(404, None);
        let patch = patch_op(json!([{"op": "replace", "path": "externalId", "value": "e"}]));
        c.patch(&path, patch).await.assert_error(404, None);
    }
    c.put("/Users/x%00y", user("x"))
        .await
        .assert_error(404, None);
    c.put("/Groups/x%00y", group("x", &[]))
        .await
        .assert_error(404, None);
    let r = c
        .patch(
            &format!("/Groups/{g}"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": "x\u{0}"}]}])),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    let r = c
        .patch(
            &format!("/Groups/{g}"),
            patch_op(json!([{"op": "remove", "path": "members[value eq \"x\\u0000\"]"}])),
        )
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.body);
    assert_eq!(c.members(&g).await, vec![u.clone()]);
    let filters = [
        (r#"userName eq "alice\u0000""#, vec![]),
        (r#"userName co "\u0000""#, vec![]),
        (r#"userName sw "ali\u0000""#, vec![]),
        (r#"userName ew "\u0000""#, vec![]),
        (r#"id eq "\u0000""#, vec![]),
        (r#"externalId eq "\u0000""#, vec![]),
        (
            r#"not (userName eq "alice\u0000")"#,
            vec!["alice", "alicez", "bob"],
        ),
        (
            r#"userName ne "alice\u0000""#,
            vec!["alice", "alicez", "bob"],
        ),
        (r#"userName gt "alice\u0000""#, vec!["alicez", "bob"]),
        (r#"userName ge "alice\u0000z""#, vec!["alicez", "bob"]),
        (r#"userName lt "alice\u0000""#, vec!["alice"]),
        (r#"userName le "ALICE\u0000Z""#, vec!["alice"]),
        (r#"userName gt "\u0000""#, vec!["alice", "alicez", "bob"]),
        (r#"userName lt "\u0000""#, vec![]),
    ];
    for (filter, want) in filters {
        assert_eq!(names(&c, filter).await.unwrap(), want, "{filter}");
    }
    let r = c
        .get(&format!(
            "/Groups?filter={}",
            enc(r#"displayName eq "Team\u0000""#)
        ))
        .await;
    assert_eq!(r.body["totalResults"], 0, "{}", r.body);
    // The user's derived groups still work.
    let r = c.get(&format!("/Users/{u}")).await;
    assert_eq!(r.body["groups"][0]["value"], json!(g));
}

/// The SQL stores index `userName`, `externalId` and group `displayName` (lower-cased
/// where not case-exact) up to 2,048 bytes; longer is 400 `invalidValue`, not a database
/// error. Long values elsewhere (up to the body limit) are kept.
async fn long_values_at_the_limits(c: Client) {
    // Not compressible, so the database cannot squeeze it under its index limit.
    let noise = |n: usize| -> String {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'a' + (x % 26) as u8)
            })
            .collect()
    };
    let at = noise(2048);
    let over = noise(2049);
    let id = c.create_user(&at).await;
    let r = c.get(&format!("/Users/{id}")).await;
    assert_eq!(r.body["userName"], json!(at));
    assert_eq!(
        names(&c, &format!("userName eq \"{}\"", at.to_uppercase()))
            .await
            .unwrap(),
        vec![at.clone()]
    );
    c.post("/Users", user(&over))
        .await
        .assert_error(400, Some("invalidValue"));
    c.post("/Users", user(&noise(200_000)))
        .await
        .assert_error(400, Some("invalidValue"));
    // Lower-casing may lengthen: 1,000 × U+0130 is 2,000 bytes, 3,000 lower-cased.
    c.post("/Users", user(&"\u{130}".repeat(1000)))
        .await
        .assert_error(400, Some("invalidValue"));
    let mut body = user("ext");
    body["externalId"] = json!(noise(5000));
    c.post("/Users", body)
        .await
        .assert_error(400, Some("invalidValue"));
    c.post("/Groups", group(&over, &[]))
        .await
        .assert_error(400, Some("invalidValue"));
    c.create_group(&at, &[]).await;
    // Not indexed: limited only by the body.
    let mut body = user("long-title");
    body["title"] = json!(noise(500_000));
    let r = c.post("/Users", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Long filter values and ids are just lookups.
    assert!(names(&c, &format!("userName eq \"{}\"", noise(6000)))
        .await
        .unwrap()
        .is_empty());
    c.get(&format!("/Users/{}", noise(6000)))
        .await
        .assert_error(404, None);
    assert_eq!(count(&c, "/Users?count=0").await, 2);
    assert_eq!(count(&c, "/Groups?count=0").await, 1);
}

const NAMES: &[&str] = &[
    "50%off",
    "5_0",
    "5x0",
    "a\\b",
    "a\\\\b",
    "a!b",
    "a!%b",
    "abc",
    "ABC_",
    "Straße",
    "STRAẞE2",
    "ΟΔΥΣΣΕΥΣ",
    "οδυσσευσ2",
    "\u{212A}elvin",
    "kelvin2",
    "İpek",
    "ipek2",
    "ǅemal",
    "ı",
    "Ꭰꭰ",
    "ﬁle",
    "ÉLODIE",
    "élodie2",
];

const FILTERS: &[&str] = &[
    r#"userName co "%""#,
    r#"userName sw "50%""#,
    r#"userName sw "5_""#,
    r#"userName co "_""#,
    r#"userName ew "_""#,
    r#"userName co "\\""#,
    r#"userName co "\\\\""#,
    r#"userName ew "\\b""#,
    r#"userName co "!""#,
    r#"userName co "!%""#,
    r#"userName eq "5_0""#,
    r#"userName eq "a\\b""#,
    r#"externalId co "%""#,
    r#"externalId sw "_""#,
    r#"externalId ew "\\""#,
    r#"userName eq "strasse""#,
    r#"userName eq "straße""#,
    r#"userName sw "STRAß""#,
    r#"userName eq "οδυσσευς""#,
    r#"userName sw "ΟΔΥΣ""#,
    r#"userName sw "οδυσ""#,
    r#"userName co "Σ2""#,
    r#"userName sw "k""#,
    r#"userName sw "\u212a""#,
    r#"userName eq "kelvin""#,
    r#"userName co "i""#,
    r#"userName sw "i̇""#,
    r#"userName sw "İ""#,
    r#"userName eq "ı""#,
    r#"userName eq "I""#,
    r#"userName eq "ǆemal""#,
    r#"userName eq "Ǆemal""#,
    r#"userName eq "ꭰꭰ""#,
    r#"userName eq "ᎠᎠ""#,
    r#"userName sw "fi""#,
    r#"userName eq "élodie""#,
    r#"userName gt "z""#,
    r#"userName lt "a""#,
    r#"userName ge "Σ""#,
    r#"userName le "ǅ""#,
];

/// Filter values with `LIKE` metacharacters and non-ASCII case folding answer exactly
/// what the in-memory store answers.
async fn filters_answer_as_the_memory_store(sql: Client) {
    let mem = Client::new(Arc::new(MemoryStore::new())).await;
    for (i, n) in NAMES.iter().enumerate() {
        for c in [&sql, &mem] {
            let mut body = user(n);
            body["externalId"] = json!(format!("{n}-{i}"));
            let r = c.post("/Users", body).await;
            assert_eq!(r.status, 201, "{n}: {}", r.body);
        }
    }
    // Spellings that fold together are one userName.
    for n in [
        "STRASSE",
        "straße",
        "ΟΔΥΣΣΕΥΣ",
        "οδυσσευς",
        "KELVIN",
        "İPEK",
        "Ǆemal",
    ] {
        let a = sql.post("/Users", user(n)).await;
        let b = mem.post("/Users", user(n)).await;
        assert_eq!(a.status, b.status, "{n}: sql {} memory {}", a.body, b.body);
    }
    let mut matched = 0;
    for f in FILTERS {
        let want = names(&mem, f).await.unwrap();
        let got = names(&sql, f).await.unwrap();
        assert_eq!(got, want, "filter {f}");
        matched += usize::from(!want.is_empty());
    }
    assert!(
        matched > FILTERS.len() / 2,
        "too few filters match anything"
    );
}

macro_rules! backend_tests {
    ($make:expr) => {
        use super::*;

        async fn client() -> Client {
            Client::new(Arc::new($make)).await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn nul_in_indexed_values_is_invalid_value() {
            super::nul_in_indexed_values_is_invalid_value(client().await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn nul_elsewhere_round_trips() {
            super::nul_elsewhere_round_trips(client().await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn nul_in_lookups_finds_nothing() {
            super::nul_in_lookups_finds_nothing(client().await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn long_values_at_the_limits() {
            super::long_values_at_the_limits(client().await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn filters_answer_as_the_memory_store() {
            super::filters_answer_as_the_memory_store(client().await).await;
        }
    };
}

#[cfg(feature = "postgres")]
mod postgres {
    backend_tests!(sql_support::pg::store().await);
}

#[cfg(feature = "sqlite")]
mod sqlite {
    backend_tests!(sql_support::sqlite::file_store().await);
}
