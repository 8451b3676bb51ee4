//! `/Groups`: create, read with and without members, membership deltas, PUT, DELETE and the
//! derived `User.groups`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use http::Method;
use scimitar::server::{PatchResponse, ResourceKind};
use serde_json::{json, Value};
use service_support::*;

fn member_ids(body: &Value) -> Vec<String> {
    let mut ids: Vec<String> = body["members"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
async fn create_and_get_with_members() {
    let h = Harness::new().await;
    let u = h.create_user("m@example.com").await;
    let r = h
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Eng", "members": [{"value": u, "$ref": null}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.id();
    let loc = format!("http://{HOST}{BASE}/Groups/{gid}");
    assert_eq!(r.header("location"), Some(loc.as_str()));
    assert_eq!(r.body["meta"]["resourceType"], "Group");
    let g = h.get(&format!("/Groups/{gid}")).await;
    assert_eq!(member_ids(&g.body), [u.as_str()]);
    assert_eq!(g.body["members"][0]["type"], "User");
    assert_eq!(
        g.body["members"][0]["$ref"],
        json!(format!("http://{HOST}{BASE}/Users/{u}"))
    );
    let g = h
        .get(&format!("/Groups/{gid}?excludedAttributes=members"))
        .await;
    assert!(g.body.get("members").is_none());
    assert_eq!(g.body["displayName"], "Eng");
}

#[tokio::test]
async fn user_groups_is_derived() {
    let h = Harness::new().await;
    let u = h.create_user("d@example.com").await;
    let gid = h.create_group("Derived", &[&u]).await;
    let r = h.get(&format!("/Users/{u}")).await;
    assert_eq!(r.body["groups"][0]["value"], json!(gid));
    assert_eq!(r.body["groups"][0]["display"], "Derived");
    let r = h
        .get(&format!("/Users/{u}?excludedAttributes=groups"))
        .await;
    assert!(r.body.get("groups").is_none());
    let r = h.get("/Users?attributes=userName,groups").await;
    assert_eq!(r.body["Resources"][0]["groups"][0]["value"], json!(gid));
}

/// `User.groups` is derived from the group store, not stored with the user, so a store
/// cannot evaluate a filter on it: such a filter used to match nothing, a silently wrong
/// answer (the user below is a member). It is refused with 400 `invalidFilter` instead,
/// naming the query that answers it.
#[tokio::test]
async fn filter_on_derived_user_groups_is_refused_not_silently_empty() {
    let h = Harness::new().await;
    let u = h.create_user("member@example.com").await;
    let gid = h.create_group("Derived", &[&u]).await;
    for f in [
        format!("groups.value+eq+%22{gid}%22"),
        format!("groups%5Bvalue+eq+%22{gid}%22%5D"),
        "GROUPS+pr".to_owned(),
        format!("userName+pr+and+{USER_SCHEMA}:groups.display+eq+%22Derived%22"),
    ] {
        let r = h.get(&format!("/Users?filter={f}")).await;
        r.assert_error(400, Some("invalidFilter"));
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("members[value eq"),
            "{f}: {}",
            r.body
        );
    }
    let r = h
        .post(
            "/Users/.search",
            search(json!({"filter": format!("groups.value eq \"{gid}\"")})),
        )
        .await;
    r.assert_error(400, Some("invalidFilter"));
    // The query that does answer it.
    let r = h
        .get(&format!("/Groups?filter=members%5Bvalue+eq+%22{u}%22%5D"))
        .await;
    assert_eq!(r.body["totalResults"], 1);
    // Other filters are unaffected.
    let r = h
        .get("/Users?filter=userName+eq+%22member%40example.com%22")
        .await;
    assert_eq!(r.body["totalResults"], 1);
}

#[tokio::test]
async fn patch_membership_deltas_default_204() {
    let h = Harness::new().await;
    let a = h.create_user("a@example.com").await;
    let b = h.create_user("b@example.com").await;
    let gid = h.create_group("Deltas", &[&a]).await;
    let path = format!("/Groups/{gid}");
    let r = h
        .patch(
            &path,
            patch_op(json!([
                {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
                {"op": "add", "path": "members", "value": [{"value": b, "display": "b"}]}
            ])),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(r.header("etag").is_some());
    assert_eq!(member_ids(&h.get(&path).await.body), [b.as_str()]);
    // Unknown member: 400 and nothing changes.
    let r = h
        .patch(
            &path,
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}])),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    assert_eq!(member_ids(&h.get(&path).await.body), [b.as_str()]);
}

#[tokio::test]
async fn patch_can_answer_200_with_the_group() {
    let h = Harness::with(|b| b.patch_response(ResourceKind::Group, PatchResponse::Resource)).await;
    let a = h.create_user("a@example.com").await;
    let gid = h.create_group("G200", &[]).await;
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": a}]}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(member_ids(&r.body), [a]);
    let r = h
        .patch(
            &format!("/Groups/{gid}?excludedAttributes=members"),
            patch_op(json!([{"op": "replace", "path": "displayName", "value": "G2"}])),
        )
        .await;
    assert_eq!(r.body["displayName"], "G2");
    assert!(r.body.get("members").is_none());
}

