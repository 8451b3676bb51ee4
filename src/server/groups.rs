//! `/Groups` and `/Groups/{id}`.
//!
//! Membership is written as deltas ([`MemberChange`]), so a PATCH that adds one member to
//! a group of 100,000 does not load or rewrite the other 99,999. Every member a request
//! adds must name an existing User or Group of the same tenant (400 `invalidValue`
//! otherwise); its `type` is filled in from what it names.

use std::collections::HashSet;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::{Map, Value};

use super::change::{self, ChangeKind};
use super::context::{store_failure, Ctx};
use super::decode::{self, View};
use super::engine::{MemberRefs, Shape};
use super::etag::{self, IfMatch};
use super::users::{write_attempt, WRITE_ATTEMPTS};
use super::{encode, engine, PatchResponse, ResourceKind};
use crate::error::Error;
use crate::schema::SchemaSet;
use crate::store::{Member, MemberChange, NewResource, Resource, StoreError};

fn group_not_found(id: &str) -> Error {
    Error::not_found(format!("Group '{id}' not found"))
}

async fn load(cx: &Ctx<'_>, id: &str, members: bool) -> Result<Resource, Error> {
    cx.groups()?
        .get(&cx.tenant, id, members)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| group_not_found(id))
}

/// 400 `invalidValue`: the request adds or sets more than
/// [`Limits::max_members_per_request`](super::Limits::max_members_per_request) members.
fn too_many_members(limit: usize) -> Error {
    Error::invalid_value(format!(
        "a request may set at most {limit} members; split the change into several PATCH requests"
    ))
}

/// The `value`s of a stored `members` array.
fn member_values(members: Option<&Value>) -> HashSet<String> {
    members
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("value").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// Reads a `members` value (array of `{value, display?, type?, $ref?}`) into members.
pub(crate) fn parse_members(value: &Value, limit: usize) -> Result<Vec<Member>, Error> {
    let items: &[Value] = match value {
        Value::Null => &[],
        Value::Array(a) => a,
        _ => return Err(Error::invalid_value("attribute 'members' must be an array")),
    };
    if items.len() > limit {
        return Err(too_many_members(limit));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            return Err(Error::invalid_value(format!(
                "members[{i}] must be an object with a 'value'"
            )));
        };
        let get = |name: &str| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        let Some(id) = get("value")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            return Err(Error::invalid_value(format!(
                "members[{i}].value must be a non-empty string"
            )));
        };
        out.push(Member {
            value: id.to_owned(),
            display: get("display").and_then(Value::as_str).map(str::to_owned),
            kind: get("type").and_then(Value::as_str).map(str::to_owned),
        });
    }
    Ok(out)
}

/// Checks that each member names a User or Group of the tenant and sets its `type`.
///
/// Members in `known` (the group's members before this request, which were resolved when
/// they were added) are kept as they are: a PATCH that rewrites the whole member list of a
/// large group looks up only the members it adds.
async fn resolve_members(
    cx: &Ctx<'_>,
    members: &mut [Member],
    self_id: Option<&str>,
    known: &HashSet<String>,
) -> Result<(), Error> {
    let groups = cx.groups()?;
    for m in members.iter_mut() {
        if m.kind.is_some() && known.contains(&m.value) {
            continue;
        }
        if Some(m.value.as_str()) == self_id {
            return Err(Error::invalid_value(format!(
                "group '{}' cannot be a member of itself",
                m.value
            )));
        }
        let wants_group = m
            .kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("Group"));
        if !wants_group
            && cx
                .svc
                .users
                .get(&cx.tenant, &m.value)
                .await
                .map_err(store_failure)?
                .is_some()
        {
            m.kind = Some("User".into());
            continue;
        }
        if groups
            .get(&cx.tenant, &m.value, false)
            .await
            .map_err(store_failure)?
            .is_some()
        {
            m.kind = Some("Group".into());
            continue;
        }
        return Err(Error::invalid_value(format!(
            "member '{}' does not name an existing User or Group",
            m.value
        )));
    }
    Ok(())
}

fn member_json(m: &Member) -> Value {
    let mut o = Map::new();
    o.insert("value".into(), Value::String(m.value.clone()));
    if let Some(d) = &m.display {
        o.insert("display".into(), Value::String(d.clone()));
    }
    if let Some(k) = &m.kind {
        o.insert("type".into(), Value::String(k.clone()));
    }
    Value::Object(o)
}

/// Writes the representation of a group for a response into `out`: members get their
/// `$ref`, then the projection applies.
pub(crate) fn write(
    cx: &Ctx<'_>,
    out: &mut Vec<u8>,
    res: &Resource,
    schemas: &SchemaSet,
    shape: &Shape,
) {
    shape.write(out, res, schemas, &cx.base_url, MemberRefs::Add);
}

