//! A `UserStore` + `GroupStore` over a product's own typed tables, and the service on top.
//!
//! The "database" is three tables behind a mutex (`users`, `groups`, `memberships`) with
//! typed columns, as a product that existed before SCIM has them; each row also has a JSON
//! column for the SCIM attributes the product has no column for. The store follows
//! "Writing a store" in the `scimitar::store` docs and passes the conformance kit:
//!
//! ```text
//! cargo run --example own_store            # provisions a user and a group, prints the rows
//! cargo test --example own_store --features testkit   # the store conformance kit
//! ```
//!
//! With a real database each method is one transaction, the uniqueness rule is a unique
//! index on `(tenant, lower(user_name))` and version checks are `UPDATE ... WHERE version =
//! $expected`; the mutex plays all three roles here.

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use scimitar::auth::{MemoryTokenStore, TenantTokens};
use scimitar::filter::{CompValue, CompareOp};
use scimitar::resource::{GroupMember, Name};
use scimitar::store::{
    Capabilities, GroupRef, Member, MemberChange, NewResource, Pushdown, Resource, StoreError,
    StorePage, StoreQuery,
};
use scimitar::{AttrPath, Filter, Group, GroupStore, ScimService, TenantId, User, UserStore};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// A row of the product's `users` table.
#[derive(Debug, Clone)]
struct UserRow {
    /// SCIM's id (the service picks it: a UUID string).
    id: String,
    /// The organization.
    tenant: String,
    user_name: String,
    given_name: Option<String>,
    family_name: Option<String>,
    /// For the product: the primary (else first) email. SCIM's `emails` list stays in
    /// `scim_extra`, so nothing of it is lost.
    email: Option<String>,
    /// `None` when the IdP did not say (no `DEFAULT true` on the way back).
    active: Option<bool>,
    external_id: Option<String>,
    /// Every other SCIM attribute (a `jsonb` column in PostgreSQL).
    scim_extra: Map<String, Value>,
    version: u64,
    created: OffsetDateTime,
    updated: OffsetDateTime,
}

/// A row of the product's `groups` table.
#[derive(Debug, Clone)]
struct GroupRow {
    id: String,
    tenant: String,
    display_name: String,
    external_id: Option<String>,
    version: u64,
    created: OffsetDateTime,
    updated: OffsetDateTime,
}

/// A row of the product's `memberships` table.
#[derive(Debug, Clone)]
struct MembershipRow {
    tenant: String,
    group_id: String,
    member_id: String,
    /// `User` or `Group`: the service derives the member's `$ref` from it.
    member_type: Option<String>,
    member_display: Option<String>,
}

#[derive(Debug, Default)]
struct Tables {
    /// In insertion order, which is the order lists return without a sort.
    users: Vec<UserRow>,
    groups: Vec<GroupRow>,
    memberships: Vec<MembershipRow>,
}

/// The product's database, and the SCIM store over it.
#[derive(Debug, Default)]
struct AppStore {
    tables: Mutex<Tables>,
}

impl AppStore {
    fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Tables>, StoreError> {
        self.tables
            .lock()
            .map_err(|_| StoreError::Other("the tables' lock is poisoned".into()))
    }
}

fn other(e: scimitar::Error) -> StoreError {
    StoreError::Other(Box::new(e))
}

/// The columns of a `users` row from a canonical attribute map.
struct UserColumns {
    user_name: String,
    given_name: Option<String>,
    family_name: Option<String>,
    email: Option<String>,
    active: Option<bool>,
    external_id: Option<String>,
    scim_extra: Map<String, Value>,
}

fn user_columns(attrs: &Map<String, Value>) -> Result<UserColumns, StoreError> {
    let mut user = User::from_attributes(attrs).map_err(other)?;
    let email = user
        .emails
        .iter()
        .find(|e| e.primary == Some(true))
        .or(user.emails.first())
        .and_then(|e| e.value.clone());
    let name = user.name.take().unwrap_or_default();
    let rest = Name {
        given_name: None,
        family_name: None,
        ..name.clone()
    };
    user.name = (rest != Name::default()).then_some(rest);
    let user_name = std::mem::take(&mut user.user_name);
    let active = user.active.take();
    let external_id = user.external_id.take();
    let mut scim_extra = user.to_attributes();
    scim_extra.remove("userName");
    Ok(UserColumns {
        user_name,
        given_name: name.given_name,
        family_name: name.family_name,
        email,
        active,
        external_id,
        scim_extra,
    })
}

fn user_resource(row: &UserRow) -> Result<Resource, StoreError> {
    let mut user = User::from_attributes(&row.scim_extra).map_err(other)?;
    user.user_name = row.user_name.clone();
    user.external_id = row.external_id.clone();
    user.active = row.active;
    if row.given_name.is_some() || row.family_name.is_some() {
        let name = user.name.get_or_insert_with(Name::default);
        name.given_name = row.given_name.clone();
        name.family_name = row.family_name.clone();
    }
    Ok(Resource {
        id: row.id.clone(),
        version: row.version,
        created: row.created,
        last_modified: row.updated,
        attributes: user.to_attributes(),
    })
}

