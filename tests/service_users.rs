//! `/Users`: create, read, replace, delete, lists, projections and preconditions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use http::Method;
use serde_json::json;
use service_support::*;

#[tokio::test]
async fn create_returns_201_location_etag_and_resource() {
    let h = Harness::new().await;
    let r = h.post("/Users", user("bjensen@example.com")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let loc = format!("http://{HOST}{BASE}/Users/{id}");
    assert_eq!(r.header("location"), Some(loc.as_str()));
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
    assert_eq!(r.body["meta"]["location"], json!(loc));
    assert_eq!(r.body["meta"]["resourceType"], "User");
    assert_eq!(r.header("etag"), r.body["meta"]["version"].as_str());
    assert_eq!(r.body["userName"], "bjensen@example.com");
    assert!(r.body["schemas"]
        .as_array()
        .unwrap()
        .contains(&json!(USER_SCHEMA)));
    assert_eq!(r.body["active"], true);
}

#[tokio::test]
async fn public_url_drives_locations() {
    let h = Harness::with(|b| b.public_url(Some("https://app.example.com/scim/v2/".into()))).await;
    let r = h.post("/Users", user("a@example.com")).await;
    let loc = format!("https://app.example.com/scim/v2/Users/{}", r.id());
    assert_eq!(r.header("location"), Some(loc.as_str()));
    assert_eq!(r.body["meta"]["location"], json!(loc));
}

/// Behind a TLS-terminating proxy without `public_url`, locations take the scheme the
/// proxy reports; anything but `http`/`https` is ignored.
#[tokio::test]
async fn forwarded_proto_sets_the_location_scheme() {
    let h = Harness::new().await;
    let auth = format!("Bearer {}", h.token_a);
    let ct = ("content-type", "application/scim+json");
    let body = |n: &str| serde_json::to_vec(&user(n)).unwrap();
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[], "http"),
        (&[("x-forwarded-proto", "https")], "https"),
        (&[("x-forwarded-proto", "HTTPS, http")], "https"),
        (
            &[("forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43")],
            "https",
        ),
        (&[("x-forwarded-proto", "javascript")], "http"),
        (&[("x-forwarded-proto", "https://evil.example")], "http"),
    ];
    for (i, (extra, scheme)) in cases.into_iter().enumerate() {
        let mut headers = vec![("authorization", auth.as_str()), ct];
        headers.extend_from_slice(extra);
        let r = h
            .raw(
                Method::POST,
                "/Users",
                &headers,
                body(&format!("u{i}@example.com")),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let loc = format!("{scheme}://{HOST}{BASE}/Users/{}", r.id());
        assert_eq!(r.header("location"), Some(loc.as_str()), "{extra:?}");
        assert_eq!(r.body["meta"]["location"], json!(loc), "{extra:?}");
    }
    // An absolute request URI (HTTP/2 `:scheme`) wins over the header.
    let r = h
        .raw(
            Method::GET,
            &format!("https://{HOST}{BASE}/ServiceProviderConfig"),
            &[
                ("authorization", auth.as_str()),
                ("x-forwarded-proto", "http"),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["meta"]["location"],
        json!(format!("https://{HOST}{BASE}/ServiceProviderConfig"))
    );
}

#[tokio::test]
async fn client_read_only_values_are_ignored_and_password_never_returned() {
    let h = Harness::new().await;
    let mut body = user("okta@example.com");
    body["id"] = json!("client-chosen");
    body["meta"] = json!({"resourceType": "User"});
    body["groups"] = json!([]);
    body["password"] = json!("t1meMa$heen");
    let r = h.post("/Users", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_ne!(r.id(), "client-chosen");
    assert!(r.body.get("password").is_none());
    let g = h.get(&format!("/Users/{}", r.id())).await;
    assert!(g.body.get("password").is_none());
    assert!(!String::from_utf8_lossy(&g.raw).contains("t1meMa$heen"));
}

#[tokio::test]
async fn get_unknown_is_404() {
    let h = Harness::new().await;
    h.get("/Users/010101001010101011001010101011")
        .await
        .assert_error(404, None);
    h.get("/Users/0").await.assert_error(404, None);
}

#[tokio::test]
async fn get_honours_if_none_match() {
    let h = Harness::new().await;
    let id = h.create_user("etag@example.com").await;
    let r = h.get(&format!("/Users/{id}")).await;
    let etag = r.header("etag").unwrap().to_owned();
    let auth = format!("Bearer {}", h.token_a);
    let r = h
        .raw(
            Method::GET,
            &format!("/Users/{id}"),
            &[("authorization", &auth), ("if-none-match", &etag)],
            "",
        )
        .await;
    assert_eq!(r.status, 304);
    assert!(r.raw.is_empty());
    let r = h
        .raw(
            Method::GET,
            &format!("/Users/{id}"),
            &[("authorization", &auth), ("if-none-match", "W/\"999\"")],
            "",
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn projection_attributes_and_excluded() {
    let h = Harness::new().await;
    let id = h.create_user("proj@example.com").await;
    let r = h.get(&format!("/Users/{id}?attributes=userName")).await;
    assert_eq!(r.body["userName"], "proj@example.com");
    assert!(r.body.get("emails").is_none());
    assert_eq!(r.body["id"], json!(id));
    let r = h
        .get(&format!("/Users/{id}?excludedAttributes=emails,name"))
        .await;
    assert!(r.body.get("emails").is_none());
    assert!(r.body.get("name").is_none());
    assert_eq!(r.body["userName"], "proj@example.com");
}

#[tokio::test]
async fn put_replaces_and_never_creates() {
    let h = Harness::new().await;
    h.put("/Users/does-not-exist", user("x@example.com"))
        .await
        .assert_error(404, None);
    assert_eq!(
        h.get("/Users?filter=userName%20eq%20%22x@example.com%22")
            .await
            .body["totalResults"],
        0
    );

    let id = h.create_user("put@example.com").await;
    // Okta sends back what it fetched: id, meta, schemas, groups.
    let mut fetched = h.get(&format!("/Users/{id}")).await.body;
    fetched["name"]["givenName"] = json!("Babs");
    fetched["active"] = json!(false);
    fetched["groups"] = json!([]);
    let r = h.put(&format!("/Users/{id}"), fetched).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"]["givenName"], "Babs");
    assert_eq!(r.body["active"], false);
    assert_eq!(r.id(), id);
    // Deactivated users stay visible.
    let g = h.get(&format!("/Users/{id}")).await;
    assert_eq!(g.body["active"], false);
}

#[tokio::test]
async fn if_match_mismatch_is_412() {
    let h = Harness::new().await;
    let id = h.create_user("im@example.com").await;
    let auth = format!("Bearer {}", h.token_a);
    let body = serde_json::to_vec(&user("im@example.com")).unwrap();
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/scim+json"),
        ("if-match", "W/\"41\""),
    ];
    let r = h
        .raw(Method::PUT, &format!("/Users/{id}"), &headers, body.clone())
        .await;
    r.assert_error(412, None);
    let r = h
        .raw(
            Method::DELETE,
            &format!("/Users/{id}"),
            &headers[..1]
                .iter()
                .chain(&headers[2..])
                .copied()
                .collect::<Vec<_>>(),
            "",
        )
        .await;
    r.assert_error(412, None);
    let current = h
        .get(&format!("/Users/{id}"))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let ok = [
        ("authorization", auth.as_str()),
        ("content-type", "application/scim+json"),
        ("if-match", current.as_str()),
    ];
    let r = h
        .raw(Method::PUT, &format!("/Users/{id}"), &ok, body.clone())
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_ne!(r.header("etag"), Some(current.as_str()));
    let star = [
        ("authorization", auth.as_str()),
        ("content-type", "application/scim+json"),
        ("if-match", "*"),
    ];
    let r = h
        .raw(Method::PUT, &format!("/Users/{id}"), &star, body)
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn delete_is_204_then_404() {
    let h = Harness::new().await;
    let id = h.create_user("del@example.com").await;
    let r = h.delete(&format!("/Users/{id}")).await;
    assert_eq!(r.status, 204);
    assert!(r.raw.is_empty());
    h.get(&format!("/Users/{id}")).await.assert_error(404, None);
    h.delete(&format!("/Users/{id}"))
        .await
        .assert_error(404, None);
    h.put(&format!("/Users/{id}"), user("del@example.com"))
        .await
        .assert_error(404, None);
    let l = h
        .get("/Users?filter=userName%20eq%20%22del@example.com%22")
        .await;
    assert_eq!(l.body["totalResults"], 0);
}

#[tokio::test]
async fn list_pages_with_integer_counters() {
    let h = Harness::new().await;
    for i in 0..5 {
        h.create_user(&format!("page{i}@example.com")).await;
    }
    let r = h.get("/Users?startIndex=1&count=2").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["schemas"], json!([LIST]));
    assert_eq!(r.body["totalResults"], json!(5));
    assert_eq!(r.body["startIndex"], json!(1));
    assert_eq!(r.body["itemsPerPage"], json!(2));
    let first: Vec<_> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].clone())
        .collect();
    let r = h.get("/Users?startIndex=3&count=2").await;
    let second: Vec<_> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].clone())
        .collect();
    assert_eq!(
        first,
        [json!("page0@example.com"), json!("page1@example.com")]
    );
    assert_eq!(
        second,
        [json!("page2@example.com"), json!("page3@example.com")]
    );
    let r = h.get("/Users?startIndex=5&count=100").await;
    assert_eq!(r.body["itemsPerPage"], 1);
    let r = h.get("/Users?count=0").await;
    assert_eq!(r.body["totalResults"], 5);
    assert_eq!(r.body["itemsPerPage"], 0);
    let r = h.get("/Users?startIndex=0&count=-3").await;
    assert_eq!(r.body["startIndex"], 1);
    assert_eq!(r.body["itemsPerPage"], 0);
}

