//! A black-box walk over what identity providers send (IDP-BEHAVIOUR §1–§4) that the other
//! `service_*` files do not already assert: the remaining Entra and Okta request shapes,
//! OneLogin / JumpCloud / Ping / Google notes, and the RFC 7644 points every client relies
//! on, each replayed over `ScimService::handle`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use http::Method;
use serde_json::{json, Value};
use service_support::*;

/// A request as tenant A with extra headers and a JSON body.
async fn with_headers(
    h: &Harness,
    method: Method,
    path: &str,
    extra: &[(&str, &str)],
    body: Option<Value>,
) -> Resp {
    let auth = format!("Bearer {}", h.token_a);
    let mut headers = vec![("authorization", auth.as_str())];
    if body.is_some() {
        headers.push(("content-type", "application/scim+json"));
    }
    headers.extend_from_slice(extra);
    let bytes = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    h.raw(method, path, &headers, bytes).await
}

// ---------------------------------------------------------------------------------------
// Entra ID (§1)
// ---------------------------------------------------------------------------------------

/// §1.1: the JSON body of every Entra write arrives as `application/scim+json;
/// charset=utf-8`, and every answer, success or error, is `application/scim+json`.
#[tokio::test]
async fn entra_every_answer_is_scim_json() {
    let h = Harness::new().await;
    let r = h.post("/Users", user("ct@example.com")).await;
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
    let id = r.id();
    for path in [
        format!("/Users/{id}"),
        "/Users?filter=userName+eq+%22ct%40example.com%22".to_owned(),
        "/Groups".to_owned(),
        "/ServiceProviderConfig".to_owned(),
        "/Schemas".to_owned(),
        "/ResourceTypes".to_owned(),
    ] {
        let r = h.get(&path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            r.header("content-type"),
            Some("application/scim+json"),
            "{path}"
        );
    }
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "Replace", "path": "displayName", "value": "x"}])),
        )
        .await;
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
}

/// §1.2 Users 10: the tutorial's manager PATCH carries a string `$ref`; the read-back is
/// the complex form.
#[tokio::test]
async fn entra_manager_array_with_ref_reads_back_complex() {
    let h = Harness::new().await;
    let boss = h.create_user("boss@testuser.com").await;
    let id = h.create_user("emp@testuser.com").await;
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "Add", "path": "manager", "value": [
                {"$ref": format!("http://{HOST}{BASE}/Users/{boss}"), "value": boss}
            ]}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = &h.get(&format!("/Users/{id}")).await.body[ENTERPRISE]["manager"];
    assert!(m.is_object(), "{m}");
    assert_eq!(m["value"], json!(boss));
}

/// Entra clears a manager with a path-only remove, qualified or not.
#[tokio::test]
async fn entra_manager_remove() {
    let h = Harness::new().await;
    let boss = h.create_user("boss@testuser.com").await;
    let id = h.create_user("emp@testuser.com").await;
    let path = format!("/Users/{id}");
    for remove_path in [format!("{ENTERPRISE}:manager"), "manager".to_owned()] {
        let r = h
            .patch(
                &path,
                patch_op(
                    json!([{"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": boss}]),
                ),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = h
            .patch(
                &path,
                patch_op(json!([{"op": "Remove", "path": remove_path}])),
            )
            .await;
        assert_eq!(r.status, 200, "{remove_path}: {}", r.body);
        let g = h.get(&path).await;
        assert!(
            g.body
                .get(ENTERPRISE)
                .and_then(|e| e.get("manager"))
                .is_none(),
            "{remove_path}: {}",
            g.body
        );
    }
}

/// Entra sends `Add` on a value path for a user that has no such element yet (a work
/// email or phone added after create): the element is created.
#[tokio::test]
async fn entra_add_on_value_path_creates_the_element() {
    let h = Harness::new().await;
    let r = h
        .post(
            "/Users",
            json!({"schemas": [USER_SCHEMA], "userName": "noemail@testuser.com"}),
        )
        .await;
    let id = r.id();
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([
                {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "w@testuser.com"},
                {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["emails"],
        json!([{"type": "work", "value": "w@testuser.com"}])
    );
    assert_eq!(
        r.body["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555 0100"}])
    );
}

/// §1.3 "add single-valued string", flagged (lowercase) form; and the legacy string
/// boolean inside a path-less replace value.
#[tokio::test]
async fn entra_lowercase_add_and_string_boolean_in_pathless_value() {
    let h = Harness::new().await;
    let id = h.create_user("flag@testuser.com").await;
    let path = format!("/Users/{id}");
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "add", "path": "nickName", "value": "Babs"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["nickName"], "Babs");
    for (v, want) in [("False", false), ("TRUE", true), ("false", false)] {
        let r = h
            .patch(
                &path,
                patch_op(json!([{"op": "Replace", "value": {"active": v}}])),
            )
            .await;
        assert_eq!(r.status, 200, "{v}: {}", r.body);
        assert_eq!(r.body["active"], want, "{v}");
    }
}

