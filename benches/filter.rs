//! Filter benchmarks: parsing (this file's groups `parse/*`).
//!
//! Run: `cargo bench --bench filter -- --warm-up-time 1 --measurement-time 3`.
//!
//! `parse/*` measures wall time, as criterion does by default. `parse_cpu/*` measures the
//! same work in on-CPU time of the benchmark thread (Linux `/proc/thread-self/schedstat`),
//! which stays meaningful on a machine shared with other jobs, where wall time also counts
//! the time the thread waits for a core.

// `criterion_group!` generates an undocumented `pub fn`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
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

/// Nanoseconds this thread has been on a CPU, if the kernel says (tick resolution).
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Runs `f` `iters` times and returns the on-CPU time (wall time where unavailable).
fn cpu_time(iters: u64, mut f: impl FnMut()) -> Duration {
    let wall = Instant::now();
    let start = thread_cpu_ns();
    for _ in 0..iters {
        f();
    }
    match (start, thread_cpu_ns()) {
        (Some(a), Some(b)) => Duration::from_nanos(b.saturating_sub(a)),
        _ => wall.elapsed(),
    }
}

fn parse_cpu(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_cpu");
    // The kernel updates a running thread's CPU time at scheduler ticks (a few ms), so
    // every sample must be long: equal-sized samples, fewer of them.
    group.sampling_mode(SamplingMode::Flat).sample_size(20);
    group.throughput(Throughput::Elements(1));
    group.bench_function("simple", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let _ =
                    black_box(black_box(r#"userName eq "bjensen@example.com""#).parse::<Filter>());
            })
        })
    });
    let corpus: Vec<&str> = TYPICAL.lines().filter(|l| !l.is_empty()).collect();
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("typical_corpus", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                for f in &corpus {
                    let _ = black_box(black_box(*f).parse::<Filter>());
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, parse, parse_cpu);
criterion_main!(benches);
