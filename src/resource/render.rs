//! Stored resource to output document.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::schema::{AttributeDef, Mutability, Returned, SchemaSet};
use crate::store::Resource;

/// Renders a stored resource as its SCIM document (before any `attributes` /
/// `excludedAttributes` projection).
///
/// Members, in this order: `schemas` (the core URN, then each extension that holds data,
/// in the set's order), `id`, `externalId`, the core attributes in schema order, one object
/// per extension with data, and `meta` (`resourceType`, `created`, `lastModified` as
/// RFC 3339, `location` when `base_location` is given, `version` as the weak ETag
/// `W/"<version>"`).
///
/// Attributes and sub-attributes that are `writeOnly` or `returned: never` (`password`)
/// are never output; members the schemas do not define are left out. A derived attribute
/// that is not stored (User `groups`) is output when the caller has put it into
/// `resource.attributes` before rendering.
///
/// `base_location` is the service's base URL without a trailing slash, e.g.
/// `https://example.com/scim/v2`; `meta.location` is `base + endpoint + "/" + id`.
pub fn render(
    resource: &Resource,
    schemas: &SchemaSet,
    base_location: Option<&str>,
) -> Map<String, Value> {
    let attrs = &resource.attributes;
    let mut out = Map::new();

    let mut urns = vec![Value::String(schemas.core().id.clone())];
    let mut ext_out: Vec<(String, Map<String, Value>)> = Vec::new();
    for ext in schemas.extensions() {
        let Some(obj) = lookup(attrs, &ext.schema.id).and_then(Value::as_object) else {
            continue;
        };
        let rendered = members(obj, &ext.schema.attributes);
        if !rendered.is_empty() {
            urns.push(Value::String(ext.schema.id.clone()));
            ext_out.push((ext.schema.id.clone(), rendered));
        }
    }
    out.insert("schemas".into(), Value::Array(urns));
    out.insert("id".into(), Value::String(resource.id.clone()));
    let common: Vec<AttributeDef> = schemas
        .common()
        .iter()
        .filter(|a| a.name != "id" && a.name != "meta")
        .cloned()
        .collect();
    out.extend(members(attrs, &common));
    out.extend(members(attrs, &schemas.core().attributes));
    for (urn, obj) in ext_out {
        out.insert(urn, Value::Object(obj));
    }

    let mut meta = Map::new();
    meta.insert(
        "resourceType".into(),
        Value::String(schemas.resource_type().to_string()),
    );
    meta.insert("created".into(), Value::String(rfc3339(resource.created)));
    meta.insert(
        "lastModified".into(),
        Value::String(rfc3339(resource.last_modified)),
    );
    if let Some(base) = base_location {
        meta.insert(
            "location".into(),
            Value::String(format!(
                "{}{}/{}",
                base.trim_end_matches('/'),
                schemas.endpoint(),
                resource.id
            )),
        );
    }
    meta.insert(
        "version".into(),
        Value::String(format!("W/\"{}\"", resource.version)),
    );
    out.insert("meta".into(), Value::Object(meta));
    out
}

/// An instant as RFC 3339 (`2010-01-23T04:56:22Z`).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn hidden(def: &AttributeDef) -> bool {
    def.returned == Returned::Never || def.mutability == Mutability::WriteOnly
}

fn lookup<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The members of `obj` that `defs` define, in `defs` order and spelling, without hidden
/// ones and without empty values.
fn members(obj: &Map<String, Value>, defs: &[AttributeDef]) -> Map<String, Value> {
    let mut out = Map::new();
    for def in defs {
        if hidden(def) {
            continue;
        }
        let Some(v) = lookup(obj, &def.name) else {
            continue;
        };
        if let Some(v) = value(v, def) {
            out.insert(def.name.clone(), v);
        }
    }
    out
}

fn value(v: &Value, def: &AttributeDef) -> Option<Value> {
    let out = match (v, def.sub_attributes.as_deref()) {
        (Value::Null, _) => return None,
        (Value::Array(items), _) => {
            let items: Vec<Value> = items.iter().filter_map(|i| value(i, def)).collect();
            if items.is_empty() {
                return None;
            }
            Value::Array(items)
        }
        (Value::Object(o), Some(subs)) => {
            let m = members(o, subs);
            if m.is_empty() {
                return None;
            }
            Value::Object(m)
        }
        (other, _) => other.clone(),
    };
    Some(out)
}
