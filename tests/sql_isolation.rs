//! Tenant isolation of the SQL stores, method by method: two tenants hold users and
//! groups with the same ids, the same `userName`s (in other spellings) and the same
//! group `displayName`s, and nothing tenant A does through any store method sees, counts,
//! changes or deletes a row of tenant B: lists with filters pushed down to SQL (and
//! residual ones), `totalResults`, sorting and paging done by the database or in memory,
//! member lookups, `groups_of`, `remove_member_everywhere`, updates and deletes by an id
//! both tenants use. Runs on PostgreSQL (a private schema) and on a SQLite file.
#![cfg(any(feature = "sqlite", feature = "postgres"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod sql_support;

use std::sync::Arc;

use scimitar::filter::EvalOptions;
use scimitar::list::{list_groups, list_users, ListLimits, ListQuery};
use scimitar::schema::{SchemaRegistry, SchemaSet};
use scimitar::store::{
    GroupStore, Member, MemberChange, NewResource, PageRequest, Pushdown, Resource, SortKey,
    SortOrder, StoreError, StoreQuery, UserStore,
};
use scimitar::{AttrPath, Filter, TenantId};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn a() -> TenantId {
    TenantId::new("tenant-a")
}
fn b() -> TenantId {
    TenantId::new("tenant-b")
}

/// User `i` of `tenant` ("A" or "B"): ids and userNames overlap between tenants (B
/// spells them in upper case); `title` says whose it is.
fn user_attrs(tenant: &str, i: usize) -> Map<String, Value> {
    let stem = ["alice", "bob", "carol", "a_b%c", "ab\\c"][i % 5];
    let user_name = format!("{stem}{i}@example.com");
    let user_name = if tenant == "B" {
        user_name.to_uppercase()
    } else {
        user_name
    };
    obj(json!({
        "userName": user_name,
        "externalId": format!("ext-{}", i % 4),
        "active": i % 3 != 0,
        "title": tenant,
        "displayName": format!("{stem} {tenant}"),
        "emails": [
            {"value": format!("{stem}{i}@work.example"), "type": "work"},
            {"value": format!("{stem}{i}@home.example"), "type": "home"},
        ],
    }))
}

fn group_attrs(tenant: &str, i: usize, members: &[String]) -> Map<String, Value> {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    obj(json!({
        "displayName": format!("Group {i}"),
        "externalId": format!("gext-{tenant}-{i}"),
        "members": members,
    }))
}

fn uid(i: usize) -> String {
    format!("u{i:02}")
}
fn gid(i: usize) -> String {
    format!("g{i:02}")
}

fn title(r: &Resource) -> &str {
    r.attributes
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("?")
}

const A_USERS: usize = 20;
const B_USERS: usize = 30;