/// `userName` is `caseExact: false`.
fn same_user_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// The look-ups IdPs make on every sync, answered from the columns.
enum Lookup {
    UserName(String),
    ExternalId(String),
}

impl Lookup {
    fn of(filter: &Filter) -> Option<Lookup> {
        let Filter::Compare(path, CompareOp::Eq, CompValue::String(v)) = filter else {
            return None;
        };
        // Paths keep the client's spelling (`UserName`); a URN-qualified path is left to
        // the service (Pushdown::None is always correct).
        if path.eq_ignore_case(&AttrPath::attr("userName")) {
            Some(Lookup::UserName(v.clone()))
        } else if path.eq_ignore_case(&AttrPath::attr("externalId")) {
            Some(Lookup::ExternalId(v.clone()))
        } else {
            None
        }
    }

    fn matches(&self, row: &UserRow) -> bool {
        match self {
            Lookup::UserName(v) => same_user_name(&row.user_name, v),
            // `externalId` is `caseExact: true`.
            Lookup::ExternalId(v) => row.external_id.as_deref() == Some(v.as_str()),
        }
    }
}

#[async_trait]
impl UserStore for AppStore {
    fn capabilities(&self) -> Capabilities {
        // LIMIT/OFFSET, but no ORDER BY on arbitrary attributes: the service sorts.
        Capabilities::default().with_paging(true)
    }

    fn filter_pushdown(&self, filter: &Filter) -> Pushdown {
        match Lookup::of(filter) {
            Some(_) => Pushdown::Exact,
            None => Pushdown::None,
        }
    }

    async fn get(&self, tenant: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        let t = self.lock()?;
        t.users
            .iter()
            .find(|u| u.tenant == tenant.as_str() && u.id == id)
            .map(user_resource)
            .transpose()
    }

    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        let cols = user_columns(&new.attributes)?;
        let mut t = self.lock()?;
        if t.users
            .iter()
            .any(|u| u.tenant == tenant.as_str() && same_user_name(&u.user_name, &cols.user_name))
        {
            return Err(StoreError::Uniqueness {
                attribute: "userName".into(),
            });
        }
        let now = OffsetDateTime::now_utc();
        let row = UserRow {
            id: new.id,
            tenant: tenant.as_str().to_owned(),
            user_name: cols.user_name,
            given_name: cols.given_name,
            family_name: cols.family_name,
            email: cols.email,
            active: cols.active,
            external_id: cols.external_id,
            scim_extra: cols.scim_extra,
            version: 1,
            created: now,
            updated: now,
        };
        let created = user_resource(&row)?;
        t.users.push(row);
        Ok(created)
    }

    async fn replace(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Map<String, Value>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        let cols = user_columns(&attributes)?;
        let mut t = self.lock()?;
        if t.users.iter().any(|u| {
            u.tenant == tenant.as_str()
                && u.id != id
                && same_user_name(&u.user_name, &cols.user_name)
        }) {
            return Err(StoreError::Uniqueness {
                attribute: "userName".into(),
            });
        }
        let row = t
            .users
            .iter_mut()
            .find(|u| u.tenant == tenant.as_str() && u.id == id)
            .ok_or(StoreError::NotFound)?;
        if expected_version.is_some_and(|v| v != row.version) {
            return Err(StoreError::VersionMismatch);
        }
        row.user_name = cols.user_name;
        row.given_name = cols.given_name;
        row.family_name = cols.family_name;
        row.email = cols.email;
        row.active = cols.active;
        row.external_id = cols.external_id;
        row.scim_extra = cols.scim_extra;
        row.version += 1;
        row.updated = OffsetDateTime::now_utc();
        user_resource(row)
    }

    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut t = self.lock()?;
        let row = t
            .users
            .iter()
            .find(|u| u.tenant == tenant.as_str() && u.id == id)
            .ok_or(StoreError::NotFound)?;
        if expected_version.is_some_and(|v| v != row.version) {
            return Err(StoreError::VersionMismatch);
        }
        t.users
            .retain(|u| !(u.tenant == tenant.as_str() && u.id == id));
        // Memberships: the service calls `remove_member_everywhere` next.
        Ok(())
    }

    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        let t = self.lock()?;
        // Set only when `filter_pushdown` said it is ours; otherwise every user, complete.
        let lookup = query.filter.as_ref().and_then(Lookup::of);
        let matches: Vec<&UserRow> = t
            .users
            .iter()
            .filter(|u| u.tenant == tenant.as_str())
            .filter(|u| lookup.as_ref().map_or(true, |l| l.matches(u)))
            .collect();
        let total_results = matches.len();
        let page: Vec<&UserRow> = match query.page {
            Some(p) => matches.into_iter().skip(p.offset).take(p.count).collect(),
            None => matches,
        };
        Ok(StorePage {
            resources: page
                .into_iter()
                .map(user_resource)
                .collect::<Result<_, _>>()?,
            total_results,
        })
    }
}

