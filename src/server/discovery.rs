//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4), derived from
//! what is configured: the tenant's schema sets (custom attributes included), the
//! required-attribute policy, the limits and whether a group store exists.
//!
//! A `filter` on `/Schemas` or `/ResourceTypes` is 403 (RFC 7644 §4: "SHOULD").

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::Value;

use super::context::Ctx;
use super::lists::list_response;
use super::{decode, encode, engine};
use crate::error::{Error, ErrorKind};
use crate::schema::{
    AuthenticationScheme, BulkConfig, FilterConfig, ResourceType, SchemaSet, ServiceProviderConfig,
};

fn refuse_filter(req: &Request<Bytes>) -> Result<(), Error> {
    let pairs = decode::query_pairs(req);
    if decode::param(&pairs, "filter").is_some() {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "filtering is not supported on discovery endpoints (RFC 7644 §4)",
        ));
    }
    Ok(())
}

/// `GET /ServiceProviderConfig`: what this service actually does.
pub(crate) fn service_provider_config(
    cx: &Ctx<'_>,
    _req: &Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let mut spc = ServiceProviderConfig::default();
    spc.patch.supported = true;
    spc.bulk = BulkConfig::default();
    spc.filter = FilterConfig {
        supported: true,
        max_results: u64::try_from(cx.svc.limits.max_count).unwrap_or(u64::MAX),
    };
    // A password sent is kept (as a hash or as sent) only when the host chose to.
    spc.change_password.supported = !matches!(cx.svc.passwords, super::Passwords::Discard);
    spc.sort.supported = true;
    spc.etag.supported = true;
    spc.authentication_schemes = vec![AuthenticationScheme::oauth_bearer_token()];
    let location = format!("{}/ServiceProviderConfig", cx.base_url);
    Ok(encode::json(StatusCode::OK, &spc.to_json(Some(&location))))
}

fn resource_type_json(cx: &Ctx<'_>, set: &SchemaSet) -> Value {
    let location = format!("{}/ResourceTypes/{}", cx.base_url, set.resource_type());
    ResourceType::from_schema_set(set).to_json(Some(&location))
}

fn sets(cx: &Ctx<'_>) -> Vec<SchemaSet> {
    let mut out = vec![engine::discovery_schemas(
        &cx.user_schemas(),
        &cx.svc.policy,
    )];
    if cx.svc.groups.is_some() {
        out.push(engine::discovery_schemas(
            &cx.group_schemas(),
            &cx.svc.policy,
        ));
    }
    out
}

/// `GET /ResourceTypes`.
pub(crate) fn resource_types(cx: &Ctx<'_>, req: &Request<Bytes>) -> Result<Response<Bytes>, Error> {
    refuse_filter(req)?;
    let all: Vec<Value> = sets(cx).iter().map(|s| resource_type_json(cx, s)).collect();
    Ok(encode::json(
        StatusCode::OK,
        &list_response(all.len(), 1, all),
    ))
}

/// `GET /ResourceTypes/{name}`.
pub(crate) fn resource_type(
    cx: &Ctx<'_>,
    _req: &Request<Bytes>,
    name: &str,
) -> Result<Response<Bytes>, Error> {
    sets(cx)
        .iter()
        .find(|s| s.resource_type().eq_ignore_ascii_case(name))
        .map(|s| encode::json(StatusCode::OK, &resource_type_json(cx, s)))
        .ok_or_else(|| Error::not_found(format!("no resource type '{name}'")))
}

fn all_schemas(cx: &Ctx<'_>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for set in sets(cx) {
        let schemas =
            std::iter::once(set.core()).chain(set.extensions().iter().map(|e| &*e.schema));
        for s in schemas {
            if seen.iter().any(|id| id.eq_ignore_ascii_case(&s.id)) {
                continue;
            }
            seen.push(s.id.clone());
            let loc = format!("{}/Schemas/{}", cx.base_url, s.id);
            out.push(s.to_json(Some(&loc)));
        }
    }
    out
}

/// `GET /Schemas`: the tenant's schemas, custom attributes and policy included.
pub(crate) fn schemas(cx: &Ctx<'_>, req: &Request<Bytes>) -> Result<Response<Bytes>, Error> {
    refuse_filter(req)?;
    let all = all_schemas(cx);
    Ok(encode::json(
        StatusCode::OK,
        &list_response(all.len(), 1, all),
    ))
}

/// `GET /Schemas/{urn}`.
pub(crate) fn schema(
    cx: &Ctx<'_>,
    _req: &Request<Bytes>,
    urn: &str,
) -> Result<Response<Bytes>, Error> {
    all_schemas(cx)
        .into_iter()
        .find(|s| {
            s.get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.eq_ignore_ascii_case(urn))
        })
        .map(|s| encode::json(StatusCode::OK, &s))
        .ok_or_else(|| Error::not_found(format!("no schema '{urn}'")))
}
