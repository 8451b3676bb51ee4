//! Filter benchmarks: parsing (this file's groups `parse/*`).
//!
//! Run: `cargo bench --bench filter -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scimitar::Filter;

const TYPICAL: &str = include_str!("../tests/fixtures/filters/typical.txt");

const COMPLEX: &str = concat!(
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#" and not (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"#,
    r#" eq "26118915" or meta.lastModified lt "2011-05-13T04:42:34Z")"#,
    r#" and emails[type eq "work" and value co "@example.com"]"#
);

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");

    group.throughput(Throughput::Elements(1));
    group.bench_function("simple", |b| {
        b.iter(|| black_box(r#"userName eq "bjensen@example.com""#).parse::<Filter>())
    });

    let corpus: Vec<&str> = TYPICAL.lines().filter(|l| !l.is_empty()).collect();
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("typical_corpus", |b| {
        b.iter(|| {
            for f in &corpus {
                let _ = black_box(black_box(*f).parse::<Filter>());
            }
        })
    });

    group.throughput(Throughput::Elements(1));
    group.bench_function("complex_nested", |b| {
        b.iter(|| black_box(COMPLEX).parse::<Filter>())
    });

    let or50 = (0..50)
        .map(|i| format!(r#"userName eq "user{i}@example.com""#))
        .collect::<Vec<_>>()
        .join(" or ");
    group.bench_function("or_50_terms", |b| {
        b.iter(|| black_box(or50.as_str()).parse::<Filter>())
    });

    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
