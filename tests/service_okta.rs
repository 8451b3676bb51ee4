//! Okta: the SCIM 2.0 SPEC test (IDP-BEHAVIOUR §2.2, steps 1–11) and the provisioning
//! engine's requests (§2.1), replayed over `ScimService::handle`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use http::Method;
use serde_json::{json, Value};
use service_support::*;

const SPEC_CT: &str = "application/scim+json; charset=utf-8";

/// A request with the SPEC test's headers; `create` uses the create steps' variant.
async fn okta(h: &Harness, method: Method, path: &str, body: Option<Value>, create: bool) -> Resp {
    let auth = format!("Bearer {}", h.token_a);
    let (accept, ct) = if create {
        ("application/scim+json; charset=utf-8", "application/json")
    } else {
        ("application/scim+json", SPEC_CT)
    };
    let headers = [
        ("authorization", auth.as_str()),
        ("accept", accept),
        ("accept-charset", "utf-8"),
        ("content-type", ct),
        ("user-agent", "OKTA SCIM Integration"),
    ];
    let bytes = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    h.raw(method, path, &headers, bytes).await
}

fn assert_user_fields(u: &Value) {
    for f in ["id", "userName"] {
        assert!(u[f].as_str().is_some_and(|s| !s.is_empty()), "{f}: {u}");
    }
    assert!(u["name"]["familyName"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(u["name"]["givenName"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(u["active"].is_boolean());
    assert!(u["emails"][0]["value"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
}

#[tokio::test]
async fn spec_test_steps_1_to_11() {
    let h = Harness::new().await;
    // The store must already hold a user.
    h.create_user("existing@example.com").await;

    // 1. Test Users endpoint.
    let r = okta(&h, Method::GET, "/Users?count=1&startIndex=1", None, false).await;
    assert_eq!(r.status, 200);
    assert!(r.body["schemas"].as_array().unwrap().contains(&json!(LIST)));
    for f in ["itemsPerPage", "startIndex", "totalResults"] {
        assert!(r.body[f].is_u64(), "{f}");
    }
    let first = r.body["Resources"][0].clone();
    assert_user_fields(&first);
    let first_id = first["id"].as_str().unwrap().to_owned();

    // 2. Get Users/{{id}}.
    let r = okta(&h, Method::GET, &format!("/Users/{first_id}"), None, false).await;
    assert_eq!(r.status, 200);
    assert_user_fields(&r.body);
    assert_eq!(r.body["id"], json!(first_id));

    // 3. Invalid user by username; 5. random user does not exist.
    for name in ["invalid-user@example.com", "random-3f9a1c@example.com"] {
        let path = format!("/Users?filter=userName%20eq%20%22{name}%22");
        let r = okta(&h, Method::GET, &path, None, false).await;
        assert_eq!(r.status, 200);
        assert!(r.body["schemas"].as_array().unwrap().contains(&json!(LIST)));
        assert_eq!(r.body["totalResults"], 0);
    }

    // 4. Invalid user by id.
    let r = okta(
        &h,
        Method::GET,
        "/Users/010101001010101011001010101011",
        None,
        false,
    )
    .await;
    r.assert_error(404, None);

    // 6. Create Okta user.
    let random = "Random.User.7d1c@example.com";
    let body = json!({
        "schemas": [USER_SCHEMA],
        "userName": random,
        "name": {"givenName": "Random", "familyName": "User"},
        "emails": [{"primary": true, "value": random, "type": "work"}],
        "displayName": "Random User",
        "active": true
    });
    let r = okta(&h, Method::POST, "/Users", Some(body.clone()), true).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["active"], true);
    assert!(!r.id().is_empty());
    assert_eq!(r.body["userName"], random);
    assert_eq!(r.body["name"]["familyName"], "User");
    assert_eq!(r.body["name"]["givenName"], "Random");
    assert!(r.body["schemas"]
        .as_array()
        .unwrap()
        .contains(&json!(USER_SCHEMA)));
    let id = r.id();

    // 7. Verify created.
    let r = okta(&h, Method::GET, &format!("/Users/{id}"), None, false).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["userName"], random);
    assert_eq!(r.body["name"]["givenName"], "Random");

    // 8. Recreate the same values.
    let r = okta(&h, Method::POST, "/Users", Some(body), true).await;
    r.assert_error(409, Some("uniqueness"));

    // 9. Username case sensitivity: found case-insensitively.
    let path = format!(
        "/Users?filter=userName%20eq%20%22{}%22",
        random.to_uppercase()
    );
    let r = okta(&h, Method::GET, &path, None, false).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["totalResults"], 1);

    // 10. 401 with `Authorization: non-token`.
    let r = h
        .raw(
            Method::GET,
            "/Users?count=1&startIndex=1",
            &[
                ("authorization", "non-token"),
                ("accept", "application/scim+json"),
            ],
            "",
        )
        .await;
    r.assert_error(401, None);
    assert_eq!(r.body["status"], "401");

    // 11. 404.
    let r = okta(&h, Method::GET, "/Users/00919288221112222", None, false).await;
    r.assert_error(404, None);
    assert_eq!(r.body["status"], "404");

    // Optional group test.
    assert_eq!(
        okta(&h, Method::GET, "/Groups", None, false).await.status,
        200
    );
}

#[tokio::test]
async fn provisioning_engine_user_lifecycle() {
    let h = Harness::new().await;
    // Existence check before create.
    let r = h
        .get("/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["totalResults"], 0);

    // Create with password and groups: [].
    let r = h
        .post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "test.user@okta.local",
                "name": {"givenName": "Test", "familyName": "User"},
                "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
                "displayName": "Test User",
                "locale": "en-US",
                "externalId": "00ujl29u0le5T6Aj10h7",
                "groups": [],
                "password": "1mz050nq",
                "active": true
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.get("password").is_none());
    let id = r.id();

    // GET then PUT of the fetched object (id, meta, schemas, groups echoed back).
    let mut fetched = h.get(&format!("/Users/{id}")).await.body;
    assert!(fetched.get("password").is_none());
    fetched["name"]["givenName"] = json!("Tess");
    fetched["groups"] = json!([]);
    let r = h.put(&format!("/Users/{id}"), fetched).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"]["givenName"], "Tess");
    assert!(r.body.get("password").is_none());

    // Deactivate via path-less PATCH, then reactivate.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);
    let r = h
        .get("/Users?filter=userName%20eq%20%22test.user%40okta.local%22")
        .await;
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["Resources"][0]["active"], false);
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "value": {"active": true}}])),
        )
        .await;
    assert_eq!(r.body["active"], true);

    // Password sync is a PATCH too; never returned.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "value": {"password": "n3wPassw0rd"}}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!String::from_utf8_lossy(&r.raw).contains("n3wPassw0rd"));

    // AIW apps deactivate with PUT.
    let mut fetched = h.get(&format!("/Users/{id}")).await.body;
    fetched["active"] = json!(false);
    assert_eq!(
        h.put(&format!("/Users/{id}"), fetched).await.body["active"],
        false
    );
}

