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
