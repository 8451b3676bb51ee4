//! Reading and writing the canonical attributes layout: core attributes top-level,
//! extension attributes in an object under the extension URN, nothing empty stored; and the
//! `primary` rule for multi-valued attributes.

use serde_json::{Map, Value};

use super::model::PatchOpKind;
use super::undo::Entry;
use crate::error::{Error, Result};
use crate::schema::{Location, Mutability, Resolved};

pub(super) fn effective_mutability(r: &Resolved<'_>) -> Mutability {
    match (r.attr.mutability, r.sub.map(|s| s.mutability)) {
        (Mutability::ReadOnly, _) => Mutability::ReadOnly,
        (_, Some(m)) => m,
        (m, None) => m,
    }
}

pub(super) fn display_path(r: &Resolved<'_>) -> String {
    match r.sub {
        Some(s) => format!("{}.{}", r.attr.name, s.name),
        None => r.attr.name.clone(),
    }
}

pub(super) fn container<'m>(
    map: &'m Map<String, Value>,
    loc: Location<'_>,
) -> Option<&'m Map<String, Value>> {
    match loc {
        Location::Core => Some(map),
        Location::Extension(urn) => map.get(urn).and_then(Value::as_object),
    }
}

pub(super) fn container_mut<'m>(
    map: &'m mut Map<String, Value>,
    loc: Location<'_>,
) -> Option<&'m mut Map<String, Value>> {
    match loc {
        Location::Core => Some(map),
        Location::Extension(urn) => {
            let slot = map
                .entry(urn.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            slot.as_object_mut()
        }
    }
}

/// Drops an extension object left empty.
pub(super) fn tidy(map: &mut Map<String, Value>, loc: Location<'_>) {
    if let Location::Extension(urn) = loc {
        if map
            .get(urn)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            map.shift_remove(urn);
        }
    }
}

/// The current value at `r` (the attribute, or the sub-attribute of a single complex one).
pub(super) fn current<'m>(map: &'m Map<String, Value>, r: &Resolved<'_>) -> Option<&'m Value> {
    let v = container(map, r.location)?.get(&r.attr.name)?;
    match (r.sub, r.attr.multi_valued) {
        (None, _) => Some(v),
        (Some(s), false) => v.get(&s.name),
        // A sub-attribute across all values: present if any value has it.
        (Some(s), true) => v
            .as_array()?
            .iter()
            .find_map(|it| it.get(&s.name))
            .map(|_| v),
    }
}

pub(super) fn array_entry<'m>(
    c: &'m mut Map<String, Value>,
    name: &str,
) -> Result<&'m mut Vec<Value>> {
    let slot = c
        .entry(name.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut().ok_or_else(Error::internal)
}

/// Writes a normalized value; returns the indices of the written elements of a
/// multi-valued attribute (for the `primary` rule).
///
/// With a `journal` (the caller checked the change is one it can express: a core
/// multi-valued `add`, a core complex attribute's sub-attribute, an extension attribute
/// set whole), each change to the top-level value is logged in it.
pub(super) fn set_attr(
    map: &mut Map<String, Value>,
    r: &Resolved<'_>,
    kind: PatchOpKind,
    new: Value,
    mut journal: Option<&mut Vec<Entry>>,
) -> Result<Vec<usize>> {
    let Some(c) = container_mut(map, r.location) else {
        return Err(Error::internal());
    };
    let name = &r.attr.name;
    match (r.attr.multi_valued, r.sub) {
        (false, None) => {
            // RFC 7644 §3.5.2.1/§3.5.2.3: a complex value's sub-attributes are merged;
            // those not given are left unchanged.
            match (c.get_mut(name), new) {
                (Some(Value::Object(old)), Value::Object(new)) => old.extend(new),
                (_, new) => {
                    let old = c.insert(name.clone(), new);
                    if let Some(j) = journal {
                        j.push(Entry::Sub {
                            elem: None,
                            name: name.clone(),
                            old,
                        });
                    }
                }
            }
            Ok(Vec::new())
        }
        (false, Some(s)) => {
            let slot = c
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(o) = slot {
                let old = o.insert(s.name.clone(), new);
                if let Some(j) = journal {
                    j.push(Entry::Sub {
                        elem: None,
                        name: s.name.clone(),
                        old,
                    });
                }
            }
            Ok(Vec::new())
        }
        (true, None) => {
            let Value::Array(new) = new else {
                return Err(Error::invalid_value(format!("'{name}' needs an array")));
            };
            if kind == PatchOpKind::Replace {
                let all = (0..new.len()).collect();
                c.insert(name.clone(), Value::Array(new));
                return Ok(all);
            }
            let items = array_entry(c, name)?;
            let start = items.len();
            let by_value = name == "members";
            for v in new {
                // A member is identified by its id: adding it again with a display name
                // leaves the existing entry (as the store's `MemberChange::Add` does).
                let dup = items.contains(&v)
                    || (by_value
                        && v.get("value").is_some()
                        && items.iter().any(|it| it.get("value") == v.get("value")));
                if !dup {
                    items.push(v);
                    if let Some(j) = journal.as_deref_mut() {
                        j.push(Entry::Push);
                    }
                }
            }
            Ok((start..items.len()).collect())
        }
        (true, Some(s)) => {
            let items = match c.get_mut(name) {
                Some(Value::Array(items)) if !items.is_empty() => items,
                _ => {
                    return Err(Error::no_target(format!(
                        "'{name}' has no values to set '{}' on",
                        s.name
                    )))
                }
            };
            for it in items.iter_mut() {
                if let Value::Object(o) = it {
                    o.insert(s.name.clone(), new.clone());
                }
            }
            Ok((0..items.len()).collect())
        }
    }
}

/// At most one value of a multi-valued attribute has `primary: true` (RFC 7643 §2.4): a
/// value written with `primary: true` clears it on the others; writing two is an error.
///
/// With a `journal`, each `primary` cleared is logged in it (the attribute is core, so its
/// array is the top-level value).
pub(super) fn fix_primary(
    map: &mut Map<String, Value>,
    r: &Resolved<'_>,
    written: &[usize],
    mut journal: Option<&mut Vec<Entry>>,
) -> Result<()> {
    if written.is_empty() || !r.attr.multi_valued || r.attr.sub_attribute("primary").is_none() {
        return Ok(());
    }
    let Some(Value::Array(items)) =
        container_mut(map, r.location).and_then(|c| c.get_mut(&r.attr.name))
    else {
        return Ok(());
    };
    let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
    let mut chosen = None;
    for &i in written {
        if items.get(i).is_some_and(is_primary) {
            if chosen.is_some() {
                return Err(Error::invalid_value(format!(
                    "more than one value of '{}' has primary true",
                    r.attr.name
                )));
            }
            chosen = Some(i);
        }
    }
    if let Some(keep) = chosen {
        for (i, it) in items.iter_mut().enumerate() {
            if i != keep && is_primary(it) {
                if let Value::Object(o) = it {
                    let old = o.insert("primary".into(), Value::Bool(false));
                    if let Some(j) = journal.as_deref_mut() {
                        j.push(Entry::Sub {
                            elem: Some(i),
                            name: "primary".into(),
                            old,
                        });
                    }
                }
            }
        }
    }
    Ok(())
}
