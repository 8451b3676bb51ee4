//! Listing: index planning, filtering, sorting and paging shared by users and groups.

use super::rows::{Rows, Sequenced};
use crate::filter::{BoundFilter, CompValue, CompareOp, EvalOptions, Filter};
use crate::list::Sorter;
use crate::path::AttrPath;
use crate::schema::{Location, SchemaSet};
use crate::store::{Resource, SortKey, StoreError, StorePage, StoreQuery};

/// An exact lookup one of the indexes can answer.
#[derive(Debug, Clone, Copy)]
pub(super) enum IndexKey<'a> {
    Id(&'a str),
    UserName(&'a str),
    ExternalId(&'a str),
    DisplayName(&'a str),
    Member(&'a str),
}

/// A table of resources in creation order, with indexes.
pub(super) trait Index {
    type Row: Sequenced;

    /// Whether resources have a store-managed `members` attribute.
    const HAS_MEMBERS: bool;

    /// Every row, by creation sequence number.
    fn rows(&self) -> &Rows<Self::Row>;

    /// The rows whose indexed value matches `key` (a superset of the matches of the
    /// comparison it came from); `None` when there is no such index.
    fn lookup(&self, key: IndexKey<'_>) -> Option<Vec<u64>>;

    /// The row as a resource (with `members` for groups when asked).
    fn resource(&self, row: &Self::Row, include_members: bool) -> Resource;
}

/// The answer for a tenant that has never stored anything.
pub(super) fn empty(_query: &StoreQuery) -> StorePage {
    StorePage::default()
}

fn bind(filter: &Filter, schemas: &SchemaSet) -> Result<BoundFilter, StoreError> {
    // The library binds (and rejects) filters before pushing them down, so a failure here
    // is a bug, not a client error.
    filter
        .bind(schemas, EvalOptions::default())
        .map_err(|e| StoreError::Other(Box::new(e)))
}

fn sort_resources(key: &SortKey, schemas: &SchemaSet, resources: &mut [Resource]) {
    // Stable, so ties keep creation order and pages stay consistent.
    Sorter::new(key, schemas).sort(resources);
}

/// Answers a list query over `table`.
pub(super) fn list<T: Index>(table: &T, q: &StoreQuery) -> Result<StorePage, StoreError> {
    let rows = table.rows();
    if q.filter.is_none() && q.sort.is_none() {
        let resources = match q.page {
            // Jump to the first row of the page instead of walking the rows before it.
            Some(p) => rows
                .starting_at(p.offset)
                .take(p.count)
                .map(|r| table.resource(r, q.include_members))
                .collect(),
            None => rows
                .values()
                .map(|r| table.resource(r, q.include_members))
                .collect(),
        };
        return Ok(StorePage {
            resources,
            total_results: rows.len(),
        });
    }
    let bound = q.filter.as_ref().map(|f| bind(f, &q.schemas)).transpose()?;
    let planned = q
        .filter
        .as_ref()
        .and_then(|f| plan(f, &q.schemas, table))
        .map(|mut seqs| {
            seqs.sort_unstable();
            seqs.dedup();
            seqs
        });
    let candidates: Box<dyn Iterator<Item = &T::Row>> = match planned {
        Some(seqs) => Box::new(seqs.into_iter().filter_map(|s| rows.get(&s))),
        None => Box::new(rows.values()),
    };
    // Filters and sort keys may name `members`, so evaluate on the full resource.
    let mut matched: Vec<Resource> = candidates
        .map(|r| table.resource(r, true))
        .filter(|r| bound.as_ref().map_or(true, |f| f.matches(r)))
        .collect();
    if let Some(key) = &q.sort {
        sort_resources(key, &q.schemas, &mut matched);
    }
    let total_results = matched.len();
    let mut resources: Vec<Resource> = match q.page {
        Some(p) => matched.into_iter().skip(p.offset).take(p.count).collect(),
        None => matched,
    };
    if T::HAS_MEMBERS && !q.include_members {
        for r in &mut resources {
            r.attributes.remove("members");
        }
    }
    Ok(StorePage {
        resources,
        total_results,
    })
}

/// Candidate rows for `filter` from the indexes, or `None` when it needs a scan.
fn plan<T: Index>(filter: &Filter, schemas: &SchemaSet, table: &T) -> Option<Vec<u64>> {
    match filter {
        Filter::Compare(path, CompareOp::Eq, CompValue::String(v)) => {
            table.lookup(index_key(path, v, schemas)?)
        }
        Filter::ValuePath(path, inner) => match inner.as_ref() {
            Filter::Compare(sub, CompareOp::Eq, CompValue::String(v))
                if sub.sub().is_none() && sub.urn().is_none() =>
            {
                let full = AttrPath::new(
                    path.urn().map(str::to_string),
                    path.name(),
                    Some(sub.name().to_string()),
                );
                table.lookup(index_key(&full, v, schemas)?)
            }
            _ => None,
        },
        Filter::And(fs) => fs
            .iter()
            .filter_map(|f| plan(f, schemas, table))
            .min_by_key(Vec::len),
        Filter::Or(fs) => {
            let mut all = Vec::new();
            for f in fs {
                all.extend(plan(f, schemas, table)?);
            }
            Some(all)
        }
        _ => None,
    }
}

/// The index answering `path eq value`, if any. Case-insensitive indexes hold folded
/// keys, which yields a superset under either case rule; exact indexes are used only for
/// case-exact attributes.
fn index_key<'v>(path: &AttrPath, value: &'v str, schemas: &SchemaSet) -> Option<IndexKey<'v>> {
    let r = schemas.resolve(path)?;
    if r.location != Location::Core {
        return None;
    }
    match (r.attr.name.as_str(), r.sub) {
        ("id", None) if r.attr.case_exact => Some(IndexKey::Id(value)),
        ("externalId", None) if r.attr.case_exact => Some(IndexKey::ExternalId(value)),
        ("userName", None) => Some(IndexKey::UserName(value)),
        ("displayName", None) => Some(IndexKey::DisplayName(value)),
        ("members", Some(s)) if s.name == "value" && s.case_exact => Some(IndexKey::Member(value)),
        _ => None,
    }
}
