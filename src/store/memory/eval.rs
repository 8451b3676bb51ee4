//! Filter evaluation and sort order over [`Resource`]s, used by the in-memory store and as
//! the testkit's reference.
//!
//! Every use goes through [`matches`] and [`compare`], so the crate-wide evaluator and
//! sort comparator can replace these bodies without touching the callers.

use std::cmp::Ordering;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use crate::schema::{AttributeDef, AttributeType, Location, SchemaSet};
use crate::store::{Resource, SortKey, SortOrder};

/// Whether `resource` matches `filter` (RFC 7644 §3.4.2.2), schema-aware.
pub(crate) fn matches(filter: &Filter, schemas: &SchemaSet, resource: &Resource) -> bool {
    match filter {
        Filter::And(fs) => fs.iter().all(|f| matches(f, schemas, resource)),
        Filter::Or(fs) => fs.iter().any(|f| matches(f, schemas, resource)),
        Filter::Not(f) => !matches(f, schemas, resource),
        Filter::Present(path) => match elements(schemas, resource, path) {
            Some((_, vals)) => vals.iter().any(is_present),
            None => false,
        },
        Filter::Compare(path, op, comp) => match leaf_values(schemas, resource, path) {
            Some((def, vals)) => compare_any(def, &vals, *op, comp),
            None => *op == CompareOp::Ne,
        },
        Filter::ValuePath(path, inner) => {
            let Some((def, vals)) = elements(schemas, resource, path) else {
                return false;
            };
            vals.iter().any(|v| match v {
                Value::Object(m) => matches_element(inner, def, m),
                _ => false,
            })
        }
    }
}

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

/// The values a path names (for `pr` and value paths): sub-attribute values when the path
/// has a sub-attribute, else the attribute's own values (objects for complex ones).
fn elements<'s>(
    schemas: &'s SchemaSet,
    r: &Resource,
    path: &AttrPath,
) -> Option<(&'s AttributeDef, Vec<Value>)> {
    let (attr, vals) = top_values(schemas, r, path)?;
    match path.sub() {
        None => Some((attr, vals)),
        Some(sub) => {
            let def = attr.sub_attribute(sub)?;
            Some((def, sub_values(&vals, &def.name)))
        }
    }
}

fn sub_values(vals: &[Value], sub: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for v in vals {
        if let Value::Object(m) = v {
            match get_ci(m, sub) {
                Some(Value::Array(a)) => out.extend(a.iter().cloned()),
                Some(x) => out.push(x.clone()),
                None => {}
            }
        }
    }
    out
}

/// The simple values a comparison applies to: a complex attribute without a
/// sub-attribute compares its `value` sub-attribute.
fn leaf_values<'s>(
    schemas: &'s SchemaSet,
    r: &Resource,
    path: &AttrPath,
) -> Option<(&'s AttributeDef, Vec<Value>)> {
    let (def, vals) = elements(schemas, r, path)?;
    if def.ty == AttributeType::Complex {
        let value_def = def.sub_attribute("value")?;
        return Some((value_def, sub_values(&vals, "value")));
    }
    Some((def, vals))
}

fn matches_element(filter: &Filter, parent: &AttributeDef, elem: &Map<String, Value>) -> bool {
    let sub = |path: &AttrPath| -> Option<(&AttributeDef, Vec<Value>)> {
        let def = parent.sub_attribute(path.name())?;
        let vals = match get_ci(elem, &def.name) {
            Some(Value::Array(a)) => a.clone(),
            Some(v) => vec![v.clone()],
            None => Vec::new(),
        };
        Some((def, vals))
    };
    match filter {
        Filter::And(fs) => fs.iter().all(|f| matches_element(f, parent, elem)),
        Filter::Or(fs) => fs.iter().any(|f| matches_element(f, parent, elem)),
        Filter::Not(f) => !matches_element(f, parent, elem),
        Filter::Present(p) => sub(p).is_some_and(|(_, v)| v.iter().any(is_present)),
        Filter::Compare(p, op, comp) => match sub(p) {
            Some((def, vals)) => compare_any(def, &vals, *op, comp),
            None => *op == CompareOp::Ne,
        },
        _ => false,
    }
}

fn compare_any(def: &AttributeDef, vals: &[Value], op: CompareOp, comp: &CompValue) -> bool {
    if let CompValue::Null = comp {
        let present = vals.iter().any(is_present);
        return match op {
            CompareOp::Eq => !present,
            CompareOp::Ne => present,
            _ => false,
        };
    }
    if op == CompareOp::Ne {
        return !vals
            .iter()
            .any(|v| compare_one(def, v, CompareOp::Eq, comp));
    }
    vals.iter().any(|v| compare_one(def, v, op, comp))
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

fn ordering_matches(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        _ => false,
    }
}

fn compare_one(def: &AttributeDef, v: &Value, op: CompareOp, comp: &CompValue) -> bool {
    match (v, comp) {
        (Value::String(s), CompValue::String(c)) => {
            if def.ty == AttributeType::DateTime {
                if let (Some(a), Some(b)) = (parse_time(s), parse_time(c)) {
                    return ordering_matches(op, a.cmp(&b));
                }
            }
            let (a, b) = (fold(def, s), fold(def, c));
            match op {
                CompareOp::Co => a.contains(&b),
                CompareOp::Sw => a.starts_with(&b),
                CompareOp::Ew => a.ends_with(&b),
                _ => ordering_matches(op, a.cmp(&b)),
            }
        }
        (Value::Number(n), CompValue::Number(c)) => match (n.as_f64(), c.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| ordering_matches(op, o)),
            _ => false,
        },
        (Value::Bool(a), CompValue::Bool(b)) => match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            _ => false,
        },
        _ => false,
    }
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
