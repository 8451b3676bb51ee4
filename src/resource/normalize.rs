//! Lenient input (a POST/PUT body, a PATCH value) to canonical attribute values.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::loc::Loc;
use crate::compat::{Compat, CompatReport, CompatRule};
use crate::error::Error;
use crate::schema::{
    AttributeDef, AttributeType, Location, Mutability, Resolved, SchemaSet, ENTERPRISE_USER_SCHEMA,
};

/// Reads a resource body (POST or PUT) into the canonical attributes map that stores keep.
///
/// The reading is lenient the way real identity providers need, and canonical on output:
/// - member names and schema URNs match case-insensitively; the output uses the schema's
///   spelling, core attributes first in schema order, then one object per extension
///   under its canonical URN;
/// - JSON `null` means absent and is dropped (RFC 7643 §2.5); arrays and objects left empty
///   once their nulls are dropped are dropped too: nothing empty is stored;
/// - `schemas`, `id`, `meta` and every `readOnly` attribute or sub-attribute (such as
///   User `groups`) are ignored (RFC 7644 §3.3); use [`check_schemas`](super::check_schemas)
///   for the `schemas` member itself;
/// - members that no schema of the set defines are ignored, including data keyed by the URN
///   of an unknown schema (Microsoft's validator PUTs misspelled attributes and expects
///   200);
/// - extension data may be given as `"<extension URN>": {...}` or, member by member, as
///   `"<extension URN>:<attribute>": value`; it is read whether or not `schemas` lists the
///   extension (the rendered `schemas` will);
/// - compatibility rules (each reported in `report` when it changes the reading, each
///   refused with a 400 when switched off in `compat`): [`CompatRule::StringBoolean`],
///   [`CompatRule::ManagerString`], [`CompatRule::SingleValueArray`],
///   [`CompatRule::NullSubAttribute`], [`CompatRule::UnknownSchemaUri`].
///
/// A single value given for a multi-valued attribute (`"emails": {...}`) is **not**
/// wrapped into an array: no known IdP needs it, and guessing would hide client bugs.
///
/// # Errors
///
/// `invalidSyntax` when `input` is not a JSON object; `invalidValue` when a value does not
/// fit its attribute's type (the detail names the path, e.g.
/// `attribute 'emails[0].primary' must be a boolean`), or when `schemas` lists an unknown
/// URI and [`CompatRule::UnknownSchemaUri`] is off.
pub fn normalize(
    input: &Value,
    schemas: &SchemaSet,
    compat: &Compat,
    report: &mut CompatReport,
) -> Result<Map<String, Value>, Error> {
    let Some(obj) = input.as_object() else {
        return Err(Error::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    let mut cx = Cx { compat, report };
    check_unknown_schema_uris(obj, schemas, &mut cx)?;

    // (schema index, attribute index) -> value, so output follows schema order however the
    // client ordered its members. Index 0 is the core schema (common attributes first).
    let mut core: Vec<(usize, String, Value)> = Vec::new();
    let mut exts: Vec<Vec<(usize, String, Value)>> = vec![Vec::new(); schemas.extensions().len()];

    for (key, value) in obj {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(ext_idx) = extension_index(schemas, key) {
            if value.is_null() {
                continue;
            }
            let Some(members) = value.as_object() else {
                return Err(Error::invalid_value(format!(
                    "'{key}' must be an object holding the extension's attributes"
                )));
            };
            for (name, v) in members {
                put_extension(schemas, ext_idx, name, v, &mut exts, &mut cx)?;
            }
            continue;
        }
        if key.eq_ignore_ascii_case(&schemas.core().id) {
            // Core attributes wrapped under the core URN: read them as top-level members.
            if let Some(members) = value.as_object() {
                for (name, v) in members {
                    put_core(schemas, name, v, &mut core, &mut cx)?;
                }
            }
            continue;
        }
        if let Some((urn, name)) = split_qualified(schemas, key) {
            match extension_index(schemas, urn) {
                Some(ext_idx) => put_extension(schemas, ext_idx, name, value, &mut exts, &mut cx)?,
                None => put_core(schemas, name, value, &mut core, &mut cx)?,
            }
            continue;
        }
        put_core(schemas, key, value, &mut core, &mut cx)?;
    }

    let mut out = Map::new();
    core.sort_by_key(|(i, _, _)| *i);
    for (_, name, v) in core {
        out.insert(name, v);
    }
    for (ext, mut members) in schemas.extensions().iter().zip(exts) {
        if members.is_empty() {
            continue;
        }
        members.sort_by_key(|(i, _, _)| *i);
        let obj: Map<String, Value> = members.into_iter().map(|(_, n, v)| (n, v)).collect();
        out.insert(ext.schema.id.clone(), Value::Object(obj));
    }
    Ok(out)
}

/// Coerces and type-checks the value of one attribute (or sub-attribute), as a PATCH engine
/// needs for an operation's `value`.
///
/// `target` is what the PATCH path resolved to ([`SchemaSet::resolve`]). With a
/// sub-attribute, `value` is that sub-attribute's value; otherwise it is the whole
/// attribute's value (an array for a multi-valued attribute; use [`normalize_element`] for
/// one element). The same rules as [`normalize`] apply (case-insensitive sub-attribute
/// names, nulls dropped, readOnly sub-attributes dropped, compatibility rules).
///
/// Returns `Ok(None)` when nothing is left (a `null`, an empty array or object): the
/// attribute is then absent. A readOnly *target* is not refused here; deciding between
/// ignoring and a `mutability` error is the caller's business.
///
/// # Errors
///
/// `invalidValue` naming the attribute path when the value does not fit.
pub fn normalize_value(
    value: &Value,
    target: &Resolved<'_>,
    compat: &Compat,
    report: &mut CompatReport,
) -> Result<Option<Value>, Error> {
    let mut cx = Cx { compat, report };
    let manager = is_manager(target.location, target.attr);
    let attr_path = match target.location {
        Location::Core => Loc::Attr(&target.attr.name),
        Location::Extension(urn) => Loc::Ext(urn, &target.attr.name),
    };
    match target.sub {
        Some(sub) => attr_value(value, sub, &Loc::Sub(&attr_path, &sub.name), false, &mut cx),
        None => attr_value(value, target.attr, &attr_path, manager, &mut cx),
    }
}

/// Coerces and type-checks one element of the multi-valued attribute `attr` (e.g. one
/// `{"value": ..., "type": "work"}` of `emails`, or one member of `members`).
///
/// Returns `Ok(None)` when the element is `null` or empty after dropping nulls and readOnly
/// sub-attributes.
///
/// # Errors
///
/// `invalidValue` naming the attribute when the element does not fit.
pub fn normalize_element(
    value: &Value,
    attr: &AttributeDef,
    compat: &Compat,
    report: &mut CompatReport,
) -> Result<Option<Value>, Error> {
    let mut cx = Cx { compat, report };
    single(value, attr, &Loc::Attr(&attr.name), false, &mut cx)
}

struct Cx<'a> {
    compat: &'a Compat,
    report: &'a mut CompatReport,
}

impl Cx<'_> {
    /// Applies `rule` if enabled (recording it), else answers `refused`.
    fn lenient(&mut self, rule: CompatRule, refused: impl FnOnce() -> Error) -> Result<(), Error> {
        if self.compat.enabled(rule) {
            self.report.fire(rule);
            Ok(())
        } else {
            Err(refused())
        }
    }
}

