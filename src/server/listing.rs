//! The seam to list queries: parsing `GET` query strings and `.search` bodies, and fetching
//! one page of matches from a store.

use serde_json::Value;

use crate::error::Error;
use crate::filter::{EvalOptions, Filter, FilterLimits};
use crate::schema::SchemaSet;
use crate::store::{GroupStore, PageRequest, Pushdown, Resource, StoreQuery, UserStore};
use crate::tenant::TenantId;

use super::decode::ProjectionParams;
use super::Limits;

/// A list request: filter, page and projection.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub(crate) filter: Option<Filter>,
    /// 1-based.
    pub(crate) start_index: usize,
    pub(crate) count: usize,
    pub(crate) projection: ProjectionParams,
}

fn parse_int(name: &str, raw: &str) -> Result<i64, Error> {
    raw.trim().parse::<i64>().map_err(|_| {
        Error::invalid_value(format!("'{name}' must be an integer, got '{raw}'"))
    })
}

fn build(
    filter: Option<&str>,
    start_index: Option<i64>,
    count: Option<i64>,
    projection: ProjectionParams,
    limits: &Limits,
) -> Result<Query, Error> {
    let filter = match filter.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => {
            let fl = FilterLimits::new().with_max_len(limits.max_filter_len);
            Some(Filter::parse_with(f, &fl).map_err(Error::from)?)
        }
        None => None,
    };
    let start_index = usize::try_from(start_index.unwrap_or(1).max(1)).unwrap_or(1);
    let count = match count {
        None => limits.max_count,
        Some(c) => usize::try_from(c.max(0))
            .unwrap_or(usize::MAX)
            .min(limits.max_count),
    };
    Ok(Query {
        filter,
        start_index,
        count,
        projection,
    })
}

/// A `GET` list query string. Unknown parameters are ignored.
pub(crate) fn from_query(
    pairs: &[(String, String)],
    projection: ProjectionParams,
    limits: &Limits,
) -> Result<Query, Error> {
    let p = |n| super::decode::param(pairs, n);
    let start = p("startIndex").map(|s| parse_int("startIndex", s)).transpose()?;
    let count = p("count").map(|s| parse_int("count", s)).transpose()?;
    build(p("filter"), start, count, projection, limits)
}

/// A `POST .search` body (RFC 7644 §3.4.3).
pub(crate) fn from_search_body(body: &Value, limits: &Limits) -> Result<Query, Error> {
    let Some(obj) = body.as_object() else {
        return Err(Error::invalid_syntax("a search request must be a JSON object"));
    };
    let get = |name: &str| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    };
    let int = |name: &str| -> Result<Option<i64>, Error> {
        match get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| Error::invalid_value(format!("'{name}' must be an integer"))),
            Some(Value::String(s)) => parse_int(name, s).map(Some),
            Some(_) => Err(Error::invalid_value(format!("'{name}' must be an integer"))),
        }
    };
    let list = |name: &str| -> Result<Option<String>, Error> {
        match get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Array(a)) => {
                let mut out = Vec::new();
                for v in a {
                    let s = v.as_str().ok_or_else(|| {
                        Error::invalid_value(format!("'{name}' must be a list of strings"))
                    })?;
                    out.push(s);
                }
                Ok(Some(out.join(",")).filter(|s| !s.is_empty()))
            }
            Some(_) => Err(Error::invalid_value(format!(
                "'{name}' must be a list of strings"
            ))),
        }
    };
    let filter = match get("filter") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(Error::invalid_value("'filter' must be a string")),
    };
    let projection = ProjectionParams {
        attributes: list("attributes")?,
        excluded: list("excludedAttributes")?,
    };
    build(filter, int("startIndex")?, int("count")?, projection, limits)
}

/// Where a list reads from.
pub(crate) enum Source<'a> {
    Users(&'a dyn UserStore),
    Groups(&'a dyn GroupStore, bool),
}

/// One page of matches: the resources at `offset .. offset + count` and the total.
pub(crate) async fn fetch(
    source: Source<'_>,
    tenant: &TenantId,
    filter: Option<&Filter>,
    schemas: &std::sync::Arc<SchemaSet>,
    offset: usize,
    count: usize,
) -> Result<(Vec<Resource>, usize), Error> {
    let bound = match filter {
        Some(f) => Some(f.bind(schemas, EvalOptions::default())?),
        None => None,
    };
    let (pushdown, caps, include_members) = match &source {
        Source::Users(s) => (
            filter.map_or(Pushdown::Exact, |f| s.filter_pushdown(f)),
            s.capabilities(),
            false,
        ),
        Source::Groups(s, m) => (
            filter.map_or(Pushdown::Exact, |f| s.filter_pushdown(f)),
            s.capabilities(),
            *m,
        ),
    };
    let exact = pushdown == Pushdown::Exact;
    let query = StoreQuery {
        filter: if pushdown == Pushdown::None {
            None
        } else {
            filter.cloned()
        },
        sort: None,
        page: (exact && caps.paging).then_some(PageRequest { offset, count }),
        include_members,
        schemas: std::sync::Arc::clone(schemas),
    };
    let page = match source {
        Source::Users(s) => s.list(tenant, &query).await,
        Source::Groups(s, _) => s.list(tenant, &query).await,
    }
    .map_err(super::context::store_failure)?;
    if query.page.is_some() {
        return Ok((page.resources, page.total_results));
    }
    let mut matches = page.resources;
    if let (false, Some(b)) = (exact, &bound) {
        matches.retain(|r| b.matches(r));
    }
    let total = matches.len();
    let resources = matches.into_iter().skip(offset).take(count).collect();
    Ok((resources, total))
}
