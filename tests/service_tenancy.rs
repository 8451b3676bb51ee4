//! Tenant isolation and bearer-token lifecycle at the HTTP level.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use http::Method;
use scimitar::TenantId;
use serde_json::json;
use service_support::*;

#[tokio::test]
async fn tenant_b_cannot_reach_tenant_a() {
    let h = Harness::new().await;
    let uid = h.create_user("alice@a.example").await;
    let gid = h.create_group("A team", &[&uid]).await;
    let b = h.token_b.clone();

    for (path, kind) in [
        (format!("/Users/{uid}"), "User"),
        (format!("/Groups/{gid}"), "Group"),
    ] {
        h.call_as(&b, Method::GET, &path, None)
            .await
            .assert_error(404, None);
        let body = if kind == "User" {
            user("alice@a.example")
        } else {
            json!({"schemas": [GROUP_SCHEMA], "displayName": "stolen"})
        };
        h.call_as(&b, Method::PUT, &path, Some(body))
            .await
            .assert_error(404, None);
        let p = patch_op(json!([{"op": "replace", "path": "displayName", "value": "pwned"}]));
        h.call_as(&b, Method::PATCH, &path, Some(p))
            .await
            .assert_error(404, None);
        h.call_as(&b, Method::DELETE, &path, None)
            .await
            .assert_error(404, None);
    }

    // Lists, filters and .search see nothing of A.
    for path in [
        "/Users",
        "/Groups",
        "/Users?filter=userName+eq+%22alice%40a.example%22",
        "/Groups?filter=displayName+eq+%22A+team%22",
        &format!("/Groups?filter=members%5Bvalue+eq+%22{uid}%22%5D"),
    ] {
        let r = h.call_as(&b, Method::GET, path, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body["totalResults"], 0, "{path}");
    }
    for path in ["/.search", "/Users/.search", "/Groups/.search"] {
        let r = h
            .call_as(&b, Method::POST, path, Some(search(json!({}))))
            .await;
        assert_eq!(r.body["totalResults"], 0, "{path}");
    }

    // B cannot add A's user to its own group either.
    let r = h
        .call_as(
            &b,
            Method::POST,
            "/Groups",
            Some(
                json!({"schemas": [GROUP_SCHEMA], "displayName": "B", "members": [{"value": uid}]}),
            ),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));

    // The same userName is free in tenant B.
    let r = h
        .call_as(&b, Method::POST, "/Users", Some(user("alice@a.example")))
        .await;
    assert_eq!(r.status, 201);

    // A's data is untouched.
    let r = h.get(&format!("/Groups/{gid}")).await;
    assert_eq!(r.body["displayName"], "A team");
    assert_eq!(r.body["members"][0]["value"], json!(uid));
    assert_eq!(h.get("/Users").await.body["totalResults"], 1);
}

#[tokio::test]
async fn tokens_rotate_revoke_disable() {
    let h = Harness::new().await;
    let a = TenantId::new("tenant-a");
    let old = h.token_a.clone();
    let ok = |r: &Resp| assert_eq!(r.status, 200, "{}", r.body);

    let rotated = h.tokens.rotate(&a).await.unwrap();
    let new = rotated.secret().to_owned();
    ok(&h.call_as(&old, Method::GET, "/Users", None).await);
    ok(&h.call_as(&new, Method::GET, "/Users", None).await);

    let status = h.tokens.status(&a).await.unwrap();
    let old_id = status.tokens[0].id.clone();
    h.tokens.revoke(&a, &old_id).await.unwrap();
    h.call_as(&old, Method::GET, "/Users", None)
        .await
        .assert_error(401, None);
    ok(&h.call_as(&new, Method::GET, "/Users", None).await);

    h.tokens.disable(&a).await.unwrap();
    let r = h.call_as(&new, Method::GET, "/Users", None).await;
    r.assert_error(401, None);
    assert!(r.header("www-authenticate").is_some());
    // Tenant B is unaffected.
    let b = h.token_b.clone();
    ok(&h.call_as(&b, Method::GET, "/Users", None).await);
}

