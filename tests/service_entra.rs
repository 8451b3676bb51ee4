//! Microsoft Entra ID: the documented walk-through (IDP-BEHAVIOUR §1.2) and both PATCH
//! dialects (§1.3), replayed over `ScimService::handle`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use http::Method;
use serde_json::{json, Value};
use service_support::*;

const ADSCIM: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// Entra's GETs carry no Accept or Content-Type header.
async fn entra_get(h: &Harness, path: &str) -> Resp {
    let auth = format!("Bearer {}", h.token_a);
    h.raw(Method::GET, path, &[("authorization", &auth)], "")
        .await
}

fn entra_user(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": []
    })
}

#[tokio::test]
async fn user_walkthrough() {
    let h = Harness::new().await;
    // 1. Create.
    let r = h
        .post(
            "/Users",
            entra_user(
                "Test_User_ab6490ee@testuser.com",
                "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
    let id = r.id();
    assert!(r.body.get("roles").is_none());

    // 2. Get (no Accept header), unknown id.
    let r = entra_get(&h, &format!("/Users/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
    entra_get(&h, "/Users/5171a35d82074e068ce2")
        .await
        .assert_error(404, None);

    // 3. Get by query, `+` for spaces.
    for q in [
        "filter=userName+eq+%22Test_User_ab6490ee%40testuser.com%22",
        "filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22",
        "filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22Test_User_ab6490ee%40testuser.com%22",
    ] {
        let r = entra_get(&h, &format!("/Users?{q}")).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(r.body["totalResults"], 1, "{q}");
        assert_eq!(r.body["Resources"][0]["id"], json!(id));
    }

    // 4. Test Connection: random GUID, 200 with an empty ListResponse.
    let r = entra_get(
        &h,
        "/Users?filter=userName+eq+%22f8c3e7a2-9b1d-4c5e-a6f0-1d2e3f4a5b6c%22",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["schemas"], json!([LIST]));
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"], json!([]));

    // 5. Duplicate.
    let r = h
        .post(
            "/Users",
            entra_user("Test_User_ab6490ee@testuser.com", "other"),
        )
        .await;
    r.assert_error(409, Some("uniqueness"));

    // 6. Capitalised Replace ops on a value path and a sub-attribute.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}
            ])),
        )
        .await;
    assert!(r.status == 200 || r.status == 204, "{}", r.body);
    let g = entra_get(&h, &format!("/Users/{id}")).await;
    assert_eq!(g.body["emails"][0]["value"], "updatedEmail@microsoft.com");
    assert_eq!(g.body["name"]["familyName"], "updatedFamilyName");

    // 7. Single-valued replace.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // 8. Disable (legacy string boolean); still visible.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);
    assert_eq!(
        entra_get(&h, &format!("/Users/{id}")).await.body["active"],
        false
    );

    // 9. Delete.
    assert_eq!(h.delete(&format!("/Users/{id}")).await.status, 204);
    entra_get(&h, &format!("/Users/{id}"))
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn nulls_and_mistyped_extension_are_tolerated() {
    let h = Harness::new().await;
    let mut body = entra_user("nulls@testuser.com", "nulls");
    body["addresses"] = Value::Null;
    body["phoneNumbers"] = Value::Null;
    body["title"] = Value::Null;
    body["manager"] = Value::Null;
    body["urn:ietf:params:scim:schemas:extension:enterprise:2.0User"] = json!({"department": "x"});
    let r = h.post("/Users", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.get("addresses").is_none());
}

#[tokio::test]
async fn manager_string_and_array_forms() {
    let h = Harness::new().await;
    let boss = h.create_user("boss@testuser.com").await;
    let id = h.create_user("emp@testuser.com").await;
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(
                json!([{"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": boss}]),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body[ENTERPRISE]["manager"]["value"], json!(boss));
    let g = entra_get(&h, &format!("/Users/{id}")).await;
    assert_eq!(g.body[ENTERPRISE]["manager"]["value"], json!(boss));

    // Entra queries by id and manager before updating it.
    let q = format!(
        "/Users?filter=id+eq+%22{id}%22+and+{}:manager+eq+%22{boss}%22",
        ENTERPRISE
    );
    let r = entra_get(&h, &q).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totalResults"], 1);

    // The tutorial's form: a one-element array, unqualified path.
    let other = h.create_user("boss2@testuser.com").await;
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "Add", "path": "manager", "value": [{"$ref": null, "value": other}]}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body[ENTERPRISE]["manager"]["value"], json!(other));
}