#[tokio::test]
async fn import_pagination_is_stable() {
    let h = Harness::new().await;
    for i in 0..250 {
        h.create_user(&format!("user{i:03}@okta.local")).await;
    }
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let r = h.get(&format!("/Users?startIndex={start}&count=100")).await;
        assert!(r.body["totalResults"].is_u64());
        assert!(r.body["itemsPerPage"].is_u64());
        assert_eq!(r.body["startIndex"], json!(start));
        let page = r.body["Resources"].as_array().unwrap();
        seen.extend(
            page.iter()
                .map(|u| u["userName"].as_str().unwrap().to_owned()),
        );
        start += 100;
        if start > r.body["totalResults"].as_u64().unwrap() as usize {
            break;
        }
    }
    assert_eq!(seen.len(), 250);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 250);
}

#[tokio::test]
async fn group_push() {
    let h = Harness::new().await;
    let u1 = h.create_user("u1@okta.local").await;
    let u2 = h.create_user("u2@okta.local").await;
    let r = h
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2", "members": []}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.id();
    assert_eq!(
        h.get("/Groups?startIndex=1&count=100").await.body["totalResults"],
        1
    );
    assert_eq!(h.get(&format!("/Groups/{gid}")).await.status, 200);

    // Rename with the group's own id in the value, plus a membership change.
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([
                {"op": "replace", "value": {"id": gid, "displayName": "Renamed"}},
                {"op": "add", "path": "members", "value": [{"value": u1, "display": "u1@okta.local"}]}
            ])),
        )
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.body);
    let g = h.get(&format!("/Groups/{gid}")).await;
    assert_eq!(g.body["displayName"], "Renamed");
    assert_eq!(g.body["members"][0]["value"], json!(u1));

    // Remove + add in one request.
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([
                {"op": "remove", "path": format!("members[value eq \"{u1}\"]")},
                {"op": "add", "path": "members", "value": [{"value": u2, "display": "u2@okta.local"}]}
            ])),
        )
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.body);
    let g = h.get(&format!("/Groups/{gid}")).await;
    let ids: Vec<_> = g.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].clone())
        .collect();
    assert_eq!(ids, [json!(u2)]);

    // Full membership push.
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "replace", "path": "members", "value": [{"value": u1}, {"value": u2}]}])),
        )
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.body);
    assert_eq!(
        h.get(&format!("/Groups/{gid}")).await.body["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // AIW apps PUT the group.
    let r = h
        .put(
            &format!("/Groups/{gid}"),
            json!({"schemas": [GROUP_SCHEMA], "id": gid, "displayName": "Renamed", "members": [{"value": u1}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Unlink with delete.
    assert_eq!(h.delete(&format!("/Groups/{gid}")).await.status, 204);
}
