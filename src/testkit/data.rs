//! Generated data, filters and helpers shared by the cases.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::CaseResult;
use crate::filter::{EvalOptions, Filter};
use crate::schema::SchemaSet;
use crate::store::{
    GroupStore, NewResource, PageRequest, Resource, SortKey, StorePage, StoreQuery, UserStore,
};
use crate::tenant::TenantId;

pub(super) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A tenant id unique to one case, so stores that keep data across cases do not mix them.
pub(super) fn tenant(case: &str, which: &str) -> TenantId {
    TenantId::new(format!("testkit-{case}-{which}-{}", uuid::Uuid::new_v4()))
}

pub(super) fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub(super) fn user_id(i: usize) -> String {
    format!("id-{i:04}")
}

pub(super) fn group_id(i: usize) -> String {
    format!("g-{i:04}")
}

/// A new resource with `attributes`.
pub(super) fn new_res(id: impl Into<String>, attributes: Map<String, Value>) -> NewResource {
    NewResource {
        id: id.into(),
        attributes,
    }
}

/// A minimal user.
pub(super) fn simple_user(user_name: &str) -> Map<String, Value> {
    obj(json!({ "userName": user_name }))
}

/// The `i`-th generated user: varied values, missing attributes, case variants, duplicate
/// `externalId`s, multi-valued emails and the enterprise extension on some.
pub(super) fn sample_user(i: usize) -> Map<String, Value> {
    const GIVEN: [&str; 8] = [
        "Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "grace", "Heidi",
    ];
    const FAMILY: [&str; 5] = ["Jensen", "Smith", "O'Brien", "smith", "Nguyen"];
    const TITLES: [&str; 4] = ["Engineer", "Manager", "Tour Guide", "engineer"];
    const DEPTS: [&str; 3] = ["Sales", "R&D", "sales"];
    let given = GIVEN.get(i % 8).copied().unwrap_or("X");
    let family = FAMILY.get(i % 5).copied().unwrap_or("Y");
    let mut u = Map::new();
    let user_name = if i % 7 == 0 {
        format!("User{i:03}@Example.com")
    } else {
        format!("user{i:03}@example.com")
    };
    u.insert("userName".into(), json!(user_name));
    u.insert("displayName".into(), json!(format!("{given} {family}")));
    if i % 9 != 0 {
        u.insert(
            "name".into(),
            json!({"givenName": given, "familyName": family}),
        );
    }
    if i % 3 != 0 {
        u.insert("title".into(), json!(TITLES.get(i % 4).copied()));
    }
    if i % 11 != 0 {
        u.insert("active".into(), json!(i % 2 == 0));
    }
    if i % 4 != 3 {
        u.insert(
            "emails".into(),
            json!([
                {"value": format!("u{i}@work.example.com"), "type": "work", "primary": i % 2 == 0},
                {"value": format!("U{i}@Home.example.org"), "type": "home"}
            ]),
        );
    }
    if i % 5 != 0 {
        u.insert("externalId".into(), json!(format!("ext-{}", i % 13)));
    }
    if i % 2 == 1 {
        let mut ext = obj(json!({
            "employeeNumber": format!("{}", 1000 + (i * 7) % 50),
            "department": DEPTS.get(i % 3).copied(),
        }));
        if i % 6 == 1 {
            ext.insert("manager".into(), json!({"value": "mgr-1"}));
        }
        u.insert(ENTERPRISE.into(), Value::Object(ext));
    }
    u
}

/// How many generated users the filter, paging and sort cases create.
pub(super) const SAMPLE_USERS: usize = 60;

