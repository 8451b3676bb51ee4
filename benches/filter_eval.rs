//! Evaluation of five typical filters over 100,000 generated users.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
//!
//! `cargo bench --bench filter_eval -- --warm-up-time 1 --measurement-time 3`
//! Each benchmark tests every user once; divide the time by 100,000 for ns per user.
//!
//! Time is the benchmark thread's CPU time (from `/proc/thread-self/schedstat`), not wall
//! time: on a shared machine the wall time mostly measures how long the thread waited
//! for a core.
//!
//! Two representations of the same users are measured:
//! - `filter_eval_N_users/<filter>`: [`BoundFilter::matches`] on `store::Resource`s
//!   (`serde_json` maps), what a store without its own evaluation uses;
//! - `memory_store_list_N_users/<filter>`: `MemoryStore::list` with the filter (no index
//!   answers these, except `userName eq` and `externalId eq`, which are measured with the
//!   index bypassed by writing them `not (not (...))`, which the store's planner does not
//!   look into, so every user is tested) and a page of 100:
//!   the store tests each user in its compact stored form and expands only the page.
//!   The store sets `meta.lastModified` itself (to the time of the run), so the last
//!   filter matches every user there.
//!
//! Environment: `SCIMITAR_BENCH_USERS=N` changes the population (e.g. 1000 to compare with
//! an in-cache working set); `SCIMITAR_BENCH_EXTRA='f1;f2'` benchmarks more filters.

use std::hint::black_box;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::sync::Arc;

use futures::executor::block_on;
use scimitar::filter::{BoundFilter, EvalOptions, Filter};
use scimitar::schema::SchemaSet;
use scimitar::store::memory::MemoryStore;
use scimitar::store::{NewResource, PageRequest, Resource, StoreQuery, UserStore};
use scimitar::TenantId;
use serde_json::{json, Map, Value};
use time::{Duration, OffsetDateTime};

