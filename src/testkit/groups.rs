//! Group-store cases.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::data::*;
use super::CaseResult;
use crate::schema::SchemaSet;
use crate::store::{GroupStore, Member, MemberChange, Pushdown, Resource, StoreError, UserStore};
use crate::tenant::TenantId;

type Users = Arc<dyn UserStore>;
type Groups = Arc<dyn GroupStore>;

fn group_schemas() -> Arc<SchemaSet> {
    Arc::new(SchemaSet::group())
}

fn group(name: &str, members: &[&str]) -> Map<String, Value> {
    let mut g = obj(json!({ "displayName": name }));
    if !members.is_empty() {
        let ms: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        g.insert("members".into(), Value::Array(ms));
    }
    g
}

async fn make_users(users: &dyn UserStore, t: &TenantId, n: usize) -> CaseResult {
    for i in 0..n {
        users
            .create(
                t,
                new_res(user_id(i), simple_user(&format!("member{i}@example.com"))),
            )
            .await
            .map_err(|e| format!("creating member user {i}: {e}"))?;
    }
    Ok(())
}

fn member_ids(r: &Resource) -> Vec<String> {
    r.attributes
        .get("members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn members_of(
    groups: &dyn GroupStore,
    t: &TenantId,
    id: &str,
) -> Result<Vec<String>, String> {
    let g = groups
        .get(t, id, true)
        .await
        .map_err(|e| format!("get group {id}: {e}"))?;
    let g = g.ok_or_else(|| format!("group {id} is missing"))?;
    Ok(member_ids(&g))
}

async fn version_of(groups: &dyn GroupStore, t: &TenantId, id: &str) -> Result<u64, String> {
    let g = groups
        .get(t, id, false)
        .await
        .map_err(|e| format!("get group {id}: {e}"))?;
    g.map(|g| g.version)
        .ok_or_else(|| format!("group {id} is missing"))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

pub(super) async fn crud(users: Users, groups: Groups) -> CaseResult {
    let t = tenant("group-crud", "a");
    make_users(users.as_ref(), &t, 2).await?;
    let created = groups
        .create(&t, new_res("g1", group("Tour Guides", &["id-0000"])))
        .await
        .map_err(|e| format!("create: {e}"))?;
    check!(
        created.version == 1,
        "a new group must have version 1, got {}",
        created.version
    );
    let with = groups
        .get(&t, "g1", true)
        .await
        .map_err(|e| format!("get: {e}"))?;
    let with = with.ok_or("get after create returned None")?;
    check!(
        member_ids(&with) == vec!["id-0000".to_string()],
        "members after create: {:?}",
        member_ids(&with)
    );
    check!(
        with.str_attr("displayName") == Some("Tour Guides"),
        "displayName after create: {:?}",
        with.attributes
    );
    let without = groups
        .get(&t, "g1", false)
        .await
        .map_err(|e| format!("get: {e}"))?;
    let without = without.ok_or("get after create returned None")?;
    check!(
        !without.attributes.contains_key("members"),
        "get without members returned members"
    );
    let schemas = group_schemas();
    for include_members in [true, false] {
        let mut q = query(&schemas);
        q.include_members = include_members;
        let page = list_groups(groups.as_ref(), &t, &q).await?;
        let listed = page
            .resources
            .iter()
            .find(|r| r.id == "g1")
            .ok_or_else(|| format!("list (include_members = {include_members}) lacks g1"))?;
        let single = if include_members { &with } else { &without };
        check!(
            listed == single,
            "list with include_members = {include_members} must return each group as \
             get(.., {include_members}) does: {}",
            resource_diff(single, listed)
        );
    }
    let updated = groups
        .update(&t, "g1", Some(group("Guides", &[])), Vec::new(), None)
        .await
        .map_err(|e| format!("update attributes: {e}"))?;
    check!(
        updated.version > created.version,
        "update must bump the version"
    );
    check!(
        updated.created == created.created,
        "update must not change created"
    );
    check!(
        updated.str_attr("displayName") == Some("Guides"),
        "update must replace attributes: {:?}",
        updated.attributes
    );
    check!(
        !updated.attributes.contains_key("members"),
        "update must return the group without members"
    );
    let ms = members_of(groups.as_ref(), &t, "g1").await?;
    check!(
        ms == vec!["id-0000".to_string()],
        "replacing attributes must keep members, got {ms:?}"
    );
    let r = groups.update(&t, "nope", None, Vec::new(), None).await;
    check!(
        matches!(r, Err(StoreError::NotFound)),
        "update of an unknown group must be NotFound, got {r:?}"
    );
    groups
        .delete(&t, "g1", None)
        .await
        .map_err(|e| format!("delete: {e}"))?;
    let got = groups
        .get(&t, "g1", true)
        .await
        .map_err(|e| format!("get: {e}"))?;
    check!(got.is_none(), "get after delete must be None");
    let r = groups.delete(&t, "g1", None).await;
    check!(
        matches!(r, Err(StoreError::NotFound)),
        "second delete must be NotFound, got {r:?}"
    );
    Ok(())
}

pub(super) async fn tenant_isolation(users: Users, groups: Groups) -> CaseResult {
    let (a, b) = (
        tenant("group-isolation", "a"),
        tenant("group-isolation", "b"),
    );
    let schemas = group_schemas();
    make_users(users.as_ref(), &a, 1).await?;
    let g = groups
        .create(&a, new_res("g1", group("Admins", &["id-0000"])))
        .await
        .map_err(|e| format!("create in A: {e}"))?;
    let ms = members_of(groups.as_ref(), &a, "g1").await?;
    check!(
        ms == vec!["id-0000".to_string()],
        "create in A must store the initial member id-0000, got {ms:?}"
    );
    let got = groups
        .get(&b, "g1", true)
        .await
        .map_err(|e| format!("get from B: {e}"))?;
    check!(got.is_none(), "tenant B can read tenant A's group");
    let page = list_groups(groups.as_ref(), &b, &query(&schemas)).await?;
    check!(
        page.resources.is_empty() && page.total_results == 0,
        "tenant B lists/counts tenant A's groups"
    );
    let r = groups
        .update(
            &b,
            "g1",
            None,
            vec![MemberChange::Remove(vec!["id-0000".into()])],
            None,
        )
        .await;
    check!(
        matches!(r, Err(StoreError::NotFound)),
        "tenant B updating tenant A's group must be NotFound, got {r:?}"
    );
    let r = groups.delete(&b, "g1", None).await;
    check!(
        matches!(r, Err(StoreError::NotFound)),
        "tenant B deleting tenant A's group must be NotFound, got {r:?}"
    );
    let of = groups
        .groups_of(&b, "id-0000")
        .await
        .map_err(|e| format!("groups_of in B: {e}"))?;
    check!(
        of.is_empty(),
        "groups_of in tenant B returns tenant A's groups: {of:?}"
    );
    groups
        .remove_member_everywhere(&b, "id-0000")
        .await
        .map_err(|e| format!("remove_member_everywhere in B: {e}"))?;
    let still = groups
        .get(&a, "g1", false)
        .await
        .map_err(|e| format!("get in A: {e}"))?;
    check!(
        still.as_ref().map(|r| r.version) == Some(g.version),
        "tenant A's group changed through tenant B"
    );
    let ms = members_of(groups.as_ref(), &a, "g1").await?;
    check!(
        ms == vec!["id-0000".to_string()],
        "remove_member_everywhere in tenant B removed tenant A's member: {ms:?}"
    );
    Ok(())
}

pub(super) async fn member_deltas(users: Users, groups: Groups) -> CaseResult {
    let t = tenant("member-deltas", "a");
    make_users(users.as_ref(), &t, 5).await?;
    let g = groups
        .create(&t, new_res("g1", group("G", &["id-0000", "id-0001"])))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let add = |ids: &[&str]| MemberChange::Add(ids.iter().map(|i| Member::new(*i)).collect());
    let u = groups
        .update(
            &t,
            "g1",
            None,
            vec![
                add(&["id-0001", "id-0002"]),
                MemberChange::Remove(vec!["id-0000".into(), "id-0004".into()]),
            ],
            Some(g.version),
        )
        .await
        .map_err(|e| format!("add + remove: {e}"))?;
    check!(
        u.version > g.version,
        "a membership change must bump the version"
    );
    let ms = sorted(members_of(groups.as_ref(), &t, "g1").await?);
    check!(ms == ["id-0001", "id-0002"], "after Add [1, 2] (1 already present) and Remove [0, 4 (absent)]: members {ms:?}, expected [id-0001, id-0002]");
    groups
        .update(
            &t,
            "g1",
            None,
            vec![MemberChange::ReplaceAll(vec![
                Member::new("id-0003"),
                Member::new("id-0004"),
            ])],
            None,
        )
        .await
        .map_err(|e| format!("replace all: {e}"))?;
    let ms = sorted(members_of(groups.as_ref(), &t, "g1").await?);
    check!(
        ms == ["id-0003", "id-0004"],
        "after ReplaceAll [3, 4]: members {ms:?}"
    );
    groups
        .update(
            &t,
            "g1",
            None,
            vec![
                MemberChange::Remove(vec!["id-0003".into()]),
                add(&["id-0003"]),
            ],
            None,
        )
        .await
        .map_err(|e| format!("remove then add: {e}"))?;
    let ms = sorted(members_of(groups.as_ref(), &t, "g1").await?);
    check!(
        ms == ["id-0003", "id-0004"],
        "changes must apply in order (Remove 3 then Add 3): members {ms:?}"
    );
    groups
        .update(
            &t,
            "g1",
            None,
            vec![MemberChange::ReplaceAll(Vec::new())],
            None,
        )
        .await
        .map_err(|e| format!("replace all with none: {e}"))?;
    let ms = members_of(groups.as_ref(), &t, "g1").await?;
    check!(ms.is_empty(), "after ReplaceAll []: members {ms:?}");

    // The service sets each member's `type` and derives `$ref` from it; `display` is
    // the client's.
    let typed = |value: &str, kind: &str| Member {
        value: value.to_string(),
        display: Some(format!("{kind} {value}")),
        kind: Some(kind.to_string()),
    };
    groups
        .create(
            &t,
            new_res(
                "g2",
                obj(
                    json!({"displayName": "Nested", "members": [{"value": "g1", "type": "Group"}]}),
                ),
            ),
        )
        .await
        .map_err(|e| format!("create with a typed member: {e}"))?;
    groups
        .update(
            &t,
            "g2",
            None,
            vec![MemberChange::Add(vec![typed("id-0000", "User")])],
            None,
        )
        .await
        .map_err(|e| format!("add a typed member: {e}"))?;
    let g2 = groups
        .get(&t, "g2", true)
        .await
        .map_err(|e| format!("get g2: {e}"))?
        .ok_or("group g2 is missing")?;
    type Written = (String, Option<String>, Option<String>);
    let mut kinds: Vec<Written> = g2
        .attributes
        .get("members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| {
                    let field = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
                    (
                        field("value").unwrap_or_default(),
                        field("type"),
                        field("display"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    kinds.sort();
    check!(
        kinds
            == [
                ("g1".to_string(), Some("Group".to_string()), None),
                (
                    "id-0000".to_string(),
                    Some("User".to_string()),
                    Some("User id-0000".to_string())
                )
            ],
        "members must keep the `type` and `display` they were written with (the service \
         builds `$ref` from `type`: a nested group without it points at /Users/<id>), got \
         (value, type, display) {kinds:?}"
    );
    Ok(())
}

pub(super) async fn members_concurrent(users: Users, groups: Groups) -> CaseResult {
    let t = tenant("members-concurrent", "a");
    make_users(users.as_ref(), &t, 100).await?;
    let g = groups
        .create(&t, new_res("g1", group("Everyone", &[])))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (groups, t) = (Arc::clone(&groups), t.clone());
        tasks.push(tokio::spawn(async move {
            groups
                .update(
                    &t,
                    "g1",
                    None,
                    vec![MemberChange::Add(vec![Member::new(user_id(i))])],
                    None,
                )
                .await
        }));
    }
    for task in tasks {
        task.await
            .map_err(|e| format!("an add task panicked: {e}"))?
            .map_err(|e| format!("concurrent add failed: {e}"))?;
    }
    let ms = members_of(groups.as_ref(), &t, "g1").await?;
    check!(
        ms.len() == 100,
        "100 concurrent adds of different members left {} members",
        ms.len()
    );
    let now = groups
        .get(&t, "g1", false)
        .await
        .map_err(|e| format!("get: {e}"))?
        .ok_or("group missing")?;
    check!(
        now.version >= g.version + 100,
        "100 writes must bump the version 100 times ({} -> {})",
        g.version,
        now.version
    );
    Ok(())
}

pub(super) async fn versions(users: Users, groups: Groups) -> CaseResult {
    let t = tenant("group-versions", "a");
    make_users(users.as_ref(), &t, 1).await?;
    let g = groups
        .create(&t, new_res("g1", group("V", &[])))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let add = vec![MemberChange::Add(vec![Member::new("id-0000")])];
    let g2 = groups
        .update(&t, "g1", None, add.clone(), Some(g.version))
        .await
        .map_err(|e| format!("update with the current version: {e}"))?;
    let r = groups
        .update(
            &t,
            "g1",
            None,
            vec![MemberChange::ReplaceAll(Vec::new())],
            Some(g.version),
        )
        .await;
    check!(
        matches!(r, Err(StoreError::VersionMismatch)),
        "update with a stale version must be VersionMismatch, got {r:?}"
    );
    let ms = members_of(groups.as_ref(), &t, "g1").await?;
    check!(
        ms == vec!["id-0000".to_string()],
        "a rejected update changed the members: {ms:?}"
    );
    let r = groups.delete(&t, "g1", Some(g.version)).await;
    check!(
        matches!(r, Err(StoreError::VersionMismatch)),
        "delete with a stale version must be VersionMismatch, got {r:?}"
    );
    groups
        .delete(&t, "g1", Some(g2.version))
        .await
        .map_err(|e| format!("delete with the current version: {e}"))?;
    Ok(())
}

pub(super) async fn delete_cascades(users: Users, groups: Groups) -> CaseResult {
    let t = tenant("cascades", "a");
    make_users(users.as_ref(), &t, 2).await?;
    groups
        .create(&t, new_res("g1", group("One", &["id-0000", "id-0001"])))
        .await
        .map_err(|e| format!("create: {e}"))?;
    groups
        .create(&t, new_res("g2", group("Two", &["id-0000"])))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let of = groups
        .groups_of(&t, "id-0000")
        .await
        .map_err(|e| format!("groups_of: {e}"))?;
    let mut of_ids: Vec<String> = of.iter().map(|g| g.id.clone()).collect();
    of_ids.sort();
    check!(
        of_ids == ["g1", "g2"],
        "groups_of(id-0000) must list g1 and g2 (created with it as a member), got {of:?}"
    );
    check!(
        of.iter().any(|g| g.display.as_deref() == Some("One")),
        "groups_of must carry displayName: {of:?}"
    );
    let before = [
        version_of(groups.as_ref(), &t, "g1").await?,
        version_of(groups.as_ref(), &t, "g2").await?,
    ];
    users
        .delete(&t, "id-0000", None)
        .await
        .map_err(|e| format!("delete user: {e}"))?;
    groups
        .remove_member_everywhere(&t, "id-0000")
        .await
        .map_err(|e| format!("remove_member_everywhere: {e}"))?;
    let of = groups
        .groups_of(&t, "id-0000")
        .await
        .map_err(|e| format!("groups_of: {e}"))?;
    check!(
        of.is_empty(),
        "groups_of after remove_member_everywhere: {of:?}"
    );
    for (id, before) in ["g1", "g2"].into_iter().zip(before) {
        let after = version_of(groups.as_ref(), &t, id).await?;
        check!(
            after > before,
            "remove_member_everywhere changed the members of {id}, so it must bump the \
             version of {id} like any other write ({before} -> {after}); otherwise its ETag \
             goes stale"
        );
    }
    let ms = members_of(groups.as_ref(), &t, "g1").await?;
    check!(
        ms == vec!["id-0001".to_string()],
        "g1 members after removing id-0000 everywhere: {ms:?}"
    );
    let ms = members_of(groups.as_ref(), &t, "g2").await?;
    check!(
        ms.is_empty(),
        "g2 members after removing id-0000 everywhere: {ms:?}"
    );
    groups
        .delete(&t, "g1", None)
        .await
        .map_err(|e| format!("delete group: {e}"))?;
    let of = groups
        .groups_of(&t, "id-0001")
        .await
        .map_err(|e| format!("groups_of: {e}"))?;
    check!(of.is_empty(), "groups_of after deleting the group: {of:?}");
    Ok(())
}

pub(super) async fn display_name_uniqueness(users: Users, groups: Groups) -> CaseResult {
    let _ = users;
    let t = tenant("display-unique", "a");
    groups
        .create(&t, new_res("g1", group("Sales", &[])))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let r = groups.create(&t, new_res("g2", group("SALES", &[]))).await;
    if groups.unique_display_name() {
        check!(
            matches!(&r, Err(StoreError::Uniqueness { attribute }) if attribute == "displayName"),
            "unique_display_name() is true but a case variant of a displayName was created: {r:?}"
        );
        groups
            .create(&t, new_res("g3", group("Marketing", &[])))
            .await
            .map_err(|e| format!("create: {e}"))?;
        let r = groups
            .update(&t, "g3", Some(group("sales", &[])), Vec::new(), None)
            .await;
        check!(
            matches!(&r, Err(StoreError::Uniqueness { .. })),
            "renaming a group to a taken displayName must be Uniqueness, got {r:?}"
        );
    } else {
        check!(
            r.is_ok(),
            "unique_display_name() is false but a duplicate displayName was rejected: {r:?}"
        );
    }
    Ok(())
}

async fn seed_groups(
    users: &dyn UserStore,
    groups: &dyn GroupStore,
    t: &TenantId,
) -> Result<usize, String> {
    make_users(users, t, 8).await?;
    let n = 14;
    for i in 0..n {
        let members: Vec<String> = (0..8)
            .filter(|m| (i + m) % 3 == 0 || i % 5 == 4 && *m < 2)
            .map(user_id)
            .collect();
        let refs: Vec<&str> = members.iter().map(String::as_str).collect();
        let mut g = group(&format!("Group {i}"), &refs);
        if i % 2 == 1 {
            g.insert("externalId".into(), json!(format!("g-ext-{}", i % 3)));
        }
        groups
            .create(t, new_res(group_id(i), g))
            .await
            .map_err(|e| format!("creating group {i}: {e}"))?;
    }
    Ok(n)
}

pub(super) async fn filters(users: Users, groups: Groups) -> CaseResult {
    let t = tenant("group-filters", "a");
    let schemas = group_schemas();
    let n = seed_groups(users.as_ref(), groups.as_ref(), &t).await?;
    let all = list_groups(groups.as_ref(), &t, &query(&schemas)).await?;
    check!(
        all.total_results == n,
        "unfiltered group list: total {} expected {n}",
        all.total_results
    );
    for text in GROUP_FILTERS {
        let f = parse(text)?;
        let pushdown = groups.filter_pushdown(&f);
        if pushdown == Pushdown::None {
            continue;
        }
        let got = list_groups(groups.as_ref(), &t, &with_filter(&schemas, f.clone())).await?;
        compare_filtered(text, &f, &schemas, pushdown, &all.resources, &got)?;
    }
    Ok(())
}

pub(super) async fn paging(users: Users, groups: Groups) -> CaseResult {
    if !groups.capabilities().paging {
        return Ok(());
    }
    let t = tenant("group-paging", "a");
    let schemas = group_schemas();
    let n = seed_groups(users.as_ref(), groups.as_ref(), &t).await?;
    let all = ids(&list_groups(groups.as_ref(), &t, &query(&schemas))
        .await?
        .resources);
    for (offset, count) in [(0, 5), (10, 5), (n, 5), (n + 10, 1), (0, 0)] {
        let mut q = with_page(query(&schemas), offset, count);
        q.include_members = false;
        let page = list_groups(groups.as_ref(), &t, &q).await?;
        check!(
            page.total_results == n,
            "group page offset {offset} count {count}: total {}",
            page.total_results
        );
        let expected: Vec<String> = all.iter().skip(offset).take(count).cloned().collect();
        check!(
            ids(&page.resources) == expected,
            "group page offset {offset} count {count}: got {:?}, expected {expected:?}",
            ids(&page.resources)
        );
        check!(
            page.resources
                .iter()
                .all(|r| !r.attributes.contains_key("members")),
            "list without include_members returned members"
        );
    }
    Ok(())
}