fn check_unknown_schema_uris(
    obj: &Map<String, Value>,
    schemas: &SchemaSet,
    cx: &mut Cx<'_>,
) -> Result<(), Error> {
    let listed = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .and_then(|(_, v)| v.as_array());
    for uri in listed.into_iter().flatten().filter_map(Value::as_str) {
        if !schemas.knows_schema(uri) {
            cx.lenient(CompatRule::UnknownSchemaUri, || {
                Error::invalid_value(format!(
                    "'schemas' lists '{uri}', which is not a schema of the {} resource type",
                    schemas.resource_type()
                ))
            })?;
        }
    }
    Ok(())
}

fn extension_index(schemas: &SchemaSet, key: &str) -> Option<usize> {
    schemas
        .extensions()
        .iter()
        .position(|e| e.schema.id.eq_ignore_ascii_case(key))
}

/// Splits `urn:...:Schema:attr` into (schema URN, attribute) when the URN is one of the set.
fn split_qualified<'k>(schemas: &SchemaSet, key: &'k str) -> Option<(&'k str, &'k str)> {
    if !key.get(..4)?.eq_ignore_ascii_case("urn:") {
        return None;
    }
    let (urn, name) = key.rsplit_once(':')?;
    schemas.knows_schema(urn).then_some((urn, name))
}

