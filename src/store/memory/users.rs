//! Users: table, indexes and the [`UserStore`] implementation.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::compact::CObj;
use super::query::{self, Index, IndexKey};
use super::{fold, MemoryStore, Postings, Record};
use crate::filter::Filter;
use crate::store::{
    Capabilities, NewResource, Pushdown, Resource, StoreError, StorePage, StoreQuery, UserStore,
};
use crate::tenant::TenantId;

/// One tenant's users, in creation order, with their indexes.
#[derive(Default)]
pub(super) struct UserTable {
    next_seq: u64,
    rows: BTreeMap<u64, Record>,
    /// The keys of `rows`, ascending. Deletes cost O(n) here, which buys O(1) page
    /// offsets for every list.
    order: Vec<u64>,
    by_id: HashMap<Box<str>, u64>,
    by_user_name: HashMap<Box<str>, u64>,
    by_external_id: Postings,
}

fn str_of<'a>(attrs: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    attrs.get(key).and_then(Value::as_str)
}

impl UserTable {
    pub(super) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    fn create(&mut self, new: NewResource) -> Result<Resource, StoreError> {
        if self.by_id.contains_key(new.id.as_str()) {
            return Err(StoreError::Uniqueness {
                attribute: "id".into(),
            });
        }
        let user_name = str_of(&new.attributes, "userName").map(fold);
        if let Some(u) = &user_name {
            if self.by_user_name.contains_key(u) {
                return Err(StoreError::Uniqueness {
                    attribute: "userName".into(),
                });
            }
        }
        let external_id = str_of(&new.attributes, "externalId").map(Box::from);
        let seq = self.next_seq;
        self.next_seq += 1;
        let record = Record::new(new.id, CObj::from_map(new.attributes));
        let resource = record.to_resource();
        self.by_id.insert(record.id.clone(), seq);
        if let Some(u) = user_name {
            self.by_user_name.insert(u, seq);
        }
        if let Some(e) = external_id {
            self.by_external_id.insert(e, seq);
        }
        self.rows.insert(seq, record);
        self.order.push(seq);
        Ok(resource)
    }

    fn replace(
        &mut self,
        id: &str,
        attributes: Map<String, Value>,
        expected: Option<u64>,
    ) -> Result<Resource, StoreError> {
        let seq = *self.by_id.get(id).ok_or(StoreError::NotFound)?;
        let record = self.rows.get_mut(&seq).ok_or(StoreError::NotFound)?;
        record.check_version(expected)?;
        let new_name = str_of(&attributes, "userName").map(fold);
        if let Some(u) = &new_name {
            if self.by_user_name.get(u).is_some_and(|s| *s != seq) {
                return Err(StoreError::Uniqueness {
                    attribute: "userName".into(),
                });
            }
        }
        let old_name = record.attrs.get_str("userName").map(fold);
        let old_ext = record.attrs.get_str("externalId").map(Box::<str>::from);
        let new_ext = str_of(&attributes, "externalId").map(Box::<str>::from);
        record.attrs = CObj::from_map(attributes);
        record.touch();
        let resource = record.to_resource();
        if let Some(u) = old_name {
            self.by_user_name.remove(&u);
        }
        if let Some(u) = new_name {
            self.by_user_name.insert(u, seq);
        }
        if let Some(e) = old_ext {
            self.by_external_id.remove(&e, seq);
        }
        if let Some(e) = new_ext {
            self.by_external_id.insert(e, seq);
        }
        Ok(resource)
    }

    fn delete(&mut self, id: &str, expected: Option<u64>) -> Result<(), StoreError> {
        let seq = *self.by_id.get(id).ok_or(StoreError::NotFound)?;
        self.rows
            .get(&seq)
            .ok_or(StoreError::NotFound)?
            .check_version(expected)?;
        let Some(record) = self.rows.remove(&seq) else {
            return Err(StoreError::NotFound);
        };
        if let Ok(pos) = self.order.binary_search(&seq) {
            self.order.remove(pos);
        }
        self.by_id.remove(id);
        if let Some(u) = record.attrs.get_str("userName") {
            self.by_user_name.remove(&fold(u));
        }
        if let Some(e) = record.attrs.get_str("externalId") {
            self.by_external_id.remove(e, seq);
        }
        Ok(())
    }
}

impl Index for UserTable {
    type Row = Record;
    const HAS_MEMBERS: bool = false;

    fn rows(&self) -> &BTreeMap<u64, Record> {
        &self.rows
    }

    fn order(&self) -> &[u64] {
        &self.order
    }

    fn lookup(&self, key: IndexKey<'_>) -> Option<Vec<u64>> {
        match key {
            IndexKey::Id(id) => Some(self.by_id.get(id).copied().into_iter().collect()),
            IndexKey::UserName(u) => Some(
                self.by_user_name
                    .get(fold(u).as_ref())
                    .copied()
                    .into_iter()
                    .collect(),
            ),
            IndexKey::ExternalId(e) => Some(self.by_external_id.get(e)),
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
            .read(tenant, |t| {
                let seq = t.users.by_id.get(id)?;
                t.users.rows.get(seq).map(Record::to_resource)
            })
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