/// The number of generated users; `SCIMITAR_BENCH_USERS` overrides it (to compare an
/// in-cache population with the 100,000 of the target).
fn population() -> usize {
    std::env::var("SCIMITAR_BENCH_USERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

const FILTERS: [(&str, &str); 5] = [
    ("userName_eq", r#"userName eq "User50000@Example.com""#),
    ("externalId_eq", r#"externalId eq "ext-77777""#),
    (
        "emails_value_path",
        r#"emails[type eq "work" and value co "@example.org"]"#,
    ),
    (
        "active_and_familyName_sw",
        r#"active eq true and name.familyName sw "Sm""#,
    ),
    (
        "lastModified_gt",
        r#"meta.lastModified gt "2024-06-01T00:00:00Z""#,
    ),
];

const FAMILY: [&str; 8] = [
    "Jensen", "Smith", "Garcia", "Smythe", "Nguyen", "Okafor", "Müller", "Tanaka",
];

fn users(n: usize) -> Vec<Resource> {
    let base = OffsetDateTime::UNIX_EPOCH + Duration::days(19_700);
    (0..n)
        .map(|i| {
            let family = FAMILY[i % FAMILY.len()];
            let domain = if i % 4 == 0 {
                "example.org"
            } else {
                "example.com"
            };
            let mut attributes = Map::new();
            attributes.insert("userName".into(), json!(format!("user{i}@example.com")));
            attributes.insert("externalId".into(), json!(format!("ext-{i}")));
            attributes.insert(
                "name".into(),
                json!({"givenName": format!("Given{i}"), "familyName": family,
                       "formatted": format!("Given{i} {family}")}),
            );
            attributes.insert("displayName".into(), json!(format!("Given{i} {family}")));
            attributes.insert("active".into(), Value::Bool(i % 3 != 0));
            attributes.insert(
                "emails".into(),
                json!([
                    {"value": format!("user{i}@{domain}"), "type": "work", "primary": true},
                    {"value": format!("u{i}@home.example.net"), "type": "home"}
                ]),
            );
            attributes.insert(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into(),
                json!({"employeeNumber": format!("{i}"), "department": "Tours"}),
            );
            let created = base + Duration::minutes(i as i64);
            Resource {
                id: format!("{i:08x}-7f76-453a-919d-413861904646"),
                version: 1,
                created,
                last_modified: created + Duration::hours((i % 500) as i64 * 24),
                attributes,
            }
        })
        .collect()
}

fn bound(schemas: &SchemaSet) -> Vec<(&'static str, BoundFilter)> {
    FILTERS
        .iter()
        .map(|(name, text)| {
            let filter: Filter = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            let bound = filter
                .bind(schemas, EvalOptions::default())
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            (*name, bound)
        })
        .collect()
}

fn count(users: &[Resource], f: &BoundFilter) -> usize {
    users.iter().filter(|u| f.matches(black_box(*u))).count()
}

/// CPU time of the current thread, in nanoseconds.
struct CpuTime;

fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("/proc/thread-self/schedstat (Linux with schedstats) is needed");
    stat.split_whitespace().next().unwrap().parse().unwrap()
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

fn bench(c: &mut Criterion<CpuTime>) {
    let n = population();
    let users = users(n);
    let schemas = SchemaSet::user();
    let filters = bound(&schemas);
    for (name, f) in &filters {
        eprintln!("{name}: {} of {n} users match", count(&users, f));
    }

    let mut g = c.benchmark_group(format!("filter_eval_{n}_users"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for (name, f) in &filters {
        g.bench_function(*name, |b| b.iter(|| count(&users, f)));
    }
    if let Ok(extra) = std::env::var("SCIMITAR_BENCH_EXTRA") {
        for (i, text) in extra.split(';').enumerate() {
            let f = text
                .parse::<Filter>()
                .unwrap()
                .bind(&schemas, EvalOptions::default())
                .unwrap();
            eprintln!("extra{i} = {text}: {} match", count(&users, &f));
            g.bench_function(format!("extra{i}"), |b| b.iter(|| count(&users, &f)));
        }
    }
    g.bench_function("all_five", |b| {
        b.iter(|| filters.iter().map(|(_, f)| count(&users, f)).sum::<usize>())
    });
    g.finish();

    let mut g = c.benchmark_group("filter_bind");
    g.bench_function("parse_and_bind_five", |b| {
        b.iter(|| bound(black_box(&schemas)).len())
    });
    g.finish();
}

/// The users in a [`MemoryStore`] (one tenant), as the store holds them.
fn memory_store(users: &[Resource]) -> (MemoryStore, TenantId) {
    let store = MemoryStore::new();
    let tenant = TenantId::new("bench");
    block_on(async {
        for u in users {
            let new = NewResource {
                id: u.id.clone(),
                attributes: u.attributes.clone(),
            };
            store.create(&tenant, new).await.expect("create");
        }
    });
    (store, tenant)
}

/// A list query for the first page of 100 users matching `text`, with the store's
/// indexes bypassed (`not (not (...))`) so that every user is tested.
fn scan_query(text: &str, schemas: &Arc<SchemaSet>) -> StoreQuery {
    let filter: Filter = format!("not (not ({text}))").parse().unwrap();
    StoreQuery {
        filter: Some(filter),
        sort: None,
        page: Some(PageRequest {
            offset: 0,
            count: 100,
        }),
        include_members: false,
        schemas: Arc::clone(schemas),
    }
}

fn list_total(store: &MemoryStore, tenant: &TenantId, q: &StoreQuery) -> usize {
    block_on(store.list(tenant, black_box(q)))
        .expect("list")
        .total_results
}

fn bench_store(c: &mut Criterion<CpuTime>) {
    let n = population();
    let (store, tenant) = memory_store(&users(n));
    let schemas = Arc::new(SchemaSet::user());
    let queries: Vec<(&str, StoreQuery)> = FILTERS
        .iter()
        .map(|(name, text)| (*name, scan_query(text, &schemas)))
        .collect();
    for (name, q) in &queries {
        eprintln!(
            "memory store {name}: {} of {n} users match",
            list_total(&store, &tenant, q)
        );
    }
    let mut g = c.benchmark_group(format!("memory_store_list_{n}_users"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for (name, q) in &queries {
        g.bench_function(*name, |b| b.iter(|| list_total(&store, &tenant, q)));
    }
    g.bench_function("all_five", |b| {
        b.iter(|| {
            queries
                .iter()
                .map(|(_, q)| list_total(&store, &tenant, q))
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = bench, bench_store
}
criterion_main!(benches);