/// Filters over [`sample_user`] data, covering every operator, case rules, multi-valued
/// and complex attributes, value paths, extension paths and the index-friendly shapes.
pub(super) const USER_FILTERS: &[&str] = &[
    r#"userName eq "user003@example.com""#,
    r#"userName eq "USER003@EXAMPLE.COM""#,
    r#"UserName Eq "user007@example.com""#,
    r#"userName sw "user01""#,
    r#"userName co "EXAMPLE""#,
    r#"userName ew ".com""#,
    r#"userName gt "user040""#,
    r#"userName le "user010@example.com""#,
    r#"userName ne "user001@example.com""#,
    r#"userName eq "nobody@example.com""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "user010@example.com""#,
    r#"externalId eq "ext-3""#,
    r#"externalId eq "EXT-3""#,
    r#"externalId pr"#,
    r#"id eq "id-0005""#,
    r#"id eq "ID-0005""#,
    r#"displayName eq "alice jensen""#,
    r#"displayName co "bob""#,
    r#"displayName sw "e" or displayName ew "n""#,
    r#"title pr"#,
    r#"not (title pr)"#,
    r#"title eq "engineer""#,
    r#"title eq "Engineer" and active eq true"#,
    r#"title eq null"#,
    r#"active eq false"#,
    r#"active ne true"#,
    r#"name pr"#,
    r#"name.givenName sw "C""#,
    r#"name.familyName eq "Smith""#,
    r#"name.givenName gt "Dave" and name.givenName lt "heidi""#,
    r#"emails pr"#,
    r#"emails co "work.example""#,
    r#"emails.value ew "example.org""#,
    r#"emails[type eq "work" and primary eq true]"#,
    r#"emails[type eq "home"]"#,
    r#"emails[value co "u1"]"#,
    r#"emails.type eq "work""#,
    r#"emails.type ne "work""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt "1020""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "mgr-1""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr"#,
    r#"userName eq "user005@example.com" and title pr"#,
    r#"userName eq "user005@example.com" or userName eq "USER006@example.com""#,
    r#"externalId eq "ext-1" and active eq true"#,
    r#"id eq "id-0004" or externalId eq "ext-2""#,
    r#"not (userName sw "user0")"#,
    r#"(title eq "Manager" or title eq "Tour Guide") and not (active eq true)"#,
    r#"meta.resourceType eq "User""#,
    r#"meta.created pr"#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
];

/// Filters over the groups of the group cases.
pub(super) const GROUP_FILTERS: &[&str] = &[
    r#"displayName eq "Group 3""#,
    r#"displayName eq "GROUP 3""#,
    r#"displayName sw "group 1""#,
    r#"members[value eq "id-0002"]"#,
    r#"members.value eq "id-0002""#,
    r#"members[value eq "ID-0002"]"#,
    r#"members[value eq "id-0002"] and displayName co "1""#,
    r#"members[value eq "id-0003"] or members[value eq "id-0004"]"#,
    r#"externalId eq "g-ext-1""#,
    r#"id eq "g-0001""#,
    r#"members pr"#,
    r#"not (members pr)"#,
    r#"displayName sw "group 1" or members[value eq "id-0005"]"#,
];

pub(super) fn parse(f: &str) -> Result<Filter, String> {
    f.parse()
        .map_err(|e| format!("testkit bug: filter {f:?} does not parse: {e}"))
}

pub(super) fn query(schemas: &Arc<SchemaSet>) -> StoreQuery {
    StoreQuery {
        filter: None,
        sort: None,
        page: None,
        include_members: true,
        schemas: Arc::clone(schemas),
    }
}

pub(super) fn with_filter(schemas: &Arc<SchemaSet>, f: Filter) -> StoreQuery {
    StoreQuery {
        filter: Some(f),
        ..query(schemas)
    }
}

pub(super) fn with_page(mut q: StoreQuery, offset: usize, count: usize) -> StoreQuery {
    q.page = Some(PageRequest { offset, count });
    q
}

pub(super) fn with_sort(mut q: StoreQuery, key: SortKey) -> StoreQuery {
    q.sort = Some(key);
    q
}

pub(super) fn ids(resources: &[Resource]) -> Vec<String> {
    resources.iter().map(|r| r.id.clone()).collect()
}

/// How `got` differs from `expected`, by top-level attribute name (sorted): `missing [..],
/// changed [..], unexpected [..]`, each list only when not empty.
pub(super) fn attr_diff(expected: &Map<String, Value>, got: &Map<String, Value>) -> String {
    let mut missing: Vec<&str> = Vec::new();
    let mut changed: Vec<String> = Vec::new();
    for (k, v) in expected {
        match got.get(k) {
            None => missing.push(k),
            Some(g) if g != v => changed.push(format!("{k}: expected {v}, got {g}")),
            Some(_) => {}
        }
    }
    let mut unexpected: Vec<&str> = got
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .map(String::as_str)
        .collect();
    missing.sort_unstable();
    changed.sort_unstable();
    unexpected.sort_unstable();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {missing:?}"));
    }
    if !changed.is_empty() {
        parts.push(format!("changed [{}]", changed.join("; ")));
    }
    if !unexpected.is_empty() {
        parts.push(format!("unexpected {unexpected:?}"));
    }
    if parts.is_empty() {
        "attributes equal".to_string()
    } else {
        parts.join(", ")
    }
}