fn group_resource(t: &Tables, row: &GroupRow, include_members: bool) -> Resource {
    let mut group = Group {
        display_name: row.display_name.clone(),
        external_id: row.external_id.clone(),
        ..Group::default()
    };
    if include_members {
        group.members = t
            .memberships
            .iter()
            .filter(|m| m.tenant == row.tenant && m.group_id == row.id)
            .map(|m| GroupMember {
                value: Some(m.member_id.clone()),
                kind: m.member_type.clone(),
                display: m.member_display.clone(),
                ..GroupMember::default()
            })
            .collect();
    }
    Resource {
        id: row.id.clone(),
        version: row.version,
        created: row.created,
        last_modified: row.updated,
        attributes: group.to_attributes(),
    }
}

/// Adds members not yet present; a member that names nothing is refused (a foreign key).
fn add_members(
    t: &mut Tables,
    tenant: &str,
    group_id: &str,
    members: Vec<Member>,
) -> Result<(), StoreError> {
    for m in members {
        let exists = t
            .users
            .iter()
            .any(|u| u.tenant == tenant && u.id == m.value)
            || t.groups
                .iter()
                .any(|g| g.tenant == tenant && g.id == m.value);
        if !exists {
            return Err(StoreError::InvalidMember { value: m.value });
        }
        let present = t
            .memberships
            .iter()
            .any(|r| r.tenant == tenant && r.group_id == group_id && r.member_id == m.value);
        if !present {
            t.memberships.push(MembershipRow {
                tenant: tenant.to_owned(),
                group_id: group_id.to_owned(),
                member_id: m.value,
                member_type: m.kind,
                member_display: m.display,
            });
        }
    }
    Ok(())
}

fn members_of(group: &Group) -> Vec<Member> {
    group
        .members
        .iter()
        .filter_map(|m| {
            Some(Member {
                value: m.value.clone()?,
                display: m.display.clone(),
                kind: m.kind.clone(),
            })
        })
        .collect()
}