#[tokio::test]
async fn filters_with_plus_and_percent_encodings() {
    let h = Harness::new().await;
    let id = h.create_user("test.user@okta.local").await;
    for q in [
        "filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
        "filter=userName+eq+%22test.user%40okta.local%22",
        "filter=USERNAME+EQ+%22TEST.USER%40OKTA.LOCAL%22",
    ] {
        let r = h.get(&format!("/Users?{q}")).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(r.body["totalResults"], 1, "{q}");
        assert_eq!(r.body["Resources"][0]["id"], json!(id));
    }
    let r = h.get("/Users?filter=userName+eq+%22nobody%22").await;
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"], json!([]));
}

#[tokio::test]
async fn search_endpoints() {
    let h = Harness::new().await;
    h.create_user("s1@example.com").await;
    h.create_user("s2@example.com").await;
    h.create_group("Searchers", &[]).await;
    let r = h
        .post(
            "/Users/.search",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                   "filter": "userName sw \"s\"", "startIndex": 1, "count": 1,
                   "attributes": ["userName"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totalResults"], 2);
    assert_eq!(r.body["itemsPerPage"], 1);
    assert!(r.body["Resources"][0].get("emails").is_none());
    h.post("/.search", json!({}))
        .await
        .assert_error(400, Some("invalidSyntax"));
    let r = h.post("/.search", search(json!({}))).await;
    assert_eq!(r.body["totalResults"], 3);
    assert_eq!(r.body["Resources"].as_array().unwrap().len(), 3);
    let r = h
        .post("/.search", search(json!({"startIndex": 2, "count": 2})))
        .await;
    assert_eq!(r.body["Resources"][0]["userName"], "s2@example.com");
    assert_eq!(r.body["Resources"][1]["displayName"], "Searchers");
    let r = h
        .post(
            "/.search",
            search(json!({"filter": "displayName eq \"Searchers\""})),
        )
        .await;
    assert_eq!(r.body["totalResults"], 1);
    h.post("/Users/.search", search(json!({"count": "x"})))
        .await
        .assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn string_boolean_active_is_stored_as_boolean() {
    let h = Harness::new().await;
    let mut u = user("str@example.com");
    u["active"] = json!("True");
    let r = h.post("/Users", u).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["active"], true);
}

#[tokio::test]
async fn trailing_slash_tolerated() {
    let h = Harness::new().await;
    assert_eq!(h.get("/Users/").await.status, 200);
    let id = h.create_user("slash@example.com").await;
    assert_eq!(h.get(&format!("/Users/{id}/")).await.status, 200);
}

#[tokio::test]
async fn sort_by_user_name() {
    let h = Harness::new().await;
    for n in ["carol@example.com", "alice@example.com", "bob@example.com"] {
        h.create_user(n).await;
    }
    let names = |r: &Resp| -> Vec<String> {
        r.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["userName"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = h.get("/Users?sortBy=userName").await;
    assert_eq!(
        names(&r),
        ["alice@example.com", "bob@example.com", "carol@example.com"]
    );
    let r = h
        .get("/Users?sortBy=userName&sortOrder=descending&count=2")
        .await;
    assert_eq!(names(&r), ["carol@example.com", "bob@example.com"]);
    h.get("/Users?sortOrder=sideways")
        .await
        .assert_error(400, Some("invalidValue"));
}
