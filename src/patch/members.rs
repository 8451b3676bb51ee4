//! Group PATCH as membership deltas: member operations become [`MemberChange`]s the store
//! applies itself, so a group of 100,000 members is never loaded or rewritten for an
//! `add` or a `remove` of a few.

use serde_json::{Map, Value};

use super::apply::{check_member_values, member_ids, Engine};
use super::model::{PatchOpKind, PatchRequest};
use super::value::Leniency;
use crate::compat::{Compat, CompatReport, CompatRule};
use crate::error::{Error, Result};
use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::{AttrPath, PatchPath};
use crate::schema::{AttributeDef, Location, Policy, SchemaSet};
use crate::store::{Member, MemberChange};

/// The outcome of [`PatchRequest::apply_group`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GroupPatch {
    /// The group's new attributes, without `members`.
    pub attributes: Map<String, Value>,
    /// Whether `attributes` differs from the attributes passed in.
    pub attributes_changed: bool,
    /// The membership changes, in request order.
    pub members: Vec<MemberChange>,
    /// The request touches `members` in a way deltas cannot express (a filter on
    /// `display`, a sub-attribute replace, ...). Nothing else in this value is meaningful:
    /// load the members into the attributes, call [`PatchRequest::apply`] and store the
    /// result's `members` with [`MemberChange::ReplaceAll`].
    pub needs_full_members: bool,
}

impl PatchRequest {
    /// Applies the request to a group whose attributes are given **without** `members`,
    /// turning member operations into deltas:
    ///
    /// | operation | delta |
    /// |---|---|
    /// | `add` `members` with a list (also in a path-less value) | `Add` |
    /// | `remove` `members[value eq "a"]`, or `value eq "a" or value eq "b"` | `Remove` |
    /// | `remove` `members` with a value list ([`CompatRule::MembersRemoveByValue`]) | `Remove` |
    /// | `remove` `members` without a value | `ReplaceAll([])` |
    /// | `replace` `members` with a list (also in a path-less value) | `ReplaceAll` |
    ///
    /// Any other operation on `members` sets [`GroupPatch::needs_full_members`]. Other
    /// attributes are patched as by [`PatchRequest::apply`], all-or-nothing. Member values
    /// must be non-empty strings; whether they name existing resources is the store's
    /// check. Removing an absent member is not an error.
    pub fn apply_group(
        &self,
        attrs: &Map<String, Value>,
        id: &str,
        schemas: &SchemaSet,
        policy: &Policy,
        compat: &Compat,
        report: &mut CompatReport,
    ) -> Result<GroupPatch> {
        let members_def = schemas
            .resolve(&AttrPath::attr("members"))
            .filter(|r| r.location == Location::Core)
            .map(|r| r.attr);
        let mut out = attrs.clone();
        let mut changes = Vec::new();
        let mut engine = Engine {
            schemas,
            id,
            len: Leniency { compat, report },
            undo: None,
        };
        for (i, op) in self.operations().iter().enumerate() {
            let step = match members_def {
                Some(def) => {
                    member_step(&mut engine, &mut out, def, op.op(), op.path(), op.value())
                }
                None => engine
                    .apply_op(&mut out, op.op(), op.path(), op.value())
                    .map(|()| Step::Done(None)),
            };
            match step.map_err(|e| e.with_context(op.context(i)))? {
                Step::Done(Some(change)) => changes.push(change),
                Step::Done(None) => {}
                Step::NeedsFull => {
                    return Ok(GroupPatch {
                        attributes: attrs.clone(),
                        attributes_changed: false,
                        members: Vec::new(),
                        needs_full_members: true,
                    })
                }
            }
        }
        super::check_result(attrs, &out, schemas, policy)?;
        Ok(GroupPatch {
            attributes_changed: out != *attrs,
            attributes: out,
            members: changes,
            needs_full_members: false,
        })
    }
}

enum Step {
    Done(Option<MemberChange>),
    NeedsFull,
}

fn is_members(engine: &Engine<'_, '_>, p: &AttrPath) -> bool {
    engine
        .resolve(p)
        .is_ok_and(|r| r.location == Location::Core && r.attr.name == "members")
}

