//! The in-memory store: the full conformance suite plus memory-specific checks.
#![cfg(feature = "testkit")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;

use scimitar::schema::SchemaSet;
use scimitar::store::memory::MemoryStore;
use scimitar::store::{
    GroupStore, Member, MemberChange, NewResource, PageRequest, Resource, StoreError, StoreQuery,
    UserStore,
};
use scimitar::{Filter, TenantId};
use serde_json::{json, Map, Value};

scimitar::store_conformance_tests!(MemoryStore::new());

mod unique_group_names {
    use super::*;
    scimitar::store_conformance_tests!(groups: MemoryStore::new().with_unique_group_names(true));
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn q(schemas: &Arc<SchemaSet>, filter: Option<&str>) -> StoreQuery {
    StoreQuery {
        filter: filter.map(|f| f.parse::<Filter>().unwrap()),
        sort: None,
        page: None,
        include_members: true,
        schemas: Arc::clone(schemas),
    }
}

fn ids(rs: &[Resource]) -> Vec<String> {
    rs.iter().map(|r| r.id.clone()).collect()
}

async fn seeded() -> (MemoryStore, TenantId) {
    let store = MemoryStore::new();
    let t = TenantId::new("t");
    for i in 0..200 {
        let user = json!({
            "userName": format!("User{i}@example.com"),
            "externalId": format!("ext-{}", i % 17),
            "title": if i % 2 == 0 { "A" } else { "B" },
        });
        UserStore::create(
            &store,
            &t,
            NewResource {
                id: format!("u{i}"),
                attributes: obj(user),
            },
        )
        .await
        .unwrap();
    }
    for i in 0..30 {
        let members: Vec<Value> = (0..200)
            .filter(|m| m % 30 == i || m % 7 == 0)
            .map(|m| json!({"value": format!("u{m}")}))
            .collect();
        let g = json!({"displayName": format!("Group {}", i % 10), "members": members});
        GroupStore::create(
            &store,
            &t,
            NewResource {
                id: format!("g{i}"),
                attributes: obj(g),
            },
        )
        .await
        .unwrap();
    }
    (store, t)
}

/// Evaluates `filter` by scanning (no index can answer `not (not (...))`), to compare
/// with the indexed answer.
async fn users_scan(store: &MemoryStore, t: &TenantId, s: &Arc<SchemaSet>, f: &str) -> Vec<String> {
    ids(
        &UserStore::list(store, t, &q(s, Some(&format!("not (not ({f}))"))))
            .await
            .unwrap()
            .resources,
    )
}

async fn groups_scan(
    store: &MemoryStore,
    t: &TenantId,
    s: &Arc<SchemaSet>,
    f: &str,
) -> Vec<String> {
    ids(
        &GroupStore::list(store, t, &q(s, Some(&format!("not (not ({f}))"))))
            .await
            .unwrap()
            .resources,
    )
}

#[tokio::test]
async fn indexes_answer_like_a_scan() {
    let (store, t) = seeded().await;
    let users = Arc::new(SchemaSet::user());
    for f in [
        r#"userName eq "user7@EXAMPLE.com""#,
        r#"userName eq "nobody""#,
        r#"externalId eq "ext-3""#,
        r#"externalId eq "EXT-3""#,
        r#"id eq "u42""#,
        r#"id eq "U42""#,
        r#"externalId eq "ext-3" and title eq "A""#,
        r#"title eq "B" and userName eq "user9@example.com""#,
        r#"id eq "u1" or userName eq "USER2@example.com" or externalId eq "ext-5""#,
    ] {
        let indexed = ids(&UserStore::list(&store, &t, &q(&users, Some(f)))
            .await
            .unwrap()
            .resources);
        assert_eq!(indexed, users_scan(&store, &t, &users, f).await, "{f}");
    }
    let groups = Arc::new(SchemaSet::group());
    for f in [
        r#"displayName eq "group 3""#,
        r#"members[value eq "u14"]"#,
        r#"members.value eq "u31""#,
        r#"members[value eq "u31"] and displayName eq "Group 1""#,
        r#"members[value eq "U31"]"#,
    ] {
        let indexed = ids(&GroupStore::list(&store, &t, &q(&groups, Some(f)))
            .await
            .unwrap()
            .resources);
        assert_eq!(indexed, groups_scan(&store, &t, &groups, f).await, "{f}");
        assert!(!f.contains("u14") || !indexed.is_empty());
    }
}

#[tokio::test]
async fn pages_are_stable_and_disjoint() {
    let (store, t) = seeded().await;
    let s = Arc::new(SchemaSet::user());
    let all = ids(&UserStore::list(&store, &t, &q(&s, None))
        .await
        .unwrap()
        .resources);
    let mut joined = Vec::new();
    for offset in (0..210).step_by(13) {
        let mut query = q(&s, None);
        query.page = Some(PageRequest { offset, count: 13 });
        let page = UserStore::list(&store, &t, &query).await.unwrap();
        assert_eq!(page.total_results, 200);
        joined.extend(ids(&page.resources));
    }
    assert_eq!(joined, all);
    // Writes do not move a resource in the unsorted order.
    UserStore::replace(&store, &t, "u3", obj(json!({"userName": "moved"})), None)
        .await
        .unwrap();
    let again = ids(&UserStore::list(&store, &t, &q(&s, None))
        .await
        .unwrap()
        .resources);
    assert_eq!(again, all);
}

#[tokio::test]
async fn unknown_members_are_rejected_and_nothing_changes() {
    let (store, t) = seeded().await;
    let before = GroupStore::get(&store, &t, "g1", true)
        .await
        .unwrap()
        .unwrap();
    let r = GroupStore::update(
        &store,
        &t,
        "g1",
        None,
        vec![
            MemberChange::Remove(vec!["u1".into()]),
            MemberChange::Add(vec![Member::new("ghost")]),
        ],
        None,
    )
    .await;
    assert!(matches!(r, Err(StoreError::InvalidMember { value }) if value == "ghost"));
    let after = GroupStore::get(&store, &t, "g1", true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before, after);
    let r = GroupStore::create(
        &store,
        &TenantId::new("other"),
        NewResource {
            id: "x".into(),
            attributes: obj(json!({"displayName": "x", "members": [{"value": "u1"}]})),
        },
    )
    .await;
    assert!(
        matches!(r, Err(StoreError::InvalidMember { .. })),
        "another tenant's user is not a member candidate"
    );
}

#[tokio::test]
async fn remove_member_everywhere_bumps_versions_and_keeps_display() {
    let (store, t) = seeded().await;
    let before = GroupStore::groups_of(&store, &t, "u0").await.unwrap();
    assert_eq!(before.len(), 30);
    assert_eq!(before[0].display.as_deref(), Some("Group 0"));
    let v = GroupStore::get(&store, &t, "g5", false)
        .await
        .unwrap()
        .unwrap()
        .version;
    GroupStore::remove_member_everywhere(&store, &t, "u0")
        .await
        .unwrap();
    assert!(GroupStore::groups_of(&store, &t, "u0")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        GroupStore::get(&store, &t, "g5", false)
            .await
            .unwrap()
            .unwrap()
            .version,
        v + 1
    );
}

#[test]
fn memory_store_is_cheap_to_clone_and_shares_data() {
    let a = MemoryStore::new();
    let b = a.clone();
    let t = TenantId::new("t");
    futures::executor::block_on(async {
        UserStore::create(
            &a,
            &t,
            NewResource {
                id: "1".into(),
                attributes: obj(json!({"userName": "x"})),
            },
        )
        .await
        .unwrap();
        assert!(UserStore::get(&b, &t, "1").await.unwrap().is_some());
    });
    assert!(format!("{a:?}").contains("tenants: 1"));
}
