//! User-store cases.

use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::json;

use super::data::*;
use super::CaseResult;
use crate::list::Sorter;
use crate::path::AttrPath;
use crate::schema::SchemaSet;
use crate::store::{Pushdown, SortKey, SortOrder, StoreError, UserStore};
use crate::tenant::TenantId;

fn user_schemas() -> Arc<SchemaSet> {
    Arc::new(SchemaSet::user())
}

async fn seed(store: &dyn UserStore, t: &TenantId, n: usize) -> CaseResult {
    for i in 0..n {
        store
            .create(t, new_res(user_id(i), sample_user(i)))
            .await
            .map_err(|e| format!("creating generated user {i}: {e}"))?;
    }
    Ok(())
}

pub(super) async fn crud(store: Arc<dyn UserStore>) -> CaseResult {
    let t = tenant("crud", "a");
    let attrs = sample_user(1);
    let created = store
        .create(&t, new_res("u-1", attrs.clone()))
        .await
        .map_err(|e| format!("create: {e}"))?;
    check!(created.id == "u-1", "create returned id {:?}", created.id);
    check!(
        created.version == 1,
        "a new resource must have version 1, got {}",
        created.version
    );
    check!(
        created.attributes == attrs,
        "create must return the attributes as given: {}; {KEEP_ATTRIBUTES_HINT}",
        attr_diff(&attrs, &created.attributes)
    );
    let got = store
        .get(&t, "u-1")
        .await
        .map_err(|e| format!("get: {e}"))?;
    let got = got.ok_or("get after create returned None")?;
    check!(
        got == created,
        "get after create must return what create returned: {}",
        resource_diff(&created, &got)
    );
    let missing = store
        .get(&t, "nope")
        .await
        .map_err(|e| format!("get unknown: {e}"))?;
    check!(
        missing.is_none(),
        "get of an unknown id must be None, got {missing:?}"
    );

    let new_attrs = simple_user("renamed@example.com");
    let replaced = store
        .replace(&t, "u-1", new_attrs.clone(), None)
        .await
        .map_err(|e| format!("replace: {e}"))?;
    check!(
        replaced.version > created.version,
        "replace must bump the version ({} -> {})",
        created.version,
        replaced.version
    );
    check!(
        replaced.created == created.created,
        "replace must not change created"
    );
    check!(
        replaced.last_modified >= created.last_modified,
        "replace must move last_modified forward"
    );
    check!(
        replaced.attributes == new_attrs,
        "replace must store exactly the new attributes (nothing kept from before): {}; \
         {KEEP_ATTRIBUTES_HINT}",
        attr_diff(&new_attrs, &replaced.attributes)
    );
    let got = store
        .get(&t, "u-1")
        .await
        .map_err(|e| format!("get: {e}"))?;
    let got = got.ok_or("get after replace returned None")?;
    check!(
        got == replaced,
        "get after replace must return what replace returned: {}",
        resource_diff(&replaced, &got)
    );

    let r = store.replace(&t, "nope", simple_user("x"), None).await;
    check!(
        matches!(r, Err(StoreError::NotFound)),
        "replace of an unknown id must be NotFound, got {r:?}"
    );
    store
        .delete(&t, "u-1", None)
        .await
        .map_err(|e| format!("delete: {e}"))?;
    let got = store
        .get(&t, "u-1")
        .await
        .map_err(|e| format!("get: {e}"))?;
    check!(got.is_none(), "get after delete must be None, got {got:?}");
    let r = store.delete(&t, "u-1", None).await;
    check!(
        matches!(r, Err(StoreError::NotFound)),
        "second delete must be NotFound, got {r:?}"
    );
    let page = list_users(store.as_ref(), &t, &query(&user_schemas())).await?;
    check!(
        page.resources.is_empty() && page.total_results == 0,
        "list after delete must be empty, got {} / total {}",
        page.resources.len(),
        page.total_results
    );
    Ok(())
}