fn member_step(
    engine: &mut Engine<'_, '_>,
    out: &mut Map<String, Value>,
    def: &AttributeDef,
    kind: PatchOpKind,
    path: Option<&PatchPath>,
    value: Option<&Value>,
) -> Result<Step> {
    match path {
        Some(PatchPath::Attr(p)) if is_members(engine, p) => {
            if p.sub().is_some() {
                return Ok(Step::NeedsFull);
            }
            let change = match (kind, value) {
                (PatchOpKind::Remove, Some(v))
                    if engine.len.compat.enabled(CompatRule::MembersRemoveByValue) =>
                {
                    engine.len.report.fire(CompatRule::MembersRemoveByValue);
                    MemberChange::Remove(member_ids(v)?)
                }
                (PatchOpKind::Remove, _) => MemberChange::ReplaceAll(Vec::new()),
                (_, v) => {
                    let list = members_from_value(engine, def, v)?;
                    match kind {
                        PatchOpKind::Replace => MemberChange::ReplaceAll(list),
                        _ if list.is_empty() => return Ok(Step::Done(None)),
                        _ => MemberChange::Add(list),
                    }
                }
            };
            Ok(Step::Done(Some(change)))
        }
        Some(PatchPath::Value { attr, filter, sub }) if is_members(engine, attr) => {
            match (kind, sub, value_eq_ids(filter)) {
                (PatchOpKind::Remove, None, Some(ids)) => {
                    Ok(Step::Done(Some(MemberChange::Remove(ids))))
                }
                _ => Ok(Step::NeedsFull),
            }
        }
        None => {
            let Some(obj) = value.and_then(Value::as_object) else {
                return Err(Error::invalid_value(
                    "without a 'path', the 'value' must be an object of attributes",
                ));
            };
            if obj
                .keys()
                .any(|k| engine.schemas.knows_schema(k) || k.contains('.'))
            {
                // Nested or dotted spellings of `members` are rare; take the exact road.
                if obj.iter().any(|(k, v)| {
                    k.to_ascii_lowercase().contains("members") || v.get("members").is_some()
                }) {
                    return Ok(Step::NeedsFull);
                }
            }
            let mut rest = Map::new();
            let mut change = None;
            for (k, v) in obj {
                if k.eq_ignore_ascii_case("members") {
                    let list = members_from_value(engine, def, Some(v))?;
                    change = Some(match kind {
                        PatchOpKind::Add => MemberChange::Add(list),
                        _ => MemberChange::ReplaceAll(list),
                    });
                } else {
                    rest.insert(k.clone(), v.clone());
                }
            }
            if !rest.is_empty() {
                engine.apply_op(out, kind, None, Some(&Value::Object(rest)))?;
            }
            Ok(Step::Done(change))
        }
        _ => {
            engine.apply_op(out, kind, path, value)?;
            Ok(Step::Done(None))
        }
    }
}

/// `value eq "a"` or `value eq "a" or value eq "b" ...`: the ids, else `None`.
fn value_eq_ids(filter: &Filter) -> Option<Vec<String>> {
    let terms: &[Filter] = match filter {
        Filter::Or(fs) => fs,
        f => std::slice::from_ref(f),
    };
    terms
        .iter()
        .map(|t| match t {
            Filter::Compare(p, CompareOp::Eq, CompValue::String(s))
                if p.urn().is_none()
                    && p.sub().is_none()
                    && p.name().eq_ignore_ascii_case("value") =>
            {
                Some(s.clone())
            }
            _ => None,
        })
        .collect()
}

fn members_from_value(
    engine: &mut Engine<'_, '_>,
    def: &AttributeDef,
    value: Option<&Value>,
) -> Result<Vec<Member>> {
    let Some(value) = value else {
        return Err(Error::invalid_value("a value is required"));
    };
    check_member_values(value)?;
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(Error::invalid_value("'members' needs an array of members")),
    };
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let Some(norm) = engine.len.element(it, def)? else {
            continue;
        };
        let value = match norm.get("value").and_then(Value::as_str) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => {
                return Err(Error::invalid_value(
                    "each member needs a non-empty string 'value'",
                ))
            }
        };
        let text = |k: &str| norm.get(k).and_then(Value::as_str).map(str::to_string);
        out.push(Member {
            value,
            display: text("display"),
            kind: text("type"),
        });
    }
    Ok(out)
}
