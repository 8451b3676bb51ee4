//! Groups: table, member lists, the member → groups index and the [`GroupStore`]
//! implementation.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::compact::CObj;
use super::query::{self, Index, IndexKey};
use super::rows::{Rows, Sequenced};
use super::users::UserTable;
use super::{fold, MemoryStore, Postings, Record};
use crate::filter::Filter;
use crate::store::{
    Capabilities, GroupRef, GroupStore, Member, MemberChange, NewResource, Pushdown, Resource,
    StoreError, StorePage, StoreQuery,
};
use crate::tenant::TenantId;

/// A group's members in insertion order, indexed by id so that deltas cost
/// O(changes · log n) rather than a rewrite of the list.
#[derive(Debug, Default)]
struct Members {
    next: u64,
    order: BTreeMap<u64, Member>,
    pos: HashMap<String, u64>,
}

impl Members {
    fn add(&mut self, m: Member) -> bool {
        if self.pos.contains_key(&m.value) {
            return false;
        }
        self.pos.insert(m.value.clone(), self.next);
        self.order.insert(self.next, m);
        self.next += 1;
        true
    }

    fn remove(&mut self, id: &str) -> bool {
        match self.pos.remove(id) {
            Some(p) => {
                self.order.remove(&p);
                true
            }
            None => false,
        }
    }

    fn to_value(&self) -> Value {
        Value::Array(
            self.order
                .values()
                .map(|m| {
                    let mut o = Map::new();
                    o.insert("value".into(), Value::String(m.value.clone()));
                    if let Some(d) = &m.display {
                        o.insert("display".into(), Value::String(d.clone()));
                    }
                    if let Some(k) = &m.kind {
                        o.insert("type".into(), Value::String(k.clone()));
                    }
                    Value::Object(o)
                })
                .collect(),
        )
    }
}

/// What a write checks against besides the group table.
#[derive(Clone, Copy)]
struct Checks<'a> {
    unique_names: bool,
    users: &'a UserTable,
}

/// A stored group.
pub(super) struct GroupRow {
    rec: Record,
    members: Members,
}

impl Sequenced for GroupRow {
    fn seq(&self) -> u64 {
        self.rec.seq
    }
}

/// One tenant's groups, in creation order, with their indexes.
#[derive(Default)]
pub(super) struct GroupTable {
    next_seq: u64,
    rows: Rows<GroupRow>,
    by_id: HashMap<Box<str>, u64>,
    by_display: Postings,
    by_external_id: Postings,
    by_member: HashMap<Box<str>, BTreeSet<u64>>,
}

/// Takes the `members` array out of canonical attributes.
fn take_members(attrs: &mut Map<String, Value>) -> Result<Vec<Member>, StoreError> {
    let Some(v) = attrs.remove("members") else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = v else {
        return Err(StoreError::InvalidMember {
            value: v.to_string(),
        });
    };
    items
        .into_iter()
        .map(|item| {
            let value = item.get("value").and_then(Value::as_str);
            let Some(value) = value else {
                return Err(StoreError::InvalidMember {
                    value: item.to_string(),
                });
            };
            let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
            Ok(Member {
                value: value.to_string(),
                display: text("display"),
                kind: text("type"),
            })
        })
        .collect()
}

fn display_key(attrs: &Map<String, Value>) -> Option<Box<str>> {
    attrs.get("displayName").and_then(Value::as_str).map(fold)
}

fn external_key(attrs: &Map<String, Value>) -> Option<Box<str>> {
    attrs
        .get("externalId")
        .and_then(Value::as_str)
        .map(Box::from)
}

fn stored_str<'a>(rec: &'a Record, key: &str) -> Option<&'a str> {
    rec.attrs.get_str(key)
}