#[tokio::test]
async fn put_replaces_members() {
    let h = Harness::new().await;
    let a = h.create_user("a@example.com").await;
    let b = h.create_user("b@example.com").await;
    let gid = h.create_group("Put", &[&a]).await;
    let r = h
        .put(
            &format!("/Groups/{gid}"),
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Put2", "members": [{"value": b}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["displayName"], "Put2");
    assert_eq!(member_ids(&r.body), [b]);
    h.put(
        "/Groups/nope",
        json!({"schemas": [GROUP_SCHEMA], "displayName": "x"}),
    )
    .await
    .assert_error(404, None);
}

#[tokio::test]
async fn nested_groups_are_members() {
    let h = Harness::new().await;
    let inner = h.create_group("Inner", &[]).await;
    let outer = h.create_group("Outer", &[&inner]).await;
    let g = h.get(&format!("/Groups/{outer}")).await;
    assert_eq!(g.body["members"][0]["type"], "Group");
    let r = h
        .patch(
            &format!("/Groups/{outer}"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": outer}]}])),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn deleting_a_user_removes_its_memberships() {
    let h = Harness::new().await;
    let a = h.create_user("a@example.com").await;
    let b = h.create_user("b@example.com").await;
    let gid = h.create_group("Del", &[&a, &b]).await;
    assert_eq!(h.delete(&format!("/Users/{a}")).await.status, 204);
    assert_eq!(
        member_ids(&h.get(&format!("/Groups/{gid}")).await.body),
        [b]
    );
    assert_eq!(h.delete(&format!("/Groups/{gid}")).await.status, 204);
    h.get(&format!("/Groups/{gid}"))
        .await
        .assert_error(404, None);
    h.delete(&format!("/Groups/{gid}"))
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn list_groups_with_filter_and_paging() {
    let h = Harness::new().await;
    for i in 0..3 {
        h.create_group(&format!("Team {i}"), &[]).await;
    }
    let r = h.get("/Groups?startIndex=1&count=2").await;
    assert_eq!(r.body["totalResults"], 3);
    assert_eq!(r.body["itemsPerPage"], 2);
    let r = h
        .get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Team+1%22")
        .await;
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["Resources"][0]["displayName"], "Team 1");
    let r = h
        .post(
            "/Groups/.search",
            search(json!({"filter": "displayName sw \"team\""})),
        )
        .await;
    assert_eq!(r.body["totalResults"], 3);
}

#[tokio::test]
async fn groups_endpoint_absent_without_group_store() {
    let h = Harness::with(|b| {
        // Rebuild without groups: a fresh builder over the same users and tokens.
        b
    })
    .await;
    let svc = scimitar::ScimService::builder()
        .users(h.store.clone())
        .tokens(h.tokens.clone())
        .build()
        .unwrap();
    let req = http::Request::builder()
        .method(Method::GET)
        .uri("/scim/v2/Groups")
        .header("authorization", format!("Bearer {}", h.token_a))
        .body(bytes::Bytes::new())
        .unwrap();
    let resp = svc.handle(req).await;
    assert_eq!(resp.status(), 404);
    let req = http::Request::builder()
        .uri("/scim/v2/ResourceTypes")
        .header("authorization", format!("Bearer {}", h.token_a))
        .body(bytes::Bytes::new())
        .unwrap();
    let body: Value = serde_json::from_slice(svc.handle(req).await.body()).unwrap();
    assert_eq!(body["totalResults"], 1);
}

#[tokio::test]
async fn group_if_match() {
    let h = Harness::new().await;
    let gid = h.create_group("IfMatch", &[]).await;
    let auth = format!("Bearer {}", h.token_a);
    let body = serde_json::to_vec(&patch_op(
        json!([{"op": "replace", "path": "displayName", "value": "x"}]),
    ))
    .unwrap();
    let r = h
        .raw(
            Method::PATCH,
            &format!("/Groups/{gid}"),
            &[
                ("authorization", &auth),
                ("content-type", "application/scim+json"),
                ("if-match", "W/\"77\""),
            ],
            body,
        )
        .await;
    r.assert_error(412, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_membership_patches_lose_no_member() {
    let h = std::sync::Arc::new(Harness::new().await);
    let gid = h.create_group("Busy", &[]).await;
    let mut users = Vec::new();
    for i in 0..24 {
        users.push(h.create_user(&format!("c{i}@example.com")).await);
    }
    let mut tasks = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let h = h.clone();
        let path = format!("/Groups/{gid}");
        let u = u.clone();
        tasks.push(tokio::spawn(async move {
            // Every eighth request also renames, which is version-guarded and retried.
            let mut ops = vec![json!({"op": "add", "path": "members", "value": [{"value": u}]})];
            if i % 8 == 0 {
                ops.push(
                    json!({"op": "replace", "path": "displayName", "value": format!("Busy {i}")}),
                );
            }
            h.patch(&path, patch_op(Value::Array(ops))).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 204);
    }
    let g = h.get(&format!("/Groups/{gid}")).await;
    assert_eq!(g.body["members"].as_array().unwrap().len(), 24);
}
