//! `/Users` and `/Users/{id}`.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::{json, Map, Value};

use super::change::{self, activation, is_active, ChangeKind};
use super::context::{store_failure, Ctx};
use super::decode::{self, View};
use super::engine::{MemberRefs, Shape};
use super::etag::{self, IfMatch};
use super::{encode, engine, Passwords, PatchResponse, ResourceKind};
use crate::error::Error;
use crate::schema::{Mutability, SchemaSet};
use crate::store::{NewResource, Resource, StoreError};

/// How often a write without `If-Match` is retried when a concurrent write bumped the
/// version between our read and our write.
pub(crate) const WRITE_ATTEMPTS: usize = 8;

/// What one attempt of a versioned write (attempt `attempt` of [`WRITE_ATTEMPTS`]) came
/// to: the written resource, or `None` when a concurrent write bumped the version first
/// and the request, having no `If-Match`, may read again and retry. A vanished resource
/// is `not_found`; any other store error is a store failure. A request without `If-Match`
/// that loses every attempt gets [`contended`], not 412: it set no precondition.
pub(crate) fn write_attempt(
    written: Result<Resource, StoreError>,
    if_match: &IfMatch,
    attempt: usize,
    not_found: impl FnOnce() -> Error,
) -> Result<Option<Resource>, Error> {
    match written {
        Ok(res) => Ok(Some(res)),
        Err(StoreError::VersionMismatch) if if_match.is_absent() => {
            if attempt < WRITE_ATTEMPTS {
                Ok(None)
            } else {
                Err(contended())
            }
        }
        Err(StoreError::NotFound) => Err(not_found()),
        Err(e) => Err(store_failure(e)),
    }
}

/// 503 for a write without `If-Match` that lost [`WRITE_ATTEMPTS`] races in a row to other
/// writes of the same resource: nothing was written and a retry is safe (IdPs retry 503).
pub(crate) fn contended() -> Error {
    Error::new(
        crate::error::ErrorKind::Unavailable,
        "the resource is being modified by other requests at the same moment; nothing was \
         written, retry",
    )
}

fn user_not_found(id: &str) -> Error {
    Error::not_found(format!("User '{id}' not found"))
}

async fn load(cx: &Ctx<'_>, id: &str) -> Result<Resource, Error> {
    cx.svc
        .users
        .get(&cx.tenant, id)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| user_not_found(id))
}

/// Adds the derived, read-only `groups` attribute when a group store is configured and the
/// projection may return it.
pub(crate) async fn attach_groups(
    cx: &Ctx<'_>,
    res: &mut Resource,
    shape: &Shape,
) -> Result<(), Error> {
    let Some(groups) = &cx.svc.groups else {
        return Ok(());
    };
    if !shape.needs("groups") {
        return Ok(());
    }
    let refs = groups
        .groups_of(&cx.tenant, &res.id)
        .await
        .map_err(store_failure)?;
    if refs.is_empty() {
        res.attributes.remove("groups");
        return Ok(());
    }
    let list = refs
        .into_iter()
        .map(|g| {
            let mut m = Map::new();
            m.insert("value".into(), Value::String(g.id.clone()));
            m.insert("$ref".into(), Value::String(cx.group_location(&g.id)));
            if let Some(d) = g.display {
                m.insert("display".into(), Value::String(d));
            }
            m.insert("type".into(), json!("direct"));
            Value::Object(m)
        })
        .collect();
    res.attributes.insert("groups".into(), Value::Array(list));
    Ok(())
}

/// Writes the representation of a user for a response, projected, into `out`.
pub(crate) fn write(
    cx: &Ctx<'_>,
    out: &mut Vec<u8>,
    res: &Resource,
    schemas: &SchemaSet,
    shape: &Shape,
) {
    shape.write(out, res, schemas, &cx.base_url, MemberRefs::No);
}

/// The representation of `res` projected by `view`, which the handlers read from the
/// query string before they write anything: a malformed `attributes` is refused before
/// the change is made, not after.
async fn respond(
    cx: &Ctx<'_>,
    view: &View,
    mut res: Resource,
    schemas: &SchemaSet,
    status: StatusCode,
) -> Result<Response<Bytes>, Error> {
    let shape = Shape::new(view, schemas);
    attach_groups(cx, &mut res, &shape).await?;
    let mut body = Vec::with_capacity(1024);
    write(cx, &mut body, &res, schemas, &shape);
    let location = (status == StatusCode::CREATED).then(|| cx.user_location(&res.id));
    Ok(encode::resource(
        status,
        body,
        res.version,
        location.as_deref(),
    ))
}