impl GroupTable {
    pub(super) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    fn check_members<'a>(
        &self,
        users: &UserTable,
        ids: impl IntoIterator<Item = &'a Member>,
    ) -> Result<(), StoreError> {
        for m in ids {
            if !users.contains(&m.value) && !self.contains(&m.value) {
                return Err(StoreError::InvalidMember {
                    value: m.value.clone(),
                });
            }
        }
        Ok(())
    }

    fn add_member(&mut self, seq: u64, m: Member) {
        let id: Box<str> = m.value.as_str().into();
        let added = self
            .rows
            .get_mut(&seq)
            .is_some_and(|row| row.members.add(m));
        if added {
            self.by_member.entry(id).or_default().insert(seq);
        }
    }

    fn remove_member(&mut self, seq: u64, id: &str) {
        let removed = self
            .rows
            .get_mut(&seq)
            .is_some_and(|row| row.members.remove(id));
        if removed {
            if let Some(set) = self.by_member.get_mut(id) {
                set.remove(&seq);
                if set.is_empty() {
                    self.by_member.remove(id);
                }
            }
        }
    }

    fn create(
        &mut self,
        mut new: NewResource,
        unique_names: bool,
        users: &UserTable,
    ) -> Result<Resource, StoreError> {
        if self.contains(&new.id) || users.contains(&new.id) {
            return Err(StoreError::Uniqueness {
                attribute: "id".into(),
            });
        }
        let display = display_key(&new.attributes);
        if let Some(d) = &display {
            if unique_names && self.by_display.first_other(d, u64::MAX).is_some() {
                return Err(StoreError::Uniqueness {
                    attribute: "displayName".into(),
                });
            }
        }
        let members = take_members(&mut new.attributes)?;
        self.check_members(users, &members)?;
        let external = external_key(&new.attributes);
        let seq = self.next_seq;
        self.next_seq += 1;
        let rec = Record::new(seq, new.id, CObj::from_map(new.attributes));
        self.by_id.insert(rec.id.clone(), seq);
        if let Some(d) = display {
            self.by_display.insert(d, seq);
        }
        if let Some(e) = external {
            self.by_external_id.insert(e, seq);
        }
        self.rows.push(GroupRow {
            rec,
            members: Members::default(),
        });
        for m in members {
            self.add_member(seq, m);
        }
        let row = self.rows.get(&seq).ok_or(StoreError::NotFound)?;
        Ok(self.resource(row, true))
    }

    fn update(
        &mut self,
        id: &str,
        attributes: Option<Map<String, Value>>,
        changes: Vec<MemberChange>,
        expected: Option<u64>,
        ctx: Checks<'_>,
    ) -> Result<Resource, StoreError> {
        let Checks {
            unique_names,
            users,
        } = ctx;
        let seq = *self.by_id.get(id).ok_or(StoreError::NotFound)?;
        let row = self.rows.get(&seq).ok_or(StoreError::NotFound)?;
        row.rec.check_version(expected)?;
        // Validate everything before the first change, so a failed update changes nothing.
        let new_display = attributes.as_ref().and_then(display_key);
        if let Some(d) = &new_display {
            if unique_names && self.by_display.first_other(d, seq).is_some() {
                return Err(StoreError::Uniqueness {
                    attribute: "displayName".into(),
                });
            }
        }
        for change in &changes {
            match change {
                MemberChange::Add(ms) | MemberChange::ReplaceAll(ms) => {
                    self.check_members(users, ms)?
                }
                _ => {}
            }
        }
        if let Some(mut attrs) = attributes {
            attrs.remove("members");
            let new_external = external_key(&attrs);
            let row = self.rows.get_mut(&seq).ok_or(StoreError::NotFound)?;
            if let Some(d) = stored_str(&row.rec, "displayName") {
                self.by_display.remove(&fold(d), seq);
            }
            if let Some(e) = stored_str(&row.rec, "externalId") {
                self.by_external_id.remove(e, seq);
            }
            row.rec.attrs = CObj::from_map(attrs);
            if let Some(d) = new_display {
                self.by_display.insert(d, seq);
            }
            if let Some(e) = new_external {
                self.by_external_id.insert(e, seq);
            }
        }
        for change in changes {
            match change {
                MemberChange::Add(ms) => ms.into_iter().for_each(|m| self.add_member(seq, m)),
                MemberChange::Remove(ids) => ids.iter().for_each(|i| self.remove_member(seq, i)),
                MemberChange::ReplaceAll(ms) => {
                    let old: Vec<String> = self
                        .rows
                        .get(&seq)
                        .map(|r| r.members.pos.keys().cloned().collect())
                        .unwrap_or_default();
                    old.iter().for_each(|i| self.remove_member(seq, i));
                    ms.into_iter().for_each(|m| self.add_member(seq, m));
                }
            }
        }
        let row = self.rows.get_mut(&seq).ok_or(StoreError::NotFound)?;
        row.rec.touch();
        Ok(row.rec.to_resource())
    }

    fn delete(&mut self, id: &str, expected: Option<u64>) -> Result<(), StoreError> {
        let seq = *self.by_id.get(id).ok_or(StoreError::NotFound)?;
        self.rows
            .get(&seq)
            .ok_or(StoreError::NotFound)?
            .rec
            .check_version(expected)?;
        let Some(row) = self.rows.remove(seq) else {
            return Err(StoreError::NotFound);
        };
        self.by_id.remove(id);
        if let Some(d) = stored_str(&row.rec, "displayName") {
            self.by_display.remove(&fold(d), seq);
        }
        if let Some(e) = stored_str(&row.rec, "externalId") {
            self.by_external_id.remove(e, seq);
        }
        for member in row.members.pos.keys() {
            if let Some(set) = self.by_member.get_mut(member.as_str()) {
                set.remove(&seq);
                if set.is_empty() {
                    self.by_member.remove(member.as_str());
                }
            }
        }
        Ok(())
    }

    fn groups_of(&self, member_id: &str) -> Vec<GroupRef> {
        let Some(seqs) = self.by_member.get(member_id) else {
            return Vec::new();
        };
        seqs.iter()
            .filter_map(|s| self.rows.get(s))
            .map(|row| GroupRef {
                id: row.rec.id.to_string(),
                display: stored_str(&row.rec, "displayName").map(str::to_string),
            })
            .collect()
    }

    fn remove_member_everywhere(&mut self, member_id: &str) {
        let Some(seqs) = self.by_member.remove(member_id) else {
            return;
        };
        for seq in seqs {
            if let Some(row) = self.rows.get_mut(&seq) {
                if row.members.remove(member_id) {
                    row.rec.touch();
                }
            }
        }
    }
}

