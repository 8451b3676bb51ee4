//! List endpoints: `GET /Users`, `GET /Groups`, the three `.search` endpoints.
//!
//! `User.groups` is derived per user, so lists include it only when `attributes` names it
//! (a page of 1,000 users would otherwise cost 1,000 membership look-ups).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::{json, Value};

use super::context::Ctx;
use super::decode::{self, ProjectionParams};
use super::listing::{self, Query, Source};
use super::{encode, groups, users};
use crate::error::Error;

/// The schema URN of a list response (RFC 7644 §3.4.2).
pub(crate) const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A ListResponse body with integer `totalResults`, `startIndex` and `itemsPerPage`.
pub(crate) fn list_response(total: usize, start_index: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

fn get_query(cx: &Ctx<'_>, req: &Request<Bytes>) -> Result<Query, Error> {
    let pairs = decode::query_pairs(req);
    listing::from_query(&pairs, ProjectionParams::from_request(req), &cx.svc.limits)
}

fn search_query(cx: &Ctx<'_>, req: &Request<Bytes>) -> Result<Query, Error> {
    let body = decode::json_body(req, cx.svc.limits.max_body_bytes)?;
    listing::from_search_body(&body, &cx.svc.limits)
}

async fn user_page(
    cx: &Ctx<'_>,
    q: &Query,
    offset: usize,
    count: usize,
) -> Result<(Vec<Value>, usize), Error> {
    let schemas = cx.user_schemas();
    let (found, total) = listing::fetch(
        Source::Users(&*cx.svc.users),
        &cx.tenant,
        q.filter.as_ref(),
        &schemas,
        offset,
        count,
    )
    .await?;
    let with_groups = q.projection.attributes.is_some() && q.projection.may_return("groups");
    let mut out = Vec::with_capacity(found.len());
    for mut r in found {
        if with_groups {
            users::attach_groups(cx, &mut r, &q.projection).await?;
        }
        out.push(Value::Object(users::represent(cx, &r, &schemas, &q.projection)?));
    }
    Ok((out, total))
}

async fn group_page(
    cx: &Ctx<'_>,
    q: &Query,
    offset: usize,
    count: usize,
) -> Result<(Vec<Value>, usize), Error> {
    let schemas = cx.group_schemas();
    let store = cx.groups()?;
    let (found, total) = listing::fetch(
        Source::Groups(&**store, q.projection.may_return("members")),
        &cx.tenant,
        q.filter.as_ref(),
        &schemas,
        offset,
        count,
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        out.push(Value::Object(groups::represent(cx, &r, &schemas, &q.projection)?));
    }
    Ok((out, total))
}

fn respond(q: &Query, total: usize, resources: Vec<Value>) -> Response<Bytes> {
    encode::json(StatusCode::OK, &list_response(total, q.start_index, resources))
}

async fn users_with(cx: &Ctx<'_>, q: Query) -> Result<Response<Bytes>, Error> {
    let (resources, total) = user_page(cx, &q, q.start_index - 1, q.count).await?;
    Ok(respond(&q, total, resources))
}

async fn groups_with(cx: &Ctx<'_>, q: Query) -> Result<Response<Bytes>, Error> {
    let (resources, total) = group_page(cx, &q, q.start_index - 1, q.count).await?;
    Ok(respond(&q, total, resources))
}

/// `GET /Users`.
pub(crate) async fn list_users_get(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = get_query(cx, req)?;
    users_with(cx, q).await
}

/// `POST /Users/.search`.
pub(crate) async fn list_users_search(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    users_with(cx, q).await
}

/// `GET /Groups`.
pub(crate) async fn list_groups_get(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = get_query(cx, req)?;
    groups_with(cx, q).await
}

/// `POST /Groups/.search`.
pub(crate) async fn list_groups_search(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    groups_with(cx, q).await
}

/// `POST /.search`: Users, then Groups, as one result list. The filter is evaluated
/// against each type's schemas, so `userName eq "x"` finds no group; paging spans both.
pub(crate) async fn search_all(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let q = search_query(cx, req)?;
    let offset = q.start_index - 1;
    let (mut resources, user_total) = user_page(cx, &q, offset, q.count).await?;
    let mut total = user_total;
    if cx.svc.groups.is_some() {
        let group_offset = offset.saturating_sub(user_total);
        let group_count = q.count - resources.len();
        let (more, group_total) = group_page(cx, &q, group_offset, group_count).await?;
        resources.extend(more);
        total += group_total;
    }
    Ok(respond(&q, total, resources))
}