/// The representation of `res` projected by `view` (read before any write, so a
/// malformed `attributes` is refused before the change is made).
fn respond(
    cx: &Ctx<'_>,
    view: &View,
    res: &Resource,
    schemas: &SchemaSet,
    status: StatusCode,
) -> Result<Response<Bytes>, Error> {
    let shape = Shape::new(view, schemas);
    let mut body = Vec::with_capacity(1024);
    write(cx, &mut body, res, schemas, &shape);
    let location = (status == StatusCode::CREATED).then(|| cx.group_location(&res.id));
    Ok(encode::resource(
        status,
        body,
        res.version,
        location.as_deref(),
    ))
}

/// Splits `members` off a body's attributes and resolves them.
async fn take_members(
    cx: &Ctx<'_>,
    attrs: &mut Map<String, Value>,
    self_id: Option<&str>,
) -> Result<Vec<Member>, Error> {
    let value = attrs.remove("members").unwrap_or(Value::Null);
    let mut members = parse_members(&value, cx.svc.limits.max_members_per_request)?;
    resolve_members(cx, &mut members, self_id, &HashSet::new()).await?;
    Ok(members)
}

/// `POST /Groups`.
pub(crate) async fn create(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let view = View::from_request(req)?;
    let body = decode::json_body(req, cx.svc.limits.max_body_bytes)?;
    let schemas = cx.group_schemas();
    let mut attrs = engine::read_resource(&body, &schemas, &cx.svc.compat, &mut cx.report)?;
    engine::validate(&attrs, &schemas, &cx.svc.policy)?;
    let members = take_members(cx, &mut attrs, None).await?;
    if !members.is_empty() {
        attrs.insert(
            "members".into(),
            Value::Array(members.iter().map(member_json).collect()),
        );
    }
    let new = NewResource {
        id: uuid::Uuid::new_v4().to_string(),
        attributes: attrs,
    };
    let created = cx
        .groups()?
        .create(&cx.tenant, new)
        .await
        .map_err(store_failure)?;
    let v = Some(created.version);
    change::notify(
        cx,
        ResourceKind::Group,
        &created.id,
        ChangeKind::Created,
        v,
        None,
    );
    respond(cx, &view, &created, &schemas, StatusCode::CREATED)
}

/// `GET /Groups/{id}`; `excludedAttributes=members` does not load the members.
pub(crate) async fn get(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
    id: &str,
) -> Result<Response<Bytes>, Error> {
    let schemas = cx.group_schemas();
    let view = View::from_request(req)?;
    let shape = Shape::new(&view, &schemas);
    let res = load(cx, id, shape.needs("members")).await?;
    if etag::if_none_match_hits(req.headers(), res.version) {
        return Ok(encode::not_modified(res.version));
    }
    respond(cx, &view, &res, &schemas, StatusCode::OK)
}

/// After a write that returned the group without members, the representation a 200
/// needs (re-read with members when the projection wants them).
async fn written(
    cx: &Ctx<'_>,
    view: &View,
    res: Resource,
    schemas: &SchemaSet,
) -> Result<Response<Bytes>, Error> {
    let shape = Shape::new(view, schemas);
    let res = if shape.needs("members") {
        load(cx, &res.id, true).await.unwrap_or(res)
    } else {
        res
    };
    respond(cx, view, &res, schemas, StatusCode::OK)
}

/// `PUT /Groups/{id}`: full replacement, members included (absent `members` empties the
/// group).
pub(crate) async fn replace(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
    id: &str,
) -> Result<Response<Bytes>, Error> {
    let view = View::from_request(req)?;
    let body = decode::json_body(req, cx.svc.limits.max_body_bytes)?;
    let if_match = IfMatch::from_headers(req.headers());
    let schemas = cx.group_schemas();
    let mut attrs = engine::read_resource(&body, &schemas, &cx.svc.compat, &mut cx.report)?;
    engine::validate(&attrs, &schemas, &cx.svc.policy)?;
    let current = load(cx, id, false).await?;
    if_match.check(current.version)?;
    etag::check_if_none_match(req.headers(), current.version)?;
    engine::check_immutable(&current.attributes, &attrs, &schemas)?;
    let members = take_members(cx, &mut attrs, Some(id)).await?;
    let expected = (!if_match.is_absent()).then_some(current.version);
    let res = cx
        .groups()?
        .update(
            &cx.tenant,
            id,
            Some(attrs),
            vec![MemberChange::ReplaceAll(members)],
            expected,
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound => group_not_found(id),
            e => store_failure(e),
        })?;
    let v = Some(res.version);
    change::notify(cx, ResourceKind::Group, id, ChangeKind::Replaced, v, None);
    written(cx, &view, res, &schemas).await
}

