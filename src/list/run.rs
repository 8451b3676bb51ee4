//! Executing a [`ListQuery`] over a store: push down what the store declares, do the rest
//! in memory, keep `totalResults` and `startIndex` exact.

use std::sync::Arc;

use super::deps::bind_filter;
use super::query::ListQuery;
use super::sort::Sorter;
use crate::error::Error;
use crate::filter::{BoundFilter, Filter};
use crate::path::AttrPath;
use crate::schema::SchemaSet;
use crate::store::{
    Capabilities, GroupStore, Pushdown, Resource, StorePage, StoreQuery, UserStore,
};
use crate::tenant::TenantId;

/// The result of a list: one page of stored resources (not yet rendered or projected)
/// and the numbers a [`ListResponse`](super::ListResponse) needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ListOutcome {
    /// The number of matches before paging.
    pub total_results: usize,
    /// The 1-based index of the first resource of the page (the query's `startIndex`).
    pub start_index: usize,
    /// The page, in order; never more than the query's `count`.
    pub resources: Vec<Resource>,
}

/// Lists users of `tenant` (RFC 7644 §3.4.2).
///
/// The filter is checked against `schemas` first (`400 invalidFilter` before any store
/// call). Then the store gets what it declared it can do: with an exact filter (or none),
/// paging and, when sorting, sort support, it pages itself and its total is trusted;
/// otherwise it returns every candidate and the filter (unless exact), the sort (unless
/// the store sorted) and the page are applied here.
pub async fn list_users(
    store: &dyn UserStore,
    tenant: &TenantId,
    query: &ListQuery,
    schemas: Arc<SchemaSet>,
) -> Result<ListOutcome, Error> {
    let plan = Plan::new(query, &schemas, store.capabilities(), |f| {
        store.filter_pushdown(f)
    })?;
    let store_query = plan.store_query(query, schemas.clone(), false);
    let page = store.list(tenant, &store_query).await?;
    Ok(plan.finish(query, &schemas, page))
}

/// Lists groups of `tenant`, with `members` when `include_members` is true (see
/// [`list_users`] for how work is split with the store).
///
/// When the filter or sort needs `members` but the caller does not (e.g.
/// `excludedAttributes=members&filter=members[value eq "..."]` on a store that does not
/// evaluate the filter), members are loaded for the evaluation and removed afterwards.
pub async fn list_groups(
    store: &dyn GroupStore,
    tenant: &TenantId,
    query: &ListQuery,
    schemas: Arc<SchemaSet>,
    include_members: bool,
) -> Result<ListOutcome, Error> {
    let plan = Plan::new(query, &schemas, store.capabilities(), |f| {
        store.filter_pushdown(f)
    })?;
    let load_members = include_members || plan.in_memory_needs(query, "members");
    let store_query = plan.store_query(query, schemas.clone(), load_members);
    let page = store.list(tenant, &store_query).await?;
    let mut outcome = plan.finish(query, &schemas, page);
    if load_members && !include_members {
        for r in &mut outcome.resources {
            r.attributes
                .retain(|k, _| !k.eq_ignore_ascii_case("members"));
        }
    }
    Ok(outcome)
}

/// How one list request is split between the store and this module.
struct Plan {
    bound: Option<BoundFilter>,
    pushdown: Pushdown,
    /// The store sorts (and the query sorts).
    store_sorts: bool,
    /// The store pages and reports the total.
    store_pages: bool,
}

impl Plan {
    fn new(
        query: &ListQuery,
        schemas: &SchemaSet,
        caps: Capabilities,
        pushdown: impl FnOnce(&Filter) -> Pushdown,
    ) -> Result<Plan, Error> {
        let bound = match &query.filter {
            Some(f) => Some(bind_filter(f, schemas)?),
            None => None,
        };
        if let Some(path) = &query.sort_by {
            check_sort_path(path, schemas)?;
        }
        // Without a filter there is nothing to evaluate: the store's answer is exact.
        let pushdown = query.filter.as_ref().map_or(Pushdown::Exact, pushdown);
        let exact = pushdown == Pushdown::Exact;
        let sorting = query.sort_by.is_some();
        let store_sorts = exact && sorting && caps.sort;
        let store_pages = exact && caps.paging && (!sorting || caps.sort);
        Ok(Plan {
            bound,
            pushdown,
            store_sorts,
            store_pages,
        })
    }

    fn store_query(
        &self,
        query: &ListQuery,
        schemas: Arc<SchemaSet>,
        include_members: bool,
    ) -> StoreQuery {
        StoreQuery {
            filter: match self.pushdown {
                Pushdown::None => None,
                _ => query.filter.clone(),
            },
            sort: if self.store_sorts {
                query.sort_key()
            } else {
                None
            },
            page: self.store_pages.then(|| query.page()),
            include_members,
            schemas,
        }
    }

    /// Whether the filter or sort evaluated here reads top-level attribute `name`.
    fn in_memory_needs(&self, query: &ListQuery, name: &str) -> bool {
        let filter_here = self.pushdown != Pushdown::Exact;
        let sort_here = query.sort_by.is_some() && !self.store_sorts;
        (filter_here && query.filter.as_ref().is_some_and(|f| mentions(f, name)))
            || (sort_here
                && query
                    .sort_by
                    .as_ref()
                    .is_some_and(|p| p.name().eq_ignore_ascii_case(name)))
    }

    fn finish(&self, query: &ListQuery, schemas: &SchemaSet, page: StorePage) -> ListOutcome {
        let start_index = query.start_index.max(1);
        let mut resources = page.resources;
        if self.store_pages {
            // A store must not return more than asked; enforce it rather than trust it.
            resources.truncate(query.count);
            return ListOutcome {
                total_results: page.total_results,
                start_index,
                resources,
            };
        }
        if self.pushdown != Pushdown::Exact {
            if let Some(bound) = &self.bound {
                resources.retain(|r| bound.matches(r));
            }
        }
        if let (Some(key), false) = (query.sort_key(), self.store_sorts) {
            Sorter::new(&key, schemas).sort(&mut resources);
        }
        let total_results = resources.len();
        let page = query.page();
        let resources = resources
            .into_iter()
            .skip(page.offset)
            .take(page.count)
            .collect();
        ListOutcome {
            total_results,
            start_index,
            resources,
        }
    }
}

/// `400 invalidValue` when `sortBy` names an attribute that is never returned
/// (`password`): the order of the results would disclose its values.
fn check_sort_path(path: &AttrPath, schemas: &SchemaSet) -> Result<(), Error> {
    let hidden = schemas
        .resolve(path)
        .is_some_and(|r| r.attr.never_returned() || r.sub.is_some_and(|s| s.never_returned()));
    if hidden {
        return Err(Error::invalid_value(format!(
            "'sortBy': '{path}' is never returned, so it cannot sort"
        )));
    }
    Ok(())
}

/// Whether `filter` reads top-level attribute `name` (of any schema).
fn mentions(filter: &Filter, name: &str) -> bool {
    let is = |p: &AttrPath| p.name().eq_ignore_ascii_case(name);
    match filter {
        Filter::Present(p) | Filter::Compare(p, ..) | Filter::ValuePath(p, _) => is(p),
        Filter::Not(f) => mentions(f, name),
        Filter::And(fs) | Filter::Or(fs) => fs.iter().any(|f| mentions(f, name)),
    }
}
