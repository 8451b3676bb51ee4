//! Validation of a canonical attributes map against a schema set and a [`Policy`].

use serde_json::{Map, Value};

use super::loc::Loc;
use super::member::{exact_member as exact, member as get};
use crate::error::Error;
use crate::schema::{AttributeDef, AttributeType, Mutability, Policy, SchemaSet};

/// Checks a canonical attributes map (the output of [`normalize`](super::normalize), or
/// the result of a PATCH) against `schemas` and `policy`.
///
/// Checks, in order, for core and common attributes first, then each extension:
/// - required attributes (the schema's `required`, plus the policy's paths) are present and
///   not empty (`""`, whitespace, `[]` and `{}` count as missing); a required sub-attribute
///   of a single-valued complex attribute requires the attribute; a required sub-attribute
///   of a multi-valued attribute is required in every element;
/// - string values are at most [`Policy::max_length_for`] characters, at any depth;
/// - with [`Policy::enforce_canonical_values`], string values are among the attribute's
///   `canonicalValues` (for `type` sub-attributes only with
///   [`Policy::enforce_canonical_types`]);
/// - a multi-valued attribute has at most [`Policy::values_limit`] values (Group `members`:
///   [`Policy::members_limit`]) and at most one value with `primary: true` (RFC 7643 §2.4).
///
/// # Errors
///
/// The first violation, as 400 `invalidValue` with a detail naming the attribute path
/// (`attribute 'name.givenName' is required`,
/// `attribute 'emails[1].value' is longer than 255 characters`).
pub fn validate(
    attrs: &Map<String, Value>,
    schemas: &SchemaSet,
    policy: &Policy,
) -> Result<(), Error> {
    validate_where(attrs, schemas, policy, |_| true)
}

/// [`validate`] restricted to the top-level members (attribute names, extension URNs)
/// that `touched` accepts, compared case-insensitively as [`validate`] looks members up.
///
/// When `attrs` differs from a map that passed [`validate`] under the same `schemas` and
/// `policy` only in members whose names `touched` accepts, the outcome (including which
/// error comes first) is that of [`validate`] on `attrs`: each attribute is checked on its
/// own value alone, in schema order, and the value [`validate`] finds for an attribute
/// whose name matches no touched member is the one it found, valid, before.
pub(crate) fn validate_touched(
    attrs: &Map<String, Value>,
    schemas: &SchemaSet,
    policy: &Policy,
    touched: &[&str],
) -> Result<(), Error> {
    validate_where(attrs, schemas, policy, |name| {
        touched.iter().any(|t| t.eq_ignore_ascii_case(name))
    })
}

fn validate_where(
    attrs: &Map<String, Value>,
    schemas: &SchemaSet,
    policy: &Policy,
    check: impl Fn(&str) -> bool,
) -> Result<(), Error> {
    let v = Validator {
        set: schemas,
        policy,
    };
    for def in schemas.common().iter().chain(&schemas.core().attributes) {
        if def.mutability == Mutability::ReadOnly || !check(&def.name) {
            continue;
        }
        v.attribute(def, get(attrs, &def.name), &Loc::Attr(&def.name))?;
    }
    for ext in schemas.extensions() {
        if !check(&ext.schema.id) {
            continue;
        }
        let obj = get(attrs, &ext.schema.id).and_then(Value::as_object);
        for def in &ext.schema.attributes {
            if def.mutability == Mutability::ReadOnly {
                continue;
            }
            let value = obj.and_then(|o| get(o, &def.name));
            v.attribute(def, value, &Loc::Ext(&ext.schema.id, &def.name))?;
        }
    }
    Ok(())
}

/// Refuses a write that changes an `immutable` attribute that already has a value
/// (RFC 7643 §7: "If there is an existing value, the value MUST match").
///
/// Checked: top-level attributes of the core schema, the common attributes and the
/// extensions, and sub-attributes of single-valued complex attributes. Removing such a
/// value is a change too. Strings of attributes that are not `caseExact` compare
/// case-insensitively. Sub-attributes of multi-valued attributes (Group `members.value`)
/// are not checked: elements are added and removed as wholes, never edited in place.
///
/// # Errors
///
/// 400 `mutability` naming the attribute.
pub fn check_immutable(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    schemas: &SchemaSet,
) -> Result<(), Error> {
    for def in schemas.common().iter().chain(&schemas.core().attributes) {
        immutable(
            def,
            get(old, &def.name),
            get(new, &def.name),
            &Loc::Attr(&def.name),
        )?;
    }
    for ext in schemas.extensions() {
        let o = get(old, &ext.schema.id).and_then(Value::as_object);
        let n = get(new, &ext.schema.id).and_then(Value::as_object);
        for def in &ext.schema.attributes {
            immutable(
                def,
                o.and_then(|m| get(m, &def.name)),
                n.and_then(|m| get(m, &def.name)),
                &Loc::Ext(&ext.schema.id, &def.name),
            )?;
        }
    }
    Ok(())
}