/// How a returned resource differs from the one expected: id, version, timestamps and
/// attributes (see [`attr_diff`]).
pub(super) fn resource_diff(expected: &Resource, got: &Resource) -> String {
    let mut parts = Vec::new();
    if expected.id != got.id {
        parts.push(format!("id {:?} vs {:?}", expected.id, got.id));
    }
    if expected.version != got.version {
        parts.push(format!("version {} vs {}", expected.version, got.version));
    }
    if expected.created != got.created || expected.last_modified != got.last_modified {
        parts.push(format!(
            "created/last_modified {} / {} vs {} / {} (return the timestamps as stored: a \
             database column may round them, e.g. to microseconds)",
            expected.created, expected.last_modified, got.created, got.last_modified
        ));
    }
    if expected.attributes != got.attributes {
        parts.push(attr_diff(&expected.attributes, &got.attributes));
    }
    parts.join(", ")
}

/// What to do when a store does not give back the attributes it was given.
pub(super) const KEEP_ATTRIBUTES_HINT: &str = "a store must give back exactly the attributes \
    it was given: keep those you have no column for too (e.g. in a JSON column), and keep \
    absent ones absent (see \"Writing a store\" in the `scimitar::store` docs)";

/// Why a pushed-down comparison may differ from the reference evaluator: the `caseExact`
/// rule of each string attribute the filter reads (empty when it reads none).
fn case_exact_hint(filter: &Filter, schemas: &SchemaSet) -> String {
    use crate::schema::AttributeType;
    let rules: Vec<String> = filter
        .attr_paths()
        .iter()
        .filter_map(|p| {
            let target = schemas.resolve(p)?.target();
            matches!(target.ty, AttributeType::String | AttributeType::Reference).then(|| {
                if target.case_exact {
                    format!("{p} is caseExact: compare it exactly")
                } else {
                    format!("{p} is not caseExact: compare it case-insensitively")
                }
            })
        })
        .collect();
    if rules.is_empty() {
        String::new()
    } else {
        format!(" ({})", rules.join("; "))
    }
}

pub(super) async fn list_users(
    store: &dyn UserStore,
    t: &TenantId,
    q: &StoreQuery,
) -> Result<StorePage, String> {
    store
        .list(t, q)
        .await
        .map_err(|e| format!("UserStore::list failed: {e}"))
}

pub(super) async fn list_groups(
    store: &dyn GroupStore,
    t: &TenantId,
    q: &StoreQuery,
) -> Result<StorePage, String> {
    store
        .list(t, q)
        .await
        .map_err(|e| format!("GroupStore::list failed: {e}"))
}

/// Checks a store's filtered list against the reference evaluator over `all`, as far as
/// the store declared it evaluates the filter (`pushdown`).
pub(super) fn compare_filtered(
    text: &str,
    filter: &Filter,
    schemas: &SchemaSet,
    pushdown: crate::store::Pushdown,
    all: &[Resource],
    got: &StorePage,
) -> CaseResult {
    use crate::store::Pushdown;
    let bound = filter
        .bind(schemas, EvalOptions::default())
        .map_err(|e| format!("testkit bug: filter {text:?} does not bind: {e}"))?;
    let expected: Vec<String> = all
        .iter()
        .filter(|r| bound.matches(*r))
        .map(|r| r.id.clone())
        .collect();
    let got_ids = ids(&got.resources);
    for r in &got.resources {
        if let Some(full) = all.iter().find(|a| a.id == r.id) {
            check!(
                r == full,
                "filter {text:?}: the store returned {} unlike the unfiltered list: {}",
                r.id,
                resource_diff(full, r)
            );
        }
    }
    match pushdown {
        Pushdown::Exact => {
            check!(
                got_ids == expected,
                "filter {text:?}: expected {expected:?} (in creation order), store returned {got_ids:?}{}",
                case_exact_hint(filter, schemas)
            );
            check!(
                got.total_results == expected.len(),
                "filter {text:?}: total_results {} but {} resources match",
                got.total_results,
                expected.len()
            );
        }
        Pushdown::Superset => {
            let missing: Vec<&String> =
                expected.iter().filter(|id| !got_ids.contains(id)).collect();
            check!(
                missing.is_empty(),
                "filter {text:?} (pushdown Superset): matching resources {missing:?} missing{}",
                case_exact_hint(filter, schemas)
            );
        }
        _ => {
            check!(
                got_ids.len() == all.len(),
                "filter {text:?} (pushdown None): the store must return every resource, returned {}",
                got_ids.len()
            );
        }
    }
    Ok(())
}
