//! The conformance suite catches broken stores: each wrapper below breaks one rule, and
//! the case for that rule must fail (while unrelated cases still pass).
#![cfg(feature = "testkit")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use scimitar::store::memory::MemoryStore;
use scimitar::store::{
    Capabilities, GroupRef, GroupStore, MemberChange, NewResource, Pushdown, Resource, StoreError,
    StorePage, StoreQuery, UserStore,
};
use scimitar::testkit::{run_group_case, run_user_case, run_user_store_suite};
use scimitar::{Filter, TenantId};
use serde_json::{Map, Value};

/// Delegates every user method to a `MemoryStore`.
macro_rules! delegate_users {
    ($($skip:ident)*) => {
        fn capabilities(&self) -> Capabilities {
            UserStore::capabilities(&self.inner)
        }
        fn filter_pushdown(&self, f: &Filter) -> Pushdown {
            UserStore::filter_pushdown(&self.inner, f)
        }
    };
}

/// Reads users of every tenant it has seen: `get` ignores the tenant.
#[derive(Default)]
struct IgnoresTenantOnGet {
    inner: MemoryStore,
    seen: Mutex<Vec<TenantId>>,
}

#[async_trait]
impl UserStore for IgnoresTenantOnGet {
    delegate_users!();
    async fn get(&self, _tenant: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        let tenants = self.seen.lock().unwrap().clone();
        for t in tenants {
            if let Some(r) = UserStore::get(&self.inner, &t, id).await? {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }
    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        self.seen.lock().unwrap().push(tenant.clone());
        UserStore::create(&self.inner, tenant, new).await
    }
    async fn replace(
        &self,
        t: &TenantId,
        id: &str,
        a: Map<String, Value>,
        v: Option<u64>,
    ) -> Result<Resource, StoreError> {
        self.inner.replace(t, id, a, v).await
    }
    async fn delete(&self, t: &TenantId, id: &str, v: Option<u64>) -> Result<(), StoreError> {
        UserStore::delete(&self.inner, t, id, v).await
    }
    async fn list(&self, t: &TenantId, q: &StoreQuery) -> Result<StorePage, StoreError> {
        UserStore::list(&self.inner, t, q).await
    }
}

/// Checks `userName` uniqueness, then yields, then inserts: a check-then-insert race.
/// The inner store sees each userName suffixed with the id, so it never objects itself.
#[derive(Default)]
struct RacyUniqueness {
    inner: MemoryStore,
}

impl RacyUniqueness {
    async fn check(
        &self,
        t: &TenantId,
        attrs: &Map<String, Value>,
        id: &str,
    ) -> Result<(), StoreError> {
        let wanted = attrs
            .get("userName")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        let schemas = Arc::new(scimitar::schema::SchemaSet::user());
        let all = UserStore::list(
            &self.inner,
            t,
            &StoreQuery {
                filter: None,
                sort: None,
                page: None,
                include_members: false,
                schemas,
            },
        )
        .await?;
        let taken = all
            .resources
            .into_iter()
            .map(strip)
            .any(|r| r.id != id && r.str_attr("userName").map(str::to_lowercase) == wanted);
        if taken {
            return Err(StoreError::Uniqueness {
                attribute: "userName".into(),
            });
        }
        Ok(())
    }
}

const SEP: &str = "#racy#";

fn strip(mut r: Resource) -> Resource {
    if let Some(Value::String(u)) = r.attributes.get_mut("userName") {
        if let Some(pos) = u.find(SEP) {
            u.truncate(pos);
        }
    }
    r
}

fn suffixed(mut attrs: Map<String, Value>, id: &str) -> Map<String, Value> {
    if let Some(Value::String(u)) = attrs.get_mut("userName") {
        u.push_str(SEP);
        u.push_str(id);
    }
    attrs
}

#[async_trait]
impl UserStore for RacyUniqueness {
    delegate_users!();
    async fn get(&self, t: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        Ok(UserStore::get(&self.inner, t, id).await?.map(strip))
    }
    async fn create(&self, t: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        self.check(t, &new.attributes, &new.id).await?;
        // The window another request slips through.
        tokio::task::yield_now().await;
        std::thread::sleep(Duration::from_millis(2));
        tokio::task::yield_now().await;
        let attrs = suffixed(new.attributes, &new.id);
        Ok(strip(
            UserStore::create(
                &self.inner,
                t,
                NewResource {
                    id: new.id,
                    attributes: attrs,
                },
            )
            .await?,
        ))
    }
    async fn replace(
        &self,
        t: &TenantId,
        id: &str,
        a: Map<String, Value>,
        v: Option<u64>,
    ) -> Result<Resource, StoreError> {
        self.check(t, &a, id).await?;
        Ok(strip(self.inner.replace(t, id, suffixed(a, id), v).await?))
    }
    async fn delete(&self, t: &TenantId, id: &str, v: Option<u64>) -> Result<(), StoreError> {
        UserStore::delete(&self.inner, t, id, v).await
    }
    async fn list(&self, t: &TenantId, q: &StoreQuery) -> Result<StorePage, StoreError> {
        let mut page = UserStore::list(&self.inner, t, q).await?;
        page.resources = page.resources.into_iter().map(strip).collect();
        Ok(page)
    }
}

/// Ignores the expected version on replace.
#[derive(Default)]
struct IgnoresVersion {
    inner: MemoryStore,
}

#[async_trait]
impl UserStore for IgnoresVersion {
    delegate_users!();
    async fn get(&self, t: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        UserStore::get(&self.inner, t, id).await
    }
    async fn create(&self, t: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        UserStore::create(&self.inner, t, new).await
    }
    async fn replace(
        &self,
        t: &TenantId,
        id: &str,
        a: Map<String, Value>,
        _v: Option<u64>,
    ) -> Result<Resource, StoreError> {
        self.inner.replace(t, id, a, None).await
    }
    async fn delete(&self, t: &TenantId, id: &str, v: Option<u64>) -> Result<(), StoreError> {
        UserStore::delete(&self.inner, t, id, v).await
    }
    async fn list(&self, t: &TenantId, q: &StoreQuery) -> Result<StorePage, StoreError> {
        UserStore::list(&self.inner, t, q).await
    }
}

/// Applies member adds as read-modify-write of the whole list: concurrent adds get lost.
#[derive(Default)]
struct LostMemberAdds {
    inner: MemoryStore,
}

#[async_trait]
impl GroupStore for LostMemberAdds {
    fn capabilities(&self) -> Capabilities {
        GroupStore::capabilities(&self.inner)
    }
    fn filter_pushdown(&self, f: &Filter) -> Pushdown {
        GroupStore::filter_pushdown(&self.inner, f)
    }
    async fn get(&self, t: &TenantId, id: &str, m: bool) -> Result<Option<Resource>, StoreError> {
        GroupStore::get(&self.inner, t, id, m).await
    }
    async fn create(&self, t: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        GroupStore::create(&self.inner, t, new).await
    }
    async fn update(
        &self,
        t: &TenantId,
        id: &str,
        a: Option<Map<String, Value>>,
        changes: Vec<MemberChange>,
        v: Option<u64>,
    ) -> Result<Resource, StoreError> {
        let mut members = Vec::new();
        if let Some(g) = GroupStore::get(&self.inner, t, id, true).await? {
            for m in g
                .attributes
                .get("members")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                if let Some(v) = m.get("value").and_then(Value::as_str) {
                    let mut member = scimitar::store::Member::new(v);
                    member.kind = m.get("type").and_then(Value::as_str).map(str::to_owned);
                    members.push(member);
                }
            }
        }
        tokio::task::yield_now().await;
        std::thread::sleep(Duration::from_millis(1));
        for c in changes {
            match c {
                MemberChange::Add(ms) => members.extend(ms),
                MemberChange::Remove(ids) => members.retain(|m| !ids.contains(&m.value)),
                MemberChange::ReplaceAll(ms) => members = ms,
                _ => {}
            }
        }
        GroupStore::update(
            &self.inner,
            t,
            id,
            a,
            vec![MemberChange::ReplaceAll(members)],
            v,
        )
        .await
    }
    async fn delete(&self, t: &TenantId, id: &str, v: Option<u64>) -> Result<(), StoreError> {
        GroupStore::delete(&self.inner, t, id, v).await
    }
    async fn list(&self, t: &TenantId, q: &StoreQuery) -> Result<StorePage, StoreError> {
        GroupStore::list(&self.inner, t, q).await
    }
    async fn groups_of(&self, t: &TenantId, m: &str) -> Result<Vec<GroupRef>, StoreError> {
        self.inner.groups_of(t, m).await
    }
    async fn remove_member_everywhere(&self, t: &TenantId, m: &str) -> Result<(), StoreError> {
        self.inner.remove_member_everywhere(t, m).await
    }
}