#[async_trait]
impl GroupStore for AppStore {
    async fn get(
        &self,
        tenant: &TenantId,
        id: &str,
        include_members: bool,
    ) -> Result<Option<Resource>, StoreError> {
        let t = self.lock()?;
        Ok(t.groups
            .iter()
            .find(|g| g.tenant == tenant.as_str() && g.id == id)
            .map(|g| group_resource(&t, g, include_members)))
    }

    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        let group = Group::from_attributes(&new.attributes).map_err(other)?;
        let mut t = self.lock()?;
        let now = OffsetDateTime::now_utc();
        let row = GroupRow {
            id: new.id,
            tenant: tenant.as_str().to_owned(),
            display_name: group.display_name.clone(),
            external_id: group.external_id.clone(),
            version: 1,
            created: now,
            updated: now,
        };
        // All or nothing: roll the membership rows back if one member is refused.
        let saved = t.memberships.len();
        if let Err(e) = add_members(&mut t, tenant.as_str(), &row.id, members_of(&group)) {
            t.memberships.truncate(saved);
            return Err(e);
        }
        t.groups.push(row.clone());
        Ok(group_resource(&t, &row, true))
    }

    async fn update(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Option<Map<String, Value>>,
        changes: Vec<MemberChange>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        let attributes = attributes
            .map(|a| Group::from_attributes(&a).map_err(other))
            .transpose()?;
        let mut t = self.lock()?;
        let version = t
            .groups
            .iter()
            .find(|g| g.tenant == tenant.as_str() && g.id == id)
            .map(|g| g.version)
            .ok_or(StoreError::NotFound)?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::VersionMismatch);
        }
        let saved = t.memberships.clone();
        for change in changes {
            let applied = match change {
                MemberChange::Add(members) => add_members(&mut t, tenant.as_str(), id, members),
                MemberChange::Remove(ids) => {
                    t.memberships.retain(|m| {
                        !(m.tenant == tenant.as_str()
                            && m.group_id == id
                            && ids.contains(&m.member_id))
                    });
                    Ok(())
                }
                MemberChange::ReplaceAll(members) => {
                    t.memberships
                        .retain(|m| !(m.tenant == tenant.as_str() && m.group_id == id));
                    add_members(&mut t, tenant.as_str(), id, members)
                }
                _ => Err(StoreError::Other(
                    "a membership change this store does not know".into(),
                )),
            };
            if let Err(e) = applied {
                t.memberships = saved;
                return Err(e);
            }
        }
        let row = t
            .groups
            .iter_mut()
            .find(|g| g.tenant == tenant.as_str() && g.id == id)
            .ok_or(StoreError::NotFound)?;
        if let Some(group) = attributes {
            row.display_name = group.display_name;
            row.external_id = group.external_id;
        }
        row.version += 1;
        row.updated = OffsetDateTime::now_utc();
        let row = row.clone();
        Ok(group_resource(&t, &row, false))
    }

    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut t = self.lock()?;
        let row = t
            .groups
            .iter()
            .find(|g| g.tenant == tenant.as_str() && g.id == id)
            .ok_or(StoreError::NotFound)?;
        if expected_version.is_some_and(|v| v != row.version) {
            return Err(StoreError::VersionMismatch);
        }
        t.groups
            .retain(|g| !(g.tenant == tenant.as_str() && g.id == id));
        t.memberships
            .retain(|m| !(m.tenant == tenant.as_str() && m.group_id == id));
        Ok(())
    }

    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        let t = self.lock()?;
        let resources: Vec<Resource> = t
            .groups
            .iter()
            .filter(|g| g.tenant == tenant.as_str())
            .map(|g| group_resource(&t, g, query.include_members))
            .collect();
        Ok(StorePage {
            total_results: resources.len(),
            resources,
        })
    }

    async fn groups_of(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<GroupRef>, StoreError> {
        let t = self.lock()?;
        Ok(t.groups
            .iter()
            .filter(|g| g.tenant == tenant.as_str())
            .filter(|g| {
                t.memberships.iter().any(|m| {
                    m.tenant == tenant.as_str() && m.group_id == g.id && m.member_id == member_id
                })
            })
            .map(|g| GroupRef {
                id: g.id.clone(),
                display: Some(g.display_name.clone()),
            })
            .collect())
    }

    async fn remove_member_everywhere(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<(), StoreError> {
        let mut t = self.lock()?;
        let mut changed: Vec<String> = Vec::new();
        t.memberships.retain(|m| {
            let hit = m.tenant == tenant.as_str() && m.member_id == member_id;
            if hit {
                changed.push(m.group_id.clone());
            }
            !hit
        });
        // A group whose members changed was written: new version, new ETag.
        let now = OffsetDateTime::now_utc();
        for g in t.groups.iter_mut() {
            if g.tenant == tenant.as_str() && changed.contains(&g.id) {
                g.version += 1;
                g.updated = now;
            }
        }
        Ok(())
    }
}

async fn send(
    scim: &ScimService,
    token: &str,
    method: &str,
    path: &str,
    body: impl Into<String>,
) -> Result<Value, Box<dyn std::error::Error>> {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/scim+json")
        .body(bytes::Bytes::from(body.into()))?;
    let response = scim.handle(request).await;
    println!("{method} {path} -> {}", response.status());
    Ok(serde_json::from_slice(response.body()).unwrap_or(Value::Null))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Arc::new(AppStore::new());
    let tokens = Arc::new(TenantTokens::new(MemoryTokenStore::new()));
    // The organization's admin presses "Enable SCIM": show the token once.
    let acme = tokens.enable(&TenantId::new("acme")).await?;
    let scim = ScimService::builder()
        .users(store.clone())
        .groups(store.clone())
        .tokens(tokens)
        .build()?;

    let user = send(
        &scim,
        acme.secret(),
        "POST",
        "/scim/v2/Users",
        r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bjensen@example.com", "externalId": "00u1",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "title": "Tour Guide", "active": true}"#,
    )
    .await?;
    println!("{user}");
    let group_body = format!(
        r#"{{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Tour Guides", "members": [{{"value": "{}"}}]}}"#,
        user.get("id").and_then(Value::as_str).unwrap_or_default()
    );
    send(&scim, acme.secret(), "POST", "/scim/v2/Groups", group_body).await?;
    send(
        &scim,
        acme.secret(),
        "GET",
        "/scim/v2/Users?filter=userName%20eq%20%22BJENSEN@example.com%22",
        "",
    )
    .await?;

    // What the rest of the product sees: its own typed rows.
    let tables = store.lock()?;
    for row in &tables.users {
        println!(
            "users row: {} {:?} {:?} {:?} active={:?} extra={}",
            row.user_name,
            row.given_name,
            row.family_name,
            row.email,
            row.active,
            Value::Object(row.scim_extra.clone())
        );
    }
    for m in &tables.memberships {
        println!(
            "memberships row: group {} member {} ({:?})",
            m.group_id, m.member_id, m.member_type
        );
    }
    Ok(())
}

#[cfg(all(test, feature = "testkit"))]
mod conformance {
    use super::AppStore;

    scimitar::store_conformance_tests!(AppStore::new());
}
