//! The SQL stores under concurrent requests through [`scimitar::ScimService`], as a
//! production deployment meets them: a real pool, many tasks at once. Every case runs on
//! PostgreSQL (a private schema per test, pool of 10) and on a SQLite file (WAL).
//!
//! - `userName` uniqueness: spellings that differ only in case race; one wins per tenant.
//! - Membership PATCHes from many tasks on one group lose no member.
//! - Writes with `If-Match` race: exactly one wins, the others get 412. Each writer writes
//!   a value of its own round: a PATCH that changes nothing is not written (RFC 7644
//!   §3.5.2.1), so it would "win" too.
//! - Writes without `If-Match` race: retried, never 412 (the client set no precondition);
//!   one that loses every retry is 503, and the value stored is one a 200 reported.
//! - A deleted user leaves no group it was in (nor one it was being added to at the same
//!   moment), and another tenant's groups are not touched.
#![cfg(any(feature = "sqlite", feature = "postgres"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod sql_support;

use std::collections::BTreeSet;
use std::sync::Arc;

use http::Method;
use scimitar::store::{GroupStore, Member, MemberChange, NewResource, UserStore};
use scimitar::TenantId;
use serde_json::{json, Map, Value};
use sql_support::service::{group, patch_op, user, Client, Resp};
use tokio::sync::Barrier;

/// Runs `f` on `n` tasks released at the same moment; the results in task order.
async fn race<F, Fut>(n: usize, f: F) -> Vec<Resp>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Resp> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let fut = f(i);
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

fn statuses(rs: &[Resp]) -> Vec<u16> {
    rs.iter().map(|r| r.status).collect()
}

async fn user_name_races_have_one_winner_per_tenant(c: Client) {
    for round in 0..12 {
        let spellings = [
            format!("Alice{round}@Example.com"),
            format!("alice{round}@example.com"),
        ];
        let tokens = [c.token_a.clone(), c.token_b.clone()];
        let rs = race(4, |i| {
            let c = c.clone();
            let token = tokens[i / 2].clone();
            let name = spellings[i % 2].clone();
            async move {
                c.call_as(&token, Method::POST, "/Users", Some(user(&name)))
                    .await
            }
        })
        .await;
        for (tenant, pair) in rs.chunks(2).enumerate() {
            let created: Vec<&Resp> = pair.iter().filter(|r| r.status == 201).collect();
            assert_eq!(
                created.len(),
                1,
                "round {round}, tenant {tenant}: {:?}",
                statuses(pair)
            );
            let refused = pair.iter().find(|r| r.status != 201).unwrap();
            refused.assert_error(409, Some("uniqueness"));
        }
    }
    // Each tenant has exactly one user per round.
    for token in [&c.token_a, &c.token_b] {
        let r = c
            .call_as(
                token,
                Method::GET,
                "/Users?filter=userName%20sw%20%22alice%22&count=0",
                None,
            )
            .await;
        assert_eq!(r.body["totalResults"], json!(12), "{}", r.body);
    }
}

async fn membership_patches_from_many_tasks_lose_no_member(c: Client) {
    let mut users = Vec::new();
    for i in 0..48 {
        users.push(c.create_user(&format!("member{i}")).await);
    }
    // Starts with users 0..8; tasks add 8..48 (some twice, some two at a time) and
    // remove 0..4.
    let g = c.create_group("Racers", &users[..8]).await;
    let users = Arc::new(users);
    let rs = race(52, |i| {
        let c = c.clone();
        let users = users.clone();
        let g = g.clone();
        async move {
            let ops = if i < 40 {
                let mut ms = vec![json!({"value": users[8 + i]})];
                if i % 5 == 0 {
                    ms.push(json!({"value": users[8 + (i + 17) % 40]}));
                }
                json!([{"op": "add", "path": "members", "value": ms}])
            } else if i < 48 {
                json!([{"op": "add", "path": "members", "value": [{"value": users[8 + (i * 7) % 40]}]}])
            } else {
                let gone = &users[i - 48];
                json!([{"op": "remove", "path": format!("members[value eq \"{gone}\"]")}])
            };
            c.patch(&format!("/Groups/{g}"), patch_op(ops)).await
        }
    })
    .await;
    for r in &rs {
        assert!(
            r.status == 204 || r.status == 200,
            "{}: {}",
            r.status,
            r.body
        );
    }
    let want: BTreeSet<String> = users[4..].iter().cloned().collect();
    let got: BTreeSet<String> = c.members(&g).await.into_iter().collect();
    assert_eq!(got, want);
}

