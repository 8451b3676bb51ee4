//! Measures the resident memory of `MemoryStore` holding N users.
//!
//! `cargo run --release --example store_memory -- 10000 rfc` (shapes: `rfc` = the RFC 7643
//! §8.3 enterprise user with every attribute it prints except the derived `groups` and
//! the `password`; `idp` = what Okta / Entra typically provision: userName, name,
//! displayName, one email, active, externalId, title and four enterprise attributes;
//! `rfc-nocert` = `rfc` without the 1.3 KB `x509Certificates` value).
//! Prints VmRSS before and after and the bytes per user. Linux only (reads /proc).

use scimitar::store::memory::MemoryStore;
use scimitar::store::{NewResource, UserStore};
use scimitar::TenantId;
use serde_json::{json, Map, Value};

#[path = "../benches/support/users.rs"]
mod users;
use users::idp_user;

const RFC_83: &str = include_str!("../benches/data/rfc-8.3-user.json");

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn rfc_user(template: &Map<String, Value>, i: usize) -> Map<String, Value> {
    let mut u = template.clone();
    u.insert("userName".into(), json!(format!("bjensen{i}@example.com")));
    u.insert("externalId".into(), json!(format!("{}", 700_000 + i)));
    u.insert("displayName".into(), json!(format!("Babs Jensen {i}")));
    if let Some(Value::Array(emails)) = u.get_mut("emails") {
        if let Some(Value::Object(e)) = emails.first_mut() {
            e.insert("value".into(), json!(format!("bjensen{i}@example.com")));
        }
    }
    u
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let shape = args.next().unwrap_or_else(|| "rfc".into());
    let mut template: Map<String, Value> = serde_json::from_str(RFC_83).unwrap_or_default();
    for k in ["id", "meta", "schemas", "groups", "password"] {
        template.remove(k);
    }
    if shape == "rfc-nocert" {
        template.remove("x509Certificates");
    }
    let store = MemoryStore::new();
    let tenant = TenantId::new("acme");
    let before = rss_kib();
    futures::executor::block_on(async {
        for i in 0..n {
            let attributes = if shape == "idp" {
                idp_user(i)
            } else {
                rfc_user(&template, i)
            };
            let id = uuid::Uuid::new_v4().to_string();
            if let Err(e) = store.create(&tenant, NewResource { id, attributes }).await {
                eprintln!("create {i}: {e}");
                return;
            }
        }
    });
    let after = rss_kib();
    let bytes_per_user = (after.saturating_sub(before) * 1024) / (n.max(1) as u64);
    println!(
        "{n} {shape} users: VmRSS {:.1} MiB before, {:.1} MiB after; {:.1} MiB for the store, ~{bytes_per_user} B/user",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after - before) as f64 / 1024.0
    );
}
