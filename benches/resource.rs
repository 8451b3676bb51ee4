//! Reading and rendering resources: the RFC full user, and a large group.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scimitar::compat::{Compat, CompatReport};
use scimitar::resource::{normalize, render, validate};
use scimitar::schema::{Policy, SchemaSet};
use scimitar::store::Resource;
use serde_json::{json, Value};
use time::OffsetDateTime;

fn bench(c: &mut Criterion) {
    let users = SchemaSet::user();
    let groups = SchemaSet::group();
    let policy = Policy::default()
        .require_list("externalId,name.givenName,name.familyName,emails")
        .unwrap()
        .max_length(255);
    let user: Value = serde_json::from_str(include_str!(
        "../tests/fixtures/rfc/8.3-enterprise-user.json"
    ))
    .unwrap();
    let members: Vec<Value> = (0..10_000)
        .map(|i| json!({"value": format!("2819c223-7f76-453a-919d-{i:012}"), "type": "User"}))
        .collect();
    let group = json!({"displayName": "Everyone", "members": members});

    c.bench_function("normalize+validate 8.3 user", |b| {
        b.iter(|| {
            let attrs = normalize(
                black_box(&user),
                &users,
                &Compat::default(),
                &mut CompatReport::new(),
            )
            .unwrap();
            validate(&attrs, &users, &policy).unwrap();
            attrs
        })
    });
    let attrs = normalize(&user, &users, &Compat::default(), &mut CompatReport::new()).unwrap();
    let now = OffsetDateTime::UNIX_EPOCH;
    let stored = Resource {
        id: "u1".into(),
        version: 3,
        created: now,
        last_modified: now,
        attributes: attrs,
    };
    c.bench_function("render 8.3 user", |b| {
        b.iter(|| {
            render(
                black_box(&stored),
                &users,
                Some("https://example.com/scim/v2"),
            )
        })
    });
    c.bench_function("normalize+validate group of 10k members", |b| {
        b.iter(|| {
            let attrs = normalize(
                black_box(&group),
                &groups,
                &Compat::default(),
                &mut CompatReport::new(),
            )
            .unwrap();
            validate(&attrs, &groups, &policy).unwrap();
            attrs
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
