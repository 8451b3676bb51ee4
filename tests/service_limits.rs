//! Every limit a client controls, through `ScimService::handle`: a request just at the
//! limit succeeds, one just over it gets the RFC 7644 §3.12 error (status, `scimType`, a
//! detail that says what was exceeded) and changes nothing; configuring the limit takes
//! effect. The table of limits is in the crate docs ("Untrusted input") and README.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use http::Method;
use scimitar::filter::FilterLimits;
use scimitar::schema::Policy;
use scimitar::Limits;
use serde_json::{json, Value};
use service_support::*;

/// The detail of an error body, lower-cased.
fn detail(r: &Resp) -> String {
    r.body["detail"].as_str().unwrap_or_default().to_lowercase()
}

/// Asserts the error and that its detail mentions each of `words`.
fn assert_rejected(r: &Resp, status: u16, scim_type: Option<&str>, words: &[&str]) {
    r.assert_error(status, scim_type);
    let d = detail(r);
    for w in words {
        assert!(d.contains(&w.to_lowercase()), "detail {d:?} lacks {w:?}");
    }
}

/// Everything observable about tenant A's users and groups, for "nothing changed" checks.
async fn snapshot(h: &Harness) -> (Value, Value) {
    let users = h.get("/Users?sortBy=userName").await;
    assert_eq!(users.status, 200, "{}", users.body);
    let groups = h.get("/Groups?sortBy=displayName").await;
    assert_eq!(groups.status, 200, "{}", groups.body);
    (users.body, groups.body)
}

/// Sends a body as raw bytes (so its exact length is known) as tenant A.
async fn send_raw(h: &Harness, method: Method, path: &str, body: impl Into<bytes::Bytes>) -> Resp {
    let auth = format!("Bearer {}", h.token_a);
    h.raw(
        method,
        path,
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/scim+json"),
        ],
        body,
    )
    .await
}

fn limits() -> Limits {
    Limits::default()
}

// ---------------------------------------------------------------------------------------
// Request body size: 413.