pub(super) async fn tenant_isolation(store: Arc<dyn UserStore>) -> CaseResult {
    let (a, b) = (tenant("isolation", "a"), tenant("isolation", "b"));
    let schemas = user_schemas();
    let u = store
        .create(&a, new_res("shared-id", simple_user("alice@example.com")))
        .await
        .map_err(|e| format!("create in A: {e}"))?;
    let got = store
        .get(&b, "shared-id")
        .await
        .map_err(|e| format!("get from B: {e}"))?;
    check!(got.is_none(), "tenant B can read tenant A's user: {got:?}");
    let page = list_users(store.as_ref(), &b, &query(&schemas)).await?;
    check!(
        page.resources.is_empty() && page.total_results == 0,
        "tenant B lists/counts tenant A's users: {} / total {}",
        page.resources.len(),
        page.total_results
    );
    let f = parse(r#"userName eq "alice@example.com""#)?;
    if store.filter_pushdown(&f) != Pushdown::None {
        let page = list_users(store.as_ref(), &b, &with_filter(&schemas, f)).await?;
        check!(
            page.resources.is_empty() && page.total_results == 0,
            "tenant B finds tenant A's user by filter"
        );
    }
    let r = store
        .replace(&b, "shared-id", simple_user("mallory@example.com"), None)
        .await;
    check!(
        matches!(r, Err(StoreError::NotFound)),
        "tenant B replacing tenant A's user must be NotFound, got {r:?}"
    );
    let r = store.delete(&b, "shared-id", None).await;
    check!(
        matches!(r, Err(StoreError::NotFound)),
        "tenant B deleting tenant A's user must be NotFound, got {r:?}"
    );
    let other = store
        .create(&b, new_res("b-id", simple_user("ALICE@example.com")))
        .await;
    check!(
        other.is_ok(),
        "userName uniqueness must be per tenant: B could not create A's userName: {other:?}"
    );
    let still = store
        .get(&a, "shared-id")
        .await
        .map_err(|e| format!("get in A: {e}"))?;
    check!(
        still.as_ref() == Some(&u),
        "tenant A's user changed through tenant B: {still:?}"
    );
    let page = list_users(store.as_ref(), &a, &query(&schemas)).await?;
    check!(
        ids(&page.resources) == vec!["shared-id".to_string()] && page.total_results == 1,
        "tenant A sees {:?} (total {})",
        ids(&page.resources),
        page.total_results
    );
    Ok(())
}

fn is_uniqueness(r: &Result<impl std::fmt::Debug, StoreError>) -> bool {
    matches!(r, Err(StoreError::Uniqueness { attribute }) if attribute == "userName")
}

pub(super) async fn uniqueness(store: Arc<dyn UserStore>) -> CaseResult {
    let t = tenant("uniqueness", "a");
    store
        .create(&t, new_res("u1", simple_user("Alice@example.com")))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let r = store
        .create(&t, new_res("u2", simple_user("aLICE@EXAMPLE.COM")))
        .await;
    check!(
        is_uniqueness(&r),
        "creating a userName differing only in case must be Uniqueness {{ userName }}, got {r:?}"
    );
    store
        .create(&t, new_res("u3", simple_user("bob@example.com")))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let r = store
        .replace(&t, "u3", simple_user("ALICE@example.com"), None)
        .await;
    check!(
        is_uniqueness(&r),
        "replacing to another user's userName must be Uniqueness, got {r:?}"
    );
    let r = store
        .replace(&t, "u1", simple_user("ALICE@example.com"), None)
        .await;
    check!(
        r.is_ok(),
        "a user may change the case of its own userName, got {r:?}"
    );
    store
        .delete(&t, "u1", None)
        .await
        .map_err(|e| format!("delete: {e}"))?;
    let r = store
        .create(&t, new_res("u4", simple_user("alice@example.com")))
        .await;
    check!(
        r.is_ok(),
        "a deleted user's userName must be free again, got {r:?}"
    );
    Ok(())
}

pub(super) async fn uniqueness_concurrent(store: Arc<dyn UserStore>) -> CaseResult {
    let t = tenant("uniqueness-concurrent", "a");
    let mut tasks = Vec::new();
    for i in 0..40usize {
        let (store, t) = (Arc::clone(&store), t.clone());
        let name: String = "race.user@example.com"
            .chars()
            .enumerate()
            .map(|(k, c)| {
                if (i >> (k % 6)) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            store
                .create(&t, new_res(format!("race-{i}"), simple_user(&name)))
                .await
        }));
    }
    let (mut ok, mut unique, mut other) = (0, 0, Vec::new());
    for task in tasks {
        let r = task
            .await
            .map_err(|e| format!("a create task panicked: {e}"))?;
        if r.is_ok() {
            ok += 1;
        } else if is_uniqueness(&r) {
            unique += 1;
        } else {
            other.push(format!("{r:?}"));
        }
    }
    check!(ok == 1 && unique == 39, "40 concurrent creates of one userName (varying case): {ok} succeeded, {unique} Uniqueness, other: {other:?}; expected exactly 1 and 39 (the check and the insert must be one atomic step, e.g. a unique index on (tenant, lower(userName)), not a look-up followed by an insert)");
    let page = list_users(store.as_ref(), &t, &query(&user_schemas())).await?;
    check!(
        page.total_results == 1,
        "after the race the tenant holds {} users",
        page.total_results
    );
    Ok(())
}