#[tokio::test]
async fn token_hashes_at_rest() {
    let h = Harness::new().await;
    let records = h.tokens.store().records();
    assert_eq!(records.len(), 2);
    let dump = format!("{records:?}");
    assert!(!dump.contains(&h.token_a));
    assert!(!dump.contains(&h.token_b));
    // Nor in the service's own Debug output.
    assert!(!format!("{:?}", h.svc).contains(&h.token_a));
}

#[tokio::test]
async fn custom_attributes_are_per_tenant() {
    use scimitar::schema::{AttributeDef, AttributeType};
    let h = Harness::new().await;
    let urn = "urn:example:scim:schemas:extension:acme:2.0:User";
    h.svc
        .schema_registry()
        .add_user_attribute(
            &TenantId::new("tenant-a"),
            urn,
            "AcmeUser",
            AttributeDef::new("costCenter", AttributeType::String),
        )
        .unwrap();
    let mut body = user("cc@a.example");
    body["schemas"] = json!([USER_SCHEMA, urn]);
    body[urn] = json!({"costCenter": "42"});
    let r = h.post("/Users", body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body[urn]["costCenter"], "42");
    let s = h.get(&format!("/Schemas/{urn}")).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.body["attributes"][0]["name"], "costCenter");
    // Tenant B does not know the schema.
    let b = h.token_b.clone();
    h.call_as(&b, Method::GET, &format!("/Schemas/{urn}"), None)
        .await
        .assert_error(404, None);
    let r = h.call_as(&b, Method::POST, "/Users", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.get(urn).is_none());
}

/// The `X-Request-Id` every response carries must not let one tenant count another's
/// requests: with a service-wide counter, the gap between two of A's ids was the number of
/// requests everyone else made in between.
#[tokio::test]
async fn request_ids_do_not_count_other_tenants_requests() {
    let h = Harness::new().await;
    let b = h.token_b.clone();
    let id = |r: &Resp| r.header("x-request-id").unwrap().to_owned();
    let first = id(&h.get("/Users").await);
    let second = id(&h.get("/Users").await);
    for _ in 0..5 {
        h.call_as(&b, Method::GET, "/Users", None).await;
    }
    let third = id(&h.get("/Users").await);
    let gap = |x: &str, y: &str| match (x.parse::<u64>(), y.parse::<u64>()) {
        (Ok(x), Ok(y)) => Some(y.wrapping_sub(x)),
        _ => None,
    };
    assert_ne!(gap(&first, &second), Some(1), "{first} then {second}");
    assert_ne!(gap(&second, &third), Some(6), "{second} then {third}");
    assert!(first != second && second != third && first != third);
}

