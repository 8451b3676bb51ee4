//! List endpoints: `GET /Users`, `GET /Groups`, the three `.search` endpoints.
//!
//! `User.groups` is derived per user, so lists include it only when `attributes` names it
//! (a page of 1,000 users would otherwise cost 1,000 membership look-ups), and a Users
//! filter on it is refused rather than answered wrongly by a store that does not hold it.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::{json, Value};

use super::context::Ctx;
use super::decode::{self, View};
use super::engine::{MemberRefs, Shape};
use super::{encode, engine, users};
use crate::error::Error;
use crate::list::{ListQuery, LIST_RESPONSE_SCHEMA};
use crate::schema::{Location, SchemaSet};
use crate::store::Resource;

/// A ListResponse body with integer `totalResults`, `startIndex` and `itemsPerPage`
/// (built directly: the resources are moved, not cloned).
pub(crate) fn list_response(total: usize, start_index: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

fn view_of(q: &ListQuery) -> View {
    View {
        attributes: q.attributes.clone(),
        excluded: q.excluded_attributes.clone(),
    }
}

fn get_query(cx: &Ctx<'_>, req: &Request<Bytes>) -> Result<ListQuery, Error> {
    engine::list_query(req.uri().query().unwrap_or_default(), &cx.svc.limits)
}

fn search_query(cx: &Ctx<'_>, req: &Request<Bytes>) -> Result<ListQuery, Error> {
    let body = decode::json_body(req, cx.svc.limits.max_body_bytes)?;
    engine::search_query(&body, &cx.svc.limits)
}

/// One page of one resource type, fetched and ready to be written.
struct Page {
    resources: Vec<Resource>,
    total: usize,
    schemas: Arc<SchemaSet>,
    shape: Shape,
    refs: MemberRefs,
}

/// `400 invalidFilter` when a Users filter reads `groups` while a group store derives it:
/// the user store does not hold memberships, so it would match nothing, a silently wrong
/// answer. (Without a group store no user has `groups`, and matching nothing is right.)
fn refuse_derived_groups_filter(
    cx: &Ctx<'_>,
    q: &ListQuery,
    schemas: &SchemaSet,
) -> Result<(), Error> {
    let (Some(filter), Some(_)) = (&q.filter, &cx.svc.groups) else {
        return Ok(());
    };
    let reads_groups = filter.attr_paths().iter().any(|p| {
        schemas
            .resolve(p)
            .is_some_and(|r| r.location == Location::Core && r.attr.name == "groups")
    });
    if reads_groups {
        return Err(Error::invalid_filter(
            "Users cannot be filtered on 'groups', which is derived from group membership; \
             query /Groups with filter=members[value eq \"<user id>\"] instead",
        ));
    }
    Ok(())
}

async fn user_page(cx: &Ctx<'_>, q: &ListQuery) -> Result<Page, Error> {
    let schemas = cx.user_schemas();
    refuse_derived_groups_filter(cx, q, &schemas)?;
    let outcome = engine::list_users(&*cx.svc.users, &cx.tenant, q, schemas.clone()).await?;
    let view = view_of(q);
    let shape = Shape::new(&view, &schemas);
    let with_groups = !view.attributes.is_empty() && shape.needs("groups");
    let mut resources = outcome.resources;
    if with_groups {
        for r in &mut resources {
            users::attach_groups(cx, r, &shape).await?;
        }
    }
    Ok(Page {
        resources,
        total: outcome.total_results,
        schemas,
        shape,
        refs: MemberRefs::No,
    })
}

async fn group_page(cx: &Ctx<'_>, q: &ListQuery) -> Result<Page, Error> {
    let schemas = cx.group_schemas();
    let store = cx.groups()?;
    let shape = Shape::new(&view_of(q), &schemas);
    let members = shape.needs("members");
    let outcome = engine::list_groups(&**store, &cx.tenant, q, schemas.clone(), members).await?;
    Ok(Page {
        resources: outcome.resources,
        total: outcome.total_results,
        schemas,
        shape,
        refs: MemberRefs::Add,
    })
}

/// The ListResponse (integer `totalResults`, `startIndex`, `itemsPerPage`), each resource
/// written straight into the body.
fn respond(cx: &Ctx<'_>, q: &ListQuery, pages: &[Page]) -> Response<Bytes> {
    let total: usize = pages.iter().map(|p| p.total).sum();
    let items: usize = pages.iter().map(|p| p.resources.len()).sum();
    let mut out = Vec::with_capacity(256 + 1024 * items);
    out.extend_from_slice(b"{\"schemas\":[\"");
    out.extend_from_slice(LIST_RESPONSE_SCHEMA.as_bytes());
    out.extend_from_slice(b"\"],\"totalResults\":");
    out.extend_from_slice(total.to_string().as_bytes());
    out.extend_from_slice(b",\"startIndex\":");
    out.extend_from_slice(q.start_index.to_string().as_bytes());
    out.extend_from_slice(b",\"itemsPerPage\":");
    out.extend_from_slice(items.to_string().as_bytes());
    out.extend_from_slice(b",\"Resources\":[");
    let mut first = true;
    for page in pages {
        for r in &page.resources {
            if !first {
                out.push(b',');
            }
            first = false;
            page.shape
                .write(&mut out, r, &page.schemas, &cx.base_url, page.refs);
        }
    }
    out.extend_from_slice(b"]}");
    encode::json_bytes(StatusCode::OK, out)
}

/// `GET /Users`.
pub(crate) async fn list_users_get(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = get_query(cx, req)?;
    let page = user_page(cx, &q).await?;
    Ok(respond(cx, &q, &[page]))
}

/// `POST /Users/.search`.
pub(crate) async fn list_users_search(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    let page = user_page(cx, &q).await?;
    Ok(respond(cx, &q, &[page]))
}

/// `GET /Groups`.
pub(crate) async fn list_groups_get(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = get_query(cx, req)?;
    let page = group_page(cx, &q).await?;
    Ok(respond(cx, &q, &[page]))
}

/// `POST /Groups/.search`.
pub(crate) async fn list_groups_search(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    let page = group_page(cx, &q).await?;
    Ok(respond(cx, &q, &[page]))
}

/// `POST /.search`: Users, then Groups, as one result list. The filter is evaluated
/// against each type's schemas (so `userName eq "x"` finds no group); `sortBy` orders
/// within each type; paging spans both.
pub(crate) async fn search_all(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    let users = user_page(cx, &q).await?;
    let mut pages = Vec::with_capacity(2);
    if cx.svc.groups.is_some() {
        // The groups' part of the page starts where the users end.
        let offset = q.start_index.saturating_sub(1);
        let mut gq = q.clone();
        gq.start_index = offset.saturating_sub(users.total) + 1;
        gq.count = q.count.saturating_sub(users.resources.len());
        let groups = group_page(cx, &gq).await?;
        pages.push(users);
        pages.push(groups);
    } else {
        pages.push(users);
    }
    Ok(respond(cx, &q, &pages))
}