/// §1.2 Groups: several membership changes in one PATCH of mixed dialects (gallery
/// checklist), answered 204 without the member list.
#[tokio::test]
async fn entra_group_mixed_membership_patch_is_204_without_body() {
    let h = Harness::new().await;
    let a = h.create_user("a@testuser.com").await;
    let b = h.create_user("b@testuser.com").await;
    let c = h.create_user("c@testuser.com").await;
    let gid = h.create_group("Mixed", &[&a, &b]).await;
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([
                {"op": "Remove", "path": "members", "value": [{"$ref": null, "value": a}]},
                {"op": "remove", "path": format!("members[value eq \"{b}\"]")},
                {"op": "Add", "path": "members", "value": [{"$ref": null, "value": c}]},
                {"op": "Replace", "path": "displayName", "value": "Mixed2"}
            ])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(r.raw.is_empty());
    let g = h.get(&format!("/Groups/{gid}")).await;
    assert_eq!(g.body["displayName"], "Mixed2");
    assert_eq!(g.body["members"].as_array().unwrap().len(), 1);
    assert_eq!(g.body["members"][0]["value"], json!(c));
}

/// Entra's Test Connection can also probe groups by displayName with a random GUID.
#[tokio::test]
async fn entra_test_connection_on_groups_is_empty_list() {
    let h = Harness::new().await;
    let r = h
        .raw(
            Method::GET,
            "/Groups?excludedAttributes=members&filter=displayName+eq+%22a4f1c7e2-0d3b-4f6a-9e8c-1b2d3e4f5a6b%22",
            &[("authorization", &format!("Bearer {}", h.token_a))],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["schemas"], json!([LIST]));
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"], json!([]));
}

/// §1.3 Postman: unparsable JSON is 400 (and never 500) on every write endpoint.
#[tokio::test]
async fn unparsable_json_is_400_on_every_write() {
    let h = Harness::new().await;
    let uid = h.create_user("j@testuser.com").await;
    let gid = h.create_group("J", &[]).await;
    let auth = format!("Bearer {}", h.token_a);
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/scim+json; charset=utf-8"),
    ];
    for (method, path) in [
        (Method::POST, "/Users".to_owned()),
        (Method::PUT, format!("/Users/{uid}")),
        (Method::PATCH, format!("/Users/{uid}")),
        (Method::POST, "/Groups".to_owned()),
        (Method::PUT, format!("/Groups/{gid}")),
        (Method::PATCH, format!("/Groups/{gid}")),
        (Method::POST, "/Users/.search".to_owned()),
    ] {
        let r = h
            .raw(method.clone(), &path, &headers, "{\"userName\": ")
            .await;
        assert_eq!(r.status, 400, "{method} {path}: {}", r.body);
        r.assert_error(400, Some("invalidSyntax"));
    }
}

// ---------------------------------------------------------------------------------------
// Okta (§2)
// ---------------------------------------------------------------------------------------

/// §2.1 Group Push: `GET /Groups?startIndex=1&count=100` answers integer counters and the
/// created group; `members: []` on create is accepted.
#[tokio::test]
async fn okta_group_list_counters_are_integers() {
    let h = Harness::new().await;
    let r = h
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Okta Push", "members": []}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = h.get("/Groups?startIndex=1&count=100").await;
    assert_eq!(r.status, 200);
    for f in ["totalResults", "startIndex", "itemsPerPage"] {
        assert!(r.body[f].is_u64(), "{f}: {}", r.body);
    }
    assert_eq!(r.body["Resources"][0]["displayName"], "Okta Push");
}

