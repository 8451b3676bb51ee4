//! Every client mistake maps to its status and `scimType`; never a 500.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use http::Method;
use serde_json::json;
use service_support::*;

#[tokio::test]
async fn missing_credentials_are_401_with_challenge() {
    let h = Harness::new().await;
    let r = h.raw(Method::GET, "/Users", &[], "").await;
    r.assert_error(401, None);
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"SCIM\""));
}

#[tokio::test]
async fn okta_non_token_is_401() {
    let h = Harness::new().await;
    let r = h
        .raw(
            Method::GET,
            "/Users?count=1&startIndex=1",
            &[("authorization", "non-token")],
            "",
        )
        .await;
    r.assert_error(401, None);
    assert_eq!(r.body["status"], "401");
    assert!(r.header("www-authenticate").is_some());
}

#[tokio::test]
async fn unknown_and_malformed_tokens_are_401() {
    let h = Harness::new().await;
    for auth in [
        "Bearer nope-not-a-token-at-all",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer a b",
    ] {
        let r = h
            .raw(Method::GET, "/Users", &[("authorization", auth)], "")
            .await;
        r.assert_error(401, None);
        assert!(
            !r.body.to_string().contains("nope-not"),
            "credential echoed"
        );
    }
}

#[tokio::test]
async fn discovery_requires_auth() {
    let h = Harness::new().await;
    for p in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"] {
        h.raw(Method::GET, p, &[], "").await.assert_error(401, None);
    }
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let h = Harness::new().await;
    for p in ["/Nope", "/Users/a/b", "/scim/v22/Users"] {
        h.get(p).await.assert_error(404, None);
    }
    // Outside the base path: 404 even without credentials.
    let req = http::Request::get("/other/Users")
        .body(bytes::Bytes::new())
        .unwrap();
    assert_eq!(h.svc.handle(req).await.status(), 404);
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let h = Harness::new().await;
    let r = h.call(Method::DELETE, "/Users", None).await;
    r.assert_error(405, None);
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = h.call(Method::POST, "/Users/abc", Some(json!({}))).await;
    r.assert_error(405, None);
    assert_eq!(r.header("allow"), Some("GET, PUT, PATCH, DELETE"));
    let r = h.call(Method::PUT, "/Schemas", Some(json!({}))).await;
    assert_eq!(r.header("allow"), Some("GET"));
    let r = h.get("/Users/.search").await;
    r.assert_error(405, None);
    assert_eq!(r.header("allow"), Some("POST"));
}

#[tokio::test]
async fn bulk_and_me_are_501() {
    let h = Harness::new().await;
    h.post("/Bulk", json!({})).await.assert_error(501, None);
    h.get("/Me").await.assert_error(501, None);
}

#[tokio::test]
async fn other_media_types_are_415() {
    let h = Harness::new().await;
    let auth = format!("Bearer {}", h.token_a);
    for ct in ["text/plain", "application/x-www-form-urlencoded"] {
        let r = h
            .raw(
                Method::POST,
                "/Users",
                &[("authorization", &auth), ("content-type", ct)],
                serde_json::to_vec(&user("a@example.com")).unwrap(),
            )
            .await;
        r.assert_error(415, None);
    }
}

#[tokio::test]
async fn json_media_types_are_accepted() {
    let h = Harness::new().await;
    let auth = format!("Bearer {}", h.token_a);
    for (i, ct) in [
        Some("application/json"),
        Some("application/scim+json"),
        Some("application/scim+json; charset=utf-8"),
        Some("APPLICATION/JSON; Charset=UTF-8"),
        None,
    ]
    .into_iter()
    .enumerate()
    {
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(ct) = ct {
            headers.push(("content-type", ct));
        }
        let body = serde_json::to_vec(&user(&format!("u{i}@example.com"))).unwrap();
        let r = h.raw(Method::POST, "/Users", &headers, body).await;
        assert_eq!(r.status, 201, "{ct:?}: {}", r.body);
    }
}

#[tokio::test]
async fn oversized_body_is_413() {
    let h = Harness::with(|b| {
        let mut limits = scimitar::Limits::default();
        limits.max_body_bytes = 64;
        b.limits(limits)
    })
    .await;
    let mut u = user("big@example.com");
    u["displayName"] = json!("x".repeat(100));
    h.post("/Users", u).await.assert_error(413, None);
}

#[tokio::test]
async fn default_body_limit_is_one_mib() {
    let h = Harness::new().await;
    let mut u = user("big@example.com");
    u["displayName"] = json!("x".repeat(1024 * 1024));
    h.post("/Users", u).await.assert_error(413, None);
}

#[tokio::test]
async fn malformed_json_is_invalid_syntax() {
    let h = Harness::new().await;
    let auth = format!("Bearer {}", h.token_a);
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/scim+json"),
    ];
    for body in ["{", "not json", "", "[1,2"] {
        let r = h.raw(Method::POST, "/Users", &headers, body).await;
        r.assert_error(400, Some("invalidSyntax"));
    }
    let r = h.raw(Method::POST, "/Users", &headers, "[1]").await;
    r.assert_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn non_integer_paging_is_invalid_value() {
    let h = Harness::new().await;
    for q in ["count=ten", "startIndex=1.5", "startIndex=x", "count=1e3"] {
        h.get(&format!("/Users?{q}"))
            .await
            .assert_error(400, Some("invalidValue"));
    }
}

