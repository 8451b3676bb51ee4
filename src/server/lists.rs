//! List endpoints: `GET /Users`, `GET /Groups`, the three `.search` endpoints.
//!
//! `User.groups` is derived per user, so lists include it only when `attributes` names it
//! (a page of 1,000 users would otherwise cost 1,000 membership look-ups).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::{json, Value};

use super::context::Ctx;
use super::decode::{self, View};
use super::engine::Shape;
use super::{encode, engine, groups, users};
use crate::error::Error;
use crate::list::{ListQuery, LIST_RESPONSE_SCHEMA};

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

async fn user_page(cx: &Ctx<'_>, q: &ListQuery) -> Result<(Vec<Value>, usize), Error> {
    let schemas = cx.user_schemas();
    let outcome = engine::list_users(&*cx.svc.users, &cx.tenant, q, schemas.clone()).await?;
    let view = view_of(q);
    let shape = Shape::new(&view, &schemas);
    let with_groups = !view.attributes.is_empty() && shape.needs("groups");
    let mut out = Vec::with_capacity(outcome.resources.len());
    for mut r in outcome.resources {
        if with_groups {
            users::attach_groups(cx, &mut r, &shape).await?;
        }
        out.push(Value::Object(users::represent(cx, &r, &schemas, &shape)));
    }
    Ok((out, outcome.total_results))
}

async fn group_page(cx: &Ctx<'_>, q: &ListQuery) -> Result<(Vec<Value>, usize), Error> {
    let schemas = cx.group_schemas();
    let store = cx.groups()?;
    let shape = Shape::new(&view_of(q), &schemas);
    let members = shape.needs("members");
    let outcome = engine::list_groups(&**store, &cx.tenant, q, schemas.clone(), members).await?;
    let out = outcome
        .resources
        .iter()
        .map(|r| Value::Object(groups::represent(cx, r, &schemas, &shape)))
        .collect();
    Ok((out, outcome.total_results))
}

fn respond(q: &ListQuery, total: usize, resources: Vec<Value>) -> Response<Bytes> {
    encode::json(
        StatusCode::OK,
        &list_response(total, q.start_index, resources),
    )
}

/// `GET /Users`.
pub(crate) async fn list_users_get(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = get_query(cx, req)?;
    let (resources, total) = user_page(cx, &q).await?;
    Ok(respond(&q, total, resources))
}

/// `POST /Users/.search`.
pub(crate) async fn list_users_search(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    let (resources, total) = user_page(cx, &q).await?;
    Ok(respond(&q, total, resources))
}

/// `GET /Groups`.
pub(crate) async fn list_groups_get(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = get_query(cx, req)?;
    let (resources, total) = group_page(cx, &q).await?;
    Ok(respond(&q, total, resources))
}

/// `POST /Groups/.search`.
pub(crate) async fn list_groups_search(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    let (resources, total) = group_page(cx, &q).await?;
    Ok(respond(&q, total, resources))
}

/// `POST /.search`: Users, then Groups, as one result list. The filter is evaluated
/// against each type's schemas (so `userName eq "x"` finds no group); `sortBy` orders
/// within each type; paging spans both.
pub(crate) async fn search_all(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    let (mut resources, user_total) = user_page(cx, &q).await?;
    let mut total = user_total;
    if cx.svc.groups.is_some() {
        // The groups' part of the page starts where the users end.
        let offset = q.start_index.saturating_sub(1);
        let mut gq = q.clone();
        gq.start_index = offset.saturating_sub(user_total) + 1;
        gq.count = q.count.saturating_sub(resources.len());
        let (more, group_total) = group_page(cx, &gq).await?;
        resources.extend(more);
        total += group_total;
    }
    Ok(respond(&q, total, resources))
}