/// §2.1: Okta PUTs back what it fetched, `password` never included; a later PUT must not
/// lose the password (it is `returned: never`, so the client cannot echo it).
#[tokio::test]
async fn okta_create_with_password_then_put_without_it() {
    let h = Harness::new().await;
    let mut body = user("pw@okta.local");
    body["password"] = json!("s3cr3t-Passw0rd");
    let r = h.post("/Users", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(!String::from_utf8_lossy(&r.raw).contains("s3cr3t"));
    let id = r.id();
    let fetched = h.get(&format!("/Users/{id}")).await.body;
    let r = h.put(&format!("/Users/{id}"), fetched).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("password").is_none());
}

/// RFC 7643 §4.1.1: `password` is `returned: never`, so it cannot be observed through a
/// filter or a sort either (else `password sw "a"`, `"b"`, ... recovers it one character
/// at a time): 400 `invalidFilter` / `invalidValue`, by GET and by `.search`.
#[tokio::test]
async fn never_returned_password_is_no_filter_or_sort_oracle() {
    let h = Harness::new().await;
    let mut body = user("oracle@okta.local");
    body["password"] = json!("s3cr3t-Passw0rd");
    assert_eq!(h.post("/Users", body).await.status, 201);
    for f in [
        "password+eq+%22s3cr3t-Passw0rd%22",
        "password+sw+%22s%22",
        "password+pr",
        "userName+pr+and+not+%28PASSWORD+lt+%22t%22%29",
        "urn:ietf:params:scim:schemas:core:2.0:User:password+co+%22cr%22",
    ] {
        let r = h.get(&format!("/Users?filter={f}")).await;
        r.assert_error(400, Some("invalidFilter"));
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("password"),
            "{f}: {}",
            r.body
        );
    }
    for path in ["/Users/.search", "/.search"] {
        let r = h
            .post(path, search(json!({"filter": "password sw \"s\""})))
            .await;
        r.assert_error(400, Some("invalidFilter"));
    }
    h.get("/Users?sortBy=password")
        .await
        .assert_error(400, Some("invalidValue"));
    h.post("/Users/.search", search(json!({"sortBy": "password"})))
        .await
        .assert_error(400, Some("invalidValue"));
}

// ---------------------------------------------------------------------------------------
// Other IdPs (§3)
// ---------------------------------------------------------------------------------------

/// OneLogin templates: `"id": null`, a string boolean in lower case, and the enterprise
/// manager as an object.
#[tokio::test]
async fn onelogin_template_body() {
    let h = Harness::new().await;
    let boss = h.create_user("boss@onelogin.example").await;
    let r = h
        .post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "id": null,
                "userName": "ol@onelogin.example",
                "name": {"givenName": "One", "familyName": "Login"},
                "emails": [{"value": "ol@onelogin.example", "primary": true}],
                "active": "true",
                ENTERPRISE: {"manager": {"value": boss}, "department": "Sales"}
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body[ENTERPRISE]["manager"]["value"], json!(boss));
    assert_eq!(r.body[ENTERPRISE]["department"], "Sales");
    // The OneLogin update is a PUT of the same template with the id rendered.
    let id = r.id();
    let r = h
        .put(
            &format!("/Users/{id}"),
            json!({
                "schemas": [USER_SCHEMA],
                "id": id,
                "userName": "ol@onelogin.example",
                "active": "false"
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);
}

/// JumpCloud's Test Connection: create a user and a group, then DELETE both.
#[tokio::test]
async fn jumpcloud_test_connection() {
    let h = Harness::new().await;
    let uid = h.create_user("jc-test@jumpcloud.example").await;
    let r = h
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "jc-test-group"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.id();
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "remove", "path": "members", "value": [{"value": uid}]}])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(h.delete(&format!("/Users/{uid}")).await.status, 204);
    assert_eq!(h.delete(&format!("/Groups/{gid}")).await.status, 204);
    assert_eq!(h.get("/Users").await.body["totalResults"], 0);
    assert_eq!(h.get("/Groups").await.body["totalResults"], 0);
}

/// Ping's EMU provisioner probes `GET /Users/0` (and groups) before every operation.
#[tokio::test]
async fn ping_probe_is_a_clean_404() {
    let h = Harness::new().await;
    h.get("/Users/0").await.assert_error(404, None);
    h.get("/Groups/0").await.assert_error(404, None);
}