pub(super) async fn versions(store: Arc<dyn UserStore>) -> CaseResult {
    let t = tenant("versions", "a");
    let v1 = store
        .create(&t, new_res("u1", simple_user("v@example.com")))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let v2 = store
        .replace(&t, "u1", simple_user("v2@example.com"), Some(v1.version))
        .await
        .map_err(|e| format!("replace with the current version: {e}"))?;
    check!(
        v2.version > v1.version,
        "version must increase on replace ({} -> {})",
        v1.version,
        v2.version
    );
    let r = store
        .replace(&t, "u1", simple_user("v3@example.com"), Some(v1.version))
        .await;
    check!(
        matches!(r, Err(StoreError::VersionMismatch)),
        "replace with a stale version must be VersionMismatch, got {r:?}"
    );
    let r = store.delete(&t, "u1", Some(v1.version)).await;
    check!(
        matches!(r, Err(StoreError::VersionMismatch)),
        "delete with a stale version must be VersionMismatch, got {r:?}"
    );
    let now = store.get(&t, "u1").await.map_err(|e| format!("get: {e}"))?;
    check!(
        now.as_ref() == Some(&v2),
        "a rejected write changed the user: {now:?}"
    );
    store
        .delete(&t, "u1", Some(v2.version))
        .await
        .map_err(|e| format!("delete with the current version: {e}"))?;
    Ok(())
}

pub(super) async fn versions_concurrent(store: Arc<dyn UserStore>) -> CaseResult {
    let t = tenant("versions-concurrent", "a");
    let v1 = store
        .create(&t, new_res("u1", simple_user("c@example.com")))
        .await
        .map_err(|e| format!("create: {e}"))?;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (store, t) = (Arc::clone(&store), t.clone());
        let attrs = obj(json!({"userName": "c@example.com", "title": format!("t{i}")}));
        tasks.push(tokio::spawn(async move {
            store.replace(&t, "u1", attrs, Some(v1.version)).await
        }));
    }
    let (mut ok, mut stale) = (0, 0);
    for task in tasks {
        match task
            .await
            .map_err(|e| format!("a replace task panicked: {e}"))?
        {
            Ok(_) => ok += 1,
            Err(StoreError::VersionMismatch) => stale += 1,
            Err(e) => return Err(format!("concurrent replace failed: {e}")),
        }
    }
    check!(ok == 1 && stale == 19, "20 concurrent replaces expecting the same version: {ok} succeeded, {stale} VersionMismatch; expected 1 and 19 (compare the version in the write itself, e.g. UPDATE ... WHERE version = expected, not in a read before it)");
    Ok(())
}

pub(super) async fn filters(store: Arc<dyn UserStore>) -> CaseResult {
    let t = tenant("filters", "a");
    let schemas = user_schemas();
    seed(store.as_ref(), &t, SAMPLE_USERS).await?;
    let all = list_users(store.as_ref(), &t, &query(&schemas)).await?;
    check!(
        all.resources.len() == SAMPLE_USERS && all.total_results == SAMPLE_USERS,
        "unfiltered list returned {} (total {}), expected {SAMPLE_USERS}",
        all.resources.len(),
        all.total_results
    );
    for r in &all.resources {
        let got = store
            .get(&t, &r.id)
            .await
            .map_err(|e| format!("get {}: {e}", r.id))?;
        let got = got.ok_or_else(|| format!("{} is listed but get returns None", r.id))?;
        check!(
            &got == r,
            "list must return each user exactly as get does (the library filters, sorts \
             and renders list results itself); {}: {}",
            r.id,
            resource_diff(&got, r)
        );
        let i = (0..SAMPLE_USERS)
            .find(|i| user_id(*i) == r.id)
            .ok_or_else(|| format!("the list holds {}, an id no user was created with", r.id))?;
        let seeded = sample_user(i);
        check!(
            r.attributes == seeded,
            "generated user {} came back changed: {}; {KEEP_ATTRIBUTES_HINT}",
            r.id,
            attr_diff(&seeded, &r.attributes)
        );
    }
    let expected_order: Vec<String> = (0..SAMPLE_USERS).map(user_id).collect();
    check!(
        ids(&all.resources) == expected_order,
        "an unsorted list must be in creation order, got {:?}",
        ids(&all.resources)
    );
    for text in USER_FILTERS {
        let f = parse(text)?;
        let pushdown = store.filter_pushdown(&f);
        if pushdown == Pushdown::None {
            continue;
        }
        let got = list_users(store.as_ref(), &t, &with_filter(&schemas, f.clone())).await?;
        compare_filtered(text, &f, &schemas, pushdown, &all.resources, &got)?;
    }
    Ok(())
}