#[tokio::test]
async fn body_at_the_limit_is_accepted_one_byte_over_is_413() {
    let body = serde_json::to_vec(&user("exact@example.com")).unwrap();
    let n = body.len();
    let h = Harness::with(|b| b.limits(limits().with_max_body_bytes(n))).await;
    let r = send_raw(&h, Method::POST, "/Users", body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let before = snapshot(&h).await;

    let mut over = serde_json::to_vec(&user("over@example.com")).unwrap();
    over.resize(n + 1, b' ');
    for (method, path) in [
        (Method::POST, "/Users".to_owned()),
        (Method::PUT, format!("/Users/{id}")),
        (Method::PATCH, format!("/Users/{id}")),
        (Method::POST, "/Users/.search".to_owned()),
        (Method::POST, "/.search".to_owned()),
        (Method::POST, "/Groups".to_owned()),
    ] {
        let r = send_raw(&h, method.clone(), &path, over.clone()).await;
        assert_rejected(&r, 413, None, &[&n.to_string(), "bytes"]);
        assert_eq!(r.status, 413, "{method} {path}");
    }
    assert_eq!(snapshot(&h).await, before);
}

#[tokio::test]
async fn default_body_limit_is_exactly_one_mib() {
    let h = Harness::new().await;
    let pad = |total: usize| {
        let mut u = user("pad@example.com");
        u["displayName"] = json!("");
        let base = serde_json::to_vec(&u).unwrap().len();
        u["displayName"] = json!("x".repeat(total - base));
        let v = serde_json::to_vec(&u).unwrap();
        assert_eq!(v.len(), total);
        v
    };
    let r = send_raw(&h, Method::POST, "/Users", pad(1024 * 1024 + 1)).await;
    assert_rejected(&r, 413, None, &["1048576"]);
    assert_eq!(h.get("/Users").await.body["totalResults"], 0);
    let r = send_raw(&h, Method::POST, "/Users", pad(1024 * 1024)).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

// ---------------------------------------------------------------------------------------
// JSON nesting depth: bounded by the JSON parser (128 levels), 400 invalidSyntax.

#[tokio::test]
async fn deeply_nested_json_is_invalid_syntax_not_a_crash() {
    let h = Harness::new().await;
    let id = h.create_user("nest@example.com").await;
    let before = snapshot(&h).await;
    let deep = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    // Far deeper than any stack could recurse, well under the body limit.
    let bomb = deep(200_000);
    let user_body =
        format!(r#"{{"schemas":["{USER_SCHEMA}"],"userName":"deep@example.com","x":{bomb}}}"#);
    let patch_body = format!(
        r#"{{"schemas":["{PATCH_OP}"],"Operations":[{{"op":"add","path":"title","value":{bomb}}}]}}"#
    );
    let search_body = format!(r#"{{"schemas":["{SEARCH}"],"filter":{bomb}}}"#);
    for (method, path, body) in [
        (Method::POST, "/Users".to_owned(), user_body.clone()),
        (Method::PUT, format!("/Users/{id}"), user_body.clone()),
        (Method::PATCH, format!("/Users/{id}"), patch_body),
        (Method::POST, "/Users/.search".to_owned(), search_body),
        (Method::POST, "/Groups".to_owned(), user_body),
    ] {
        let r = send_raw(&h, method.clone(), &path, body).await;
        assert_rejected(&r, 400, Some("invalidSyntax"), &["json", "recursion limit"]);
    }
    assert_eq!(snapshot(&h).await, before);

    // The JSON parser nests at most 127 levels: the body object plus 126 arrays parse (the
    // unknown attribute is ignored), one more does not.
    let body = |depth: usize| {
        format!(
            r#"{{"schemas":["{USER_SCHEMA}"],"userName":"nested-{depth}","x":{}}}"#,
            deep(depth)
        )
    };
    let r = send_raw(&h, Method::POST, "/Users", body(127)).await;
    assert_rejected(&r, 400, Some("invalidSyntax"), &["json", "recursion limit"]);
    assert_eq!(snapshot(&h).await, before);
    let r = send_raw(&h, Method::POST, "/Users", body(126)).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

// ---------------------------------------------------------------------------------------
// Filters: length, depth and terms, in the query string and in .search bodies:
// 400 invalidFilter.

/// A filter of exactly `len` bytes: `userName eq "xxx..."`.
fn filter_of_len(len: usize) -> String {
    let head = r#"userName eq """#.len();
    format!(r#"userName eq "{}""#, "x".repeat(len - head))
}

/// `depth` nested groups around one comparison.
fn filter_of_depth(depth: usize) -> String {
    format!(
        r#"{}userName eq "a"{}"#,
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Runs `filter` through GET /Users, POST /Users/.search and POST /.search.
async fn filter_everywhere(h: &Harness, filter: &str) -> Vec<Resp> {
    vec![
        h.get(&format!("/Users?filter={}", encode(filter))).await,
        h.post("/Users/.search", search(json!({"filter": filter})))
            .await,
        h.post("/.search", search(json!({"filter": filter}))).await,
        h.get(&format!("/Groups?filter={}", encode(filter))).await,
    ]
}

async fn check_filter_limit(h: &Harness, at: &str, over: &str, words: &[&str]) {
    for r in filter_everywhere(h, at).await {
        assert_eq!(r.status, 200, "{}", r.body);
    }
    for r in filter_everywhere(h, over).await {
        assert_rejected(&r, 400, Some("invalidFilter"), words);
    }
}

#[tokio::test]
async fn filter_limits_default() {
    let h = Harness::new().await;
    let max_len = FilterLimits::DEFAULT_MAX_LEN;
    check_filter_limit(
        &h,
        &filter_of_len(max_len),
        &filter_of_len(max_len + 1),
        &["longer than", &max_len.to_string()],
    )
    .await;
    let depth = FilterLimits::DEFAULT_MAX_DEPTH;
    check_filter_limit(
        &h,
        &filter_of_depth(depth),
        &filter_of_depth(depth + 1),
        &["deeper", &depth.to_string()],
    )
    .await;
    let terms = FilterLimits::DEFAULT_MAX_TERMS;
    // 1,000 terms of `userName eq "uN"` fit in 8 KiB only with short values; use `pr`.
    let many = |n: usize| vec!["userName pr"; n].join(" or ");
    assert!(
        many(terms + 1).len() > max_len,
        "the term limit is hidden by the length"
    );
    let short_terms = |n: usize| vec!["a pr"; n].join(" or ");
    assert!(short_terms(terms + 1).len() <= max_len);
    check_filter_limit(
        &h,
        &short_terms(terms),
        &short_terms(terms + 1),
        &["terms", &terms.to_string()],
    )
    .await;
}

#[tokio::test]
async fn filter_limits_are_configurable() {
    let f = FilterLimits::default()
        .with_max_len(64)
        .with_max_depth(3)
        .with_max_terms(4);
    let h = Harness::with(|b| b.limits(limits().with_filter(f))).await;
    h.create_user("u1").await;
    check_filter_limit(
        &h,
        &filter_of_len(64),
        &filter_of_len(65),
        &["longer than 64"],
    )
    .await;
    check_filter_limit(
        &h,
        &filter_of_depth(3),
        &filter_of_depth(4),
        &["deeper than 3"],
    )
    .await;
    // Short terms, so that the length limit is not what fails.
    let terms = |n: usize| format!("userName pr{}", " or a pr".repeat(n - 1));
    check_filter_limit(&h, &terms(4), &terms(5), &["more than 4 terms"]).await;
    let r = h.get(&format!("/Users?filter={}", encode(&terms(4)))).await;
    assert_eq!(r.body["totalResults"], 1);
}

// ---------------------------------------------------------------------------------------
// PATCH: number of operations (400 tooMany), path length and path filters (400
// invalidPath).

fn replace_title_ops(n: usize) -> Value {
    let ops: Vec<Value> = (0..n)
        .map(|i| json!({"op": "replace", "path": "title", "value": format!("t{i}")}))
        .collect();
    patch_op(json!(ops))
}

#[tokio::test]
async fn patch_operation_limit_default_and_configured() {
    for (h, max) in [
        (Harness::new().await, 1000),
        (
            Harness::with(|b| b.limits(limits().with_max_patch_operations(3))).await,
            3,
        ),
    ] {
        let id = h.create_user("ops@example.com").await;
        let gid = h.create_group("ops", &[]).await;
        let before = snapshot(&h).await;
        // The count is checked before any operation is read.
        for path in [format!("/Users/{id}"), format!("/Groups/{gid}")] {
            let r = h.patch(&path, replace_title_ops(max + 1)).await;
            assert_rejected(
                &r,
                400,
                Some("tooMany"),
                &[&(max + 1).to_string(), &max.to_string()],
            );
        }
        assert_eq!(snapshot(&h).await, before);
        let r = h
            .patch(&format!("/Users/{id}"), replace_title_ops(max))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["title"], format!("t{}", max - 1));
    }
}

#[tokio::test]
async fn patch_path_length_limit() {
    let h = Harness::new().await;
    let id = h.create_user("path@example.com").await;
    let before = snapshot(&h).await;
    let max = FilterLimits::DEFAULT_MAX_LEN;
    // A value path whose filter pads it to the limit: `emails[value eq "xx..."].display`.
    let path_of_len = |len: usize| {
        let shell = r#"emails[value eq ""].display"#.len();
        format!(r#"emails[value eq "{}"].display"#, "x".repeat(len - shell))
    };
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "add", "path": path_of_len(max + 1), "value": "d"}])),
        )
        .await;
    assert_rejected(
        &r,
        400,
        Some("invalidPath"),
        &["longer than", &max.to_string()],
    );
    assert_eq!(snapshot(&h).await, before);
    // At the limit the path parses; the filter matches no email: noTarget.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": path_of_len(max), "value": "d"}])),
        )
        .await;
    assert_ne!(r.body["scimType"], "invalidPath", "{}", r.body);
    assert_eq!(snapshot(&h).await, before);
}

#[tokio::test]
async fn patch_paths_obey_the_configured_filter_limits() {
    let f = FilterLimits::default()
        .with_max_len(40)
        .with_max_depth(2)
        .with_max_terms(2);
    let h = Harness::with(|b| b.limits(limits().with_filter(f))).await;
    let id = h.create_user("cfg@example.com").await;
    let before = snapshot(&h).await;
    let path = format!("/Users/{id}");
    for (bad, words) in [
        // 41 bytes.
        (
            r#"emails[value eq "xxxxxxxxxxxxxxxxx"].type"#,
            &["longer than 40"][..],
        ),
        // `[`, `(`, `(`: depth 3.
        (
            r#"emails[((type eq "work"))].value"#,
            &["deeper than 2"][..],
        ),
        (
            "emails[a pr or b pr or c pr].value",
            &["more than 2 terms"][..],
        ),
    ] {
        let r = h
            .patch(
                &path,
                patch_op(json!([{"op": "replace", "path": bad, "value": "x"}])),
            )
            .await;
        assert_rejected(&r, 400, Some("invalidPath"), words);
    }
    assert_eq!(snapshot(&h).await, before);
    // Within the limits: applies.
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "replace", "path": r#"emails[(type eq "work")].type"#, "value": "home"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["emails"][0]["type"], "home");
}

// ---------------------------------------------------------------------------------------
// Paging: `count` is capped (never an error for a big number), `startIndex` saturates;
// anything that is not an integer is 400 invalidValue.

#[tokio::test]
async fn count_is_capped_at_max_count() {
    let h = Harness::with(|b| b.limits(limits().with_max_count(2).with_default_count(1))).await;
    for i in 0..3 {
        h.create_user(&format!("c{i}")).await;
        h.create_group(&format!("g{i}"), &[]).await;
    }
    let huge = "99999999999999999999999999999";
    for (q, want) in [
        ("", 1),
        ("count=1", 1),
        ("count=2", 2),
        ("count=3", 2),
        ("count=18446744073709551616", 2),
        (&format!("count={huge}") as &str, 2),
        ("count=-5", 0),
        (&format!("count=-{huge}") as &str, 0),
    ] {
        for ep in ["/Users", "/Groups"] {
            let r = h.get(&format!("{ep}?{q}")).await;
            assert_eq!(r.status, 200, "{q}: {}", r.body);
            assert_eq!(r.body["itemsPerPage"], want, "{ep}?{q}");
            assert_eq!(r.body["Resources"].as_array().unwrap().len(), want);
            assert_eq!(r.body["totalResults"], 3);
        }
    }
    for count in [json!(3), json!(u64::MAX), json!(i64::MIN)] {
        for ep in ["/Users/.search", "/Groups/.search", "/.search"] {
            let r = h.post(ep, search(json!({"count": count}))).await;
            assert_eq!(r.status, 200, "{count}: {}", r.body);
            let want = if count == json!(i64::MIN) { 0 } else { 2 };
            assert_eq!(r.body["itemsPerPage"], want, "{ep} {count}");
        }
    }
    // ServiceProviderConfig advertises the cap.
    let r = h.get("/ServiceProviderConfig").await;
    assert_eq!(r.body["filter"]["maxResults"], 2);
}

#[tokio::test]
async fn paging_values_that_are_not_integers_are_invalid_value() {
    let h = Harness::new().await;
    h.create_user("p@example.com").await;
    let before = snapshot(&h).await;
    for q in [
        "count=ten",
        "count=1.0",
        "count=1e3",
        "count=0x10",
        "count=--1",
        "startIndex=%E2%88%9E",
        "startIndex=1%2C2",
        "count=1&count=2",
    ] {
        let r = h.get(&format!("/Users?{q}")).await;
        r.assert_error(400, Some("invalidValue"));
        assert!(
            detail(&r).contains("count") || detail(&r).contains("startindex"),
            "{q}: {}",
            r.body
        );
    }
    for (name, v) in [
        ("count", json!("10")),
        ("count", json!(1.5)),
        ("count", json!(1e30)),
        ("count", json!(true)),
        ("count", json!([1])),
        ("startIndex", json!({"n": 1})),
        ("startIndex", json!(-1e300)),
    ] {
        for ep in ["/Users/.search", "/.search"] {
            let r = h.post(ep, search(json!({ name: v }))).await;
            assert_rejected(&r, 400, Some("invalidValue"), &[name, "integer"]);
        }
    }
    assert_eq!(snapshot(&h).await, before);
}

#[tokio::test]
async fn huge_start_index_is_an_empty_page_not_an_overflow() {
    let h = Harness::new().await;
    for i in 0..2 {
        h.create_user(&format!("s{i}")).await;
        h.create_group(&format!("g{i}"), &[]).await;
    }
    for s in [
        "18446744073709551615",
        "18446744073709551616",
        "9223372036854775807",
        "9223372036854775808",
        "999999999999999999999999999999999999",
    ] {
        for ep in ["/Users", "/Groups"] {
            let r = h.get(&format!("{ep}?startIndex={s}&count=1000")).await;
            assert_eq!(r.status, 200, "{s}: {}", r.body);
            assert_eq!(r.body["totalResults"], 2);
            assert_eq!(r.body["itemsPerPage"], 0);
            assert!(r.body["startIndex"].as_u64().unwrap() >= 2);
        }
        let r = h
            .get(&format!("/Users?startIndex={s}&count=1000&sortBy=userName"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    for s in [json!(u64::MAX), json!(i64::MAX)] {
        let r = h.post("/.search", search(json!({"startIndex": s}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["totalResults"], 4);
        assert_eq!(r.body["itemsPerPage"], 0);
    }
    // The last resource of /.search (the second group) is at index 4.
    let r = h
        .post("/.search", search(json!({"startIndex": 4, "count": 1000})))
        .await;
    assert_eq!(r.body["itemsPerPage"], 1);
    // Below 1 is 1.
    let r = h.get("/Users?startIndex=-99999999999999999999999").await;
    assert_eq!(r.body["startIndex"], 1);
    assert_eq!(r.body["itemsPerPage"], 2);
}

// ---------------------------------------------------------------------------------------
// Multi-valued attributes: values per attribute in one request, 400 invalidValue.

fn user_with_emails(user_name: &str, n: usize) -> Value {
    let mut u = user(user_name);
    u["emails"] = json!((0..n)
        .map(|i| json!({"value": format!("e{i}@example.com")}))
        .collect::<Vec<_>>());
    u
}

#[tokio::test]
async fn values_per_multi_valued_attribute_default_and_configured() {
    for (h, max) in [
        (Harness::new().await, scimitar::schema::DEFAULT_MAX_VALUES),
        (
            Harness::with(|b| b.policy(Policy::default().max_values(2))).await,
            2,
        ),
    ] {
        let r = h.post("/Users", user_with_emails("over", max + 1)).await;
        assert_rejected(&r, 400, Some("invalidValue"), &["emails", &max.to_string()]);
        let r = h.post("/Users", user_with_emails("at", max)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.id();
        let before = snapshot(&h).await;
        let r = h
            .put(&format!("/Users/{id}"), user_with_emails("at", max + 1))
            .await;
        assert_rejected(&r, 400, Some("invalidValue"), &["emails", &max.to_string()]);
        let r = h
            .patch(
                &format!("/Users/{id}"),
                patch_op(json!([{"op": "add", "path": "emails", "value": [{"value": "one-more@example.com"}]}])),
            )
            .await;
        assert_rejected(&r, 400, Some("invalidValue"), &["emails", &max.to_string()]);
        assert_eq!(snapshot(&h).await, before);
    }
}

// ---------------------------------------------------------------------------------------
// Group members: members added or set by one request (Limits::max_members_per_request)
// and members one Group body may carry (Policy::max_members), 400 invalidValue.

fn members(ids: &[String]) -> Value {
    json!(ids.iter().map(|i| json!({"value": i})).collect::<Vec<_>>())
}

#[tokio::test]
async fn members_per_request_limit() {
    let h = Harness::with(|b| b.limits(limits().with_max_members_per_request(2))).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(h.create_user(&format!("m{i}")).await);
    }
    let words: &[&str] = &["at most 2 members"];
    let body = |ms: &[String]| json!({"schemas": [GROUP_SCHEMA], "displayName": "G", "members": members(ms)});
    let r = h.post("/Groups", body(&ids)).await;
    assert_rejected(&r, 400, Some("invalidValue"), words);
    let r = h.post("/Groups", body(&ids[..2])).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.id();
    let path = format!("/Groups/{gid}");
    let empty = format!("/Groups/{}", h.create_group("empty", &[]).await);
    let before = snapshot(&h).await;

    let r = h.put(&path, body(&ids)).await;
    assert_rejected(&r, 400, Some("invalidValue"), words);
    for ops in [
        json!([{"op": "add", "path": "members", "value": members(&ids)}]),
        json!([{"op": "replace", "path": "members", "value": members(&ids)}]),
        json!([{"op": "add", "value": {"members": members(&ids)}}]),
        // Split over operations: the limit is per request.
        json!([
            {"op": "add", "path": "members", "value": members(&ids[..2])},
            {"op": "add", "path": "members", "value": members(&ids[2..])}
        ]),
    ] {
        for p in [&path, &empty] {
            let r = h.patch(p, patch_op(ops.clone())).await;
            assert_rejected(&r, 400, Some("invalidValue"), words);
        }
        assert_eq!(snapshot(&h).await, before, "{ops}");
    }
    // With an operation deltas cannot express (a filter on `display`), the whole member
    // list is rewritten: the members the request adds still count.
    for ops in [
        json!([
            {"op": "remove", "path": "members[display eq \"nobody\"]"},
            {"op": "add", "path": "members", "value": members(&ids)}
        ]),
        json!([
            {"op": "add", "path": "members", "value": members(&ids)},
            {"op": "remove", "path": "members[display eq \"nobody\"]"}
        ]),
    ] {
        let r = h.patch(&empty, patch_op(ops.clone())).await;
        assert_rejected(&r, 400, Some("invalidValue"), words);
        assert_eq!(snapshot(&h).await, before, "{ops}");
    }

    // At the limit, via the delta path and via the full rewrite.
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "replace", "path": "members", "value": members(&ids[1..])}])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = h
        .patch(
            &path,
            patch_op(json!([
                {"op": "remove", "path": "members[display eq \"nobody\"]"},
                {"op": "add", "path": "members", "value": members(&ids[..1])}
            ])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let g = h.get(&path).await;
    assert_eq!(g.body["members"].as_array().unwrap().len(), 3);
    // Re-sending members the group already has is not an addition in a full rewrite,
    // and existing members never count.
    let r = h
        .patch(
            &path,
            patch_op(json!([
                {"op": "replace", "path": "displayName", "value": "G2"},
                {"op": "remove", "path": "members[display eq \"nobody\"]"}
            ])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
}

#[tokio::test]
async fn policy_max_members_caps_a_group_body() {
    let h = Harness::with(|b| b.policy(Policy::default().max_members(Some(2)))).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(h.create_user(&format!("p{i}")).await);
    }
    let body = |ms: &[String]| json!({"schemas": [GROUP_SCHEMA], "displayName": "G", "members": members(ms)});
    let r = h.post("/Groups", body(&ids)).await;
    assert_rejected(&r, 400, Some("invalidValue"), &["members", "2"]);
    let r = h.post("/Groups", body(&ids[..2])).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let path = format!("/Groups/{}", r.id());
    let before = snapshot(&h).await;
    let r = h.put(&path, body(&ids)).await;
    assert_rejected(&r, 400, Some("invalidValue"), &["members", "2"]);
    assert_eq!(snapshot(&h).await, before);
}

#[tokio::test]
async fn policy_max_members_caps_patch_membership_deltas() {
    let h = Harness::with(|b| b.policy(Policy::default().max_members(Some(2)))).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(h.create_user(&format!("d{i}")).await);
    }
    let r = h
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "G", "members": members(&ids[..2])}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let path = format!("/Groups/{}", r.id());
    let before = snapshot(&h).await;

    // A third member by a delta `add` (Okta's and Entra's membership PATCH).
    let add = |id: &str| json!({"op": "add", "path": "members", "value": [{"value": id}]});
    let r = h.patch(&path, patch_op(json!([add(&ids[2])]))).await;
    assert_rejected(&r, 400, Some("invalidValue"), &["members", "3", "2"]);
    // Or by a `replace` with three.
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "replace", "path": "members", "value": members(&ids[..3])}])),
        )
        .await;
    assert_rejected(&r, 400, Some("invalidValue"), &["members", "2"]);
    assert_eq!(snapshot(&h).await, before);

    // Re-adding a member already there, or removing one and adding another, stays at 2.
    let r = h.patch(&path, patch_op(json!([add(&ids[1])]))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let remove = json!({"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])});
    let r = h
        .patch(&path, patch_op(json!([remove, add(&ids[3])])))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let g = h.get(&path).await;
    let mut now: Vec<&str> = g.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    now.sort_unstable();
    let mut want = vec![ids[1].as_str(), ids[3].as_str()];
    want.sort_unstable();
    assert_eq!(now, want);
}

// ---------------------------------------------------------------------------------------
// String length (Policy::max_length / max_length_of), 400 invalidValue naming the
// attribute; lengths are in characters, not bytes.

#[tokio::test]
async fn string_length_limit() {
    let policy = Policy::default()
        .max_length(10)
        .max_length_of("userName", 12)
        .unwrap();
    let h = Harness::with(|b| b.policy(policy)).await;
    let ten = "é".repeat(10);
    let mut u = user("u@example.co");
    u["displayName"] = json!(ten);
    u["emails"] = json!([{"value": "a@b.c"}]);
    u["name"] = json!({"givenName": "B"});
    let r = h.post("/Users", u.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let before = snapshot(&h).await;

    let mut over = u.clone();
    over["userName"] = json!("v@example.com"); // 13 > 12
    let r = h.post("/Users", over).await;
    assert_rejected(
        &r,
        400,
        Some("invalidValue"),
        &["userName", "12 characters"],
    );
    let mut over = u.clone();
    over["displayName"] = json!(format!("{ten}x"));
    let r = h.put(&format!("/Users/{id}"), over).await;
    assert_rejected(
        &r,
        400,
        Some("invalidValue"),
        &["displayName", "10 characters"],
    );
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "add", "path": "emails", "value": [{"value": "abcdefghijk"}]}])),
        )
        .await;
    assert_rejected(&r, 400, Some("invalidValue"), &["emails", "10 characters"]);
    assert_eq!(snapshot(&h).await, before);
}

