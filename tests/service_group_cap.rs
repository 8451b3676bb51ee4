//! `Policy::max_members` under concurrent membership PATCHes: every request reads the
//! group before any writes (a store whose reads are slow), and still no more members than
//! the cap end up in the group.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use scimitar::schema::Policy;
use scimitar::store::{
    GroupRef, MemberChange, NewResource, Resource, StoreError, StorePage, StoreQuery,
};
use scimitar::{GroupStore, MemoryStore, TenantId};
use serde_json::{json, Map, Value};
use service_support::*;

/// The memory store, with every group read taking a while: concurrent PATCHes all load
/// the group before any of them writes.
struct SlowReads(Arc<MemoryStore>);

#[async_trait]
impl GroupStore for SlowReads {
    async fn get(
        &self,
        tenant: &TenantId,
        id: &str,
        include_members: bool,
    ) -> Result<Option<Resource>, StoreError> {
        let got = GroupStore::get(&*self.0, tenant, id, include_members).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        got
    }
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        GroupStore::create(&*self.0, tenant, new).await
    }
    async fn update(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Option<Map<String, Value>>,
        changes: Vec<MemberChange>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        GroupStore::update(&*self.0, tenant, id, attributes, changes, expected_version).await
    }
    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        GroupStore::delete(&*self.0, tenant, id, expected_version).await
    }
    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        GroupStore::list(&*self.0, tenant, query).await
    }
    async fn groups_of(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<GroupRef>, StoreError> {
        self.0.groups_of(tenant, member_id).await
    }
    async fn remove_member_everywhere(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<(), StoreError> {
        self.0.remove_member_everywhere(tenant, member_id).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_member_adds_never_overshoot_the_cap() {
    let h = Arc::new(
        Harness::with(|b| {
            let store = Arc::new(MemoryStore::new());
            b.users(store.clone())
                .groups(Arc::new(SlowReads(store)))
                .policy(Policy::default().max_members(Some(3)))
        })
        .await,
    );
    let gid = h.create_group("Capped", &[]).await;
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(h.create_user(&format!("cc{i}@example.com")).await);
    }
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let h = h.clone();
            let path = format!("/Groups/{gid}");
            let op = json!([{"op": "add", "path": "members", "value": [{"value": u}]}]);
            tokio::spawn(async move { h.patch(&path, patch_op(op)).await })
        })
        .collect();
    let mut added = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            204 => added += 1,
            400 => r.assert_error(400, Some("invalidValue")),
            // Out of write attempts under contention: a retryable failure, nothing written.
            s => assert!(s == 409 || s == 412 || s == 503, "status {s}: {}", r.body),
        }
    }
    let g = h.get(&format!("/Groups/{gid}")).await;
    let n = g.body["members"].as_array().map_or(0, Vec::len);
    assert!(n <= 3, "{n} members, the cap is 3");
    assert_eq!(n, added, "every 204 added a member");
    assert!(added >= 1);
}