/// Google's connection probe `GET /Users?count=1`.
#[tokio::test]
async fn google_probe_count_one() {
    let h = Harness::new().await;
    for i in 0..3 {
        h.create_user(&format!("g{i}@google.example")).await;
    }
    let r = h.get("/Users?count=1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["totalResults"], 3);
    assert_eq!(r.body["itemsPerPage"], 1);
    assert_eq!(r.body["startIndex"], 1);
    assert_eq!(r.body["Resources"].as_array().unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------
// RFC 7644 / 7643 points (§4)
// ---------------------------------------------------------------------------------------

/// §3.1 / §3.14: `meta.version` equals the `ETag` header on GET, PUT and PATCH answers,
/// and `meta.location` is the `Location` of the create.
#[tokio::test]
async fn etag_matches_meta_version_on_every_answer() {
    let h = Harness::new().await;
    let r = h.post("/Users", user("ver@example.com")).await;
    let id = r.id();
    let location = r.header("location").unwrap().to_owned();
    let path = format!("/Users/{id}");
    let g = h.get(&path).await;
    assert_eq!(g.header("etag"), g.body["meta"]["version"].as_str());
    assert_eq!(g.body["meta"]["location"], json!(location));
    assert!(g.body["meta"]["created"].is_string());
    assert!(g.body["meta"]["lastModified"].is_string());
    let p = h
        .patch(
            &path,
            patch_op(json!([{"op": "replace", "path": "displayName", "value": "V2"}])),
        )
        .await;
    assert_eq!(p.header("etag"), p.body["meta"]["version"].as_str());
    assert_ne!(p.header("etag"), g.header("etag"));
    let u = h.put(&path, user("ver@example.com")).await;
    assert_eq!(u.header("etag"), u.body["meta"]["version"].as_str());
    // Groups too.
    let r = h
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Ver"}),
        )
        .await;
    assert_eq!(r.header("etag"), r.body["meta"]["version"].as_str());
    let g = h.get(&format!("/Groups/{}", r.id())).await;
    assert_eq!(g.header("etag"), g.body["meta"]["version"].as_str());
    assert_eq!(g.body["meta"]["location"], json!(r.header("location")));
}

/// §3.5.2 / §3.14: `If-Match` on a user PATCH: a stale version is 412 and changes nothing;
/// the current one applies.
#[tokio::test]
async fn user_patch_if_match() {
    let h = Harness::new().await;
    let id = h.create_user("pim@example.com").await;
    let path = format!("/Users/{id}");
    let etag = h.get(&path).await.header("etag").unwrap().to_owned();
    let op = patch_op(json!([{"op": "replace", "path": "displayName", "value": "New"}]));
    let r = with_headers(
        &h,
        Method::PATCH,
        &path,
        &[("if-match", "W/\"999\"")],
        Some(op.clone()),
    )
    .await;
    r.assert_error(412, None);
    assert_eq!(h.get(&path).await.body["displayName"], "Barbara Jensen");
    let r = with_headers(&h, Method::PATCH, &path, &[("if-match", &etag)], Some(op)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["displayName"], "New");
}

/// §3.9: `attributes` / `excludedAttributes` shape POST, PUT and PATCH answers of users.
#[tokio::test]
async fn projection_on_write_answers() {
    let h = Harness::new().await;
    let r = h
        .post("/Users?attributes=userName", user("pw1@example.com"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["userName"], "pw1@example.com");
    assert!(r.body.get("emails").is_none(), "{}", r.body);
    assert!(r.body.get("name").is_none(), "{}", r.body);
    assert!(r.body["id"].is_string());
    let id = r.id();
    let path = format!("/Users/{id}");
    let r = h
        .put(
            &format!("{path}?excludedAttributes=emails"),
            user("pw1@example.com"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("emails").is_none(), "{}", r.body);
    assert_eq!(r.body["name"]["givenName"], "Barbara");
    let r = h
        .patch(
            &format!("{path}?attributes=displayName"),
            patch_op(json!([{"op": "replace", "path": "displayName", "value": "P"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["displayName"], "P");
    assert!(r.body.get("userName").is_none(), "{}", r.body);
    // On a group create.
    let r = h
        .post(
            "/Groups?excludedAttributes=members",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "PG", "members": [{"value": id}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.get("members").is_none(), "{}", r.body);
    assert_eq!(r.body["displayName"], "PG");
}

/// §3.4.2.2: filters on group members, both the value-path and the dotted form, and a
/// user's derived groups.
#[tokio::test]
async fn filter_groups_by_member() {
    let h = Harness::new().await;
    let a = h.create_user("fa@example.com").await;
    let b = h.create_user("fb@example.com").await;
    let g1 = h.create_group("F1", &[&a]).await;
    let _g2 = h.create_group("F2", &[&b]).await;
    for q in [
        format!("filter=members%5Bvalue+eq+%22{a}%22%5D"),
        format!("filter=members.value+eq+%22{a}%22"),
        format!("filter=displayName+eq+%22F1%22+and+members.value+eq+%22{a}%22"),
        format!("filter=MEMBERS.VALUE+EQ+%22{a}%22&excludedAttributes=members"),
    ] {
        let r = h.get(&format!("/Groups?{q}")).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(r.body["totalResults"], 1, "{q}: {}", r.body);
        assert_eq!(r.body["Resources"][0]["id"], json!(g1), "{q}");
    }
}

/// RFC 7643 §2.1 / §3: attribute names and schema URNs in request bodies are
/// case-insensitive; the answer uses the schema's spelling.
#[tokio::test]
async fn case_insensitive_names_and_urns_in_bodies() {
    let h = Harness::new().await;
    let ent_upper = ENTERPRISE.to_uppercase();
    let r = h
        .post(
            "/Users",
            json!({
                "SCHEMAS": [USER_SCHEMA.to_uppercase(), ent_upper.clone()],
                "USERNAME": "ci@example.com",
                "Name": {"GIVENNAME": "Case", "familyname": "Insensitive"},
                "Emails": [{"VALUE": "ci@example.com", "Type": "work", "PRIMARY": true}],
                "ACTIVE": true,
                ent_upper.clone(): {"EMPLOYEENUMBER": "7"}
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["userName"], "ci@example.com");
    assert_eq!(r.body["name"]["givenName"], "Case");
    assert_eq!(r.body["name"]["familyName"], "Insensitive");
    assert_eq!(r.body["emails"][0]["value"], "ci@example.com");
    assert_eq!(r.body["emails"][0]["primary"], true);
    assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "7");
    assert!(r.body.get("USERNAME").is_none());
    let id = r.id();
    // PATCH paths too, including an upper-case URN prefix.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            json!({
                "schemas": [PATCH_OP.to_uppercase()],
                "operations": [
                    {"OP": "REPLACE", "PATH": "NAME.GIVENNAME", "VALUE": "Upper"},
                    {"op": "replace", "path": format!("{ent_upper}:EMPLOYEENUMBER"), "value": "8"}
                ]
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"]["givenName"], "Upper");
    assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "8");
    // Filters with a URN-qualified attribute in another case.
    let r = h
        .get(&format!(
            "/Users?filter={}:employeeNumber+eq+%228%22",
            ent_upper
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totalResults"], 1);
}

/// §3.5.2.3: `replace` on a value path whose filter matches nothing is 400 `noTarget`;
/// the resource is unchanged.
#[tokio::test]
async fn replace_on_unmatched_value_path_is_no_target() {
    let h = Harness::new().await;
    let id = h.create_user("nt@example.com").await;
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([
                {"op": "replace", "path": "displayName", "value": "Changed"},
                {"op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@example.com"}
            ])),
        )
        .await;
    r.assert_error(400, Some("noTarget"));
    assert_eq!(
        h.get(&format!("/Users/{id}")).await.body["displayName"],
        "Barbara Jensen"
    );
}

/// §3.5.2: a PATCH body needs the PatchOp schema and `Operations`.
#[tokio::test]
async fn patch_body_shape_errors() {
    let h = Harness::new().await;
    let id = h.create_user("shape@example.com").await;
    let path = format!("/Users/{id}");
    for body in [
        json!({"schemas": [PATCH_OP]}),
        json!({"schemas": [PATCH_OP], "Operations": {}}),
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "frobnicate", "path": "x"}]}),
        json!({"schemas": [PATCH_OP], "Operations": [{"path": "displayName", "value": "x"}]}),
    ] {
        let r = h.patch(&path, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.body["schemas"], json!([ERROR]), "{body}");
        assert!(r.body["scimType"].is_string(), "{body}: {}", r.body);
    }
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body["scimType"] == "invalidPath" || r.body["scimType"] == "invalidFilter",
        "{}",
        r.body
    );
}

/// §3.3 / RFC 7643 §4.1.1: a rename onto another user's `userName` (any case) is 409
/// `uniqueness`, by PUT and by PATCH.
#[tokio::test]
async fn rename_onto_taken_user_name_is_409() {
    let h = Harness::new().await;
    h.create_user("taken@example.com").await;
    let id = h.create_user("mine@example.com").await;
    let path = format!("/Users/{id}");
    h.put(&path, user("TAKEN@example.com"))
        .await
        .assert_error(409, Some("uniqueness"));
    h.patch(
        &path,
        patch_op(json!([{"op": "replace", "path": "userName", "value": "Taken@Example.com"}])),
    )
    .await
    .assert_error(409, Some("uniqueness"));
    // A change of case of one's own userName is not a conflict.
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "replace", "path": "userName", "value": "MINE@example.com"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["userName"], "MINE@example.com");
}

/// §3.4.2.4: a `startIndex` past the end is an empty page with the right counters.
#[tokio::test]
async fn start_index_past_the_end() {
    let h = Harness::new().await;
    h.create_user("only@example.com").await;
    let r = h.get("/Users?startIndex=50&count=10").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["startIndex"], 50);
    assert_eq!(r.body["itemsPerPage"], 0);
    assert_eq!(r.body["Resources"], json!([]));
}

/// §3.6: after DELETE a group disappears from queries and member filters.
#[tokio::test]
async fn deleted_group_leaves_queries() {
    let h = Harness::new().await;
    let u = h.create_user("dg@example.com").await;
    let gid = h.create_group("Gone", &[&u]).await;
    assert_eq!(h.delete(&format!("/Groups/{gid}")).await.status, 204);
    let r = h.get("/Groups?filter=displayName+eq+%22Gone%22").await;
    assert_eq!(r.body["totalResults"], 0);
    let r = h.get(&format!("/Users/{u}")).await;
    assert!(r.body.get("groups").is_none(), "{}", r.body);
    h.patch(
        &format!("/Groups/{gid}"),
        patch_op(json!([{"op": "replace", "path": "displayName", "value": "x"}])),
    )
    .await
    .assert_error(404, None);
    h.put(
        &format!("/Groups/{gid}"),
        json!({"schemas": [GROUP_SCHEMA], "displayName": "x"}),
    )
    .await
    .assert_error(404, None);
}

/// §3.12: the error body's `status` is a string on every error status an IdP sees.
#[tokio::test]
async fn error_status_is_a_string_and_unknown_filter_attribute_is_not_500() {
    let h = Harness::new().await;
    let r = h.get("/Users?filter=nosuchattr+eq+%22x%22").await;
    assert!(r.status == 200 || r.status == 400, "{}", r.body);
    if r.status == 400 {
        r.assert_error(400, Some("invalidFilter"));
    } else {
        assert_eq!(r.body["totalResults"], 0);
    }
    let r = h.get("/Users?filter=").await;
    assert!(r.status == 200 || r.status == 400, "{}", r.body);
    let r = h.get("/Users?attributes=emails%5Btype").await;
    assert!(r.status == 400, "{}", r.body);
    assert!(r.body["status"].is_string());
}

/// An admin who pastes the base URL with a trailing slash (`.../scim/v2/`) makes the IdP
/// ask for `/scim/v2//Users`: it is served like `/scim/v2/Users`, and the `Location` the
/// IdP keeps is canonical.
#[tokio::test]
async fn base_url_with_a_trailing_slash_still_works() {
    let h = Harness::new().await;
    let r = h
        .post(&format!("{BASE}//Users"), user("slash@example.com"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    assert_eq!(
        r.header("location"),
        Some(format!("http://{HOST}{BASE}/Users/{id}").as_str())
    );
    let g = h.get(&format!("{BASE}//Users/{id}")).await;
    assert_eq!(g.status, 200, "{}", g.body);
    let l = h
        .get(&format!(
            "{BASE}//Users?filter=userName%20eq%20%22slash@example.com%22"
        ))
        .await;
    assert_eq!(l.body["totalResults"], 1, "{}", l.body);
    let d = h.get(&format!("{BASE}//ServiceProviderConfig")).await;
    assert_eq!(d.status, 200, "{}", d.body);
}
