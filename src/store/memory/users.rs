//! Users: table, indexes and the [`UserStore`] implementation.

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::compact::CObj;
use super::query::{self, Index, IndexKey};
use super::rows::{eq_folded, HashIndex, Rows};
use super::{MemoryStore, Record};
use crate::filter::Filter;
use crate::store::{
    Capabilities, NewResource, Pushdown, Resource, StoreError, StorePage, StoreQuery, UserStore,
};
use crate::tenant::TenantId;

/// One tenant's users, in creation order, with their indexes.
///
/// The indexes hold hashes and sequence numbers only (16 bytes an entry); every
/// candidate is checked against the row, so lookups and uniqueness stay exact.
#[derive(Default)]
pub(super) struct UserTable {
    next_seq: u64,
    rows: Rows<Record>,
    by_id: HashIndex,
    /// Unique, by the case-folded `userName`.
    by_user_name: HashIndex,
    /// Not unique.
    by_external_id: HashIndex,
}

fn str_of<'a>(attrs: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    attrs.get(key).and_then(Value::as_str)
}

impl UserTable {
    pub(super) fn contains(&self, id: &str) -> bool {
        self.seq_of(id).is_some()
    }

    /// The sequence number of the user with this id.
    fn seq_of(&self, id: &str) -> Option<u64> {
        self.by_id
            .candidates(self.by_id.hash(id))
            .find(|s| self.rows.get(s).is_some_and(|r| &*r.id == id))
    }

    fn row(&self, id: &str) -> Option<&Record> {
        self.rows.get(&self.seq_of(id)?)
    }

    /// The user whose `userName` equals `name` case-insensitively, other than `except`.
    fn user_name_taken(&self, name: &str, except: u64) -> bool {
        self.by_user_name
            .candidates(self.by_user_name.hash_folded(name))
            .filter(|s| *s != except)
            .any(|s| self.user_name_is(s, name))
    }

    fn user_name_is(&self, seq: u64, name: &str) -> bool {
        self.rows
            .get(&seq)
            .and_then(|r| r.attrs.get_str("userName"))
            .is_some_and(|u| eq_folded(u, name))
    }

    fn index(&mut self, seq: u64, user_name: Option<&str>, external_id: Option<&str>) {
        if let Some(u) = user_name {
            let h = self.by_user_name.hash_folded(u);
            self.by_user_name.insert(h, seq);
        }
        if let Some(e) = external_id {
            let h = self.by_external_id.hash(e);
            self.by_external_id.insert(h, seq);
        }
    }

    fn unindex(&mut self, seq: u64, user_name: Option<&str>, external_id: Option<&str>) {
        if let Some(u) = user_name {
            let h = self.by_user_name.hash_folded(u);
            self.by_user_name.remove(h, seq);
        }
        if let Some(e) = external_id {
            let h = self.by_external_id.hash(e);
            self.by_external_id.remove(h, seq);
        }
    }

    fn create(&mut self, new: NewResource) -> Result<Resource, StoreError> {
        if self.contains(&new.id) {
            return Err(StoreError::Uniqueness {
                attribute: "id".into(),
            });
        }
        let user_name = str_of(&new.attributes, "userName").map(str::to_string);
        if let Some(u) = &user_name {
            if self.user_name_taken(u, u64::MAX) {
                return Err(StoreError::Uniqueness {
                    attribute: "userName".into(),
                });
            }
        }
        let external_id = str_of(&new.attributes, "externalId").map(str::to_string);
        let seq = self.next_seq;
        self.next_seq += 1;
        let record = Record::new(seq, new.id, CObj::from_map(new.attributes));
        let resource = record.to_resource();
        let id_hash = self.by_id.hash(&record.id);
        self.by_id.insert(id_hash, seq);
        self.rows.push(record);
        self.index(seq, user_name.as_deref(), external_id.as_deref());
        Ok(resource)
    }

    fn replace(
        &mut self,
        id: &str,
        attributes: Map<String, Value>,
        expected: Option<u64>,
    ) -> Result<Resource, StoreError> {
        let seq = self.seq_of(id).ok_or(StoreError::NotFound)?;
        let record = self.rows.get(&seq).ok_or(StoreError::NotFound)?;
        record.check_version(expected)?;
        let new_name = str_of(&attributes, "userName").map(str::to_string);
        if let Some(u) = &new_name {
            if self.user_name_taken(u, seq) {
                return Err(StoreError::Uniqueness {
                    attribute: "userName".into(),
                });
            }
        }
        let old_name = record.attrs.get_str("userName").map(str::to_string);
        let old_ext = record.attrs.get_str("externalId").map(str::to_string);
        let new_ext = str_of(&attributes, "externalId").map(str::to_string);
        let record = self.rows.get_mut(&seq).ok_or(StoreError::NotFound)?;
        record.attrs = CObj::from_map(attributes);
        record.touch();
        let resource = record.to_resource();
        self.unindex(seq, old_name.as_deref(), old_ext.as_deref());
        self.index(seq, new_name.as_deref(), new_ext.as_deref());
        Ok(resource)
    }