/// Checks the members a change adds (see [`resolve_members`] for `known`).
async fn resolve_changes(
    cx: &Ctx<'_>,
    changes: &mut [MemberChange],
    self_id: &str,
    limited: bool,
    known: &HashSet<String>,
) -> Result<(), Error> {
    let limit = if limited {
        cx.svc.limits.max_members_per_request
    } else {
        usize::MAX
    };
    let mut total = 0usize;
    for c in changes.iter_mut() {
        match c {
            MemberChange::Add(ms) | MemberChange::ReplaceAll(ms) => {
                total += ms.len();
                if total > limit {
                    return Err(too_many_members(limit));
                }
                resolve_members(cx, ms, Some(self_id), known).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// 400 `invalidValue` when membership deltas would leave a group that has the members
/// `before` with more than `cap` (see [`Policy::members_limit`](crate::Policy::members_limit)),
/// as validating the whole group would.
fn check_members_cap(
    cap: usize,
    before: Option<&Value>,
    changes: &[MemberChange],
) -> Result<(), Error> {
    let mut ids = member_values(before);
    for c in changes {
        match c {
            MemberChange::Add(ms) => ids.extend(ms.iter().map(|m| m.value.clone())),
            MemberChange::Remove(gone) => {
                for g in gone {
                    ids.remove(g);
                }
            }
            MemberChange::ReplaceAll(ms) => {
                ids = ms.iter().map(|m| m.value.clone()).collect();
            }
        }
    }
    if ids.len() > cap {
        return Err(Error::invalid_value(format!(
            "attribute 'members' has {} values; at most {cap} are allowed",
            ids.len()
        )));
    }
    Ok(())
}

/// `PATCH /Groups/{id}`: attribute changes plus membership deltas. Only when an operation
/// cannot be expressed as a delta (a filter on `display`, ...) are the members loaded and
/// the list replaced whole.
pub(crate) async fn patch(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
    id: &str,
) -> Result<Response<Bytes>, Error> {
    let view = View::from_request(req)?;
    let body = decode::json_body(req, cx.svc.limits.max_body_bytes)?;
    let if_match = IfMatch::from_headers(req.headers());
    let schemas = cx.group_schemas();
    let patch = engine::parse_patch(&body, &cx.svc.compat, &mut cx.report, &cx.svc.limits)?;
    // With a cap on the members of a group, membership deltas are checked against the
    // members they start from, and written only if the group is still at that version.
    let members_cap = cx.svc.policy.members_limit();
    for attempt in 1..=WRITE_ATTEMPTS {
        let mut current = load(cx, id, members_cap.is_some()).await?;
        if_match.check(current.version)?;
        etag::check_if_none_match(req.headers(), current.version)?;
        let members_before = current.attributes.remove("members");
        let outcome = engine::apply_group_patch(
            &patch,
            &current.attributes,
            &current.id,
            &schemas,
            &cx.svc.policy,
            &cx.svc.compat,
            &mut cx.report,
        )?;
        let full_rewrite = outcome.needs_full_members;
        let attributes_changed = full_rewrite || outcome.attributes_changed;
        // RFC 7644 §3.5.2.1: a value the target already holds "SHALL NOT change the
        // modify timestamp": a PATCH that changes nothing is not written (IdPs resend
        // renames and member adds).
        if !attributes_changed {
            let loaded = members_cap
                .is_some()
                .then(|| member_values(members_before.as_ref()));
            if deltas_change_nothing(cx, id, loaded.as_ref(), &outcome.members).await? {
                return patched(cx, &view, current, &schemas).await;
            }
        }
        let (mut attrs, mut changes, version, known) = if full_rewrite {
            let mut full = load(cx, id, true).await?;
            if_match.check(full.version)?;
            etag::check_if_none_match(req.headers(), full.version)?;
            let before = member_values(full.attributes.get("members"));
            let changed = engine::apply_patch_in_place(
                &patch,
                &mut full.attributes,
                &full.id,
                &schemas,
                &cx.svc.policy,
                &cx.svc.compat,
                &mut cx.report,
            )?;
            if !changed {
                return patched(cx, &view, full, &schemas).await;
            }
            let mut next = full.attributes;
            let members = next.remove("members").unwrap_or(Value::Null);
            let members = parse_members(&members, usize::MAX)?;
            // The rewrite re-sends the existing members; the ones this request adds count
            // against the per-request limit, as on the delta path.
            let limit = cx.svc.limits.max_members_per_request;
            let added = members
                .iter()
                .filter(|m| !before.contains(&m.value))
                .count();
            if added > limit {
                return Err(too_many_members(limit));
            }
            let changes = vec![MemberChange::ReplaceAll(members)];
            (next, changes, full.version, before)
        } else {
            let known = HashSet::new();
            (outcome.attributes, outcome.members, current.version, known)
        };
        attrs.remove("members");
        if attributes_changed {
            engine::validate(&attrs, &schemas, &cx.svc.policy)?;
        }
        // A full rewrite re-sends the existing members: only the request's own additions
        // count against the per-request limit, checked above for a rewrite and here for
        // deltas.
        resolve_changes(cx, &mut changes, id, !full_rewrite, &known).await?;
        // Pure membership deltas are atomic in the store and commute, so concurrent
        // membership PATCHes need no version check (and never lose a member); attribute
        // changes and full rewrites are guarded by the version they were computed from.
        let capped = match members_cap {
            Some(cap) if !full_rewrite => {
                check_members_cap(cap, members_before.as_ref(), &changes)?;
                true
            }
            _ => false,
        };
        let (attributes, expected) = if attributes_changed {
            (Some(attrs), Some(version))
        } else {
            (None, (capped || !if_match.is_absent()).then_some(version))
        };
        let outcome = cx
            .groups()?
            .update(&cx.tenant, id, attributes, changes, expected)
            .await;
        if let Some(res) = write_attempt(outcome, &if_match, attempt, || group_not_found(id))? {
            let v = Some(res.version);
            change::notify(cx, ResourceKind::Group, id, ChangeKind::Patched, v, None);
            return patched(cx, &view, res, &schemas).await;
        }
    }
    Err(super::users::contended())
}

/// The answer to a successful PATCH: 204, or 200 with the group when configured so or
/// when the request names attributes.
async fn patched(
    cx: &Ctx<'_>,
    view: &View,
    res: Resource,
    schemas: &SchemaSet,
) -> Result<Response<Bytes>, Error> {
    match cx.svc.patch_groups {
        PatchResponse::NoContent if view.is_empty() => Ok(encode::no_content(Some(res.version))),
        _ => written(cx, view, res, schemas).await,
    }
}

/// Whether membership deltas would leave the group as it is: no change at all, or only
/// `Add`s of members it already has and (when its members are `loaded`) `Remove`s of
/// members it does not have. Without the member list, each added member's groups are
/// looked up, stopping at the first one not yet in the group; a `Remove` then counts as a
/// change, since a store may list in `groups_of` only the groups of users, and a removal
/// wrongly skipped would keep a member.
async fn deltas_change_nothing(
    cx: &Ctx<'_>,
    id: &str,
    loaded: Option<&HashSet<String>>,
    changes: &[MemberChange],
) -> Result<bool, Error> {
    for change in changes {
        match change {
            MemberChange::Add(members) => {
                for m in members {
                    let present = match loaded {
                        Some(set) => set.contains(&m.value),
                        None => cx
                            .groups()?
                            .groups_of(&cx.tenant, &m.value)
                            .await
                            .map_err(store_failure)?
                            .iter()
                            .any(|g| g.id == id),
                    };
                    if !present {
                        return Ok(false);
                    }
                }
            }
            MemberChange::Remove(ids) => match loaded {
                Some(set) if ids.iter().all(|i| !set.contains(i)) => {}
                _ => return Ok(false),
            },
            MemberChange::ReplaceAll(_) => return Ok(false),
        }
    }
    Ok(true)
}

/// `DELETE /Groups/{id}`.
pub(crate) async fn delete(
    cx: &mut Ctx<'_>,
    req: &Request<Bytes>,
    id: &str,
) -> Result<Response<Bytes>, Error> {
    let if_match = IfMatch::from_headers(req.headers());
    let expected = if if_match.is_absent() && !etag::has_if_none_match(req.headers()) {
        None
    } else {
        let current = load(cx, id, false).await?;
        if_match.check(current.version)?;
        etag::check_if_none_match(req.headers(), current.version)?;
        (!if_match.is_absent()).then_some(current.version)
    };
    let groups = cx.groups()?;
    match groups.delete(&cx.tenant, id, expected).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(group_not_found(id)),
        Err(e) => return Err(store_failure(e)),
    }
    // Reported as soon as it is done, even if removing the memberships then fails.
    change::notify(cx, ResourceKind::Group, id, ChangeKind::Deleted, None, None);
    // A deleted group stops being a member of other groups.
    groups
        .remove_member_everywhere(&cx.tenant, id)
        .await
        .map_err(store_failure)?;
    Ok(encode::no_content(None))
}
