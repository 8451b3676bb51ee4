//! Sort order over [`Resource`]s, used by the in-memory store and as the testkit's
//! reference, until the `list` module's comparator replaces it (every use goes through
//! [`compare`]).

use std::cmp::Ordering;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::path::AttrPath;
use crate::schema::{AttributeDef, AttributeType, Location, SchemaSet};
use crate::store::{Resource, SortKey, SortOrder};

/// The order of two resources under `key` (RFC 7644 §3.4.2.3): schema-aware, multi-valued
/// attributes by their primary (else first) value, missing values last when ascending.
pub(crate) fn compare(key: &SortKey, schemas: &SchemaSet, a: &Resource, b: &Resource) -> Ordering {
    let ka = sort_value(schemas, a, &key.path);
    let kb = sort_value(schemas, b, &key.path);
    let ord = match (&ka, &kb) {
        (Some((def, x)), Some((_, y))) => cmp_values(def, x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match key.order {
        SortOrder::Ascending => ord,
        SortOrder::Descending => ord.reverse(),
    }
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn get_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn meta_value(schemas: &SchemaSet, r: &Resource) -> Value {
    let mut m = Map::new();
    m.insert(
        "resourceType".into(),
        Value::String(schemas.resource_type().to_string()),
    );
    if let Ok(s) = r.created.format(&Rfc3339) {
        m.insert("created".into(), Value::String(s));
    }
    if let Ok(s) = r.last_modified.format(&Rfc3339) {
        m.insert("lastModified".into(), Value::String(s));
    }
    m.insert(
        "version".into(),
        Value::String(format!("W/\"{}\"", r.version)),
    );
    Value::Object(m)
}

/// The attribute's definition and its values (array elements flattened), without
/// descending into a sub-attribute.
fn top_values<'s>(
    schemas: &'s SchemaSet,
    r: &Resource,
    path: &AttrPath,
) -> Option<(&'s AttributeDef, Vec<Value>)> {
    let resolved = schemas.resolve(&AttrPath::new(
        path.urn().map(str::to_string),
        path.name(),
        None,
    ))?;
    let attr = resolved.attr;
    let top = match resolved.location {
        Location::Core if attr.name == "id" => Some(Value::String(r.id.clone())),
        Location::Core if attr.name == "meta" => Some(meta_value(schemas, r)),
        Location::Core => get_ci(&r.attributes, &attr.name).cloned(),
        Location::Extension(urn) => match get_ci(&r.attributes, urn) {
            Some(Value::Object(ext)) => get_ci(ext, &attr.name).cloned(),
            _ => None,
        },
    };
    let vals = match top {
        Some(Value::Array(a)) => a,
        Some(v) => vec![v],
        None => Vec::new(),
    };
    Some((attr, vals))
}

fn fold(def: &AttributeDef, s: &str) -> String {
    if def.case_exact {
        s.to_string()
    } else {
        s.to_lowercase()
    }
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn sort_value<'s>(
    schemas: &'s SchemaSet,
    r: &Resource,
    path: &AttrPath,
) -> Option<(&'s AttributeDef, Value)> {
    let (attr, vals) = top_values(schemas, r, path)?;
    let chosen = if attr.multi_valued {
        vals.iter()
            .find(|v| v.get("primary").and_then(Value::as_bool) == Some(true))
            .or_else(|| vals.first())
            .cloned()
    } else {
        vals.into_iter().next()
    }?;
    let (def, v) = match (path.sub(), attr.ty) {
        (Some(sub), _) => {
            let def = attr.sub_attribute(sub)?;
            (
                def,
                chosen
                    .as_object()
                    .and_then(|m| get_ci(m, &def.name))?
                    .clone(),
            )
        }
        (None, AttributeType::Complex) => {
            let def = attr.sub_attribute("value")?;
            (def, chosen.get("value")?.clone())
        }
        (None, _) => (attr, chosen),
    };
    if is_present(&v) {
        Some((def, v))
    } else {
        None
    }
}

fn cmp_values(def: &AttributeDef, a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            if def.ty == AttributeType::DateTime {
                if let (Some(p), Some(q)) = (parse_time(x), parse_time(y)) {
                    return p.cmp(&q);
                }
            }
            fold(def, x).cmp(&fold(def, y))
        }
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            _ => Ordering::Equal,
        },
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}
