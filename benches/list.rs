//! List engine costs: query parsing, in-memory sort of 10k users, projection of a page,
//! and a 100-user page from 10k users through `list_users` on the in-memory store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scimitar::list::{list_users, ListLimits, ListQuery, Projection, Sorter};
use scimitar::resource::render;
use scimitar::schema::SchemaSet;
use scimitar::store::{NewResource, Resource, SortKey, SortOrder, UserStore};
use scimitar::{MemoryStore, TenantId};
use serde_json::{json, Map, Value};
use time::macros::datetime;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn attrs(i: usize) -> Map<String, Value> {
    let Value::Object(m) = json!({
        "userName": format!("user{:05}@example.com", (i * 7919) % 10_000),
        "name": {"givenName": format!("Given{i}"), "familyName": format!("Family{}", i % 97)},
        "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
        "active": i % 5 != 0,
        ENTERPRISE: {"employeeNumber": format!("{i}"), "department": "Sales"}
    }) else {
        unreachable!()
    };
    m
}

fn users(n: usize) -> Vec<Resource> {
    (0..n)
        .map(|i| Resource {
            id: format!("{i:08}"),
            version: 1,
            created: datetime!(2024-01-01 00:00 UTC),
            last_modified: datetime!(2024-01-01 00:00 UTC),
            attributes: attrs(i),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let limits = ListLimits::default();
    c.bench_function("list/parse_query", |b| {
        b.iter(|| {
            ListQuery::from_query(
                black_box("filter=userName+eq+%22bjensen%40example.com%22&startIndex=1&count=100&attributes=userName,name.givenName,emails.value"),
                &limits,
            )
            .unwrap()
        })
    });

    let schemas = SchemaSet::user();
    let data = users(10_000);
    let key = SortKey {
        path: "name.familyName".parse().unwrap(),
        order: SortOrder::Descending,
    };
    let sorter = Sorter::new(&key, &schemas);
    c.bench_function("list/sort_10k_by_name.familyName", |b| {
        b.iter_batched(
            || data.clone(),
            |mut rs| {
                sorter.sort(&mut rs);
                rs
            },
            criterion::BatchSize::LargeInput,
        )
    });

    let page: Vec<Map<String, Value>> = data
        .iter()
        .take(100)
        .map(|r| render(r, &schemas, Some("https://example.com/scim/v2")))
        .collect();
    let projection = Projection::new(
        &["userName".parse().unwrap(), "emails.value".parse().unwrap()],
        &[],
        &schemas,
    );
    c.bench_function("list/project_100_rendered", |b| {
        b.iter_batched(
            || page.clone(),
            |mut docs| {
                for d in &mut docs {
                    projection.apply(d);
                }
                docs
            },
            criterion::BatchSize::SmallInput,
        )
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = MemoryStore::new();
    let tenant = TenantId::new("bench");
    rt.block_on(async {
        for i in 0..10_000 {
            UserStore::create(
                &store,
                &tenant,
                NewResource {
                    id: format!("{i:08}"),
                    attributes: attrs(i),
                },
            )
            .await
            .unwrap();
        }
    });
    let schemas = Arc::new(schemas);
    let q = ListQuery::from_query("startIndex=5001&count=100", &limits).unwrap();
    c.bench_function("list/memory_page_100_of_10k", |b| {
        b.iter(|| {
            rt.block_on(list_users(&store, &tenant, &q, schemas.clone()))
                .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
