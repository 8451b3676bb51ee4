//! Load benchmark: starts the `example-axum` binary built next to this one on a free
//! loopback port and drives it over HTTP/1.1 keep-alive connections, one blocking thread
//! per connection, in bounded phases:
//!
//! 1. `POST /Users`: `--users` users (default 10,000);
//! 2. `GET /Users?filter=userName eq "…"` for random existing users;
//! 3. `GET /Users?startIndex=…&count=100` pages at random offsets;
//! 4. `PATCH /Users/{id}` (replace `displayName`) on random users.
//!
//! Each phase stops after its request count or `--max-seconds`, whichever comes first.
//! It prints requests/s, p50/p99 latency and the server's peak RSS (`VmHWM`), then stops
//! the server. Loopback only.
//!
//! ```text
//! cargo run --release -p example-axum --bin loadgen -- --connections 8
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use example_common::client::{encode_query, Client};
use example_common::harness::Server;

const TOKEN: &str = "bench-token-0123456789abcdef";

struct Options {
    server: PathBuf,
    connections: usize,
    users: usize,
    filters: usize,
    pages: usize,
    patches: usize,
    max_seconds: u64,
}

fn options() -> Result<Options, Box<dyn Error>> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .ok_or("no directory for the current executable")?;
    let mut o = Options {
        server: dir.join(format!("example-axum{}", std::env::consts::EXE_SUFFIX)),
        connections: 8,
        users: 10_000,
        filters: 50_000,
        pages: 5_000,
        patches: 10_000,
        max_seconds: 30,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!(
                "loadgen [--server PATH] [--connections N] [--users N] [--filters N] \
                 [--pages N] [--patches N] [--max-seconds S]"
            );
            std::process::exit(0);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let n = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--server" => o.server = PathBuf::from(&value),
            "--connections" => o.connections = n()?.max(1),
            "--users" => o.users = n()?.max(1),
            "--filters" => o.filters = n()?,
            "--pages" => o.pages = n()?,
            "--patches" => o.patches = n()?,
            "--max-seconds" => o.max_seconds = u64::try_from(n()?)?,
            _ => return Err(format!("unknown argument {flag}").into()),
        }
    }
    if !o.server.exists() {
        return Err(format!(
            "{} not found: build it first (cargo build --release -p example-axum)",
            o.server.display()
        )
        .into());
    }
    Ok(o)
}

/// What one phase measured.
struct Phase {
    name: &'static str,
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    server_cpu_ns: u64,
    client_cpu_ns: u64,
}

impl Phase {
    fn cpu_us_per_request(&self, ns: u64) -> f64 {
        ns as f64 / 1000.0 / (self.requests.max(1) as f64)
    }

    /// Requests/s two idle cores would sustain if they only ran this client and this
    /// server: 2 CPU-seconds per second over the CPU both spend per request.
    fn cpu_bound_rate(&self) -> f64 {
        let per_request_s =
            (self.server_cpu_ns + self.client_cpu_ns) as f64 / 1e9 / (self.requests.max(1) as f64);
        2.0 / per_request_s.max(1e-12)
    }

    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        let n = self.latencies_us.len();
        if n == 0 {
            return 0.0;
        }
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        self.latencies_us
            .get(rank)
            .map_or(0.0, |us| f64::from(*us) / 1000.0)
    }
}