#[tokio::test]
async fn legacy_and_flagged_patch_dialects() {
    let h = Harness::new().await;
    let id = h.create_user("dialect@testuser.com").await;
    let path = format!("/Users/{id}");
    // Legacy: one capitalised op per attribute.
    let r = h
        .patch(
            &path,
            patch_op(json!([
                {"op": "Add", "path": "nickName", "value": "Babs"},
                {"op": "Replace", "path": "externalId", "value": "ext-1"},
                {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "701984"}
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["nickName"], "Babs");
    assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "701984");

    // aadOptscim062020: path-less replace with dotted and URN-qualified keys.
    let r = h
        .patch(
            &path,
            patch_op(json!([
                {"op": "replace", "value": {
                    "displayName": "Flagged Name",
                    "name.givenName": "Flag",
                    "name.familyName": "Ged",
                    format!("{ENTERPRISE}:employeeNumber"): "42"
                }},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "flag@testuser.com"},
                {"op": "replace", "path": "active", "value": false}
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["displayName"], "Flagged Name");
    assert_eq!(r.body["name"]["givenName"], "Flag");
    assert_eq!(r.body["name"]["familyName"], "Ged");
    assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "42");
    assert_eq!(r.body["emails"][0]["value"], "flag@testuser.com");
    assert_eq!(r.body["active"], false);
}

#[tokio::test]
async fn group_walkthrough_both_dialects() {
    let h = Harness::new().await;
    let u1 = h.create_user("g1@testuser.com").await;
    let u2 = h.create_user("g2@testuser.com").await;
    // 1. Create with the ADSCIM schema URI and no members.
    let r = h
        .post(
            "/Groups",
            json!({
                "schemas": [GROUP_SCHEMA, ADSCIM],
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "displayName",
                "meta": {"resourceType": "Group"}
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.id();
    let path = format!("/Groups/{gid}");

    // 2. and 3. Reads without members.
    let r = entra_get(&h, &format!("{path}?excludedAttributes=members")).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("members").is_none());
    let r = entra_get(
        &h,
        "/Groups?excludedAttributes=members&filter=displayName+eq+%22displayName%22",
    )
    .await;
    assert_eq!(r.body["totalResults"], 1);
    assert!(r.body["Resources"][0].get("members").is_none());

    // 4. Rename: 204.
    let r = h.patch(&path, patch_op(json!([{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]))).await;
    assert_eq!(r.status, 204, "{}", r.body);

    // 5. Add members with "$ref": null; several in one PATCH.
    let r = h
        .patch(
            &path,
            patch_op(json!([
                {"op": "Add", "path": "members", "value": [{"$ref": null, "value": u1}]},
                {"op": "Add", "path": "members", "value": [{"$ref": null, "value": u2}]}
            ])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        entra_get(&h, &path).await.body["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // 6a. Legacy remove with a value list.
    let r = h
        .patch(&path, patch_op(json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": u1}]}])))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let members = entra_get(&h, &path).await.body["members"].clone();
    assert_eq!(members.as_array().unwrap().len(), 1);
    assert_eq!(members[0]["value"], json!(u2));

    // 6b. Flagged remove with a filter.
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{u2}\"]")}])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(entra_get(&h, &path).await.body.get("members").is_none());

    // Reference code: remove all members.
    h.patch(
        &path,
        patch_op(json!([{"op": "add", "path": "members", "value": [{"value": u1}]}])),
    )
    .await;
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "remove", "path": "members"}])),
        )
        .await;
    assert_eq!(r.status, 204);
    assert!(entra_get(&h, &path).await.body.get("members").is_none());

    // 7. Delete.
    assert_eq!(h.delete(&path).await.status, 204);
}

#[tokio::test]
async fn reference_postman_expectations() {
    let h = Harness::new().await;
    // "active": "True" stored as a boolean.
    let mut body = entra_user("emp1@testuser.com", "emp1");
    body["active"] = json!("True");
    let r = h.post("/Users", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["active"], true);
    let id = r.id();
    // No userName: 400.
    let mut body = entra_user("x@testuser.com", "x");
    body.as_object_mut().unwrap().remove("userName");
    h.post("/Users", body)
        .await
        .assert_error(400, Some("invalidValue"));
    // Duplicate: 409 with detail.
    let r = h
        .post("/Users", entra_user("emp1@testuser.com", "emp1"))
        .await;
    r.assert_error(409, Some("uniqueness"));
    // PUT with a misspelled attribute: unknown attributes ignored.
    let mut body = entra_user("emp1@testuser.com", "emp1");
    body["emailz"] = json!("typo");
    let r = h.put(&format!("/Users/{id}"), body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("emailz").is_none());
}

#[tokio::test]
async fn discovery_without_accept_header() {
    let h = Harness::new().await;
    for p in ["/Schemas", "/ServiceProviderConfig", "/ResourceTypes"] {
        let r = entra_get(&h, p).await;
        assert_eq!(r.status, 200, "{p}");
        assert!(!r.body.to_string().contains("null"), "{p} has nulls");
    }
}