#[tokio::test]
async fn bad_filters_are_invalid_filter() {
    let h = Harness::new().await;
    for f in [
        "userName%20eq",
        "userName%20zz%20%22x%22",
        "(userName%20eq%20%22x%22",
        "active%20gt%20true",
    ] {
        h.get(&format!("/Users?filter={f}"))
            .await
            .assert_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn missing_user_name_is_invalid_value() {
    let h = Harness::new().await;
    let r = h
        .post(
            "/Users",
            json!({"schemas": [USER_SCHEMA], "name": {"givenName": "x"}}),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    assert!(r.body["detail"].as_str().unwrap().contains("userName"));
}

#[tokio::test]
async fn duplicate_user_name_is_409_uniqueness() {
    let h = Harness::new().await;
    h.create_user("dup@example.com").await;
    h.post("/Users", user("dup@example.com"))
        .await
        .assert_error(409, Some("uniqueness"));
    // userName is caseExact: false.
    h.post("/Users", user("DUP@example.com"))
        .await
        .assert_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let h = Harness::new().await;
    let a = h.get("/Users").await;
    let b = h.raw(Method::GET, "/Users", &[], "").await;
    let (a, b) = (
        a.header("x-request-id").unwrap(),
        b.header("x-request-id").unwrap(),
    );
    assert_ne!(a, b);
}

#[tokio::test]
async fn filter_on_discovery_is_403() {
    let h = Harness::new().await;
    for p in ["/Schemas", "/ResourceTypes"] {
        h.get(&format!("{p}?filter=id%20eq%20%22x%22"))
            .await
            .assert_error(403, None);
    }
}

#[tokio::test]
async fn group_member_must_exist() {
    let h = Harness::new().await;
    let r = h
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "g", "members": [{"value": "nobody"}]}),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
}

/// A store whose every call fails, to check that failures become generic 500/503s.
struct BrokenStore {
    unavailable: bool,
}

impl BrokenStore {
    fn fail(&self) -> scimitar::store::StoreError {
        let cause: Box<dyn std::error::Error + Send + Sync> =
            "connection refused to db.internal:5432 (secret detail)".into();
        if self.unavailable {
            scimitar::store::StoreError::Unavailable(cause)
        } else {
            scimitar::store::StoreError::Other(cause)
        }
    }
}

#[async_trait::async_trait]
impl scimitar::UserStore for BrokenStore {
    async fn get(
        &self,
        _: &scimitar::TenantId,
        _: &str,
    ) -> Result<Option<scimitar::store::Resource>, scimitar::store::StoreError> {
        Err(self.fail())
    }
    async fn create(
        &self,
        _: &scimitar::TenantId,
        _: scimitar::store::NewResource,
    ) -> Result<scimitar::store::Resource, scimitar::store::StoreError> {
        Err(self.fail())
    }
    async fn replace(
        &self,
        _: &scimitar::TenantId,
        _: &str,
        _: serde_json::Map<String, serde_json::Value>,
        _: Option<u64>,
    ) -> Result<scimitar::store::Resource, scimitar::store::StoreError> {
        Err(self.fail())
    }
    async fn delete(
        &self,
        _: &scimitar::TenantId,
        _: &str,
        _: Option<u64>,
    ) -> Result<(), scimitar::store::StoreError> {
        Err(self.fail())
    }
    async fn list(
        &self,
        _: &scimitar::TenantId,
        _: &scimitar::store::StoreQuery,
    ) -> Result<scimitar::store::StorePage, scimitar::store::StoreError> {
        Err(self.fail())
    }
}

#[tokio::test]
async fn store_failures_are_generic_500_and_503() {
    for (unavailable, status) in [(false, 500), (true, 503)] {
        let h = Harness::new().await;
        let svc = scimitar::ScimService::builder()
            .users(std::sync::Arc::new(BrokenStore { unavailable }))
            .tokens(h.tokens.clone())
            .build()
            .unwrap();
        let auth = format!("Bearer {}", h.token_a);
        for (method, path, body) in [
            ("GET", "/scim/v2/Users/x", ""),
            ("GET", "/scim/v2/Users", ""),
            ("DELETE", "/scim/v2/Users/x", ""),
            (
                "POST",
                "/scim/v2/Users",
                r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}"#,
            ),
        ] {
            let req = http::Request::builder()
                .method(method)
                .uri(path)
                .header("authorization", &auth)
                .header("content-type", "application/scim+json")
                .body(bytes::Bytes::from(body))
                .unwrap();
            let resp = svc.handle(req).await;
            assert_eq!(resp.status().as_u16(), status, "{method} {path}");
            let text = String::from_utf8_lossy(resp.body()).to_string();
            assert!(!text.contains("db.internal"), "{text}");
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["status"], status.to_string());
            assert!(resp.headers().get("x-request-id").is_some());
        }
    }
}