// ---------------------------------------------------------------------------------------
// Bearer token length (auth::MAX_TOKEN_LEN): 401 without asking the verifier.

struct AnyLongToken;

#[async_trait::async_trait]
impl scimitar::TokenVerifier for AnyLongToken {
    async fn verify(&self, token: &str) -> Result<scimitar::TenantId, scimitar::Error> {
        assert!(
            token.len() <= scimitar::auth::MAX_TOKEN_LEN,
            "verifier saw an oversized token"
        );
        Ok(scimitar::TenantId::new("tenant-a"))
    }
}

#[tokio::test]
async fn bearer_token_length_limit() {
    let h = Harness::with(|b| b.tokens(std::sync::Arc::new(AnyLongToken))).await;
    let max = scimitar::auth::MAX_TOKEN_LEN;
    let at = "a".repeat(max);
    let r = h.call_as(&at, Method::GET, "/Users", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = h
        .call_as(&at, Method::POST, "/Users", Some(user("t@example.com")))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let over = "a".repeat(max + 1);
    let r = h
        .call_as(&over, Method::POST, "/Users", Some(user("t2@example.com")))
        .await;
    r.assert_error(401, None);
    assert!(
        !r.raw.windows(64).any(|w| w == &over.as_bytes()[..64]),
        "token echoed"
    );
    let r = h.call_as(&at, Method::GET, "/Users", None).await;
    assert_eq!(r.body["totalResults"], 1);
}

// ---------------------------------------------------------------------------------------
// ETag preconditions: garbage in If-Match is a 412 and changes nothing.

#[tokio::test]
async fn if_match_garbage_is_412_and_changes_nothing() {
    let h = Harness::new().await;
    let id = h.create_user("etag@example.com").await;
    let gid = h.create_group("etag", &[]).await;
    let before = snapshot(&h).await;
    let auth = format!("Bearer {}", h.token_a);
    let long = format!("W/\"{}\"", "9".repeat(10_000));
    for tag in [
        "garbage",
        "W/\"abc\"",
        "\"18446744073709551616\"",
        "\"-1\"",
        "W/",
        "\"",
        ",,,,",
        long.as_str(),
    ] {
        for (method, path, body) in [
            (
                Method::PUT,
                format!("/Users/{id}"),
                user("etag@example.com"),
            ),
            (
                Method::PATCH,
                format!("/Users/{id}"),
                patch_op(json!([{"op": "replace", "path": "title", "value": "x"}])),
            ),
            (
                Method::PATCH,
                format!("/Groups/{gid}"),
                patch_op(json!([{"op": "replace", "path": "displayName", "value": "x"}])),
            ),
            (Method::DELETE, format!("/Users/{id}"), Value::Null),
            (Method::DELETE, format!("/Groups/{gid}"), Value::Null),
        ] {
            let bytes = if body.is_null() {
                Vec::new()
            } else {
                serde_json::to_vec(&body).unwrap()
            };
            let r = h
                .raw(
                    method.clone(),
                    &path,
                    &[
                        ("authorization", auth.as_str()),
                        ("content-type", "application/scim+json"),
                        ("if-match", tag),
                    ],
                    bytes,
                )
                .await;
            assert_rejected(&r, 412, None, &["if-match"]);
        }
    }
    assert_eq!(snapshot(&h).await, before);
}

// ---------------------------------------------------------------------------------------
// Inputs bounded only by the body (or URL) size: they must still be cheap and never fail
// with anything but a 4xx.

#[tokio::test]
async fn many_attribute_paths_in_one_request_are_fine() {
    let h = Harness::new().await;
    for i in 0..50 {
        h.create_user(&format!("a{i}")).await;
    }
    // About 1 MiB of `attributes` and `excludedAttributes` entries.
    let paths: Vec<&str> = vec!["name.givenName"; 28_000];
    let excluded: Vec<&str> = vec!["emails.value"; 28_000];
    let started = std::time::Instant::now();
    let r = h
        .post(
            "/Users/.search",
            search(json!({"attributes": paths, "excludedAttributes": excluded})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["itemsPerPage"], 50);
    assert_eq!(
        r.body["Resources"][0]["name"],
        json!({"givenName": "Barbara"})
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn many_unknown_members_in_a_body_are_ignored() {
    let h = Harness::new().await;
    let mut u = user("keys@example.com");
    let obj = u.as_object_mut().unwrap();
    for i in 0..50_000 {
        obj.insert(format!("k{i}"), json!(i));
    }
    let started = std::time::Instant::now();
    let r = h.post("/Users", u).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.get("k1").is_none());
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[tokio::test]
async fn attribute_paths_are_at_most_8_kib() {
    let h = Harness::new().await;
    let id = h.create_user("ap@example.com").await;
    let max = FilterLimits::DEFAULT_MAX_LEN;
    // An unknown attribute name of the given length: ignored at the limit.
    let name = |len: usize| "a".repeat(len);
    for q in ["attributes", "excludedAttributes", "sortBy"] {
        for ep in ["/Users".to_owned(), format!("/Users/{id}")] {
            if q == "sortBy" && ep != "/Users" {
                continue;
            }
            let r = h.get(&format!("{ep}?{q}={}", name(max))).await;
            assert_eq!(r.status, 200, "{ep}?{q}: {}", r.body);
            let r = h.get(&format!("{ep}?{q}={}", name(max + 1))).await;
            assert_rejected(&r, 400, Some("invalidValue"), &[q, "longer than 8192"]);
        }
        let r = h
            .post("/Users/.search", search(json!({ q: name(max + 1) })))
            .await;
        assert_rejected(&r, 400, Some("invalidValue"), &[q, "longer than 8192"]);
    }
}
