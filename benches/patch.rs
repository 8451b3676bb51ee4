//! PATCH apply: a 10-operation request mixing replace/add/remove, value paths and a URN
//! path, applied to the RFC 7643 §8.3 enterprise user (cloning included, as `apply` always
//! works on a copy).
//!
//! `patch/*` rows are wall time; `patch_cpu/*` rows measure the same work in on-CPU time of
//! the benchmark thread (Linux `/proc/thread-self/schedstat`), which stays meaningful on a
//! machine shared with other jobs.

// `criterion_group!` generates an undocumented `pub fn`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput,
};
use scimitar::patch::{PatchLimits, PatchRequest, Revalidate};
use scimitar::schema::{Policy, SchemaSet};
use scimitar::{Compat, CompatReport};
use serde_json::{json, Map, Value};

fn user() -> Map<String, Value> {
    let path = format!(
        "{}/tests/fixtures/patch/user_full.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ten_ops() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "babs@example.com"},
            {"op": "replace", "path": "name.familyName", "value": "Jensen-Smith"},
            {"op": "add", "path": "phoneNumbers", "value": [{"value": "555-555-1234", "type": "other"}]},
            {"op": "remove", "path": "phoneNumbers[type eq \"mobile\"]"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tours"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "add", "path": "nickName", "value": "Bee"},
            {"op": "remove", "path": "ims"},
            {"op": "replace", "path": "addresses[type eq \"home\"].locality", "value": "Burbank"},
            {"op": "add", "path": "emails", "value": [{"value": "b@jensen.org", "type": "other", "primary": true}]}
        ]
    })
}

fn bench(c: &mut Criterion) {
    let compat = Compat::default();
    let schemas = SchemaSet::user();
    let policy = Policy::default();
    let start = user();
    let mut report = CompatReport::new();
    let body = ten_ops();
    let req = PatchRequest::from_json(&body, &compat, &mut report, &PatchLimits::default())
        .expect("bench request parses");
    req.apply(&start, "u-1", &schemas, &policy, &compat, &mut report)
        .expect("bench request applies");

    let mut g = c.benchmark_group("patch");
    g.throughput(Throughput::Elements(1));
    g.bench_function("apply_10_ops_full_user", |b| {
        b.iter(|| {
            let mut report = CompatReport::new();
            black_box(req.apply(
                black_box(&start),
                "u-1",
                &schemas,
                &policy,
                &compat,
                &mut report,
            ))
        })
    });
    g.bench_function("clone_full_user", |b| b.iter(|| black_box(start.clone())));
    for (name, mode) in [
        ("apply_in_place_10_ops", Revalidate::Full),
        ("apply_in_place_touched_10_ops", Revalidate::Touched),
    ] {
        // The copy is made outside the timed part: what the service pays on the user the
        // store handed it.
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || start.clone(),
                |attrs| {
                    let mut report = CompatReport::new();
                    black_box(req.apply_in_place(
                        attrs,
                        "u-1",
                        &schemas,
                        &policy,
                        &compat,
                        &mut report,
                        mode,
                    ))
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.bench_function("parse_10_ops", |b| {
        b.iter(|| {
            let mut report = CompatReport::new();
            black_box(PatchRequest::from_json(
                black_box(&body),
                &compat,
                &mut report,
                &PatchLimits::default(),
            ))
        })
    });
    g.bench_function("validate_full_user", |b| {
        b.iter(|| {
            black_box(scimitar::resource::validate(
                black_box(&start),
                &schemas,
                &policy,
            ))
        })
    });
    g.bench_function("check_immutable_full_user", |b| {
        b.iter(|| {
            black_box(scimitar::resource::check_immutable(
                black_box(&start),
                black_box(&start),
                &schemas,
            ))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("patch_cpu");
    // The kernel updates a running thread's CPU time at scheduler ticks: long, equal samples.
    g.sampling_mode(SamplingMode::Flat).sample_size(20);
    g.throughput(Throughput::Elements(1));
    g.bench_function("apply_10_ops_full_user", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let mut report = CompatReport::new();
                let _ = black_box(req.apply(
                    black_box(&start),
                    "u-1",
                    &schemas,
                    &policy,
                    &compat,
                    &mut report,
                ));
            })
        })
    });
    g.bench_function("clone_full_user", |b| {
        b.iter_custom(|iters| cpu_time(iters, || drop(black_box(black_box(&start).clone()))))
    });
    for (name, mode) in [
        ("apply_in_place_10_ops", Revalidate::Full),
        ("apply_in_place_touched_10_ops", Revalidate::Touched),
    ] {
        // In place on copies made (and dropped) outside the measured CPU time, 16 at a time
        // so that they are still in cache, as the user the store has just copied out is.
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(16);
                    left -= n;
                    let mut copies: Vec<_> = (0..n).map(|_| start.clone()).collect();
                    let mut it = copies.iter_mut();
                    total += cpu_time(n, {
                        || {
                            if let Some(attrs) = it.next() {
                                let mut report = CompatReport::new();
                                let _ = black_box(req.apply_in_place(
                                    attrs,
                                    "u-1",
                                    &schemas,
                                    &policy,
                                    &compat,
                                    &mut report,
                                    mode,
                                ));
                            }
                        }
                    });
                    drop(black_box(copies));
                }
                total
            })
        });
        // The "including the copy" figure for the in-place form: clone, apply, drop.
        g.bench_function(format!("clone_then_{name}"), |b| {
            b.iter_custom(|iters| {
                cpu_time(iters, || {
                    let mut attrs = black_box(&start).clone();
                    let mut report = CompatReport::new();
                    let _ = black_box(req.apply_in_place(
                        &mut attrs,
                        "u-1",
                        &schemas,
                        &policy,
                        &compat,
                        &mut report,
                        mode,
                    ));
                    drop(black_box(attrs));
                })
            })
        });
    }
    g.bench_function("validate_full_user", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let _ = black_box(scimitar::resource::validate(
                    black_box(&start),
                    &schemas,
                    &policy,
                ));
            })
        })
    });

    // A typical IdP PATCH (Entra's deprovisioning): one operation on one attribute. In
    // place, only that attribute is saved for undo, instead of the whole user copied.
    let one = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
    });
    let one = PatchRequest::from_json(&one, &compat, &mut report, &PatchLimits::default())
        .expect("one-op request parses");
    g.bench_function("apply_1_op_full_user", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let mut report = CompatReport::new();
                let _ = black_box(one.apply(
                    black_box(&start),
                    "u-1",
                    &schemas,
                    &policy,
                    &compat,
                    &mut report,
                ));
            })
        })
    });
    g.bench_function("apply_in_place_1_op", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(16);
                left -= n;
                let mut copies: Vec<_> = (0..n).map(|_| start.clone()).collect();
                let mut it = copies.iter_mut();
                total += cpu_time(n, || {
                    if let Some(attrs) = it.next() {
                        let mut report = CompatReport::new();
                        let _ = black_box(one.apply_in_place(
                            attrs,
                            "u-1",
                            &schemas,
                            &policy,
                            &compat,
                            &mut report,
                            Revalidate::Full,
                        ));
                    }
                });
                drop(black_box(copies));
            }
            total
        })
    });
    g.finish();
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

criterion_group!(benches, bench);
criterion_main!(benches);