fn assert_fails(r: Result<(), String>, case: &str, mentions: &str) {
    let e = r.expect_err("the broken store passed the case");
    assert!(e.contains(case), "message must name the case: {e}");
    assert!(
        e.contains(mentions),
        "message must say what went wrong ({mentions}): {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_a_store_that_ignores_the_tenant_on_get() {
    let r = run_user_case(
        "user_tenant_isolation",
        Arc::new(IgnoresTenantOnGet::default()),
    )
    .await;
    assert_fails(r, "user_tenant_isolation", "tenant B can read");
    assert_eq!(
        run_user_case("user_crud", Arc::new(IgnoresTenantOnGet::default())).await,
        Ok(())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_check_then_insert_uniqueness() {
    let store = Arc::new(RacyUniqueness::default());
    // Sequential uniqueness holds, so only the concurrent case catches it.
    assert_eq!(
        run_user_case("user_uniqueness", Arc::new(RacyUniqueness::default())).await,
        Ok(())
    );
    let r = run_user_case("user_uniqueness_concurrent", store).await;
    assert_fails(r, "user_uniqueness_concurrent", "40 concurrent creates");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_ignored_expected_versions() {
    let r = run_user_case("user_versions", Arc::new(IgnoresVersion::default())).await;
    assert_fails(r, "user_versions", "VersionMismatch");
    let r = run_user_case(
        "user_versions_concurrent",
        Arc::new(IgnoresVersion::default()),
    )
    .await;
    assert_fails(r, "user_versions_concurrent", "20 concurrent replaces");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_lost_concurrent_member_adds() {
    let users = MemoryStore::new();
    let groups = LostMemberAdds {
        inner: users.clone(),
    };
    let r = run_group_case(
        "group_members_concurrent",
        Arc::new(users.clone()),
        Arc::new(groups),
    )
    .await;
    assert_fails(r, "group_members_concurrent", "100 concurrent adds");
    let groups = LostMemberAdds {
        inner: users.clone(),
    };
    assert_eq!(
        run_group_case("group_member_deltas", Arc::new(users), Arc::new(groups)).await,
        Ok(())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_runner_panics_naming_the_failed_cases() {
    let outcome = AssertUnwindSafe(run_user_store_suite(IgnoresTenantOnGet::default))
        .catch_unwind()
        .await;
    let payload = outcome.expect_err("the suite must panic for a broken store");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(msg.contains("user_tenant_isolation"), "{msg}");
    assert!(
        !msg.contains("user_crud"),
        "only failing cases are listed: {msg}"
    );
}

#[test]
fn unknown_case_names_are_errors() {
    let r = futures::executor::block_on(run_user_case("nope", Arc::new(MemoryStore::new())));
    assert!(r.is_err());
}

/// One flaw an adopter's store plausibly has; [`Flawed`] delegates everything else to a
/// `MemoryStore`.
#[derive(Clone, Copy, PartialEq)]
enum Flaw {
    /// Keeps only the attributes it has columns for (here: `userName`).
    DropsUnmappedAttributes,
    /// `UserStore::list` selects fewer columns than `get` (only `userName`).
    PartialList,
    /// `GroupStore::list` never returns `members`, even when asked.
    ListWithoutMembers,
    /// `remove_member_everywhere` changes groups without bumping their versions.
    CascadeKeepsVersions,
    /// Pushes `externalId eq` down exactly but compares case-insensitively.
    CaseInsensitiveExternalId,
    /// Keeps member ids only (no `type` column in its memberships table).
    DropsMemberType,
    /// Returns the timestamps of `create` as computed, but reads back rounded ones (a
    /// column of lower precision than `OffsetDateTime`).
    RoundsStoredTimestamps,
}

struct Flawed {
    inner: MemoryStore,
    flaw: Flaw,
    /// Version bumps hidden from callers, per group id (for `CascadeKeepsVersions`).
    hidden: Mutex<std::collections::HashMap<String, u64>>,
}

impl Flawed {
    fn new(flaw: Flaw) -> Self {
        Flawed {
            inner: MemoryStore::new(),
            flaw,
            hidden: Mutex::default(),
        }
    }

    fn only_user_name(mut r: Resource) -> Resource {
        r.attributes.retain(|k, _| k == "userName");
        r
    }

    fn hidden(&self, id: &str) -> u64 {
        self.hidden.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    fn strip_member_types(&self, mut r: Resource) -> Resource {
        if self.flaw == Flaw::DropsMemberType {
            if let Some(Value::Array(ms)) = r.attributes.get_mut("members") {
                for m in ms.iter_mut().filter_map(Value::as_object_mut) {
                    m.remove("type");
                }
            }
        }
        r
    }

    fn hide(&self, mut r: Resource) -> Resource {
        r.version -= self.hidden(&r.id);
        r
    }

    fn external_id_eq(f: &Filter) -> Option<String> {
        match f {
            Filter::Compare(
                p,
                scimitar::filter::CompareOp::Eq,
                scimitar::filter::CompValue::String(v),
            ) if p.eq_ignore_case(&scimitar::AttrPath::attr("externalId")) => Some(v.clone()),
            _ => None,
        }
    }
}

#[async_trait]
impl UserStore for Flawed {
    fn capabilities(&self) -> Capabilities {
        UserStore::capabilities(&self.inner)
    }
    fn filter_pushdown(&self, f: &Filter) -> Pushdown {
        UserStore::filter_pushdown(&self.inner, f)
    }
    async fn get(&self, t: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        let r = UserStore::get(&self.inner, t, id).await?;
        if self.flaw != Flaw::RoundsStoredTimestamps {
            return Ok(r);
        }
        Ok(r.map(|mut r| {
            r.created = r.created.replace_nanosecond(0).unwrap();
            r.last_modified = r.last_modified.replace_nanosecond(0).unwrap();
            r
        }))
    }
    async fn create(&self, t: &TenantId, mut new: NewResource) -> Result<Resource, StoreError> {
        if self.flaw == Flaw::DropsUnmappedAttributes {
            new.attributes.retain(|k, _| k == "userName");
        }
        UserStore::create(&self.inner, t, new).await
    }
    async fn replace(
        &self,
        t: &TenantId,
        id: &str,
        mut a: Map<String, Value>,
        v: Option<u64>,
    ) -> Result<Resource, StoreError> {
        if self.flaw == Flaw::DropsUnmappedAttributes {
            a.retain(|k, _| k == "userName");
        }
        self.inner.replace(t, id, a, v).await
    }
    async fn delete(&self, t: &TenantId, id: &str, v: Option<u64>) -> Result<(), StoreError> {
        UserStore::delete(&self.inner, t, id, v).await
    }
    async fn list(&self, t: &TenantId, q: &StoreQuery) -> Result<StorePage, StoreError> {
        if self.flaw == Flaw::CaseInsensitiveExternalId {
            if let Some(wanted) = q.filter.as_ref().and_then(Flawed::external_id_eq) {
                let all = StoreQuery {
                    filter: None,
                    ..q.clone()
                };
                let mut page = UserStore::list(&self.inner, t, &all).await?;
                page.resources.retain(|r| {
                    r.str_attr("externalId")
                        .is_some_and(|e| e.eq_ignore_ascii_case(&wanted))
                });
                page.total_results = page.resources.len();
                return Ok(page);
            }
        }
        let mut page = UserStore::list(&self.inner, t, q).await?;
        if self.flaw == Flaw::PartialList {
            page.resources = page
                .resources
                .into_iter()
                .map(Flawed::only_user_name)
                .collect();
        }
        Ok(page)
    }
}

#[async_trait]
impl GroupStore for Flawed {
    fn capabilities(&self) -> Capabilities {
        GroupStore::capabilities(&self.inner)
    }
    fn filter_pushdown(&self, f: &Filter) -> Pushdown {
        GroupStore::filter_pushdown(&self.inner, f)
    }
    async fn get(&self, t: &TenantId, id: &str, m: bool) -> Result<Option<Resource>, StoreError> {
        Ok(GroupStore::get(&self.inner, t, id, m)
            .await?
            .map(|r| self.hide(r))
            .map(|r| self.strip_member_types(r)))
    }
    async fn create(&self, t: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        GroupStore::create(&self.inner, t, new).await
    }
    async fn update(
        &self,
        t: &TenantId,
        id: &str,
        a: Option<Map<String, Value>>,
        changes: Vec<MemberChange>,
        v: Option<u64>,
    ) -> Result<Resource, StoreError> {
        let v = v.map(|v| v + self.hidden(id));
        let r = GroupStore::update(&self.inner, t, id, a, changes, v).await?;
        Ok(self.hide(r))
    }
    async fn delete(&self, t: &TenantId, id: &str, v: Option<u64>) -> Result<(), StoreError> {
        let v = v.map(|v| v + self.hidden(id));
        GroupStore::delete(&self.inner, t, id, v).await
    }
    async fn list(&self, t: &TenantId, q: &StoreQuery) -> Result<StorePage, StoreError> {
        let mut page = GroupStore::list(&self.inner, t, q).await?;
        page.resources = page
            .resources
            .into_iter()
            .map(|r| self.strip_member_types(self.hide(r)))
            .collect();
        if self.flaw == Flaw::ListWithoutMembers {
            for r in &mut page.resources {
                r.attributes.remove("members");
            }
        }
        Ok(page)
    }
    async fn groups_of(&self, t: &TenantId, m: &str) -> Result<Vec<GroupRef>, StoreError> {
        self.inner.groups_of(t, m).await
    }
    async fn remove_member_everywhere(&self, t: &TenantId, m: &str) -> Result<(), StoreError> {
        let touched = self.inner.groups_of(t, m).await?;
        self.inner.remove_member_everywhere(t, m).await?;
        if self.flaw == Flaw::CascadeKeepsVersions {
            let mut hidden = self.hidden.lock().unwrap();
            for g in touched {
                *hidden.entry(g.id).or_insert(0) += 1;
            }
        }
        Ok(())
    }
}

async fn group_case(name: &str, flaw: Flaw) -> Result<(), String> {
    let store = Arc::new(Flawed::new(flaw));
    run_group_case(name, store.clone(), store).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_a_store_that_drops_attributes_it_has_no_column_for() {
    let r = run_user_case(
        "user_crud",
        Arc::new(Flawed::new(Flaw::DropsUnmappedAttributes)),
    )
    .await;
    assert_fails(
        r.clone(),
        "user_crud",
        "missing [\"active\", \"displayName\"",
    );
    assert_fails(r, "user_crud", "JSON column");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_a_list_that_returns_less_than_get() {
    let r = run_user_case("user_filters", Arc::new(Flawed::new(Flaw::PartialList))).await;
    assert_fails(
        r,
        "user_filters",
        "list must return each user exactly as get does",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_a_group_list_without_members() {
    let r = group_case("group_crud", Flaw::ListWithoutMembers).await;
    assert_fails(r, "group_crud", "include_members");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_a_cascade_that_keeps_group_versions() {
    // The flawed store is otherwise sound: the cases that do not cascade pass.
    assert_eq!(
        group_case("group_crud", Flaw::CascadeKeepsVersions).await,
        Ok(())
    );
    let r = group_case("group_delete_cascades", Flaw::CascadeKeepsVersions).await;
    assert_fails(r, "group_delete_cascades", "must bump the version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn names_case_exactness_when_a_pushed_down_filter_differs() {
    let r = run_user_case(
        "user_filters",
        Arc::new(Flawed::new(Flaw::CaseInsensitiveExternalId)),
    )
    .await;
    assert_fails(r.clone(), "user_filters", "externalId eq \\\"EXT-3\\\"");
    assert_fails(r, "user_filters", "caseExact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catches_members_that_lose_their_type() {
    let r = group_case("group_member_deltas", Flaw::DropsMemberType).await;
    assert_fails(r, "group_member_deltas", "must keep the `type`");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn says_which_timestamps_a_store_rounded() {
    let r = run_user_case(
        "user_crud",
        Arc::new(Flawed::new(Flaw::RoundsStoredTimestamps)),
    )
    .await;
    assert_fails(r, "user_crud", "return the timestamps as stored");
}
