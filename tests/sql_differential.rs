//! Differential tests: for generated users and groups and ≥ 500 generated filters, the SQL
//! stores return exactly what the reference evaluator returns over all resources (same
//! ids, same order), and list pipelines with sorting and paging pushed down equal the
//! in-memory reference (filter, `Sorter`, page).
#![cfg(any(feature = "sqlite", feature = "postgres"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod sql_support;

use std::collections::HashSet;
use std::sync::Arc;

use scimitar::filter::{BoundFilter, EvalOptions};
use scimitar::list::{list_groups, list_users, ListLimits, ListQuery, Sorter};
use scimitar::schema::{SchemaRegistry, SchemaSet};
use scimitar::store::{
    GroupStore, Member, NewResource, Pushdown, Resource, SortKey, SortOrder, StoreQuery, UserStore,
};
use scimitar::{AttrPath, Filter, TenantId};
use serde_json::Value;
use sql_support::gen::{self, Pool, Rng};
use time::format_description::well_known::Rfc3339;
use time::{Duration, UtcOffset};

const USERS: usize = 240;
const GROUPS: usize = 60;

fn q(filter: Option<Filter>, schemas: &Arc<SchemaSet>) -> StoreQuery {
    StoreQuery {
        filter,
        sort: None,
        page: None,
        include_members: false,
        schemas: Arc::clone(schemas),
    }
}

fn ids(rs: &[Resource]) -> Vec<String> {
    rs.iter().map(|r| r.id.clone()).collect()
}

fn instants(all: &[Resource]) -> Vec<String> {
    let plus2 = UtcOffset::from_hms(2, 0, 0).unwrap();
    let mut out = Vec::new();
    for r in all.iter().step_by(7) {
        for t in [r.created, r.last_modified] {
            out.push(t.format(&Rfc3339).unwrap());
            out.push((t - Duration::nanoseconds(1)).format(&Rfc3339).unwrap());
            out.push((t + Duration::nanoseconds(1)).format(&Rfc3339).unwrap());
            out.push(t.to_offset(plus2).format(&Rfc3339).unwrap());
        }
    }
    out.push("2000-01-01T00:00:00Z".into());
    out.push("2100-01-01T00:00:00".into());
    out
}