/// `POST /Users`.
pub(crate) async fn create(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let view = View::from_request(req)?;
    let body = decode::json_body(req, cx.svc.limits.max_body_bytes)?;
    let schemas = cx.user_schemas();
    let mut attrs = engine::read_resource(&body, &schemas, &cx.svc.compat, &mut cx.report)?;
    engine::validate(&attrs, &schemas, &cx.svc.policy)?;
    seal_password(&cx.svc.passwords, &mut attrs, None)?;
    let new = NewResource {
        id: uuid::Uuid::new_v4().to_string(),
        attributes: attrs,
    };
    let created = cx
        .svc
        .users
        .create(&cx.tenant, new)
        .await
        .map_err(store_failure)?;
    change::notify(
        cx,
        ResourceKind::User,
        &created.id,
        ChangeKind::Created,
        Some(created.version),
        None,
    );
    respond(cx, &view, created, &schemas, StatusCode::CREATED).await
}

/// `GET /Users/{id}`.
pub(crate) async fn get(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
    id: &str,
) -> Result<Response<Bytes>, Error> {
    let view = View::from_request(req)?;
    let res = load(cx, id).await?;
    if etag::if_none_match_hits(req.headers(), res.version) {
        return Ok(encode::not_modified(res.version));
    }
    let schemas = cx.user_schemas();
    respond(cx, &view, res, &schemas, StatusCode::OK).await
}

/// Keeps `returned: never` attributes (`password`) that a full replacement omits: a client
/// cannot echo back what it was never shown.
fn keep_unreturnable(old: &Map<String, Value>, new: &mut Map<String, Value>, schemas: &SchemaSet) {
    for a in &schemas.core().attributes {
        if a.mutability == Mutability::WriteOnly && !new.contains_key(&a.name) {
            if let Some(v) = old.get(&a.name) {
                new.insert(a.name.clone(), v.clone());
            }
        }
    }
}

/// The User attribute [`Passwords`] is about.
const PASSWORD: &str = "password";

/// Applies the service's [`Passwords`] to attributes about to be written. `stored` is the
/// password the store holds now: a value equal to it is not hashed again.
fn seal_password(
    passwords: &Passwords,
    attrs: &mut Map<String, Value>,
    stored: Option<&Value>,
) -> Result<(), Error> {
    match passwords {
        Passwords::Discard => {
            attrs.remove(PASSWORD);
        }
        Passwords::Keep => {}
        Passwords::Hash(hash) => {
            let hashed = match attrs.get(PASSWORD) {
                Some(Value::String(clear)) if stored != attrs.get(PASSWORD) => hash(clear)?,
                _ => return Ok(()),
            };
            attrs.insert(PASSWORD.to_owned(), Value::String(hashed));
        }
    }
    Ok(())
}

/// `PUT /Users/{id}`: full replacement; never creates.
pub(crate) async fn replace(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
    id: &str,
) -> Result<Response<Bytes>, Error> {
    let view = View::from_request(req)?;
    let body = decode::json_body(req, cx.svc.limits.max_body_bytes)?;
    let if_match = IfMatch::from_headers(req.headers());
    let schemas = cx.user_schemas();
    let attrs = engine::read_resource(&body, &schemas, &cx.svc.compat, &mut cx.report)?;
    engine::validate(&attrs, &schemas, &cx.svc.policy)?;
    for attempt in 1..=WRITE_ATTEMPTS {
        let current = load(cx, id).await?;
        if_match.check(current.version)?;
        etag::check_if_none_match(req.headers(), current.version)?;
        engine::check_immutable(&current.attributes, &attrs, &schemas)?;
        let mut next = attrs.clone();
        keep_unreturnable(&current.attributes, &mut next, &schemas);
        seal_password(
            &cx.svc.passwords,
            &mut next,
            current.attributes.get(PASSWORD),
        )?;
        let flipped = activation(is_active(&current.attributes), is_active(&next));
        let written = cx
            .svc
            .users
            .replace(&cx.tenant, id, next, Some(current.version))
            .await;
        if let Some(res) = write_attempt(written, &if_match, attempt, || user_not_found(id))? {
            let v = Some(res.version);
            change::notify(cx, ResourceKind::User, id, ChangeKind::Replaced, v, flipped);
            return respond(cx, &view, res, &schemas, StatusCode::OK).await;
        }
    }
    Err(contended())
}

