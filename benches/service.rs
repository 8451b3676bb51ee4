//! End-to-end `ScimService::handle` in process: create, get by id, filter by userName and
//! a 100-user page, over a tenant of 10,000 users.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures::executor::block_on;
use http::Request;
use scimitar::auth::{MemoryTokenStore, TenantTokens};
use scimitar::server::ScimService;
use scimitar::store::memory::MemoryStore;
use scimitar::TenantId;
use serde_json::json;

const USERS: usize = 10_000;

struct Setup {
    svc: ScimService,
    auth: String,
    some_id: String,
}

fn user_body(name: &str) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "externalId": name,
            "name": {"givenName": "Bench", "familyName": "User"},
            "emails": [{"value": name, "type": "work", "primary": true}],
            "active": true
        }))
        .unwrap(),
    )
}

fn request(method: &str, uri: &str, auth: &str, body: Bytes) -> Request<Bytes> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "bench.example")
        .header("authorization", auth)
        .header("content-type", "application/scim+json")
        .body(body)
        .unwrap()
}

fn setup() -> Setup {
    let store = Arc::new(MemoryStore::new());
    let tokens = Arc::new(TenantTokens::new(MemoryTokenStore::new()));
    let issued = block_on(tokens.enable(&TenantId::new("bench"))).unwrap();
    let auth = format!("Bearer {}", issued.secret());
    let svc = ScimService::builder()
        .users(store.clone())
        .groups(store)
        .tokens(tokens)
        .build()
        .unwrap();
    let mut some_id = String::new();
    for i in 0..USERS {
        let name = format!("user{i:05}@bench.example");
        let resp = block_on(svc.handle(request("POST", "/scim/v2/Users", &auth, user_body(&name))));
        assert_eq!(resp.status(), 201);
        if i == USERS / 2 {
            let v: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
            some_id = v["id"].as_str().unwrap().to_owned();
        }
    }
    Setup { svc, auth, some_id }
}

/// On-CPU time of this thread in nanoseconds (Linux), for the CPU-time report.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// With `SCIMITAR_BENCH_CPU=1`: requests per second of CPU time for each operation, which
/// stays meaningful on a loaded machine where criterion's wall-clock numbers do not.
fn cpu_report(s: &Setup) {
    if std::env::var_os("SCIMITAR_BENCH_CPU").is_none() {
        return;
    }
    let get_uri = format!("/scim/v2/Users/{}", s.some_id);
    let ops: [(&str, &str, usize); 3] = [
        ("get_by_id", get_uri.as_str(), 20_000),
        (
            "filter_by_userName",
            "/scim/v2/Users?filter=userName+eq+%22user07777%40bench.example%22",
            20_000,
        ),
        (
            "page_100_of_10000",
            "/scim/v2/Users?startIndex=5001&count=100",
            200,
        ),
    ];
    for (name, uri, n) in ops {
        let (Some(start), wall) = (cpu_ns(), std::time::Instant::now()) else {
            return;
        };
        for _ in 0..n {
            let resp = block_on(s.svc.handle(request("GET", uri, &s.auth, Bytes::new())));
            black_box(resp);
        }
        let cpu = cpu_ns().unwrap_or(start) - start;
        let per = cpu as f64 / n as f64;
        println!(
            "cpu-time {name}: {:.2} µs/request on-CPU, {:.0} requests/s per core (wall {:.2} µs/request)",
            per / 1000.0,
            1e9 / per,
            wall.elapsed().as_nanos() as f64 / n as f64 / 1000.0
        );
    }
}

fn service(c: &mut Criterion) {
    let s = setup();
    cpu_report(&s);
    let mut g = c.benchmark_group("service");
    g.throughput(Throughput::Elements(1));

    let get_uri = format!("/scim/v2/Users/{}", s.some_id);
    g.bench_function("get_by_id", |b| {
        b.iter(|| {
            let resp = block_on(
                s.svc
                    .handle(request("GET", &get_uri, &s.auth, Bytes::new())),
            );
            assert_eq!(resp.status(), 200);
            black_box(resp)
        })
    });

    let filter_uri = "/scim/v2/Users?filter=userName+eq+%22user07777%40bench.example%22";
    g.bench_function("filter_by_userName", |b| {
        b.iter(|| {
            let resp = block_on(
                s.svc
                    .handle(request("GET", filter_uri, &s.auth, Bytes::new())),
            );
            assert_eq!(resp.status(), 200);
            black_box(resp)
        })
    });

    let page_uri = "/scim/v2/Users?startIndex=5001&count=100";
    g.bench_function("page_100_of_10000", |b| {
        b.iter(|| {
            let resp = block_on(
                s.svc
                    .handle(request("GET", page_uri, &s.auth, Bytes::new())),
            );
            assert_eq!(resp.status(), 200);
            black_box(resp)
        })
    });

    let counter = AtomicU64::new(0);
    g.bench_function("create", |b| {
        b.iter(|| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let body = user_body(&format!("new{n}@bench.example"));
            let resp = block_on(
                s.svc
                    .handle(request("POST", "/scim/v2/Users", &s.auth, body)),
            );
            assert_eq!(resp.status(), 201);
            black_box(resp)
        })
    });
    g.finish();
}

criterion_group!(benches, service);
criterion_main!(benches);
