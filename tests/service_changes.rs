//! `ScimServiceBuilder::on_change`: every write the store accepted is reported once, with
//! the tenant, the id, the version written and, for users, whether `active` flipped;
//! refused requests and PATCHes that change nothing are not reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use std::sync::{Arc, Mutex};

use http::Method;
use scimitar::{Activation, Change, ChangeKind, ResourceKind, TenantId};
use serde_json::json;
use service_support::*;

type Seen = Arc<Mutex<Vec<Change>>>;

async fn harness() -> (Harness, Seen) {
    let seen: Seen = Arc::default();
    let sink = seen.clone();
    let h =
        Harness::with(move |b| b.on_change(move |c: &Change| sink.lock().unwrap().push(c.clone())))
            .await;
    (h, seen)
}

/// One reported change without its tenant: (resource, kind, id, version, activation).
type Row = (
    ResourceKind,
    ChangeKind,
    String,
    Option<u64>,
    Option<Activation>,
);

/// The changes reported since the last call (all of tenant A).
fn take(seen: &Seen) -> Vec<Row> {
    seen.lock()
        .unwrap()
        .drain(..)
        .map(|c| {
            assert_eq!(c.tenant, TenantId::new("tenant-a"));
            (c.resource, c.kind, c.id, c.version, c.activation)
        })
        .collect()
}

fn version(r: &Resp) -> Option<u64> {
    let etag = r.header("etag").expect("an ETag");
    etag.trim_start_matches("W/").trim_matches('"').parse().ok()
}

#[tokio::test]
async fn user_writes_are_reported_with_deactivation_and_reactivation() {
    use ChangeKind::*;
    use ResourceKind::User;
    let (h, seen) = harness().await;
    let r = h.post("/Users", user("babs@example.com")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let path = format!("/Users/{id}");
    assert_eq!(
        take(&seen),
        vec![(User, Created, id.clone(), version(&r), None)]
    );

    // Entra's deactivation: a string boolean.
    let off = patch_op(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    let r = h.patch(&path, off.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        take(&seen),
        vec![(
            User,
            Patched,
            id.clone(),
            version(&r),
            Some(Activation::Deactivated)
        )]
    );
    // Resent unchanged: nothing written, nothing reported.
    let r = h.patch(&path, off).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(take(&seen), vec![]);

    // Okta reactivates with a PUT of the whole user.
    let r = h.put(&path, user("babs@example.com")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        take(&seen),
        vec![(
            User,
            Replaced,
            id.clone(),
            version(&r),
            Some(Activation::Reactivated)
        )]
    );

    // A change that leaves `active` alone.
    let nick = patch_op(json!([{"op": "add", "path": "nickName", "value": "Babs"}]));
    let r = h.patch(&path, nick).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        take(&seen),
        vec![(User, Patched, id.clone(), version(&r), None)]
    );

    let r = h.delete(&path).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(take(&seen), vec![(User, Deleted, id, None, None)]);
}

#[tokio::test]
async fn refused_requests_are_not_reported() {
    let (h, seen) = harness().await;
    let id = h.create_user("a@example.com").await;
    take(&seen);
    let path = format!("/Users/{id}");

    // Invalid PATCH (atomic: nothing written).
    let bad = patch_op(json!([
        {"op": "replace", "path": "active", "value": false},
        {"op": "replace", "path": "id", "value": "other"}
    ]));
    h.patch(&path, bad)
        .await
        .assert_error(400, Some("mutability"));
    // Stale If-Match.
    let auth = format!("Bearer {}", h.token_a);
    let body = serde_json::to_vec(&user("a@example.com")).unwrap();
    let r = h
        .raw(
            Method::PUT,
            &path,
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/scim+json"),
                ("if-match", "W/\"999\""),
            ],
            body,
        )
        .await;
    r.assert_error(412, None);
    // Uniqueness conflict.
    h.post("/Users", user("A@example.com"))
        .await
        .assert_error(409, Some("uniqueness"));
    // Another tenant's id, and an unknown one.
    let r = h
        .call_as(&h.token_b.clone(), Method::DELETE, &path, None)
        .await;
    r.assert_error(404, None);
    h.delete("/Users/no-such-id").await.assert_error(404, None);

    assert_eq!(take(&seen), vec![]);
}

#[tokio::test]
async fn group_writes_are_reported_once_each() {
    use ChangeKind::*;
    use ResourceKind::Group;
    let (h, seen) = harness().await;
    let u1 = h.create_user("u1@example.com").await;
    let u2 = h.create_user("u2@example.com").await;
    take(&seen);

    let g = h.create_group("Tour Guides", &[&u1]).await;
    let path = format!("/Groups/{g}");
    let got = take(&seen);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].0, got[0].1, got[0].2.as_str()),
        (Group, Created, g.as_str())
    );

    // Okta's membership delta.
    let add = patch_op(json!([{"op": "add", "path": "members", "value": [{"value": u2}]}]));
    let r = h.patch(&path, add).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        take(&seen),
        vec![(Group, Patched, g.clone(), version(&r), None)]
    );

    let r = h
        .put(
            &path,
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Guides", "members": [{"value": u1}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        take(&seen),
        vec![(Group, Replaced, g.clone(), version(&r), None)]
    );

    // Deleting a member user is one user change; its group memberships go with it.
    let r = h.delete(&format!("/Users/{u1}")).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        take(&seen),
        vec![(ResourceKind::User, Deleted, u1, None, None)]
    );

    let r = h.delete(&path).await;
    assert_eq!(r.status, 204);
    assert_eq!(take(&seen), vec![(Group, Deleted, g, None, None)]);
}

#[tokio::test]
async fn each_tenant_gets_its_own_changes() {
    let (h, seen) = harness().await;
    let r = h
        .call_as(
            &h.token_b.clone(),
            Method::POST,
            "/Users",
            Some(user("b@example.com")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got: Vec<Change> = seen.lock().unwrap().drain(..).collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].tenant, TenantId::new("tenant-b"));
    assert_eq!(got[0].id, r.id());
    // Tied to the request that made it.
    let request_id: u64 = r.header("x-request-id").unwrap().parse().unwrap();
    assert_eq!(got[0].request_id, request_id);
}

#[tokio::test]
async fn a_panicking_hook_does_not_fail_the_request() {
    let h = Harness::with(|b| b.on_change(|_: &Change| panic!("hook bug"))).await;
    let r = h.post("/Users", user("p@example.com")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The write stands and the service keeps serving.
    let r = h.get(&format!("/Users/{}", r.id())).await;
    assert_eq!(r.status, 200, "{}", r.body);
}
