//! Generated users shared by the store benches and the store examples
//! (`benches/store.rs`, `examples/store_cpu.rs`, `examples/store_memory.rs`), included with
//! `#[path]` so that every one of them measures the same data.

use futures::executor::block_on;
use scimitar::store::memory::MemoryStore;
use scimitar::store::{NewResource, UserStore};
use scimitar::TenantId;
use serde_json::{json, Map, Value};

/// User `i` as Okta / Entra typically provision it: userName, externalId, name (three
/// parts), displayName, one work email, active, title and four enterprise-extension
/// attributes.
pub fn idp_user(i: usize) -> Map<String, Value> {
    let v = json!({
        "userName": format!("user{i}@example.com"),
        "externalId": format!("00u{i:010}"),
        "name": {"givenName": format!("Given{i}"), "familyName": "Jensen", "formatted": format!("Given{i} Jensen")},
        "displayName": format!("Given{i} Jensen"),
        "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
        "active": true,
        "title": "Tour Guide",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{}", 100_000 + i),
            "department": "Tour Operations",
            "costCenter": "4130",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A memory store holding `n` [`idp_user`]s in tenant `acme`, ids in creation order.
///
/// # Panics
///
/// When a create fails (the measurements would be of the wrong data).
#[allow(dead_code)] // store_memory builds its own shapes
pub fn populated(n: usize) -> (MemoryStore, TenantId) {
    let store = MemoryStore::new();
    let tenant = TenantId::new("acme");
    block_on(async {
        for i in 0..n {
            let new = NewResource {
                id: format!("{i:08}-0000-4000-8000-000000000000"),
                attributes: idp_user(i),
            };
            if let Err(e) = store.create(&tenant, new).await {
                panic!("setup create {i}: {e}");
            }
        }
    });
    (store, tenant)
}