async fn if_match_writes_have_one_winner(c: Client) {
    let u = c.create_user("contended").await;
    let g = c.create_group("Contended", std::slice::from_ref(&u)).await;
    for round in 0..5 {
        // PUT /Users with the current ETag from 6 tasks.
        let etag = c.get(&format!("/Users/{u}")).await.etag.unwrap();
        let rs = race(6, |i| {
            let c = c.clone();
            let (u, etag) = (u.clone(), etag.clone());
            async move {
                let mut body = user("contended");
                body["title"] = json!(format!("round {round} writer {i}"));
                let bytes = bytes::Bytes::from(serde_json::to_vec(&body).unwrap());
                c.raw(
                    &c.token_a,
                    Method::PUT,
                    &format!("/Users/{u}"),
                    &[("if-match", &etag)],
                    bytes,
                )
                .await
            }
        })
        .await;
        one_winner(&rs, 200, "PUT /Users");

        // PATCH /Users with the current ETag.
        let etag = c.get(&format!("/Users/{u}")).await.etag.unwrap();
        let rs = race(6, |i| {
            let c = c.clone();
            let (u, etag) = (u.clone(), etag.clone());
            async move {
                let body = patch_op(
                    json!([{"op": "replace", "path": "title", "value": format!("p{round}-{i}")}]),
                );
                let bytes = bytes::Bytes::from(serde_json::to_vec(&body).unwrap());
                c.raw(
                    &c.token_a,
                    Method::PATCH,
                    &format!("/Users/{u}"),
                    &[("if-match", &etag)],
                    bytes,
                )
                .await
            }
        })
        .await;
        one_winner(&rs, 200, "PATCH /Users");

        // PUT and PATCH /Groups with the current ETag.
        let etag = c.get(&format!("/Groups/{g}")).await.etag.unwrap();
        let rs = race(6, |i| {
            let c = c.clone();
            let (g, u, etag) = (g.clone(), u.clone(), etag.clone());
            async move {
                let (method, body) = if i % 2 == 0 {
                    (Method::PUT, group(&format!("Contended {round}-{i}"), &[u]))
                } else {
                    (
                        Method::PATCH,
                        patch_op(json!([{"op": "replace", "path": "displayName", "value": format!("Contended {round}-{i}")}])),
                    )
                };
                let bytes = bytes::Bytes::from(serde_json::to_vec(&body).unwrap());
                c.raw(
                    &c.token_a,
                    method,
                    &format!("/Groups/{g}"),
                    &[("if-match", &etag)],
                    bytes,
                )
                .await
            }
        })
        .await;
        let ok = rs.iter().filter(|r| r.status / 100 == 2).count();
        assert_eq!(ok, 1, "Groups round {round}: {:?}", statuses(&rs));
        for r in rs.iter().filter(|r| r.status / 100 != 2) {
            r.assert_error(412, None);
        }
    }
}

async fn writes_without_if_match_are_never_412(c: Client) {
    let u = c.create_user("crowded").await;
    let rs = race(30, |i| {
        let c = c.clone();
        let u = u.clone();
        async move {
            let body =
                patch_op(json!([{"op": "replace", "path": "title", "value": format!("w{i}")}]));
            c.patch(&format!("/Users/{u}"), body).await
        }
    })
    .await;
    let mut won = BTreeSet::new();
    for (i, r) in rs.iter().enumerate() {
        match r.status {
            200 => {
                won.insert(format!("w{i}"));
            }
            503 => r.assert_error(503, None),
            _ => panic!("writer {i}: {} {}", r.status, r.body),
        }
    }
    let title = c.get(&format!("/Users/{u}")).await.body["title"].clone();
    let title = title.as_str().unwrap().to_owned();
    assert!(won.contains(&title), "{title} not among {won:?}");
}