pub(super) async fn paging(store: Arc<dyn UserStore>) -> CaseResult {
    if !store.capabilities().paging {
        return Ok(());
    }
    let t = tenant("paging", "a");
    let schemas = user_schemas();
    seed(store.as_ref(), &t, 25).await?;
    let all = ids(&list_users(store.as_ref(), &t, &query(&schemas))
        .await?
        .resources);
    for (offset, count, want) in [
        (0, 10, 10),
        (20, 10, 5),
        (25, 10, 0),
        (40, 10, 0),
        (0, 0, 0),
        (3, 1, 1),
        (0, 1000, 25),
    ] {
        let page = list_users(
            store.as_ref(),
            &t,
            &with_page(query(&schemas), offset, count),
        )
        .await?;
        check!(
            page.total_results == 25,
            "page offset {offset} count {count}: total_results {} (expected 25)",
            page.total_results
        );
        let got = ids(&page.resources);
        let expected: Vec<String> = all.iter().skip(offset).take(count).cloned().collect();
        check!(
            got.len() == want && got == expected,
            "page offset {offset} count {count}: got {got:?}, expected {expected:?}"
        );
    }
    let f = parse(r#"title pr"#)?;
    if store.filter_pushdown(&f) == Pushdown::Exact {
        let full = list_users(store.as_ref(), &t, &with_filter(&schemas, f.clone())).await?;
        let mut joined = Vec::new();
        for offset in (0..full.total_results + 3).step_by(3) {
            let page = list_users(
                store.as_ref(),
                &t,
                &with_page(with_filter(&schemas, f.clone()), offset, 3),
            )
            .await?;
            check!(
                page.total_results == full.total_results,
                "filtered page at {offset}: total {} vs {}",
                page.total_results,
                full.total_results
            );
            joined.extend(ids(&page.resources));
        }
        check!(
            joined == ids(&full.resources),
            "filtered pages of 3 do not add up to the full result: {joined:?}"
        );
    }
    Ok(())
}

pub(super) async fn sort(store: Arc<dyn UserStore>) -> CaseResult {
    if !store.capabilities().sort {
        return Ok(());
    }
    let t = tenant("sort", "a");
    let schemas = user_schemas();
    seed(store.as_ref(), &t, SAMPLE_USERS).await?;
    let mut all = ids(&list_users(store.as_ref(), &t, &query(&schemas))
        .await?
        .resources);
    all.sort();
    let paths = [
        "userName",
        "title",
        "displayName",
        "name.givenName",
        "emails",
        "emails.value",
        "active",
        "meta.created",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    ];
    for path in paths {
        let attr: AttrPath = path
            .parse()
            .map_err(|e| format!("testkit bug: path {path}: {e}"))?;
        for order in [SortOrder::Ascending, SortOrder::Descending] {
            let key = SortKey {
                path: attr.clone(),
                order,
            };
            let page =
                list_users(store.as_ref(), &t, &with_sort(query(&schemas), key.clone())).await?;
            let mut got = ids(&page.resources);
            got.sort();
            check!(
                got == all,
                "sort by {path} {order:?} must return every user once"
            );
            let sorter = Sorter::new(&key, &schemas);
            for pair in page.resources.windows(2) {
                if let [a, b] = pair {
                    check!(
                        sorter.compare(a, b) != Ordering::Greater,
                        "sort by {path} {order:?}: {} comes before {} but sorts after it",
                        a.id,
                        b.id
                    );
                }
            }
            if store.capabilities().paging {
                let mut joined = Vec::new();
                for offset in (0..SAMPLE_USERS).step_by(7) {
                    let q = with_page(with_sort(query(&schemas), key.clone()), offset, 7);
                    joined.extend(ids(&list_users(store.as_ref(), &t, &q).await?.resources));
                }
                check!(joined == ids(&page.resources), "sort by {path} {order:?}: pages of 7 differ from the full sorted list (unstable order)");
            }
        }
    }
    Ok(())
}