/// `PATCH /Users/{id}`.
pub(crate) async fn patch(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
    id: &str,
) -> Result<Response<Bytes>, Error> {
    let view = View::from_request(req)?;
    let body = decode::json_body(req, cx.svc.limits.max_body_bytes)?;
    let if_match = IfMatch::from_headers(req.headers());
    let schemas = cx.user_schemas();
    let patch = engine::parse_patch(&body, &cx.svc.compat, &mut cx.report, &cx.svc.limits)?;
    for attempt in 1..=WRITE_ATTEMPTS {
        let mut current = load(cx, id).await?;
        if_match.check(current.version)?;
        etag::check_if_none_match(req.headers(), current.version)?;
        let stored_password = current.attributes.get(PASSWORD).cloned();
        let was_active = is_active(&current.attributes);
        // In place on the loaded copy (no clone); validated as a PUT body would be.
        let changed = engine::apply_patch_in_place(
            &patch,
            &mut current.attributes,
            &current.id,
            &schemas,
            &cx.svc.policy,
            &cx.svc.compat,
            &mut cx.report,
        )?;
        if !changed {
            // Nothing changed (IdPs resend the same PATCH): no write, no new version.
            return patched(cx, &view, current, &schemas).await;
        }
        seal_password(
            &cx.svc.passwords,
            &mut current.attributes,
            stored_password.as_ref(),
        )?;
        let flipped = activation(was_active, is_active(&current.attributes));
        let written = cx
            .svc
            .users
            .replace(&cx.tenant, id, current.attributes, Some(current.version))
            .await;
        if let Some(res) = write_attempt(written, &if_match, attempt, || user_not_found(id))? {
            let v = Some(res.version);
            change::notify(cx, ResourceKind::User, id, ChangeKind::Patched, v, flipped);
            return patched(cx, &view, res, &schemas).await;
        }
    }
    Err(contended())
}

async fn patched(
    cx: &Ctx<'_>,
    view: &View,
    res: Resource,
    schemas: &SchemaSet,
) -> Result<Response<Bytes>, Error> {
    match cx.svc.patch_users {
        PatchResponse::NoContent if view.is_empty() => Ok(encode::no_content(Some(res.version))),
        _ => respond(cx, view, res, schemas, StatusCode::OK).await,
    }
}

/// `DELETE /Users/{id}`: removes the user, then its memberships.
pub(crate) async fn delete(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
    id: &str,
) -> Result<Response<Bytes>, Error> {
    let if_match = IfMatch::from_headers(req.headers());
    let expected = if if_match.is_absent() && !etag::has_if_none_match(req.headers()) {
        None
    } else {
        let current = load(cx, id).await?;
        if_match.check(current.version)?;
        etag::check_if_none_match(req.headers(), current.version)?;
        (!if_match.is_absent()).then_some(current.version)
    };
    match cx.svc.users.delete(&cx.tenant, id, expected).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(user_not_found(id)),
        Err(e) => return Err(store_failure(e)),
    }
    // Reported as soon as it is done, even if removing the memberships then fails.
    change::notify(cx, ResourceKind::User, id, ChangeKind::Deleted, None, None);
    if let Some(groups) = &cx.svc.groups {
        groups
            .remove_member_everywhere(&cx.tenant, id)
            .await
            .map_err(store_failure)?;
    }
    Ok(encode::no_content(None))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use http::{HeaderMap, HeaderValue};
    use time::OffsetDateTime;

    use super::*;

    fn stored() -> Resource {
        Resource {
            id: "u1".into(),
            version: 3,
            created: OffsetDateTime::UNIX_EPOCH,
            last_modified: OffsetDateTime::UNIX_EPOCH,
            attributes: Map::new(),
        }
    }

    fn if_match(value: Option<&str>) -> IfMatch {
        let mut h = HeaderMap::new();
        if let Some(v) = value {
            h.insert(http::header::IF_MATCH, HeaderValue::from_str(v).unwrap());
        }
        IfMatch::from_headers(&h)
    }

    fn status(r: Result<Option<Resource>, Error>) -> StatusCode {
        r.unwrap_err().status()
    }

    #[test]
    fn a_lost_race_without_if_match_retries_until_the_last_attempt() {
        let none = if_match(None);
        let nf = || user_not_found("u1");
        assert_eq!(
            write_attempt(Ok(stored()), &none, 1, nf).unwrap(),
            Some(stored())
        );
        for attempt in 1..WRITE_ATTEMPTS {
            let r = write_attempt(Err(StoreError::VersionMismatch), &none, attempt, nf);
            assert_eq!(r.unwrap(), None, "attempt {attempt} retries");
        }
        // No precondition was sent, so losing every race is not a 412.
        let last = write_attempt(Err(StoreError::VersionMismatch), &none, WRITE_ATTEMPTS, nf);
        assert_eq!(status(last), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn with_if_match_a_lost_race_is_412_and_other_errors_map() {
        let nf = || user_not_found("u1");
        let given = if_match(Some("W/\"3\""));
        let r = write_attempt(Err(StoreError::VersionMismatch), &given, 1, nf);
        assert_eq!(status(r), StatusCode::PRECONDITION_FAILED);
        let none = if_match(None);
        let r = write_attempt(Err(StoreError::NotFound), &none, 1, nf);
        assert_eq!(status(r), StatusCode::NOT_FOUND);
        let r = write_attempt(Err(StoreError::Unavailable("db".into())), &none, 1, nf);
        assert_eq!(status(r), StatusCode::SERVICE_UNAVAILABLE);
    }
}