#[track_caller]
fn one_winner(rs: &[Resp], ok: u16, what: &str) {
    let won = rs.iter().filter(|r| r.status == ok).count();
    assert_eq!(won, 1, "{what}: {:?}", statuses(rs));
    for r in rs.iter().filter(|r| r.status != ok) {
        r.assert_error(412, None);
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// Users `u1`, `u2` and groups `g1`, `g2` (both with both users) in both tenants, with
/// the same ids; then tenant A deletes `u1` over HTTP.
async fn deleting_a_user_leaves_its_groups_only_in_its_tenant<S>(c: Client, store: Arc<S>)
where
    S: UserStore + GroupStore + 'static,
{
    for t in ["tenant-a", "tenant-b"] {
        let t = TenantId::new(t);
        for u in ["u1", "u2"] {
            UserStore::create(
                &*store,
                &t,
                NewResource {
                    id: u.into(),
                    attributes: obj(json!({"userName": u})),
                },
            )
            .await
            .unwrap();
        }
        for g in ["g1", "g2"] {
            GroupStore::create(
                &*store,
                &t,
                NewResource {
                    id: g.into(),
                    attributes: obj(json!({
                        "displayName": g,
                        "members": [{"value": "u1"}, {"value": "u2"}],
                    })),
                },
            )
            .await
            .unwrap();
        }
    }
    let before_b = GroupStore::get(&*store, &TenantId::new("tenant-b"), "g1", true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.delete("/Users/u1").await.status, 204);
    for g in ["g1", "g2"] {
        assert_eq!(c.members(g).await, vec!["u2".to_owned()]);
        assert_eq!(
            c.members_as(&c.token_b, g).await,
            vec!["u1".to_owned(), "u2".to_owned()]
        );
    }
    let after_b = GroupStore::get(&*store, &TenantId::new("tenant-b"), "g1", true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after_b.version, before_b.version,
        "tenant B's group was written"
    );
    let r = c.call_as(&c.token_b, Method::GET, "/Users/u1", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["groups"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.body
    );
}

/// A user deleted while other requests add it to groups ends up in none of them.
async fn a_user_deleted_while_being_added_to_groups_is_in_none<S>(c: Client, store: Arc<S>)
where
    S: UserStore + GroupStore + 'static,
{
    let t = TenantId::new("tenant-a");
    let mut groups = Vec::new();
    for i in 0..4 {
        groups.push(c.create_group(&format!("Target {i}"), &[]).await);
    }
    let groups = Arc::new(groups);
    for round in 0..25 {
        let u = c.create_user(&format!("doomed{round}")).await;
        let rs = race(5, |i| {
            let c = c.clone();
            let u = u.clone();
            let groups = groups.clone();
            async move {
                if i == 0 {
                    c.delete(&format!("/Users/{u}")).await
                } else {
                    let ops = json!([{"op": "add", "path": "members", "value": [{"value": u}]}]);
                    c.patch(&format!("/Groups/{}", groups[i - 1]), patch_op(ops))
                        .await
                }
            }
        })
        .await;
        assert_eq!(rs[0].status, 204, "{}", rs[0].body);
        for r in &rs[1..] {
            // Added before the delete (and then removed by it), or refused after it.
            assert!(
                r.status == 204 || r.status == 400 || r.status == 404,
                "round {round}: {} {}",
                r.status,
                r.body
            );
        }
        for g in groups.iter() {
            let members = GroupStore::get(&*store, &t, g, true)
                .await
                .unwrap()
                .unwrap()
                .attributes
                .get("members")
                .cloned()
                .unwrap_or(Value::Null);
            assert!(
                !members.to_string().contains(&u),
                "round {round}: deleted user {u} is still a member of {g}: {members}"
            );
        }
    }
}

/// Many users of the same groups deleted at once: every delete succeeds (no deadlock
/// between the membership cleanups) and the groups end up empty.
async fn concurrent_deletes_of_users_sharing_groups_all_succeed(c: Client) {
    for round in 0..4 {
        let mut users = Vec::new();
        for i in 0..32 {
            users.push(c.create_user(&format!("shared{round}-{i}")).await);
        }
        let mut groups = Vec::new();
        for i in 0..12 {
            groups.push(c.create_group(&format!("Shared {round}-{i}"), &users).await);
        }
        let users = Arc::new(users);
        let rs = race(32, |i| {
            let c = c.clone();
            let users = users.clone();
            async move { c.delete(&format!("/Users/{}", users[i])).await }
        })
        .await;
        for r in &rs {
            assert_eq!(r.status, 204, "round {round}: {}", r.body);
        }
        for g in &groups {
            assert!(c.members(g).await.is_empty());
        }
    }
}

/// Membership deltas and a full member rewrite of one group, at once, by store calls:
/// the store serializes them (each sees the other's result or precedes it).
async fn store_member_deltas_race_a_rewrite<S>(store: Arc<S>)
where
    S: UserStore + GroupStore + 'static,
{
    let t = TenantId::new("tenant-a");
    for i in 0..20 {
        UserStore::create(
            &*store,
            &t,
            NewResource {
                id: format!("m{i}"),
                attributes: obj(json!({"userName": format!("m{i}")})),
            },
        )
        .await
        .unwrap();
    }
    GroupStore::create(
        &*store,
        &t,
        NewResource {
            id: "g".into(),
            attributes: obj(json!({"displayName": "g"})),
        },
    )
    .await
    .unwrap();
    let barrier = Arc::new(Barrier::new(20));
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            let t = t.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let change = if i == 0 {
                    MemberChange::ReplaceAll(vec![Member::new("m0")])
                } else {
                    MemberChange::Add(vec![Member::new(format!("m{i}"))])
                };
                GroupStore::update(&*store, &t, "g", None, vec![change], None).await
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let g = GroupStore::get(&*store, &t, "g", true)
        .await
        .unwrap()
        .unwrap();
    let n = g.attributes["members"].as_array().unwrap().len();
    // The rewrite ran at some point: m0 plus every add after it.
    assert!((1..=20).contains(&n), "{n}");
    assert!(g.attributes["members"].to_string().contains("\"m0\""));
}

macro_rules! backend_tests {
    ($make:expr) => {
        use super::*;

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn user_name_races_have_one_winner_per_tenant() {
            let store = Arc::new($make);
            super::user_name_races_have_one_winner_per_tenant(Client::new(store).await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn membership_patches_from_many_tasks_lose_no_member() {
            let store = Arc::new($make);
            super::membership_patches_from_many_tasks_lose_no_member(Client::new(store).await)
                .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn if_match_writes_have_one_winner() {
            let store = Arc::new($make);
            super::if_match_writes_have_one_winner(Client::new(store).await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn writes_without_if_match_are_never_412() {
            let store = Arc::new($make);
            super::writes_without_if_match_are_never_412(Client::new(store).await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn deleting_a_user_leaves_its_groups_only_in_its_tenant() {
            let store = Arc::new($make);
            let c = Client::new(store.clone()).await;
            super::deleting_a_user_leaves_its_groups_only_in_its_tenant(c, store).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn a_user_deleted_while_being_added_to_groups_is_in_none() {
            let store = Arc::new($make);
            let c = Client::new(store.clone()).await;
            super::a_user_deleted_while_being_added_to_groups_is_in_none(c, store).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_deletes_of_users_sharing_groups_all_succeed() {
            let store = Arc::new($make);
            super::concurrent_deletes_of_users_sharing_groups_all_succeed(Client::new(store).await)
                .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn store_member_deltas_race_a_rewrite() {
            super::store_member_deltas_race_a_rewrite(Arc::new($make)).await;
        }
    };
}

#[cfg(feature = "postgres")]
mod postgres {
    backend_tests!({
        let (pool, guard) = sql_support::pg::schema_pool(10).await;
        let store = scimitar::store::sql::PostgresStore::from_pool(pool)
            .await
            .unwrap();
        sql_support::Guarded::new(store, guard)
    });
}

#[cfg(feature = "sqlite")]
mod sqlite {
    backend_tests!(sql_support::sqlite::file_store().await);
}