impl Index for GroupTable {
    type Row = GroupRow;
    const HAS_MEMBERS: bool = true;

    fn rows(&self) -> &Rows<GroupRow> {
        &self.rows
    }

    fn lookup(&self, key: IndexKey<'_>) -> Option<Vec<u64>> {
        match key {
            IndexKey::Id(id) => Some(self.by_id.get(id).copied().into_iter().collect()),
            IndexKey::DisplayName(d) => Some(self.by_display.get(&fold(d))),
            IndexKey::ExternalId(e) => Some(self.by_external_id.get(e)),
            IndexKey::Member(m) => Some(
                self.by_member
                    .get(m)
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
            ),
            IndexKey::UserName(_) => None,
        }
    }

    fn resource(&self, row: &GroupRow, include_members: bool) -> Resource {
        let mut r = row.rec.to_resource();
        if include_members && !row.members.order.is_empty() {
            r.attributes
                .insert("members".into(), row.members.to_value());
        }
        r
    }

    fn record<'r>(&self, row: &'r GroupRow) -> &'r Record {
        &row.rec
    }
}

#[async_trait]
impl GroupStore for MemoryStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::full()
    }

    fn filter_pushdown(&self, _filter: &Filter) -> Pushdown {
        Pushdown::Exact
    }

    fn unique_display_name(&self) -> bool {
        self.unique_group_names
    }

    async fn get(
        &self,
        tenant: &TenantId,
        id: &str,
        include_members: bool,
    ) -> Result<Option<Resource>, StoreError> {
        Ok(self
            .read(tenant, |t| {
                let seq = t.groups.by_id.get(id)?;
                let row = t.groups.rows.get(seq)?;
                Some(t.groups.resource(row, include_members))
            })
            .flatten())
    }

    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        let unique = self.unique_group_names;
        self.write(tenant, |t| t.groups.create(new, unique, &t.users))
    }

    async fn update(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Option<Map<String, Value>>,
        changes: Vec<MemberChange>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        let unique = self.unique_group_names;
        self.write_existing(tenant, |t| {
            t.groups.update(
                id,
                attributes,
                changes,
                expected_version,
                Checks {
                    unique_names: unique,
                    users: &t.users,
                },
            )
        })
    }

    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        self.write_existing(tenant, |t| t.groups.delete(id, expected_version))
    }

    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        self.read(tenant, |t| query::list(&t.groups, query))
            .unwrap_or_else(|| Ok(query::empty(query)))
    }

    async fn groups_of(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<GroupRef>, StoreError> {
        Ok(self
            .read(tenant, |t| t.groups.groups_of(member_id))
            .unwrap_or_default())
    }

    async fn remove_member_everywhere(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<(), StoreError> {
        if self.tenant(tenant).is_some() {
            self.write(tenant, |t| t.groups.remove_member_everywhere(member_id));
        }
        Ok(())
    }
}
