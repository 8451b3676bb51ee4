//! A Group PATCH that rewrites the whole member list (an operation membership deltas cannot
//! express, such as a filter on `display`) looks up only the members it adds, not every
//! member the group already had.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use scimitar::store::{NewResource, Resource, StoreError, StorePage, StoreQuery};
use scimitar::{MemoryStore, TenantId, UserStore};
use serde_json::{json, Map, Value};
use service_support::*;

/// The memory store, counting `get` calls.
struct CountingUsers {
    inner: Arc<MemoryStore>,
    gets: Arc<AtomicUsize>,
}

#[async_trait]
impl UserStore for CountingUsers {
    async fn get(&self, tenant: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(tenant, id).await
    }
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        self.inner.create(tenant, new).await
    }
    async fn replace(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Map<String, Value>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        UserStore::replace(&*self.inner, tenant, id, attributes, expected_version).await
    }
    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        UserStore::delete(&*self.inner, tenant, id, expected_version).await
    }
    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        UserStore::list(&*self.inner, tenant, query).await
    }
}

async fn harness() -> (Harness, Arc<AtomicUsize>) {
    let gets = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&gets);
    let h = Harness::with(move |b| {
        // The harness's groups store is a fresh MemoryStore per harness; users go through
        // the counter over a store of their own.
        let users = Arc::new(MemoryStore::new());
        let groups = Arc::clone(&users);
        b.users(Arc::new(CountingUsers {
            inner: users,
            gets: counter,
        }))
        .groups(groups)
    })
    .await;
    (h, gets)
}

fn member_count(body: &Value) -> usize {
    body["members"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_full_rewrite_resolves_only_the_members_it_adds() {
    let (h, gets) = harness().await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(h.create_user(&format!("member{i}@example.com")).await);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let gid = h.create_group("Big", &refs).await;
    let newcomer = h.create_user("newcomer@example.com").await;

    gets.store(0, Ordering::SeqCst);
    // A value-path remove on `display` is not a delta: the whole list is loaded, patched
    // and written back; the add in the same request is a new member.
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([
                {"op": "remove", "path": "members[display eq \"nobody\"]"},
                {"op": "add", "path": "members", "value": [{"value": newcomer}]}
            ])),
        )
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.body);
    assert_eq!(
        gets.load(Ordering::SeqCst),
        1,
        "only the added member is looked up"
    );

    let g = h.get(&format!("/Groups/{gid}")).await;
    assert_eq!(member_count(&g.body), 41);
    let added = g.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["value"] == json!(newcomer))
        .expect("the newcomer is a member");
    assert_eq!(added["type"], "User");
}

#[tokio::test]
async fn a_full_rewrite_still_refuses_unknown_new_members() {
    let (h, _) = harness().await;
    let u = h.create_user("only@example.com").await;
    let gid = h.create_group("Small", &[&u]).await;
    let r = h
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([
                {"op": "remove", "path": "members[display eq \"nobody\"]"},
                {"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}
            ])),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    let g = h.get(&format!("/Groups/{gid}")).await;
    assert_eq!(member_count(&g.body), 1);
}
