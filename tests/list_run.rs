//! `list_users` / `list_groups` over stores with different capabilities: the totals,
//! `startIndex` and page contents must be the same whatever the store pushes down.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use scimitar::filter::EvalOptions;
use scimitar::list::{
    list_groups, list_users, ListLimits, ListOutcome, ListQuery, ListResponse, Sorter,
};
use scimitar::schema::SchemaSet;
use scimitar::store::{
    Capabilities, GroupRef, GroupStore, MemberChange, NewResource, PageRequest, Pushdown, Resource,
    StoreError, StorePage, StoreQuery, UserStore,
};
use scimitar::{ErrorKind, Filter, TenantId};
use serde_json::{json, Map, Value};
use time::macros::datetime;

/// A store over a fixed list, with configurable pushdown and capabilities, that
/// records every query it receives. When it claims to do something, it does it
/// correctly (using the library's own evaluator and sorter).
struct FakeStore {
    resources: Vec<Resource>,
    pushdown: Pushdown,
    caps: Capabilities,
    /// Extra resources appended to a paged answer, to check the library's own cap.
    overflow: bool,
    seen: Mutex<Vec<StoreQuery>>,
}

impl FakeStore {
    fn new(resources: Vec<Resource>) -> Self {
        FakeStore {
            resources,
            pushdown: Pushdown::None,
            caps: Capabilities::default(),
            overflow: false,
            seen: Mutex::new(Vec::new()),
        }
    }

    /// Claims exact filtering, sorting and paging.
    fn smart(resources: Vec<Resource>) -> Self {
        FakeStore {
            pushdown: Pushdown::Exact,
            caps: Capabilities::full(),
            ..Self::new(resources)
        }
    }

    fn with(mut self, pushdown: Pushdown, caps: Capabilities) -> Self {
        self.pushdown = pushdown;
        self.caps = caps;
        self
    }

    fn queries(&self) -> Vec<StoreQuery> {
        self.seen.lock().unwrap().clone()
    }

    fn answer(&self, q: &StoreQuery) -> StorePage {
        self.seen.lock().unwrap().push(q.clone());
        let mut rs: Vec<Resource> = self.resources.clone();
        if let Some(f) = &q.filter {
            if self.pushdown != Pushdown::None {
                let bound = f.bind(&q.schemas, EvalOptions::default()).unwrap();
                // A superset store keeps everything; the library must filter again.
                if self.pushdown == Pushdown::Exact {
                    rs.retain(|r| bound.matches(r));
                }
            }
        }
        if !q.include_members {
            for r in &mut rs {
                r.attributes.remove("members");
            }
        }
        if let Some(key) = &q.sort {
            Sorter::new(key, &q.schemas).sort(&mut rs);
        }
        let total = rs.len();
        if let Some(PageRequest { offset, count }) = q.page {
            let extra = if self.overflow { 3 } else { 0 };
            rs = rs.into_iter().skip(offset).take(count + extra).collect();
        }
        StorePage {
            resources: rs,
            total_results: total,
        }
    }
}

#[async_trait]
impl UserStore for FakeStore {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn filter_pushdown(&self, _: &Filter) -> Pushdown {
        self.pushdown
    }
    async fn get(&self, _: &TenantId, _: &str) -> Result<Option<Resource>, StoreError> {
        unimplemented!()
    }
    async fn create(&self, _: &TenantId, _: NewResource) -> Result<Resource, StoreError> {
        unimplemented!()
    }
    async fn replace(
        &self,
        _: &TenantId,
        _: &str,
        _: Map<String, Value>,
        _: Option<u64>,
    ) -> Result<Resource, StoreError> {
        unimplemented!()
    }
    async fn delete(&self, _: &TenantId, _: &str, _: Option<u64>) -> Result<(), StoreError> {
        unimplemented!()
    }
    async fn list(&self, _: &TenantId, q: &StoreQuery) -> Result<StorePage, StoreError> {
        Ok(self.answer(q))
    }
}

#[async_trait]
impl GroupStore for FakeStore {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn filter_pushdown(&self, _: &Filter) -> Pushdown {
        self.pushdown
    }
    async fn get(&self, _: &TenantId, _: &str, _: bool) -> Result<Option<Resource>, StoreError> {
        unimplemented!()
    }
    async fn create(&self, _: &TenantId, _: NewResource) -> Result<Resource, StoreError> {
        unimplemented!()
    }
    async fn update(
        &self,
        _: &TenantId,
        _: &str,
        _: Option<Map<String, Value>>,
        _: Vec<MemberChange>,
        _: Option<u64>,
    ) -> Result<Resource, StoreError> {
        unimplemented!()
    }
    async fn delete(&self, _: &TenantId, _: &str, _: Option<u64>) -> Result<(), StoreError> {
        unimplemented!()
    }
    async fn list(&self, _: &TenantId, q: &StoreQuery) -> Result<StorePage, StoreError> {
        Ok(self.answer(q))
    }
    async fn groups_of(&self, _: &TenantId, _: &str) -> Result<Vec<GroupRef>, StoreError> {
        unimplemented!()
    }
    async fn remove_member_everywhere(&self, _: &TenantId, _: &str) -> Result<(), StoreError> {
        unimplemented!()
    }
}

