//! On-CPU cost of the store operations the benches time in wall-clock terms, for shared
//! machines where wall time mostly measures the wait for a core.
//!
//! `cargo run --release --example store_cpu` (Linux: reads `/proc/thread-self/schedstat`,
//! which advances in scheduler ticks, so each figure is an average over enough calls to
//! span many ticks).

use std::hint::black_box;
use std::sync::Arc;

use futures::executor::block_on;
use scimitar::schema::SchemaSet;
use scimitar::store::{NewResource, PageRequest, StoreQuery, UserStore};
use scimitar::Filter;
use serde_json::{Map, Value};

#[path = "../benches/support/users.rs"]
mod users;
use users::{idp_user, populated};

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// Median over 5 rounds of the mean on-CPU time of `calls` calls, in microseconds.
fn cpu_us<R>(calls: u32, mut f: impl FnMut() -> R) -> f64 {
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let start = thread_cpu_ns();
            for _ in 0..calls {
                black_box(f());
            }
            (thread_cpu_ns().saturating_sub(start)) as f64 / 1000.0 / f64::from(calls)
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds.get(2).copied().unwrap_or(0.0)
}

fn query(filter: Option<Filter>, page: Option<PageRequest>) -> StoreQuery {
    StoreQuery {
        filter,
        sort: None,
        page,
        include_members: false,
        schemas: Arc::new(SchemaSet::user()),
    }
}

fn main() {
    let sizes: &[usize] = if std::env::var_os("SCIMITAR_STORE_CPU_SMALL").is_some() {
        &[10_000]
    } else {
        &[10_000, 1_000_000]
    };
    for &n in sizes {
        let (store, tenant) = populated(n);
        let filter: Option<Filter> = format!("userName eq \"USER{}@example.com\"", n / 2)
            .parse()
            .ok();
        let q = query(filter, None);
        let us = cpu_us(20_000, || block_on(store.list(&tenant, &q)));
        println!("list userName eq, {n} users: {us:.2} µs on-CPU");
        if n == 10_000 {
            // Filters no hash index answers: every user of the tenant is tested.
            for text in [
                r#"emails.value eq "user5000@example.com""#,
                r#"name.familyName sw "jen" and title co "guide""#,
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt "104999""#,
            ] {
                let filter: Option<Filter> = text.parse().ok();
                let q = query(
                    filter,
                    Some(PageRequest {
                        offset: 0,
                        count: 100,
                    }),
                );
                let page = block_on(store.list(&tenant, &q));
                let total = page.map(|p| p.total_results).unwrap_or(0);
                let us = cpu_us(20, || block_on(store.list(&tenant, &q)));
                println!(
                    "list `{text}` ({total} match, page of 100), {n} users: {us:.0} µs on-CPU"
                );
            }
            for offset in [0usize, 5_000, 9_900] {
                let q = query(None, Some(PageRequest { offset, count: 100 }));
                let us = cpu_us(500, || block_on(store.list(&tenant, &q)));
                println!("page of 100 at offset {offset}, {n} users: {us:.1} µs on-CPU");
            }
            // The floor: cloning 100 ready-made maps of the same users allocates the same.
            let maps: Vec<Map<String, Value>> = (0..100).map(idp_user).collect();
            let us = cpu_us(500, || maps.clone());
            println!("clone of 100 serde_json user maps (reference floor): {us:.1} µs on-CPU");
            let mut i = n;
            let us = cpu_us(5_000, || {
                i += 1;
                let new = NewResource {
                    id: format!("{i:08}-0000-4000-8000-000000000000"),
                    attributes: idp_user(i),
                };
                block_on(store.create(&tenant, new))
            });
            println!("create one user (store of {n}+): {us:.2} µs on-CPU");
        }
    }
}