/// Every tenant reads the same URLs (`/Users`, `/Users?filter=...`); only the bearer token
/// tells them apart. A shared cache keyed on the URL (a CDN told to "cache everything")
/// would hand one tenant's users to another, so no SCIM response may be stored.
#[tokio::test]
async fn no_response_may_be_cached() {
    let h = Harness::new().await;
    let uid = h.create_user("cache@a.example").await;
    let user = format!("/Users/{uid}");
    let mut responses = vec![
        (
            "create",
            h.post("/Users", service_support::user("c2@a.example"))
                .await,
        ),
        ("get", h.get(&user).await),
        ("list", h.get("/Users?filter=userName+pr").await),
        ("search", h.post("/.search", search(json!({}))).await),
        ("schemas", h.get("/Schemas").await),
        ("config", h.get("/ServiceProviderConfig").await),
        ("not found", h.get("/Users/nope").await),
        (
            "unauthenticated",
            h.raw(Method::GET, "/Users", &[], "").await,
        ),
    ];
    let auth = format!("Bearer {}", h.token_a);
    responses.push((
        "not modified",
        h.raw(
            Method::GET,
            &user,
            &[("authorization", &auth), ("if-none-match", "*")],
            "",
        )
        .await,
    ));
    for (what, r) in &responses {
        assert_eq!(
            r.header("cache-control"),
            Some("no-store"),
            "{what}: {}",
            r.body
        );
    }
    // Hosts answering before the service (e.g. a 413) render the same way.
    let e = scimitar::Error::new(scimitar::ErrorKind::PayloadTooLarge, "too large");
    let r = e.to_response();
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

/// The same answer, byte for byte, whatever is wrong with the credential: nothing tells an
/// unknown token from a revoked one, a disabled tenant's, a malformed or an oversized one.
#[tokio::test]
async fn every_failed_credential_gets_the_same_answer() {
    use bytes::Bytes;
    use http::{HeaderValue, Request};

    let h = Harness::new().await;
    let a = TenantId::new("tenant-a");
    let revoked = h.tokens.rotate(&a).await.unwrap();
    h.tokens.revoke(&a, revoked.id()).await.unwrap();
    let disabled = h.token_b.clone();
    h.tokens.disable(&TenantId::new("tenant-b")).await.unwrap();

    let bearer = |t: &str| HeaderValue::from_str(&format!("Bearer {t}")).unwrap();
    let cases: Vec<(&str, Vec<HeaderValue>)> = vec![
        ("missing", vec![]),
        (
            "basic",
            vec![HeaderValue::from_static("Basic dXNlcjpwYXNz")],
        ),
        ("bare", vec![HeaderValue::from_static("non-token")]),
        ("malformed", vec![HeaderValue::from_static("Bearer a,b")]),
        ("unknown", vec![bearer("scim_unknownunknownunknownunknown")]),
        ("revoked", vec![bearer(revoked.secret())]),
        ("disabled tenant", vec![bearer(&disabled)]),
        ("oversized", vec![bearer(&"a".repeat(64 * 1024))]),
        (
            "not UTF-8",
            vec![HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap()],
        ),
        // A valid token next to another: ambiguous, refused rather than guessed at.
        (
            "two headers",
            vec![bearer(&h.token_a), bearer("scim_other")],
        ),
    ];
    let mut answers = Vec::new();
    for (what, values) in cases {
        let mut req = Request::get(format!("{BASE}/Users")).header("host", HOST);
        for v in values {
            req = req.header("authorization", v);
        }
        let resp = h.svc.handle(req.body(Bytes::new()).unwrap()).await;
        assert_eq!(resp.status(), 401, "{what}");
        let mut headers = resp.headers().clone();
        assert!(headers.remove("x-request-id").is_some(), "{what}");
        assert_eq!(
            headers.get("www-authenticate").unwrap(),
            "Bearer realm=\"SCIM\"",
            "{what}"
        );
        answers.push((what, headers, resp.into_body()));
    }
    let (_, headers, body) = &answers[0];
    for (what, h2, b2) in &answers {
        assert_eq!(h2, headers, "{what}");
        assert_eq!(b2, body, "{what}");
    }
    // Tenant A's current token still works: the failures above were about the credential.
    assert_eq!(h.get("/Users").await.status, 200);
}

/// Ids are global UUIDs, so another tenant's id must answer exactly as an id that exists
/// nowhere: same status, same detail, whatever precondition headers come with it, and a
/// member reference to it is refused the same way. Nothing reveals that it exists.
#[tokio::test]
async fn another_tenants_ids_answer_like_unknown_ids() {
    let h = Harness::new().await;
    let uid = h.create_user("probe@a.example").await;
    let gid = h.create_group("A probe", &[&uid]).await;
    let b = h.token_b.clone();
    let auth = format!("Bearer {b}");
    let unknown = "0f8fad5b-d9cb-469f-a165-70867728950e";

    // What B gets for `id`, with `id` written as ID so that answers can be compared.
    let answer = |r: Resp, id: &str| {
        let mut headers = r.headers.clone();
        headers.remove("x-request-id");
        (
            r.status,
            format!("{headers:?}"),
            r.body.to_string().replace(id, "ID"),
        )
    };
    let put_user = service_support::user("probe@a.example");
    let put_group = json!({"schemas": [GROUP_SCHEMA], "displayName": "B"});
    let patch = patch_op(json!([{"op": "replace", "path": "displayName", "value": "x"}]));
    for (kind, real) in [("Users", &uid), ("Groups", &gid)] {
        let put = if kind == "Users" {
            &put_user
        } else {
            &put_group
        };
        for (method, body) in [
            (Method::GET, None),
            (Method::PUT, Some(put)),
            (Method::PATCH, Some(&patch)),
            (Method::DELETE, None),
        ] {
            for precondition in [
                None,
                Some(("if-match", "*")),
                Some(("if-match", "W/\"1\"")),
                Some(("if-match", "W/\"999\"")),
                Some(("if-none-match", "*")),
                Some(("if-none-match", "W/\"1\"")),
            ] {
                let mut answers = Vec::new();
                for id in [real.as_str(), unknown] {
                    let mut headers = vec![("authorization", auth.as_str())];
                    headers.extend(precondition);
                    let bytes = match body {
                        Some(b) => {
                            headers.push(("content-type", "application/scim+json"));
                            serde_json::to_vec(b).unwrap()
                        }
                        None => Vec::new(),
                    };
                    let r = h
                        .raw(method.clone(), &format!("/{kind}/{id}"), &headers, bytes)
                        .await;
                    assert_eq!(
                        r.status, 404,
                        "{method} {kind} {precondition:?}: {}",
                        r.body
                    );
                    answers.push(answer(r, id));
                }
                assert_eq!(answers[0], answers[1], "{method} {kind} {precondition:?}");
            }
        }
    }

    // B's own group: a member naming A's user or group is refused as an unknown id is.
    let own = h
        .call_as(
            &b,
            Method::POST,
            "/Groups",
            Some(json!({"schemas": [GROUP_SCHEMA], "displayName": "B team"})),
        )
        .await
        .id();
    for foreign in [&uid, &gid] {
        for kind in [None, Some("User"), Some("Group")] {
            let member = |id: &str| {
                let mut m = json!({"value": id});
                if let Some(k) = kind {
                    m["type"] = json!(k);
                }
                m
            };
            let requests = |id: &str| {
                vec![
                    (
                        Method::POST,
                        "/Groups".to_owned(),
                        json!({"schemas": [GROUP_SCHEMA], "displayName": "C", "members": [member(id)]}),
                    ),
                    (
                        Method::PUT,
                        format!("/Groups/{own}"),
                        json!({"schemas": [GROUP_SCHEMA], "displayName": "B team", "members": [member(id)]}),
                    ),
                    (
                        Method::PATCH,
                        format!("/Groups/{own}"),
                        patch_op(json!([{"op": "add", "path": "members", "value": [member(id)]}])),
                    ),
                    (
                        Method::PATCH,
                        format!("/Groups/{own}"),
                        patch_op(
                            json!([{"op": "replace", "path": "members", "value": [member(id)]}]),
                        ),
                    ),
                ]
            };
            for ((m, path, body), (_, _, unknown_body)) in
                requests(foreign).into_iter().zip(requests(unknown))
            {
                let r1 = h.call_as(&b, m.clone(), &path, Some(body)).await;
                let r2 = h.call_as(&b, m.clone(), &path, Some(unknown_body)).await;
                r1.assert_error(400, Some("invalidValue"));
                assert_eq!(
                    answer(r1, foreign),
                    answer(r2, unknown),
                    "{m} {path} {kind:?}"
                );
            }
        }
    }
    // Nothing of A changed.
    let r = h.get(&format!("/Groups/{gid}")).await;
    assert_eq!(r.body["displayName"], "A probe");
    assert_eq!(r.body["meta"]["version"], "W/\"1\"");
    assert_eq!(
        h.get(&format!("/Users/{uid}")).await.body["meta"]["version"],
        "W/\"1\""
    );
}