fn resource(id: &str, attrs: Value) -> Resource {
    let Value::Object(attributes) = attrs else {
        unreachable!()
    };
    Resource {
        id: id.into(),
        version: 1,
        created: datetime!(2024-01-01 00:00 UTC),
        last_modified: datetime!(2024-01-01 00:00 UTC),
        attributes,
    }
}

/// Users u1..u5 in creation order; userNames sort in the reverse order; u2 and u4 are
/// inactive.
fn users() -> Vec<Resource> {
    (1..=5)
        .map(|i| {
            resource(
                &format!("u{i}"),
                json!({"userName": format!("user-{}", 6 - i), "active": i % 2 == 1}),
            )
        })
        .collect()
}

fn query(s: &str) -> ListQuery {
    ListQuery::from_query(s, &ListLimits::default()).unwrap()
}

fn tenant() -> TenantId {
    TenantId::new("acme")
}

async fn run_users(store: &FakeStore, q: &str) -> ListOutcome {
    list_users(store, &tenant(), &query(q), Arc::new(SchemaSet::user()))
        .await
        .unwrap()
}

fn ids(o: &ListOutcome) -> Vec<&str> {
    o.resources.iter().map(|r| r.id.as_str()).collect()
}

/// Runs `q` against a store that does nothing and one that does everything, checks both
/// give the same outcome, and returns it.
async fn both(q: &str) -> ListOutcome {
    let plain = FakeStore::new(users());
    let smart = FakeStore::smart(users());
    let a = run_users(&plain, q).await;
    let b = run_users(&smart, q).await;
    assert_eq!(a, b, "plain and smart stores disagree on {q}");
    a
}

#[tokio::test]
async fn page_in_the_middle() {
    let o = both("startIndex=2&count=2").await;
    assert_eq!((o.total_results, o.start_index), (5, 2));
    assert_eq!(ids(&o), vec!["u2", "u3"]);
}

#[tokio::test]
async fn start_index_past_the_end_is_empty_with_total() {
    let o = both("startIndex=10&count=2").await;
    assert_eq!((o.total_results, o.start_index), (5, 10));
    assert!(o.resources.is_empty());
}

#[tokio::test]
async fn count_zero_returns_only_total() {
    let o = both("count=0").await;
    assert_eq!(o.total_results, 5);
    assert!(o.resources.is_empty());
}

#[tokio::test]
async fn start_index_zero_and_negative_count() {
    let o = both("startIndex=0&count=-3").await;
    assert_eq!((o.total_results, o.start_index), (5, 1));
    assert!(o.resources.is_empty());
}

#[tokio::test]
async fn last_partial_page() {
    let o = both("startIndex=4&count=10").await;
    assert_eq!(ids(&o), vec!["u4", "u5"]);
}

#[tokio::test]
async fn filter_evaluated_in_memory_or_by_store() {
    let o = both("filter=active+eq+true&startIndex=2&count=1").await;
    assert_eq!(o.total_results, 3);
    assert_eq!(ids(&o), vec!["u3"]);
}

#[tokio::test]
async fn sort_in_memory_or_by_store() {
    let o = both("sortBy=userName&startIndex=1&count=2").await;
    assert_eq!(ids(&o), vec!["u5", "u4"]);
    let o = both("sortBy=userName&sortOrder=descending&count=2").await;
    assert_eq!(ids(&o), vec!["u1", "u2"]);
}

#[tokio::test]
async fn smart_store_gets_the_page_plain_store_does_not() {
    let plain = FakeStore::new(users());
    let smart = FakeStore::smart(users());
    let q = "filter=active+eq+true&sortBy=userName&startIndex=3&count=2";
    run_users(&plain, q).await;
    run_users(&smart, q).await;
    let p = &plain.queries()[0];
    assert!(p.filter.is_none() && p.sort.is_none() && p.page.is_none());
    let s = &smart.queries()[0];
    assert!(s.filter.is_some() && s.sort.is_some());
    assert_eq!(
        s.page,
        Some(PageRequest {
            offset: 2,
            count: 2
        })
    );
}

#[tokio::test]
async fn superset_store_is_filtered_again() {
    let store = FakeStore::new(users()).with(Pushdown::Superset, Capabilities::full());
    let o = run_users(&store, "filter=active+eq+false").await;
    assert_eq!(o.total_results, 2);
    assert_eq!(ids(&o), vec!["u2", "u4"]);
    let q = &store.queries()[0];
    assert!(q.filter.is_some(), "the superset filter is passed down");
    assert!(
        q.page.is_none() && q.sort.is_none(),
        "nothing after an inexact filter"
    );
}