/// Tenant A: users u00..u19, groups g00..g04. Tenant B: users u00..u29 (same ids, other
/// spellings), groups g00..g06 with the same names, whose members include ids A uses.
/// Returns an instant between A's creation and A's later writes.
async fn seed<S: UserStore + GroupStore>(store: &S) -> String {
    for i in 0..B_USERS {
        UserStore::create(
            store,
            &b(),
            NewResource {
                id: uid(i),
                attributes: user_attrs("B", i),
            },
        )
        .await
        .unwrap();
    }
    for i in 0..A_USERS {
        UserStore::create(
            store,
            &a(),
            NewResource {
                id: uid(i),
                attributes: user_attrs("A", i),
            },
        )
        .await
        .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let between = time::OffsetDateTime::now_utc().format(&Rfc3339).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    // Later writes to some of A's users and to all of B's (B's versions run ahead).
    for i in (0..A_USERS).step_by(3) {
        let mut attrs = user_attrs("A", i);
        attrs.insert("nickName".into(), json!("rewritten"));
        UserStore::replace(store, &a(), &uid(i), attrs, None)
            .await
            .unwrap();
    }
    for i in 0..B_USERS {
        for _ in 0..2 {
            UserStore::replace(store, &b(), &uid(i), user_attrs("B", i), None)
                .await
                .unwrap();
        }
    }
    for i in 0..7 {
        let members: Vec<String> = (i..i + 6).map(uid).collect();
        GroupStore::create(
            store,
            &b(),
            NewResource {
                id: gid(i),
                attributes: group_attrs("B", i, &members),
            },
        )
        .await
        .unwrap();
    }
    for i in 0..5 {
        let members: Vec<String> = (i..i + 3).map(uid).collect();
        GroupStore::create(
            store,
            &a(),
            NewResource {
                id: gid(i),
                attributes: group_attrs("A", i, &members),
            },
        )
        .await
        .unwrap();
    }
    between
}

fn store_query(filter: Option<&str>, schemas: &Arc<SchemaSet>) -> StoreQuery {
    StoreQuery {
        filter: filter.map(|f| f.parse::<Filter>().unwrap()),
        sort: None,
        page: None,
        include_members: true,
        schemas: schemas.clone(),
    }
}

fn user_filters(between: &str) -> Vec<String> {
    vec![
        r#"userName sw "a""#.into(),
        r#"userName eq "ALICE0@EXAMPLE.COM""#.into(),
        r#"userName co "%""#.into(),
        r#"userName co "_b%""#.into(),
        r#"userName co "\\""#.into(),
        r#"userName ew ".com""#.into(),
        r#"userName gt "b" and userName lt "c""#.into(),
        r#"id eq "u05""#.into(),
        r#"id sw "u2""#.into(),
        r#"id pr"#.into(),
        r#"externalId eq "ext-1""#.into(),
        r#"externalId ne "ext-1""#.into(),
        r#"active eq true"#.into(),
        r#"active eq false or id eq "u25""#.into(),
        format!(r#"meta.lastModified gt "{between}""#),
        format!(r#"meta.created lt "{between}""#),
        format!(r#"meta.lastModified le "{between}" and not (active eq true)"#),
        r#"not (userName sw "b")"#.into(),
        r#"not (id eq "u25")"#.into(),
        r#"userName eq "x" or externalId eq "ext-2" or id eq "u21" or id eq "u07""#.into(),
        r#"emails[type eq "work" and value co "@"]"#.into(),
        r#"emails[type eq "work" and value co "@"] and userName sw "a""#.into(),
        r#"title eq "B""#.into(),
        r#"title eq "B" or userName pr"#.into(),
        r#"displayName co "b""#.into(),
    ]
}

async fn users_are_isolated<S: UserStore + GroupStore + 'static>(store: Arc<S>) {
    let between = seed(&*store).await;
    let registry = SchemaRegistry::default();
    let schemas = registry.user_schemas(&a());
    let all_a = UserStore::list(&*store, &a(), &store_query(None, &schemas))
        .await
        .unwrap();
    assert_eq!(all_a.total_results, A_USERS);
    assert_eq!(all_a.resources.len(), A_USERS);
    assert!(all_a.resources.iter().all(|r| title(r) == "A"));
    let all_a = all_a.resources;

    let mut pushed = 0;
    for text in user_filters(&between) {
        let filter: Filter = text.parse().unwrap();
        let bound = filter.bind(&schemas, EvalOptions::default()).unwrap();
        let expected: Vec<String> = all_a
            .iter()
            .filter(|r| bound.matches(*r))
            .map(|r| r.id.clone())
            .collect();
        // The store's own answer (exact, superset or everything).
        let page = UserStore::list(&*store, &a(), &store_query(Some(&text), &schemas))
            .await
            .unwrap();
        assert!(
            page.resources.iter().all(|r| title(r) == "A"),
            "{text}: tenant B's rows in A's list"
        );
        match UserStore::filter_pushdown(&*store, &filter) {
            Pushdown::Exact => {
                pushed += 1;
                let got: Vec<String> = page.resources.iter().map(|r| r.id.clone()).collect();
                assert_eq!(got, expected, "{text}");
                assert_eq!(page.total_results, expected.len(), "{text}");
            }
            _ => assert_eq!(page.total_results, page.resources.len(), "{text}"),
        }
        // Paged by the database: the count is A's alone.
        let mut paged = store_query(Some(&text), &schemas);
        paged.page = Some(PageRequest {
            offset: 1,
            count: 3,
        });
        if UserStore::filter_pushdown(&*store, &filter) == Pushdown::Exact {
            let page = UserStore::list(&*store, &a(), &paged).await.unwrap();
            assert_eq!(page.total_results, expected.len(), "{text} (paged)");
            let want: Vec<String> = expected.iter().skip(1).take(3).cloned().collect();
            let got: Vec<String> = page.resources.iter().map(|r| r.id.clone()).collect();
            assert_eq!(got, want, "{text} (paged)");
        }
        // Through the list pipeline with every sort key, both orders, and pages.
        for key in [
            "userName",
            "id",
            "meta.lastModified",
            "externalId",
            "title",
            "active",
        ] {
            for order in [SortOrder::Ascending, SortOrder::Descending] {
                let mut lq = ListQuery::new(&ListLimits::default());
                lq.filter = Some(filter.clone());
                lq.sort_by = Some(key.parse::<AttrPath>().unwrap());
                lq.sort_order = order;
                lq.start_index = 2;
                lq.count = 4;
                let out = list_users(&*store, &a(), &lq, schemas.clone())
                    .await
                    .unwrap();
                assert_eq!(out.total_results, expected.len(), "{text} by {key}");
                assert!(out.resources.len() <= 4);
                for r in &out.resources {
                    assert_eq!(title(r), "A", "{text} by {key}: B's row");
                    assert!(expected.contains(&r.id), "{text} by {key}: {}", r.id);
                }
                // The same through the store with the sort (and page) pushed down.
                let mut sq = store_query(Some(&text), &schemas);
                sq.sort = Some(SortKey {
                    path: key.parse().unwrap(),
                    order,
                });
                sq.page = Some(PageRequest {
                    offset: 0,
                    count: 100,
                });
                if UserStore::filter_pushdown(&*store, &filter) == Pushdown::Exact {
                    let page = UserStore::list(&*store, &a(), &sq).await.unwrap();
                    assert_eq!(page.total_results, expected.len(), "{text} by {key}");
                    let mut got: Vec<String> =
                        page.resources.iter().map(|r| r.id.clone()).collect();
                    got.sort();
                    let mut want = expected.clone();
                    want.sort();
                    assert_eq!(got, want, "{text} by {key}");
                }
            }
        }
    }
    assert!(pushed >= 15, "only {pushed} filters were pushed down");

    // Reads by an id both tenants use, and by one only B uses.
    let u00 = UserStore::get(&*store, &a(), "u00").await.unwrap().unwrap();
    assert_eq!(title(&u00), "A");
    assert!(UserStore::get(&*store, &a(), "u25")
        .await
        .unwrap()
        .is_none());

    // Writes by B-only ids are not found, and B's rows stay as they were.
    let b25 = UserStore::get(&*store, &b(), "u25").await.unwrap().unwrap();
    assert!(matches!(
        UserStore::replace(&*store, &a(), "u25", user_attrs("A", 25), None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        UserStore::replace(&*store, &a(), "u25", user_attrs("A", 25), Some(b25.version)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        UserStore::delete(&*store, &a(), "u25", None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        UserStore::delete(&*store, &a(), "u25", Some(b25.version)).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        UserStore::get(&*store, &b(), "u25").await.unwrap().unwrap(),
        b25
    );

    // A's version check uses A's version, not B's (which is 3).
    let b01 = UserStore::get(&*store, &b(), "u01").await.unwrap().unwrap();
    assert_eq!(b01.version, 3);
    assert!(matches!(
        UserStore::replace(&*store, &a(), "u01", user_attrs("A", 1), Some(3)).await,
        Err(StoreError::VersionMismatch)
    ));
    UserStore::replace(&*store, &a(), "u01", user_attrs("A", 1), Some(1))
        .await
        .unwrap();
    assert!(matches!(
        UserStore::delete(&*store, &a(), "u02", Some(3)).await,
        Err(StoreError::VersionMismatch)
    ));
    UserStore::delete(&*store, &a(), "u02", Some(1))
        .await
        .unwrap();
    assert_eq!(
        UserStore::get(&*store, &b(), "u01").await.unwrap().unwrap(),
        b01
    );
    assert_eq!(
        title(&UserStore::get(&*store, &b(), "u02").await.unwrap().unwrap()),
        "B"
    );

    // userName uniqueness is per tenant: a name only B has is free in A; A's own is not.
    UserStore::create(
        &*store,
        &a(),
        NewResource {
            id: "u25".into(),
            attributes: obj(json!({"userName": "Alice25@Example.com", "title": "A"})),
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        UserStore::create(
            &*store,
            &a(),
            NewResource {
                id: "dup".into(),
                attributes: obj(json!({"userName": "BOB1@example.COM"})),
            },
        )
        .await,
        Err(StoreError::Uniqueness { .. })
    ));
    // Renaming onto a name only B has works too.
    let mut renamed = user_attrs("A", 3);
    renamed.insert("userName".into(), json!("carol27@example.com"));
    UserStore::replace(&*store, &a(), "u03", renamed, None)
        .await
        .unwrap();

    // B counts what it had.
    let all_b = UserStore::list(&*store, &b(), &store_query(None, &schemas))
        .await
        .unwrap();
    assert_eq!(all_b.total_results, B_USERS);
    assert!(all_b.resources.iter().all(|r| title(r) == "B"));
    assert!(all_b.resources.iter().all(|r| r.version == 3));
}

async fn groups_are_isolated<S: UserStore + GroupStore + 'static>(store: Arc<S>) {
    let between = seed(&*store).await;
    let registry = SchemaRegistry::default();
    let schemas = registry.group_schemas(&a());
    let b_before = GroupStore::list(&*store, &b(), &store_query(None, &schemas))
        .await
        .unwrap();
    assert_eq!(b_before.total_results, 7);
    let all_a = GroupStore::list(&*store, &a(), &store_query(None, &schemas))
        .await
        .unwrap();
    assert_eq!(all_a.total_results, 5);
    let a_marker = |r: &Resource| {
        r.attributes
            .get("externalId")
            .and_then(Value::as_str)
            .is_some_and(|e| e.starts_with("gext-A-"))
    };
    assert!(all_a.resources.iter().all(a_marker));
    // A's member lists are A's: g00 has u00..u02, never B's u03..u05.
    let members = |r: &Resource| -> Vec<String> {
        r.attributes
            .get("members")
            .and_then(Value::as_array)
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(members(&all_a.resources[0]), vec!["u00", "u01", "u02"]);
    let all_a = all_a.resources;

    let filters = [
        r#"displayName sw "group""#.to_owned(),
        r#"displayName eq "GROUP 6""#.to_owned(),
        r#"id eq "g06" or displayName ew "1""#.to_owned(),
        r#"not (displayName eq "group 0")"#.to_owned(),
        r#"externalId sw "gext-""#.to_owned(),
        r#"members[value eq "u05"]"#.to_owned(),
        r#"members[value eq "u02"] and displayName pr"#.to_owned(),
        format!(r#"meta.created gt "{between}""#),
    ];
    for text in &filters {
        let filter: Filter = text.parse().unwrap();
        let bound = filter.bind(&schemas, EvalOptions::default()).unwrap();
        let expected: Vec<String> = all_a
            .iter()
            .filter(|r| bound.matches(*r))
            .map(|r| r.id.clone())
            .collect();
        for key in ["displayName", "id", "externalId", "meta.created"] {
            let mut lq = ListQuery::new(&ListLimits::default());
            lq.filter = Some(filter.clone());
            lq.sort_by = Some(key.parse::<AttrPath>().unwrap());
            lq.sort_order = SortOrder::Descending;
            lq.count = 100;
            let out = list_groups(&*store, &a(), &lq, schemas.clone(), true)
                .await
                .unwrap();
            assert_eq!(out.total_results, expected.len(), "{text} by {key}");
            for r in &out.resources {
                assert!(a_marker(r), "{text} by {key}: B's group {}", r.id);
                let want = all_a.iter().find(|g| g.id == r.id).unwrap();
                assert_eq!(members(r), members(want), "{text}: members of {}", r.id);
            }
        }
    }

    // Lookups: a B-only group is not A's; groups_of answers A's groups alone.
    assert!(GroupStore::get(&*store, &a(), "g06", true)
        .await
        .unwrap()
        .is_none());
    let of = GroupStore::groups_of(&*store, &a(), "u02").await.unwrap();
    let of: Vec<String> = of.into_iter().map(|g| g.id).collect();
    assert_eq!(of, vec!["g00", "g01", "g02"]);
    assert!(GroupStore::groups_of(&*store, &a(), "u25")
        .await
        .unwrap()
        .is_empty());

    // Changes by A: a B-only user is no member for A; removals and deletes stay in A.
    assert!(matches!(
        GroupStore::update(
            &*store,
            &a(),
            "g00",
            None,
            vec![MemberChange::Add(vec![Member::new("u25")])],
            None
        )
        .await,
        Err(StoreError::InvalidMember { .. })
    ));
    GroupStore::update(
        &*store,
        &a(),
        "g00",
        None,
        vec![MemberChange::Remove(vec!["u01".into()])],
        None,
    )
    .await
    .unwrap();
    GroupStore::update(
        &*store,
        &a(),
        "g01",
        Some(group_attrs("A", 1, &[])),
        vec![MemberChange::ReplaceAll(vec![Member::new("u10")])],
        None,
    )
    .await
    .unwrap();
    GroupStore::remove_member_everywhere(&*store, &a(), "u03")
        .await
        .unwrap();
    GroupStore::delete(&*store, &a(), "g02", None)
        .await
        .unwrap();
    assert!(matches!(
        GroupStore::delete(&*store, &a(), "g06", None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        GroupStore::update(&*store, &a(), "g06", None, vec![], None).await,
        Err(StoreError::NotFound)
    ));
    UserStore::delete(&*store, &a(), "u04", None).await.unwrap();
    GroupStore::remove_member_everywhere(&*store, &a(), "u04")
        .await
        .unwrap();

    // B's groups are exactly as before: attributes, members, versions, timestamps.
    let b_after = GroupStore::list(&*store, &b(), &store_query(None, &schemas))
        .await
        .unwrap();
    assert_eq!(b_after, b_before);
    let of_b = GroupStore::groups_of(&*store, &b(), "u04").await.unwrap();
    assert_eq!(of_b.len(), 5);
}

/// With unique group names, a name is unique per tenant: B's names are free in A.
async fn unique_group_names_are_per_tenant<S: UserStore + GroupStore + 'static>(store: Arc<S>) {
    assert!(GroupStore::unique_display_name(&*store));
    for (t, id) in [(b(), "g1"), (a(), "g1"), (a(), "g2")] {
        let name = if id == "g1" { "Admins" } else { "Staff" };
        GroupStore::create(
            &*store,
            &t,
            NewResource {
                id: id.into(),
                attributes: obj(json!({ "displayName": name })),
            },
        )
        .await
        .unwrap();
    }
    let dup = GroupStore::create(
        &*store,
        &a(),
        NewResource {
            id: "g3".into(),
            attributes: obj(json!({"displayName": "ADMINS"})),
        },
    )
    .await;
    assert!(matches!(dup, Err(StoreError::Uniqueness { .. })), "{dup:?}");
    // Renaming A's group to a name only B uses works.
    GroupStore::create(
        &*store,
        &b(),
        NewResource {
            id: "g9".into(),
            attributes: obj(json!({"displayName": "Only B"})),
        },
    )
    .await
    .unwrap();
    GroupStore::update(
        &*store,
        &a(),
        "g2",
        Some(obj(json!({"displayName": "only b"}))),
        vec![],
        None,
    )
    .await
    .unwrap();
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use scimitar::store::sql::PostgresStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn users_are_isolated() {
        super::users_are_isolated(Arc::new(sql_support::pg::store().await)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn groups_are_isolated() {
        super::groups_are_isolated(Arc::new(sql_support::pg::store().await)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unique_group_names_are_per_tenant() {
        let (pool, guard) = sql_support::pg::schema_pool(3).await;
        let store = PostgresStore::from_pool(pool)
            .await
            .unwrap()
            .with_unique_group_names(true);
        super::unique_group_names_are_per_tenant(Arc::new(sql_support::Guarded::new(store, guard)))
            .await;
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use scimitar::store::sql::SqliteStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn users_are_isolated() {
        super::users_are_isolated(Arc::new(sql_support::sqlite::file_store().await)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn groups_are_isolated() {
        super::groups_are_isolated(Arc::new(sql_support::sqlite::file_store().await)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unique_group_names_are_per_tenant() {
        let store = SqliteStore::memory()
            .await
            .unwrap()
            .with_unique_group_names(true);
        super::unique_group_names_are_per_tenant(Arc::new(store)).await;
    }
}