/// Runs `count` requests over `connections` threads; `request(client, i, rng)` sends
/// request number `i` and says whether the answer was the expected one.
fn run_phase<F>(
    name: &'static str,
    server: &Server,
    connections: usize,
    count: usize,
    max: Duration,
    request: F,
) -> Phase
where
    F: Fn(&mut Client, usize, &mut u64) -> Result<(), String> + Sync,
{
    let next = AtomicUsize::new(0);
    let results = Mutex::new((Vec::with_capacity(count), 0usize, None::<String>, 0u64));
    let server_cpu_before = process_cpu_ns(server.pid());
    let started = Instant::now();
    let deadline = started + max;
    thread::scope(|s| {
        for t in 0..connections {
            let (next, results, request) = (&next, &results, &request);
            s.spawn(move || {
                let mut client = server.client();
                let mut rng =
                    0x9E37_79B9_7F4A_7C15_u64 ^ (t as u64 + 1).wrapping_mul(0xD6E8_FEB8_6659_FD93);
                let mut lat = Vec::with_capacity(count / connections + 1);
                let (mut errors, mut first) = (0, None);
                let cpu_before = thread_cpu_ns();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || Instant::now() > deadline {
                        break;
                    }
                    let t0 = Instant::now();
                    let ok = request(&mut client, i, &mut rng);
                    lat.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
                    if let Err(e) = ok {
                        errors += 1;
                        first.get_or_insert(e);
                    }
                }
                let cpu = thread_cpu_ns().saturating_sub(cpu_before);
                let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                r.3 += cpu;
                r.0.extend(lat);
                r.1 += errors;
                if r.2.is_none() {
                    r.2 = first;
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let server_cpu_ns = process_cpu_ns(server.pid()).saturating_sub(server_cpu_before);
    let (mut latencies_us, errors, first_error, client_cpu_ns) =
        results.into_inner().unwrap_or_else(|e| e.into_inner());
    latencies_us.sort_unstable();
    Phase {
        name,
        requests: latencies_us.len(),
        errors,
        first_error,
        elapsed,
        latencies_us,
        server_cpu_ns,
        client_cpu_ns,
    }
}

/// On-CPU nanoseconds of a `/proc/.../schedstat` file (its first field).
fn schedstat_ns(path: &std::path::Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// On-CPU nanoseconds of the calling thread so far.
fn thread_cpu_ns() -> u64 {
    schedstat_ns(std::path::Path::new("/proc/thread-self/schedstat"))
}

/// On-CPU nanoseconds of the live threads of process `pid` so far (the server's runtime
/// threads live as long as the server).
fn process_cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .map(|t| schedstat_ns(&t.path().join("schedstat")))
        .sum()
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The string after the first `key` (e.g. `"id":"`) up to the next quote: enough for the
/// ids scimitar generates, and much cheaper for the client than parsing the whole body.
fn json_string_member(body: &[u8], key: &[u8]) -> Option<String> {
    let start = body.windows(key.len()).position(|w| w == key)? + key.len();
    let rest = body.get(start..)?;
    let end = rest.iter().position(|b| *b == b'"')?;
    String::from_utf8(rest.get(..end)?.to_vec()).ok()
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn pick(state: &mut u64, n: usize) -> usize {
    usize::try_from(xorshift(state) % (n.max(1) as u64)).unwrap_or(0)
}

fn user_name(i: usize) -> String {
    format!("user{i:06}@bench.example")
}

/// `VmHWM` (peak resident set) and `VmRSS` of `pid`, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn main() -> Result<(), Box<dyn Error>> {
    let o = options()?;
    let tenant = format!("bench={TOKEN}");
    let server = Server::start(&o.server, &["--tenant", &tenant])?;
    let auth = format!("Bearer {TOKEN}");
    let max = Duration::from_secs(o.max_seconds);
    let (_, idle_rss) = memory_kib(server.pid());
    println!(
        "server {} (pid {}), {} connections, idle RSS {:.1} MiB",
        server.addr(),
        server.pid(),
        o.connections,
        idle_rss as f64 / 1024.0
    );

    let ids: Vec<Mutex<String>> = (0..o.users).map(|_| Mutex::new(String::new())).collect();
    let mut phases = Vec::new();

    phases.push(run_phase("POST /Users", &server, o.connections, o.users, max, |c, i, _| {
        let name = user_name(i);
        let body = format!(
            r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{name}","externalId":"ext-{i}","name":{{"givenName":"Bench","familyName":"User {i}"}},"displayName":"Bench User {i}","emails":[{{"value":"{name}","type":"work","primary":true}}],"active":true}}"#
        );
        let r = c
            .request(
                "POST",
                "/scim/v2/Users",
                &[("Authorization", &auth), ("Content-Type", "application/scim+json")],
                Some(body.as_bytes()),
            )
            .map_err(|e| e.to_string())?;
        if r.status != 201 {
            return Err(format!("{} {}", r.status, r.text()));
        }
        let id = json_string_member(&r.body, b"\"id\":\"").unwrap_or_default();
        if let Some(slot) = ids.get(i) {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = id;
        }
        Ok(())
    }));
    let created = phases.first().map_or(0, |p| p.requests - p.errors);
    let users = o.users.min(created.max(1));

    phases.push(run_phase(
        "GET /Users?filter=userName eq",
        &server,
        o.connections,
        o.filters,
        max,
        |c, _, rng| {
            let name = user_name(pick(rng, users));
            let target = format!(
                "/scim/v2/Users?filter={}",
                encode_query(&format!("userName eq \"{name}\""))
            );
            let r = c
                .request("GET", &target, &[("Authorization", &auth)], None)
                .map_err(|e| e.to_string())?;
            if r.status != 200 || !contains(&r.body, name.as_bytes()) {
                return Err(format!("{} {}", r.status, r.text()));
            }
            Ok(())
        },
    ));

    phases.push(run_phase(
        "GET /Users page of 100",
        &server,
        o.connections,
        o.pages,
        max,
        |c, _, rng| {
            let start = 1 + pick(rng, users.saturating_sub(99).max(1));
            let target = format!("/scim/v2/Users?startIndex={start}&count=100");
            let r = c
                .request("GET", &target, &[("Authorization", &auth)], None)
                .map_err(|e| e.to_string())?;
            if r.status != 200 {
                return Err(format!("{} {}", r.status, r.text()));
            }
            Ok(())
        },
    ));

    phases.push(run_phase("PATCH /Users/{id}", &server, o.connections, o.patches, max, |c, i, rng| {
        let k = pick(rng, users);
        let id = ids
            .get(k)
            .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .unwrap_or_default();
        let body = format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"replace","path":"displayName","value":"Renamed {i}"}}]}}"#
        );
        let r = c
            .request(
                "PATCH",
                &format!("/scim/v2/Users/{id}"),
                &[("Authorization", &auth), ("Content-Type", "application/scim+json")],
                Some(body.as_bytes()),
            )
            .map_err(|e| e.to_string())?;
        if r.status != 200 && r.status != 204 {
            return Err(format!("{} {}", r.status, r.text()));
        }
        Ok(())
    }));

    let (peak, rss) = memory_kib(server.pid());
    println!();
    println!(
        "| phase | requests | errors | seconds | requests/s | p50 ms | p99 ms \
         | server CPU µs/req | client CPU µs/req | CPU-bound requests/s on 2 idle cores |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for p in phases.iter().filter(|p| p.requests > 0) {
        println!(
            "| {} | {} | {} | {:.2} | {:.0} | {:.3} | {:.3} | {:.1} | {:.1} | {:.0} |",
            p.name,
            p.requests,
            p.errors,
            p.elapsed.as_secs_f64(),
            p.rate(),
            p.percentile_ms(0.50),
            p.percentile_ms(0.99),
            p.cpu_us_per_request(p.server_cpu_ns),
            p.cpu_us_per_request(p.client_cpu_ns),
            p.cpu_bound_rate()
        );
    }
    println!();
    println!(
        "server peak RSS (VmHWM) {:.1} MiB, RSS at end {:.1} MiB, {} users stored",
        peak as f64 / 1024.0,
        rss as f64 / 1024.0,
        created
    );
    for p in &phases {
        if let Some(e) = &p.first_error {
            let short: String = e.chars().take(200).collect();
            println!("first error in {}: {short}", p.name);
        }
    }
    Ok(())
}
