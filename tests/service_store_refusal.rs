//! `StoreError::Refused`: a store that refuses a write for a reason of the host's own (here:
//! a seat limit of the organization's plan) gets its error to the client as it is, and
//! nothing changes; other tenants are not affected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use scimitar::store::{NewResource, Resource, StoreError, StorePage, StoreQuery};
use scimitar::{Change, Error, ErrorKind, MemoryStore, TenantId, UserStore};
use serde_json::{json, Map, Value};
use service_support::*;

/// At most `seats` active users per organization; deactivated users free their seat.
/// (A real host would count in its own database, in the transaction of the write.)
struct Seats {
    inner: Arc<MemoryStore>,
    seats: usize,
    active: Mutex<HashMap<TenantId, HashSet<String>>>,
}

impl Seats {
    fn full(&self) -> StoreError {
        StoreError::Refused(Error::new(
            ErrorKind::Forbidden,
            format!(
                "the organization's plan allows {} active users; deactivate one first",
                self.seats
            ),
        ))
    }

    /// Takes or frees `id`'s seat; `Err` when a seat is needed and none is free.
    fn seat(&self, tenant: &TenantId, id: &str, active: bool) -> Result<(), StoreError> {
        let mut all = self.active.lock().unwrap();
        let ids = all.entry(tenant.clone()).or_default();
        if !active {
            ids.remove(id);
        } else if !ids.contains(id) {
            if ids.len() >= self.seats {
                return Err(self.full());
            }
            ids.insert(id.to_owned());
        }
        Ok(())
    }
}

fn is_active(attrs: &Map<String, Value>) -> bool {
    attrs.get("active") != Some(&json!(false))
}

#[async_trait]
impl UserStore for Seats {
    async fn get(&self, tenant: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        self.inner.get(tenant, id).await
    }

    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        let id = new.id.clone();
        self.seat(tenant, &id, is_active(&new.attributes))?;
        let created = self.inner.create(tenant, new).await;
        if created.is_err() {
            self.seat(tenant, &id, false)?;
        }
        created
    }

    async fn replace(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Map<String, Value>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        self.seat(tenant, id, is_active(&attributes))?;
        self.inner
            .replace(tenant, id, attributes, expected_version)
            .await
    }

    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        self.inner.delete(tenant, id, expected_version).await?;
        self.seat(tenant, id, false)
    }

    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        self.inner.list(tenant, query).await
    }
}

#[tokio::test]
async fn a_refusing_store_answers_its_own_error_and_changes_nothing() {
    let changes = Arc::new(Mutex::new(0usize));
    let counted = changes.clone();
    let h = Harness::with(|b| {
        let users = Arc::new(Seats {
            inner: Arc::new(MemoryStore::new()),
            seats: 2,
            active: Mutex::default(),
        });
        b.users(users)
            .on_change(move |_: &Change| *counted.lock().unwrap() += 1)
    })
    .await;
    let first = h.create_user("one@example.com").await;
    h.create_user("two@example.com").await;
    assert_eq!(*changes.lock().unwrap(), 2);

    let r = h.post("/Users", user("three@example.com")).await;
    r.assert_error(403, None);
    assert_eq!(
        r.body["detail"],
        "the organization's plan allows 2 active users; deactivate one first"
    );
    let l = h.get("/Users?count=0").await;
    assert_eq!(l.body["totalResults"], 2, "{}", l.body);
    assert_eq!(
        *changes.lock().unwrap(),
        2,
        "a refused write is not reported"
    );

    // Another organization has its own seats.
    let r = h
        .call_as(
            &h.token_b.clone(),
            http::Method::POST,
            "/Users",
            Some(user("three@example.com")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // Deactivating frees a seat; reactivating while full is refused the same way.
    let off = patch_op(json!([{"op": "replace", "path": "active", "value": false}]));
    let r = h.patch(&format!("/Users/{first}"), off).await;
    assert_eq!(r.status, 200, "{}", r.body);
    h.create_user("three@example.com").await;
    let on = patch_op(json!([{"op": "replace", "path": "active", "value": true}]));
    let r = h.patch(&format!("/Users/{first}"), on).await;
    r.assert_error(403, None);
    let r = h.get(&format!("/Users/{first}")).await;
    assert_eq!(r.body["active"], false, "{}", r.body);
}
