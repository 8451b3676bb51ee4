//! In-memory store benchmarks: indexed `userName eq` lookups at 10k and 1M users (must stay
//! flat), a page of 100 from 10k users, and create throughput.
//!
//! `cargo bench --bench store -- --warm-up-time 1 --measurement-time 3`
//!
//! Wall time; on a shared machine it includes waiting for a core. `examples/store_cpu.rs`
//! measures the same operations in on-CPU time.

#![allow(missing_docs, clippy::panic)]

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::executor::block_on;
use scimitar::schema::SchemaSet;
use scimitar::store::memory::MemoryStore;
use scimitar::store::{NewResource, PageRequest, StoreQuery, UserStore};
use scimitar::{Filter, TenantId};

#[path = "support/users.rs"]
mod users;
use users::{idp_user, populated};

fn query(filter: Option<Filter>, page: Option<PageRequest>) -> StoreQuery {
    StoreQuery {
        filter,
        sort: None,
        page,
        include_members: false,
        schemas: Arc::new(SchemaSet::user()),
    }
}

fn user_name_eq(c: &mut Criterion) {
    let mut group = c.benchmark_group("store/list_userName_eq");
    for n in [10_000usize, 1_000_000] {
        let (store, tenant) = populated(n);
        let filter: Filter = match format!("userName eq \"USER{}@example.com\"", n / 2).parse() {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        };
        let q = query(Some(filter), None);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let page = block_on(store.list(&tenant, &q));
                assert!(matches!(&page, Ok(p) if p.total_results == 1));
                page
            })
        });
    }
    group.finish();
}

fn page_of_100(c: &mut Criterion) {
    let (store, tenant) = populated(10_000);
    let mut group = c.benchmark_group("store/page_of_100");
    for offset in [0usize, 5_000, 9_900] {
        let q = query(None, Some(PageRequest { offset, count: 100 }));
        group.bench_with_input(
            BenchmarkId::new("10k_users_offset", offset),
            &offset,
            |b, _| {
                b.iter(|| {
                    let page = block_on(store.list(&tenant, &q));
                    assert!(matches!(&page, Ok(p) if p.resources.len() == 100));
                    page
                })
            },
        );
    }
    group.finish();
}

fn create(c: &mut Criterion) {
    let mut group = c.benchmark_group("store/create");
    group.throughput(Throughput::Elements(1));
    let store = MemoryStore::new();
    let tenant = TenantId::new("acme");
    let mut i = 0usize;
    group.bench_function("user", |b| {
        b.iter(|| {
            i += 1;
            let new = NewResource {
                id: format!("{i:08}-0000-4000-8000-000000000000"),
                attributes: idp_user(i),
            };
            block_on(store.create(&tenant, new))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = user_name_eq, page_of_100, create
}
criterion_main!(benches);