#[tokio::test]
async fn paging_store_without_sort_is_not_asked_to_page_a_sorted_list() {
    let mut caps = Capabilities::default();
    caps.paging = true;
    let store = FakeStore::new(users()).with(Pushdown::Exact, caps);
    let o = run_users(&store, "sortBy=userName&count=2").await;
    assert_eq!(ids(&o), vec!["u5", "u4"]);
    assert_eq!(o.total_results, 5);
    let q = &store.queries()[0];
    assert!(q.page.is_none() && q.sort.is_none());
    // Without sortBy, the same store pages.
    run_users(&store, "count=2").await;
    assert!(store.queries()[1].page.is_some());
}

#[tokio::test]
async fn store_returning_too_many_is_capped() {
    let mut store = FakeStore::smart(users());
    store.overflow = true;
    let o = run_users(&store, "count=1").await;
    assert_eq!(o.resources.len(), 1);
    assert_eq!(o.total_results, 5);
}

#[tokio::test]
async fn bad_filter_fails_before_the_store_is_called() {
    let store = FakeStore::smart(users());
    let e = list_users(
        &store,
        &tenant(),
        &query("filter=active+gt+true"),
        Arc::new(SchemaSet::user()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidFilter);
    assert!(store.queries().is_empty());
}

#[tokio::test]
async fn list_response_numbers() {
    let o = both("startIndex=5&count=3").await;
    let resp = ListResponse::new(
        o.total_results,
        o.start_index,
        o.resources.iter().map(|r| json!({"id": r.id})).collect(),
    );
    let body = resp.to_json();
    assert_eq!(body["totalResults"], 5);
    assert_eq!(body["startIndex"], 5);
    assert_eq!(body["itemsPerPage"], 1);
    assert_eq!(body["Resources"].as_array().unwrap().len(), 1);
}

fn groups() -> Vec<Resource> {
    vec![
        resource(
            "g1",
            json!({"displayName": "A", "members": [{"value": "u1"}]}),
        ),
        resource(
            "g2",
            json!({"displayName": "B", "members": [{"value": "u2"}]}),
        ),
        resource(
            "g3",
            json!({"displayName": "C", "members": [{"value": "u1"}, {"value": "u3"}]}),
        ),
    ]
}

#[tokio::test]
async fn member_filter_loads_members_but_does_not_return_them() {
    let store = FakeStore::new(groups());
    let q = query("filter=members%5Bvalue+eq+%22u1%22%5D&excludedAttributes=members");
    let o = list_groups(&store, &tenant(), &q, Arc::new(SchemaSet::group()), false)
        .await
        .unwrap();
    assert_eq!(ids(&o), vec!["g1", "g3"]);
    assert!(o
        .resources
        .iter()
        .all(|r| !r.attributes.contains_key("members")));
    assert!(store.queries()[0].include_members);
}

#[tokio::test]
async fn groups_without_members_when_not_needed() {
    let store = FakeStore::smart(groups());
    let q = query("filter=displayName+eq+%22b%22");
    let o = list_groups(&store, &tenant(), &q, Arc::new(SchemaSet::group()), false)
        .await
        .unwrap();
    assert_eq!(ids(&o), vec!["g2"]);
    assert!(!store.queries()[0].include_members);
    let o = list_groups(&store, &tenant(), &q, Arc::new(SchemaSet::group()), true)
        .await
        .unwrap();
    assert!(o.resources[0].attributes.contains_key("members"));
    assert!(store.queries()[1].include_members);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// `title`, `active` and `emails` (value, primary) of one generated user.
    type UserSpec = (Option<String>, bool, Vec<(String, bool)>);

    fn arb_user() -> impl Strategy<Value = UserSpec> {
        (
            proptest::option::of("[a-cA-C]{0,2}"),
            any::<bool>(),
            proptest::collection::vec(("[a-c]{1,2}", any::<bool>()), 0..3),
        )
    }

    fn build(users: Vec<UserSpec>) -> Vec<Resource> {
        users
            .into_iter()
            .enumerate()
            .map(|(i, (title, active, emails))| {
                let mut attrs = json!({"userName": format!("u{i}"), "active": active});
                if let Some(t) = title {
                    attrs["title"] = json!(t);
                }
                if !emails.is_empty() {
                    attrs["emails"] = emails
                        .into_iter()
                        .map(|(v, p)| json!({"value": v, "primary": p}))
                        .collect();
                }
                resource(&format!("id{i:03}"), attrs)
            })
            .collect()
    }

    const FILTERS: [&str; 4] = [
        "",
        "filter=active+eq+true",
        "filter=title+pr",
        "filter=emails+co+%22a%22+or+title+sw+%22b%22",
    ];
    const SORTS: [&str; 4] = [
        "",
        "sortBy=title",
        "sortBy=emails.value&sortOrder=descending",
        "sortBy=title&sortOrder=DESCENDING",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever a store pushes down, the outcome is the same, and it is the requested
        /// slice of all matches.
        #[test]
        fn same_outcome_whatever_the_store_does(
            users in proptest::collection::vec(arb_user(), 0..12),
            f in 0..FILTERS.len(),
            s in 0..SORTS.len(),
            start in -2i64..15,
            count in -2i64..8,
        ) {
            let data = build(users);
            let q = format!("{}&{}&startIndex={start}&count={count}", FILTERS[f], SORTS[s]);
            let run = |store: FakeStore| {
                futures::executor::block_on(list_users(
                    &store,
                    &tenant(),
                    &query(&q),
                    Arc::new(SchemaSet::user()),
                ))
                .unwrap()
            };
            let reference = run(FakeStore::new(data.clone()));
            let full = run(FakeStore::smart(data.clone()));
            let superset = run(FakeStore::new(data.clone()).with(Pushdown::Superset, Capabilities::full()));
            let mut paging_only = Capabilities::default();
            paging_only.paging = true;
            let partial = run(FakeStore::new(data.clone()).with(Pushdown::Exact, paging_only));
            prop_assert_eq!(&reference, &full);
            prop_assert_eq!(&reference, &superset);
            prop_assert_eq!(&reference, &partial);

            // The page is the slice [startIndex-1, +count) of all matches.
            let all = run_all(&data, &q);
            let first = usize::try_from(start.max(1) - 1).unwrap();
            let n = usize::try_from(count.max(0)).unwrap();
            let expected: Vec<&Resource> = all.iter().skip(first).take(n).collect();
            let got: Vec<&Resource> = reference.resources.iter().collect();
            prop_assert_eq!(got, expected);
            prop_assert_eq!(reference.total_results, all.len());
            prop_assert_eq!(reference.start_index, usize::try_from(start.max(1)).unwrap());
        }
    }

    /// All matches of the query's filter and sort, without paging.
    fn run_all(data: &[Resource], q: &str) -> Vec<Resource> {
        let mut lq = query(q);
        lq.start_index = 1;
        lq.count = usize::MAX;
        futures::executor::block_on(list_users(
            &FakeStore::new(data.to_vec()),
            &tenant(),
            &lq,
            Arc::new(SchemaSet::user()),
        ))
        .unwrap()
        .resources
    }
}

/// The in-memory store pushes everything down; its answers must match the library's own
/// in-memory evaluation over the same data.
#[cfg(feature = "memory")]
mod memory_store {
    use super::*;
    use scimitar::store::NewResource;
    use scimitar::MemoryStore;

    const QUERIES: [&str; 9] = [
        "",
        "startIndex=3&count=4",
        "count=0",
        "startIndex=50",
        "filter=active+eq+true&count=3",
        "sortBy=title&count=5",
        "sortBy=title&sortOrder=descending&startIndex=2&count=5",
        "sortBy=emails.value&filter=emails+pr",
        "filter=title+sw+%22b%22+or+userName+ew+%227%22&sortBy=userName&sortOrder=descending",
    ];

    #[tokio::test]
    async fn memory_store_agrees_with_in_memory_evaluation() {
        let store = MemoryStore::new();
        let t = tenant();
        for i in 0..12 {
            let mut attrs = json!({"userName": format!("user{i}"), "active": i % 3 != 0});
            if i % 4 != 0 {
                attrs["title"] = json!(["b", "A", "c", "a"][i % 4]);
            }
            if i % 2 == 0 {
                attrs["emails"] = json!([
                    {"value": format!("{}@x.com", 20 - i)},
                    {"value": format!("p{}@x.com", i), "primary": i % 4 == 0}
                ]);
            }
            let Value::Object(attributes) = attrs else {
                unreachable!()
            };
            UserStore::create(
                &store,
                &t,
                NewResource {
                    id: format!("id-{i:02}"),
                    attributes,
                },
            )
            .await
            .unwrap();
        }
        let schemas = Arc::new(SchemaSet::user());
        let everything = list_users(&store, &t, &query(""), schemas.clone())
            .await
            .unwrap();
        assert_eq!(everything.total_results, 12);
        let plain = FakeStore::new(everything.resources);
        for q in QUERIES {
            let lq = query(q);
            let from_memory = list_users(&store, &t, &lq, schemas.clone()).await.unwrap();
            let reference = list_users(&plain, &t, &lq, schemas.clone()).await.unwrap();
            assert_eq!(from_memory, reference, "{q}");
        }
    }
}