fn is_manager(location: Location<'_>, attr: &AttributeDef) -> bool {
    matches!(location, Location::Extension(u) if u.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
        && attr.name == "manager"
}

fn put_core(
    schemas: &SchemaSet,
    name: &str,
    value: &Value,
    out: &mut Vec<(usize, String, Value)>,
    cx: &mut Cx<'_>,
) -> Result<(), Error> {
    // Common attributes sort before core ones: index them first.
    let Some((idx, def)) = schemas
        .common()
        .iter()
        .chain(&schemas.core().attributes)
        .enumerate()
        .find(|(_, a)| a.name.eq_ignore_ascii_case(name))
    else {
        return Ok(());
    };
    if def.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    if let Some(v) = attr_value(value, def, &Loc::Attr(&def.name), false, cx)? {
        out.retain(|(i, _, _)| *i != idx);
        out.push((idx, def.name.clone(), v));
    }
    Ok(())
}

fn put_extension(
    schemas: &SchemaSet,
    ext_idx: usize,
    name: &str,
    value: &Value,
    out: &mut [Vec<(usize, String, Value)>],
    cx: &mut Cx<'_>,
) -> Result<(), Error> {
    let Some(ext) = schemas.extensions().get(ext_idx) else {
        return Ok(());
    };
    let Some((idx, def)) = ext
        .schema
        .attributes
        .iter()
        .enumerate()
        .find(|(_, a)| a.name.eq_ignore_ascii_case(name))
    else {
        return Ok(());
    };
    if def.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    let manager = is_manager(Location::Extension(&ext.schema.id), def);
    let path = Loc::Ext(&ext.schema.id, &def.name);
    if let (Some(v), Some(slot)) = (
        attr_value(value, def, &path, manager, cx)?,
        out.get_mut(ext_idx),
    ) {
        slot.retain(|(i, _, _)| *i != idx);
        slot.push((idx, def.name.clone(), v));
    }
    Ok(())
}

/// The value of a whole attribute: an array for a multi-valued one, else a single value.
fn attr_value(
    value: &Value,
    def: &AttributeDef,
    path: &Loc<'_>,
    manager: bool,
    cx: &mut Cx<'_>,
) -> Result<Option<Value>, Error> {
    if value.is_null() {
        return Ok(None);
    }
    if !def.multi_valued {
        return single(value, def, path, manager, cx);
    }
    let Some(items) = value.as_array() else {
        return Err(Error::invalid_value(format!(
            "attribute '{path}' is multi-valued and must be an array"
        )));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if let Some(v) = single(item, def, &Loc::Index(path, i), false, cx)? {
            out.push(v);
        }
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// One value of `def` (an element, for a multi-valued attribute).
fn single(
    value: &Value,
    def: &AttributeDef,
    path: &Loc<'_>,
    manager: bool,
    cx: &mut Cx<'_>,
) -> Result<Option<Value>, Error> {
    if value.is_null() {
        return Ok(None);
    }
    if def.ty != AttributeType::Complex {
        return scalar(value, def.ty, path, cx).map(Some);
    }
    if manager {
        if let Some(s) = value.as_str() {
            cx.lenient(CompatRule::ManagerString, || {
                Error::invalid_value(format!("attribute '{path}' must be an object"))
            })?;
            // An empty manager id means "no manager" (Entra clears it that way).
            return Ok((!s.is_empty()).then(|| serde_json::json!({ "value": s })));
        }
    }
    let obj = match value {
        Value::Object(o) => o,
        Value::Array(items) if !def.multi_valued && items.len() == 1 => {
            cx.lenient(CompatRule::SingleValueArray, || {
                Error::invalid_value(format!(
                    "attribute '{path}' is single-valued and must be an object, not an array"
                ))
            })?;
            return match items.first() {
                Some(inner) if !inner.is_array() => single(inner, def, path, manager, cx),
                _ => Err(Error::invalid_value(format!(
                    "attribute '{path}' must be an object"
                ))),
            };
        }
        _ => {
            return Err(Error::invalid_value(format!(
                "attribute '{path}' must be an object"
            )))
        }
    };
    let subs = def.subs();
    let mut members: Vec<(usize, String, Value)> = Vec::new();
    for (name, v) in obj {
        let Some((idx, sub)) = subs
            .iter()
            .enumerate()
            .find(|(_, s)| s.name.eq_ignore_ascii_case(name))
        else {
            continue;
        };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let sub_path = Loc::Sub(path, &sub.name);
        if v.is_null() {
            cx.lenient(CompatRule::NullSubAttribute, || {
                Error::invalid_value(format!("sub-attribute '{sub_path}' must not be null"))
            })?;
            continue;
        }
        if let Some(v) = attr_value(v, sub, &sub_path, false, cx)? {
            members.retain(|(i, _, _)| *i != idx);
            members.push((idx, sub.name.clone(), v));
        }
    }
    if members.is_empty() {
        return Ok(None);
    }
    members.sort_by_key(|(i, _, _)| *i);
    Ok(Some(Value::Object(
        members.into_iter().map(|(_, n, v)| (n, v)).collect(),
    )))
}

fn scalar(
    value: &Value,
    ty: AttributeType,
    path: &Loc<'_>,
    cx: &mut Cx<'_>,
) -> Result<Value, Error> {
    let bad = |what: &str| Error::invalid_value(format!("attribute '{path}' must be {what}"));
    match ty {
        AttributeType::String | AttributeType::Reference => match value {
            Value::String(_) => Ok(value.clone()),
            _ => Err(bad("a string")),
        },
        AttributeType::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::String(s)
                if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
            {
                cx.lenient(CompatRule::StringBoolean, || bad("a boolean"))?;
                Ok(Value::Bool(s.eq_ignore_ascii_case("true")))
            }
            _ => Err(bad("a boolean")),
        },
        AttributeType::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
            _ => Err(bad("an integer")),
        },
        AttributeType::Decimal => match value {
            Value::Number(_) => Ok(value.clone()),
            _ => Err(bad("a decimal number")),
        },
        AttributeType::DateTime => match value {
            Value::String(s) if OffsetDateTime::parse(s, &Rfc3339).is_ok() => Ok(value.clone()),
            _ => Err(bad(
                "a dateTime such as \"2008-01-23T04:56:22Z\" (RFC 3339)",
            )),
        },
        AttributeType::Binary => match value {
            Value::String(s) if is_base64(s) => Ok(value.clone()),
            _ => Err(bad("base64-encoded binary")),
        },
        AttributeType::Complex => Err(bad("an object")),
    }
}

/// Base64 (standard or URL-safe alphabet) with at most two trailing `=`.
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
}
