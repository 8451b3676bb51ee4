//! Listing: index planning, filtering, sorting and paging shared by users and groups.

use super::compact::Keys;
use super::rows::{Rows, Sequenced};
use super::Record;
use crate::filter::{BoundFilter, CompValue, CompareOp, EvalOptions, Filter};
use crate::list::Sorter;
use crate::path::AttrPath;
use crate::schema::{Location, SchemaSet};
use crate::store::{PageRequest, Resource, SortKey, StoreError, StorePage, StoreQuery};

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

    /// The row's stored record (without store-managed `members`).
    fn record<'r>(&self, row: &'r Self::Row) -> &'r Record;
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
    if let Some(f) = bound.as_ref().filter(|f| compact_ok::<T>(f)) {
        let keys = Keys::of(f);
        return Ok(match planned {
            Some(seqs) => {
                let rows = seqs.iter().filter_map(|s| rows.get(s));
                compact_page(table, q, f, &keys, rows)
            }
            None => compact_page(table, q, f, &keys, rows.values()),
        });
    }
    let candidates: Box<dyn Iterator<Item = &T::Row>> = match planned {
        Some(seqs) => Box::new(seqs.into_iter().filter_map(|s| rows.get(&s))),
        None => Box::new(rows.values()),
    };
    let matched: Vec<Resource> = candidates
        .map(|r| table.resource(r, true))
        .filter(|r| bound.as_ref().map_or(true, |f| f.matches(r)))
        .collect();
    Ok(match &q.sort {
        Some(key) => sorted_page::<T>(key, q, matched),
        None => {
            let total_results = matched.len();
            let mut page = StorePage {
                resources: page_of(matched, q.page).collect(),
                total_results,
            };
            strip_members::<T>(q, &mut page.resources);
            page
        }
    })
}

/// The page of `candidates` that match `filter`, tested in their compact form: only the
/// rows returned are expanded (or, to sort, the rows that match).
fn compact_page<'a, T: Index>(
    table: &T,
    q: &StoreQuery,
    filter: &BoundFilter,
    keys: &Keys,
    candidates: impl Iterator<Item = &'a T::Row>,
) -> StorePage
where
    T::Row: 'a,
{
    let matched = Prefetched::new(candidates, |r: &T::Row| table.record(r))
        .filter(|r| filter.matches_target(table.record(r).compact(keys)));
    if let Some(key) = &q.sort {
        let resources = matched.map(|r| table.resource(r, true)).collect();
        return sorted_page::<T>(key, q, resources);
    }
    let (offset, count) = q.page.map_or((0, usize::MAX), |p| (p.offset, p.count));
    let mut resources = Vec::new();
    let mut total_results = 0usize;
    for r in matched {
        if total_results >= offset && resources.len() < count {
            resources.push(table.resource(r, q.include_members));
        }
        total_results += 1;
    }
    StorePage {
        resources,
        total_results,
    }
}

/// An iterator over rows that reads ahead: it takes rows in batches and touches every
/// cache line of each record's buffer before handing out the first, so that the cache
/// misses of a batch overlap instead of stalling the evaluation of each row in turn.
/// (A scan over a large tenant is bound by memory latency: the records and their buffers
/// are scattered over the heap.)
struct Prefetched<'a, R, I, F> {
    rows: I,
    record: F,
    batch: std::collections::VecDeque<&'a R>,
}

/// Rows per batch: enough misses in flight to fill a core's line-fill buffers.
const READ_AHEAD: usize = 16;

impl<'a, R, I: Iterator<Item = &'a R>, F: Fn(&'a R) -> &'a Record> Prefetched<'a, R, I, F> {
    fn new(rows: I, record: F) -> Self {
        Prefetched {
            rows,
            record,
            batch: std::collections::VecDeque::with_capacity(READ_AHEAD),
        }
    }
}

impl<'a, R, I: Iterator<Item = &'a R>, F: Fn(&'a R) -> &'a Record> Iterator
    for Prefetched<'a, R, I, F>
{
    type Item = &'a R;

    fn next(&mut self) -> Option<&'a R> {
        if self.batch.is_empty() {
            self.batch.extend(self.rows.by_ref().take(READ_AHEAD));
            let touched = self
                .batch
                .iter()
                .fold(0u8, |acc, r| acc ^ (self.record)(r).attrs.touch());
            std::hint::black_box(touched);
        }
        self.batch.pop_front()
    }
}

/// Whether `filter` can be tested on a row's compact record: it reads only stored
/// attributes, not the store-managed `members` of groups.
fn compact_ok<T: Index>(filter: &BoundFilter) -> bool {
    !T::HAS_MEMBERS || !filter.names().iter().any(|n| &**n == "members")
}

/// The items of `page` (all of them without one).
fn page_of<I>(items: Vec<I>, page: Option<PageRequest>) -> impl Iterator<Item = I> {
    let (offset, count) = page.map_or((0, usize::MAX), |p| (p.offset, p.count));
    items.into_iter().skip(offset).take(count)
}

/// Sorts the matched resources (with `members`) and takes the page.
fn sorted_page<T: Index>(key: &SortKey, q: &StoreQuery, mut matched: Vec<Resource>) -> StorePage {
    sort_resources(key, &q.schemas, &mut matched);
    let total_results = matched.len();
    let mut resources: Vec<Resource> = page_of(matched, q.page).collect();
    strip_members::<T>(q, &mut resources);
    StorePage {
        resources,
        total_results,
    }
}

fn strip_members<T: Index>(q: &StoreQuery, resources: &mut [Resource]) {
    if T::HAS_MEMBERS && !q.include_members {
        for r in resources {
            r.attributes.remove("members");
        }
    }
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