fn immutable(
    def: &AttributeDef,
    old: Option<&Value>,
    new: Option<&Value>,
    path: &Loc<'_>,
) -> Result<(), Error> {
    if def.mutability == Mutability::Immutable && !is_empty(old) && !same(def, old, new) {
        return Err(Error::mutability(format!(
            "attribute '{path}' is immutable and cannot be changed once set"
        )));
    }
    if def.ty == AttributeType::Complex && !def.multi_valued {
        let o = old.and_then(Value::as_object);
        let n = new.and_then(Value::as_object);
        for sub in def.subs() {
            immutable(
                sub,
                o.and_then(|m| get(m, &sub.name)),
                n.and_then(|m| get(m, &sub.name)),
                &Loc::Sub(path, &sub.name),
            )?;
        }
    }
    Ok(())
}

fn same(def: &AttributeDef, a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::String(x)), Some(Value::String(y))) if !def.case_exact => {
            x.to_lowercase() == y.to_lowercase()
        }
        (a, b) => a == b,
    }
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    }
}

struct Validator<'a> {
    set: &'a SchemaSet,
    policy: &'a Policy,
}

impl Validator<'_> {
    fn attribute(
        &self,
        def: &AttributeDef,
        value: Option<&Value>,
        path: &Loc<'_>,
    ) -> Result<(), Error> {
        if is_empty(value) {
            if def.required || self.policy.requires(self.set, def, None) {
                // Name the required sub-attribute when that is what makes the parent
                // required (`name.givenName`, not just `name`).
                let sub = def.subs().iter().find(|s| {
                    !def.multi_valued
                        && (s.required || self.policy.requires(self.set, def, Some(s)))
                });
                let missing = match sub {
                    Some(s) => format!("{path}.{}", s.name),
                    None => path.to_string(),
                };
                return Err(Error::invalid_value(format!(
                    "attribute '{missing}' is required"
                )));
            }
            return Ok(());
        }
        let Some(value) = value else { return Ok(()) };
        if !def.multi_valued {
            return self.single(def, None, value, path);
        }
        let Some(items) = value.as_array() else {
            return Err(Error::invalid_value(format!(
                "attribute '{path}' is multi-valued and must be an array"
            )));
        };
        let is_members = def.name == "members" && self.set.resource_type() == "Group";
        let cap = if is_members {
            self.policy.members_limit()
        } else {
            Some(self.policy.values_limit())
        };
        if let Some(cap) = cap.filter(|c| items.len() > *c) {
            return Err(Error::invalid_value(format!(
                "attribute '{path}' has {} values; at most {cap} are allowed",
                items.len()
            )));
        }
        let primaries = items
            .iter()
            .filter(|i| {
                i.as_object()
                    .and_then(|o| exact(o, "primary"))
                    .and_then(Value::as_bool)
                    == Some(true)
            })
            .count();
        if primaries > 1 {
            return Err(Error::invalid_value(format!(
                "attribute '{path}' has {primaries} values with primary true; at most one is allowed"
            )));
        }
        for (i, item) in items.iter().enumerate() {
            self.single(def, None, item, &Loc::Index(path, i))?;
        }
        Ok(())
    }

    /// One value of `attr` (or of its sub-attribute `sub`).
    fn single(
        &self,
        attr: &AttributeDef,
        sub: Option<&AttributeDef>,
        value: &Value,
        path: &Loc<'_>,
    ) -> Result<(), Error> {
        let def = sub.unwrap_or(attr);
        if def.ty == AttributeType::Complex && sub.is_none() {
            let Some(obj) = value.as_object() else {
                return Err(Error::invalid_value(format!(
                    "attribute '{path}' must be an object"
                )));
            };
            for s in attr.subs() {
                let v = get(obj, &s.name);
                let sub_path = Loc::Sub(path, &s.name);
                if is_empty(v) {
                    if s.required || self.policy.requires(self.set, attr, Some(s)) {
                        return Err(Error::invalid_value(format!(
                            "attribute '{sub_path}' is required"
                        )));
                    }
                    continue;
                }
                match v {
                    Some(Value::Array(items)) if s.multi_valued => {
                        for (i, item) in items.iter().enumerate() {
                            self.single(attr, Some(s), item, &Loc::Index(&sub_path, i))?;
                        }
                    }
                    Some(v) => self.single(attr, Some(s), v, &sub_path)?,
                    None => {}
                }
            }
            return Ok(());
        }
        let Some(s) = value.as_str() else {
            return Ok(());
        };
        if let Some(max) = self.policy.max_length_for(self.set, attr, sub) {
            if s.chars().count() > max {
                return Err(Error::invalid_value(format!(
                    "attribute '{path}' is longer than {max} characters"
                )));
            }
        }
        self.canonical(def, s, path)
    }

    fn canonical(&self, def: &AttributeDef, s: &str, path: &Loc<'_>) -> Result<(), Error> {
        if !self.policy.canonical_values_enforced()
            || (def.name == "type" && !self.policy.canonical_types_enforced())
        {
            return Ok(());
        }
        let Some(values) = def.canonical_values.as_deref().filter(|v| !v.is_empty()) else {
            return Ok(());
        };
        let ok = values.iter().any(|c| {
            if def.case_exact {
                c == s
            } else {
                c.eq_ignore_ascii_case(s)
            }
        });
        if ok {
            Ok(())
        } else {
            Err(Error::invalid_value(format!(
                "attribute '{path}' must be one of: {}",
                values.join(", ")
            )))
        }
    }
}
