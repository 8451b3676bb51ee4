//! Matching a value-path filter (`emails[type eq "work"]`) against one element of a
//! multi-valued complex attribute. Paths in the filter are relative to the element and
//! compare per the sub-attribute's `caseExact`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::filter::{CompValue, CompareOp, Filter};
use crate::schema::AttributeDef;

/// Whether `element` (a value of the multi-valued complex attribute `attr`) matches.
pub(crate) fn matches(filter: &Filter, element: &Value, attr: &AttributeDef) -> bool {
    let Some(obj) = element.as_object() else {
        return false;
    };
    eval(filter, obj, attr)
}

fn eval(filter: &Filter, obj: &Map<String, Value>, attr: &AttributeDef) -> bool {
    match filter {
        Filter::And(fs) => fs.iter().all(|f| eval(f, obj, attr)),
        Filter::Or(fs) => fs.iter().any(|f| eval(f, obj, attr)),
        Filter::Not(f) => !eval(f, obj, attr),
        Filter::Present(path) => match lookup(obj, attr, path.name(), path.sub()) {
            Some((_, v)) => present(v),
            None => false,
        },
        Filter::Compare(path, op, cv) => match lookup(obj, attr, path.name(), path.sub()) {
            Some((def, v)) => compare(v, *op, cv, def.is_some_and(|d| d.case_exact)),
            None => {
                matches!((op, cv), (CompareOp::Ne, c) if !matches!(c, CompValue::Null))
                    || matches!((op, cv), (CompareOp::Eq, CompValue::Null))
            }
        },
        // A nested value path has no meaning inside an element.
        Filter::ValuePath(..) => false,
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

/// The element's value for the filter's attribute name, with its definition.
/// `None` for unknown or absent sub-attributes.
fn lookup<'a, 'd>(
    obj: &'a Map<String, Value>,
    attr: &'d AttributeDef,
    name: &str,
    sub: Option<&str>,
) -> Option<(Option<&'d AttributeDef>, &'a Value)> {
    if sub.is_some() {
        return None;
    }
    let def = attr.sub_attribute(name)?;
    let v = obj.get(&def.name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })?;
    if v.is_null() {
        return None;
    }
    Some((Some(def), v))
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    }
}

fn compare(v: &Value, op: CompareOp, cv: &CompValue, case_exact: bool) -> bool {
    match (v, cv) {
        (_, CompValue::Null) => matches!(op, CompareOp::Ne),
        (Value::String(s), CompValue::String(c)) => {
            if case_exact {
                str_op(s, c, op)
            } else {
                str_op(&s.to_lowercase(), &c.to_lowercase(), op)
            }
        }
        (Value::Bool(b), CompValue::Bool(c)) => match op {
            CompareOp::Eq => b == c,
            CompareOp::Ne => b != c,
            _ => false,
        },
        (Value::Number(n), CompValue::Number(c)) => {
            let (Some(a), Some(b)) = (n.as_f64(), c.as_f64()) else {
                return false;
            };
            a.partial_cmp(&b).is_some_and(|o| ord_op(o, op))
        }
        _ => matches!(op, CompareOp::Ne),
    }
}

fn str_op(s: &str, c: &str, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => s == c,
        CompareOp::Ne => s != c,
        CompareOp::Co => s.contains(c),
        CompareOp::Sw => s.starts_with(c),
        CompareOp::Ew => s.ends_with(c),
        _ => ord_op(s.cmp(c), op),
    }
}

fn ord_op(o: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::Ne => o != Ordering::Equal,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        _ => false,
    }
}
