//! Reading an operation's `value` against the attribute it targets: type checks, canonical
//! sub-attribute spelling, and the IdP leniencies that apply to values (string booleans,
//! the plain-string `manager`, one-element arrays for single values, `null`
//! sub-attributes).
//!
//! The result is `None` when the value is unassigned in SCIM's sense (RFC 7643 §2.5: `null`,
//! an empty array, or a complex value whose sub-attributes are all `null`).

use serde_json::{Map, Value};

use crate::compat::{Compat, CompatReport, CompatRule};
use crate::error::{Error, Result};
use crate::schema::{AttributeDef, AttributeType};

/// The compatibility switches and the report a value reader uses.
pub(crate) struct Leniency<'a> {
    pub(crate) compat: &'a Compat,
    pub(crate) report: &'a mut CompatReport,
}

impl Leniency<'_> {
    fn allow(&mut self, rule: CompatRule) -> bool {
        if self.compat.enabled(rule) {
            self.report.fire(rule);
            true
        } else {
            false
        }
    }
}

/// A whole attribute value: an array for a multi-valued attribute, one value otherwise.
pub(crate) fn normalize_attr(
    def: &AttributeDef,
    value: &Value,
    len: &mut Leniency<'_>,
) -> Result<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    if def.multi_valued {
        let items = value.as_array().ok_or_else(|| {
            Error::invalid_value(format!("'{}' is multi-valued and needs an array", def.name))
        })?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let Some(v) = normalize_single(def, item, len)? {
                out.push(v);
            }
        }
        return Ok(if out.is_empty() {
            None
        } else {
            Some(Value::Array(out))
        });
    }
    if let Value::Array(items) = value {
        return match items.as_slice() {
            [] => Ok(None),
            [one] if len.allow(CompatRule::SingleValueArray) => normalize_single(def, one, len),
            _ => Err(Error::invalid_value(format!(
                "'{}' is single-valued; an array was given",
                def.name
            ))),
        };
    }
    normalize_single(def, value, len)
}

/// One value of `def` (one element when `def` is multi-valued).
pub(crate) fn normalize_single(
    def: &AttributeDef,
    value: &Value,
    len: &mut Leniency<'_>,
) -> Result<Option<Value>> {
    let wrong = |what: &str| {
        Error::invalid_value(format!(
            "'{}' must be {what} (schema type {})",
            def.name,
            def.ty.as_str()
        ))
    };
    match (def.ty, value) {
        (_, Value::Null) => Ok(None),
        (
            AttributeType::String | AttributeType::Reference | AttributeType::Binary,
            Value::String(_),
        ) => Ok(Some(value.clone())),
        (AttributeType::DateTime, Value::String(s)) => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map_err(|_| wrong("an RFC 3339 date-time string"))?;
            Ok(Some(value.clone()))
        }
        (AttributeType::Boolean, Value::Bool(_)) => Ok(Some(value.clone())),
        (AttributeType::Boolean, Value::String(s)) => {
            let b = if s.eq_ignore_ascii_case("true") {
                true
            } else if s.eq_ignore_ascii_case("false") {
                false
            } else {
                return Err(wrong("a boolean"));
            };
            if len.allow(CompatRule::StringBoolean) {
                Ok(Some(Value::Bool(b)))
            } else {
                Err(wrong("a boolean"))
            }
        }
        (AttributeType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => {
            Ok(Some(value.clone()))
        }
        (AttributeType::Decimal, Value::Number(_)) => Ok(Some(value.clone())),
        (AttributeType::Complex, Value::Object(obj)) => normalize_complex(def, obj, len),
        (AttributeType::Complex, Value::String(s))
            if def.name.eq_ignore_ascii_case("manager") && def.sub_attribute("value").is_some() =>
        {
            if len.allow(CompatRule::ManagerString) {
                let mut m = Map::new();
                m.insert("value".into(), Value::String(s.clone()));
                Ok(Some(Value::Object(m)))
            } else {
                Err(wrong("an object"))
            }
        }
        (AttributeType::String | AttributeType::Reference | AttributeType::Binary, _)
        | (AttributeType::DateTime, _) => Err(wrong("a string")),
        (AttributeType::Boolean, _) => Err(wrong("a boolean")),
        (AttributeType::Integer, _) => Err(wrong("an integer")),
        (AttributeType::Decimal, _) => Err(wrong("a number")),
        (AttributeType::Complex, _) => Err(wrong("an object")),
    }
}

fn normalize_complex(
    def: &AttributeDef,
    obj: &Map<String, Value>,
    len: &mut Leniency<'_>,
) -> Result<Option<Value>> {
    let mut out = Map::new();
    for (k, v) in obj {
        let sub = def.sub_attribute(k).ok_or_else(|| {
            Error::invalid_value(format!("'{}' has no sub-attribute '{k}'", def.name))
        })?;
        if v.is_null() {
            if len.allow(CompatRule::NullSubAttribute) {
                continue;
            }
            return Err(Error::invalid_value(format!(
                "'{}.{}' is null",
                def.name, sub.name
            )));
        }
        let norm = normalize_attr(sub, v, len)
            .map_err(|e| e.with_context(format_args!("in '{}'", def.name)))?;
        if let Some(norm) = norm {
            out.insert(sub.name.clone(), norm);
        }
    }
    Ok(if out.is_empty() {
        None
    } else {
        Some(Value::Object(out))
    })
}