fn str_values(all: &[Resource], name: &str) -> Vec<String> {
    all.iter()
        .filter_map(|r| {
            r.attributes
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

const SORT_KEYS: &[&str] = &[
    "userName",
    "externalId",
    "id",
    "active",
    "meta.created",
    "meta.lastModified",
    "meta.version",
    "title",
    "emails",
    "name.familyName",
    "displayName",
];

/// A random list query (sort, order, page) around `filter`.
fn list_query(rng: &mut Rng, filter: Filter) -> ListQuery {
    let mut lq = ListQuery::new(&ListLimits::default());
    lq.filter = Some(filter);
    if rng.chance(70) {
        lq.sort_by = Some(rng.pick(SORT_KEYS).parse::<AttrPath>().unwrap());
        lq.sort_order = if rng.chance(50) {
            SortOrder::Ascending
        } else {
            SortOrder::Descending
        };
    }
    lq.start_index = 1 + rng.below(30);
    lq.count = rng.below(40);
    lq
}

/// What a list must return: the matches in creation order, sorted stably, paged.
fn reference(
    all: &[Resource],
    bound: &BoundFilter,
    lq: &ListQuery,
    schemas: &SchemaSet,
) -> (usize, Vec<String>) {
    let mut matched: Vec<Resource> = all.iter().filter(|r| bound.matches(*r)).cloned().collect();
    if let Some(path) = &lq.sort_by {
        let key = SortKey {
            path: path.clone(),
            order: lq.sort_order,
        };
        Sorter::new(&key, schemas).sort(&mut matched);
    }
    let page: Vec<String> = matched
        .iter()
        .skip(lq.start_index - 1)
        .take(lq.count)
        .map(|r| r.id.clone())
        .collect();
    (matched.len(), page)
}

#[derive(Debug, Default)]
struct Counts {
    exact: usize,
    superset: usize,
    none: usize,
    invalid: usize,
    pipelines: usize,
}

async fn check_users(store: Arc<dyn UserStore>, seed: u64, want_exact: usize) -> Counts {
    let t = TenantId::new("differential");
    let registry = SchemaRegistry::default();
    let schemas = registry.user_schemas(&t);
    let mut rng = Rng::new(seed);
    for i in 0..USERS {
        let attrs = gen::user(i, &mut rng);
        store
            .create(
                &t,
                NewResource {
                    id: format!("id-{:04}", (i * 7919) % 10_000),
                    attributes: attrs,
                },
            )
            .await
            .unwrap();
    }
    // Some writes, so versions and lastModified differ from creation.
    for i in (0..USERS).step_by(4) {
        let id = format!("id-{:04}", (i * 7919) % 10_000);
        let mut attrs = store.get(&t, &id).await.unwrap().unwrap().attributes;
        attrs.insert("title".into(), Value::String(format!("T{}", i % 3)));
        store.replace(&t, &id, attrs, None).await.unwrap();
    }
    // Another tenant's data must never show up.
    let other = TenantId::new("other");
    for i in 0..20 {
        let attrs = gen::user(i, &mut rng);
        store
            .create(
                &other,
                NewResource {
                    id: format!("id-{:04}", (i * 7919) % 10_000),
                    attributes: attrs,
                },
            )
            .await
            .unwrap();
    }
    let all = store.list(&t, &q(None, &schemas)).await.unwrap().resources;
    assert_eq!(all.len(), USERS);
    let pool = Pool {
        user_names: str_values(&all, "userName"),
        external_ids: str_values(&all, "externalId"),
        ids: ids(&all),
        instants: instants(&all),
    };
    let mut c = Counts::default();
    let mut tries = 0;
    while c.exact < want_exact {
        tries += 1;
        assert!(tries < want_exact * 20, "generator stuck: {c:?}");
        let text = gen::filter(&mut rng, &pool, 3, false);
        let Ok(filter) = text.parse::<Filter>() else {
            c.invalid += 1;
            continue;
        };
        let Ok(bound) = filter.bind(&schemas, EvalOptions::default()) else {
            c.invalid += 1;
            continue;
        };
        let expected: Vec<String> = all
            .iter()
            .filter(|r| bound.matches(*r))
            .map(|r| r.id.clone())
            .collect();
        match store.filter_pushdown(&filter) {
            Pushdown::Exact => {
                c.exact += 1;
                let page = store
                    .list(&t, &q(Some(filter.clone()), &schemas))
                    .await
                    .unwrap();
                assert_eq!(ids(&page.resources), expected, "filter: {text}");
                assert_eq!(page.total_results, expected.len(), "filter: {text}");
            }
            Pushdown::Superset => {
                c.superset += 1;
                let page = store
                    .list(&t, &q(Some(filter.clone()), &schemas))
                    .await
                    .unwrap();
                let got: HashSet<String> = ids(&page.resources).into_iter().collect();
                assert!(
                    expected.iter().all(|id| got.contains(id)),
                    "not a superset: {text}"
                );
                let narrowed: Vec<String> = page
                    .resources
                    .iter()
                    .filter(|r| bound.matches(*r))
                    .map(|r| r.id.clone())
                    .collect();
                assert_eq!(narrowed, expected, "filter: {text}");
            }
            _ => c.none += 1,
        }
        if rng.chance(30) {
            c.pipelines += 1;
            let lq = list_query(&mut rng, filter);
            let out = list_users(&*store, &t, &lq, Arc::clone(&schemas))
                .await
                .unwrap();
            let (total, page) = reference(&all, &bound, &lq, &schemas);
            assert_eq!(
                out.total_results, total,
                "filter: {text}, sort {:?} {:?}",
                lq.sort_by, lq.sort_order
            );
            assert_eq!(
                ids(&out.resources),
                page,
                "filter: {text}, sort {:?} {:?}, start {} count {}",
                lq.sort_by,
                lq.sort_order,
                lq.start_index,
                lq.count
            );
        }
    }
    assert!(c.superset > 10 && c.none > 10, "{c:?}");
    c
}

async fn check_groups(
    users: Arc<dyn UserStore>,
    groups: Arc<dyn GroupStore>,
    seed: u64,
    want_exact: usize,
) -> Counts {
    let t = TenantId::new("differential-groups");
    let registry = SchemaRegistry::default();
    let schemas = registry.group_schemas(&t);
    let mut rng = Rng::new(seed);
    for i in 0..20 {
        let attrs = gen::user(i, &mut rng);
        users
            .create(
                &t,
                NewResource {
                    id: format!("u{i}"),
                    attributes: attrs,
                },
            )
            .await
            .unwrap();
    }
    for i in 0..GROUPS {
        let mut attrs = gen::group(i, &mut rng);
        let members: Vec<Value> = (0..rng.below(4))
            .map(|k| serde_json::json!({"value": format!("u{}", (i + k) % 20)}))
            .collect();
        if !members.is_empty() {
            attrs.insert("members".into(), Value::Array(members));
        }
        groups
            .create(
                &t,
                NewResource {
                    id: format!("g{i:03}"),
                    attributes: attrs,
                },
            )
            .await
            .unwrap();
        if i % 3 == 0 {
            groups
                .update(
                    &t,
                    &format!("g{i:03}"),
                    None,
                    vec![scimitar::store::MemberChange::Add(vec![Member::new("u1")])],
                    None,
                )
                .await
                .unwrap();
        }
    }
    let mut all_q = q(None, &schemas);
    all_q.include_members = true;
    let all = groups.list(&t, &all_q).await.unwrap().resources;
    let pool = Pool {
        user_names: str_values(&all, "displayName"),
        external_ids: str_values(&all, "externalId"),
        ids: ids(&all),
        instants: instants(&all),
    };
    let mut c = Counts::default();
    let mut tries = 0;
    while c.exact < want_exact {
        tries += 1;
        assert!(tries < want_exact * 20, "generator stuck: {c:?}");
        let text = gen::filter(&mut rng, &pool, 2, true);
        let Ok(filter) = text.parse::<Filter>() else {
            c.invalid += 1;
            continue;
        };
        let Ok(bound) = filter.bind(&schemas, EvalOptions::default()) else {
            c.invalid += 1;
            continue;
        };
        let expected: Vec<String> = all
            .iter()
            .filter(|r| bound.matches(*r))
            .map(|r| r.id.clone())
            .collect();
        if groups.filter_pushdown(&filter) == Pushdown::Exact {
            c.exact += 1;
            let page = groups
                .list(&t, &q(Some(filter.clone()), &schemas))
                .await
                .unwrap();
            assert_eq!(ids(&page.resources), expected, "filter: {text}");
        } else {
            c.none += 1;
        }
        if rng.chance(30) {
            c.pipelines += 1;
            let lq = list_query(&mut rng, filter);
            let out = list_groups(&*groups, &t, &lq, Arc::clone(&schemas), true)
                .await
                .unwrap();
            let (total, page) = reference(&all, &bound, &lq, &schemas);
            assert_eq!(out.total_results, total, "filter: {text}");
            assert_eq!(
                ids(&out.resources),
                page,
                "filter: {text}, sort {:?} {:?}",
                lq.sort_by,
                lq.sort_order
            );
            for r in &out.resources {
                let want = all.iter().find(|a| a.id == r.id).unwrap();
                assert_eq!(r.attributes.get("members"), want.attributes.get("members"));
            }
        }
    }
    c
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_users_match_the_reference_evaluator() {
    let store = scimitar::store::sql::SqliteStore::memory().await.unwrap();
    let c = check_users(Arc::new(store), 8, 520).await;
    eprintln!("sqlite users: {c:?}");
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_groups_match_the_reference_evaluator() {
    let store = Arc::new(scimitar::store::sql::SqliteStore::memory().await.unwrap());
    let c = check_groups(store.clone(), store, 9, 150).await;
    eprintln!("sqlite groups: {c:?}");
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_users_match_the_reference_evaluator() {
    let store = sql_support::pg::store().await;
    let c = check_users(Arc::new(store), 18, 520).await;
    eprintln!("postgres users: {c:?}");
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_groups_match_the_reference_evaluator() {
    let store = Arc::new(sql_support::pg::store().await);
    let c = check_groups(store.clone(), store, 19, 150).await;
    eprintln!("postgres groups: {c:?}");
}