    fn delete(&mut self, id: &str, expected: Option<u64>) -> Result<(), StoreError> {
        let seq = self.seq_of(id).ok_or(StoreError::NotFound)?;
        self.rows
            .get(&seq)
            .ok_or(StoreError::NotFound)?
            .check_version(expected)?;
        let Some(record) = self.rows.remove(seq) else {
            return Err(StoreError::NotFound);
        };
        let id_hash = self.by_id.hash(&record.id);
        self.by_id.remove(id_hash, seq);
        self.unindex(
            seq,
            record.attrs.get_str("userName"),
            record.attrs.get_str("externalId"),
        );
        Ok(())
    }
}

impl Index for UserTable {
    type Row = Record;
    const HAS_MEMBERS: bool = false;

    fn rows(&self) -> &Rows<Record> {
        &self.rows
    }

    fn lookup(&self, key: IndexKey<'_>) -> Option<Vec<u64>> {
        match key {
            // Unverified candidates: a superset is enough, the filter is evaluated on them.
            IndexKey::Id(id) => Some(self.by_id.candidates(self.by_id.hash(id)).collect()),
            IndexKey::UserName(u) => Some(
                self.by_user_name
                    .candidates(self.by_user_name.hash_folded(u))
                    .collect(),
            ),
            IndexKey::ExternalId(e) => Some(
                self.by_external_id
                    .candidates(self.by_external_id.hash(e))
                    .collect(),
            ),
            IndexKey::DisplayName(_) | IndexKey::Member(_) => None,
        }
    }

    fn resource(&self, row: &Record, _include_members: bool) -> Resource {
        row.to_resource()
    }

    fn record<'r>(&self, row: &'r Record) -> &'r Record {
        row
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::full()
    }

    fn filter_pushdown(&self, _filter: &Filter) -> Pushdown {
        Pushdown::Exact
    }

    async fn get(&self, tenant: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
        Ok(self
            .read(tenant, |t| t.users.row(id).map(Record::to_resource))
            .flatten())
    }

    async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
        self.write(tenant, |t| {
            if t.groups.contains(&new.id) {
                return Err(StoreError::Uniqueness {
                    attribute: "id".into(),
                });
            }
            t.users.create(new)
        })
    }

    async fn replace(
        &self,
        tenant: &TenantId,
        id: &str,
        attributes: Map<String, Value>,
        expected_version: Option<u64>,
    ) -> Result<Resource, StoreError> {
        self.write_existing(tenant, |t| {
            t.users.replace(id, attributes, expected_version)
        })
    }

    async fn delete(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        self.write_existing(tenant, |t| t.users.delete(id, expected_version))
    }

    async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
        self.read(tenant, |t| query::list(&t.users, query))
            .unwrap_or_else(|| Ok(query::empty(query)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new(id: &str, user_name: &str) -> NewResource {
        let Value::Object(attributes) = json!({"userName": user_name, "externalId": "x"}) else {
            panic!()
        };
        NewResource {
            id: id.into(),
            attributes,
        }
    }

    #[test]
    fn hash_collisions_are_verified_against_the_rows() {
        let mut t = UserTable::default();
        t.create(new("1", "alice")).unwrap();
        t.create(new("2", "Bob")).unwrap();
        let alice = t.seq_of("1").unwrap();
        // Pretend `alice` and `carol` (and ids "1" and "3") share a hash.
        let h = t.by_user_name.hash_folded("carol");
        t.by_user_name.insert(h, alice);
        let h = t.by_id.hash("3");
        t.by_id.insert(h, alice);
        assert!(!t.contains("3"));
        t.create(new("3", "Carol")).unwrap();
        assert!(t.contains("3"));
        assert_eq!(t.row("3").map(|r| &*r.id), Some("3"));
        assert!(matches!(
            t.create(new("4", "CAROL")),
            Err(StoreError::Uniqueness { .. })
        ));
        assert!(matches!(
            t.create(new("4", "ALICE")),
            Err(StoreError::Uniqueness { .. })
        ));
        assert!(matches!(
            t.create(new("1", "dave")),
            Err(StoreError::Uniqueness { .. })
        ));
        t.delete("3", None).unwrap();
        assert!(!t.contains("3"));
        assert!(t.contains("1"));
        t.create(new("3", "carol")).unwrap();
        // Renaming keeps uniqueness exact and frees the old name.
        let Value::Object(m) = json!({"userName": "BOB"}) else {
            panic!()
        };
        assert!(t.replace("3", m, None).is_err());
        let Value::Object(m) = json!({"userName": "erin"}) else {
            panic!()
        };
        t.replace("3", m, None).unwrap();
        t.create(new("5", "Carol")).unwrap();
        assert_eq!(t.rows.len(), 4);
        let ext: Vec<u64> = t.lookup(IndexKey::ExternalId("x")).unwrap();
        assert_eq!(ext.len(), 3, "user 3 was replaced without an externalId");
    }
}
