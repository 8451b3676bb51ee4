//! Applying operations to a resource's stored attributes (canonical layout: core and common
//! attributes top-level, extension attributes in an object under the extension URN, no
//! `id`/`meta`/`schemas`, no `null`s or empty arrays).

use serde_json::{Map, Value};

use super::layout::{
    array_entry, container_mut, current, display_path, effective_mutability, fix_primary, set_attr,
    tidy,
};
use super::model::PatchOpKind;
use super::undo::{Entry, Undo};
use super::value::Leniency;
use crate::compat::CompatRule;
use crate::error::{Error, Result};
use crate::filter::{CompValue, CompareOp, ElementFilter, EvalOptions, Filter};
use crate::path::{AttrPath, PatchPath};
use crate::schema::{AttributeDef, AttributeType, Location, Mutability, Resolved, SchemaSet};

/// One PATCH application: the schemas, the resource id and the leniencies in force.
pub(crate) struct Engine<'a, 'r> {
    pub(crate) schemas: &'a SchemaSet,
    pub(crate) id: &'a str,
    pub(crate) len: Leniency<'r>,
    /// The undo log of an in-place application (`None`: the caller works on a copy).
    pub(crate) undo: Option<Undo>,
}

/// The top-level member of the attributes map that holds `r`'s value.
fn top_key<'k>(r: &Resolved<'k>) -> &'k str {
    match r.location {
        Location::Core => &r.attr.name,
        Location::Extension(urn) => urn,
    }
}

impl<'a> Engine<'a, '_> {
    /// Saves `key` in the undo log (if any) before a change.
    fn touch(&mut self, map: &Map<String, Value>, key: &str) {
        if let Some(u) = &mut self.undo {
            u.touch(map, key);
        }
    }

    /// Notes in the undo log (if any) whether a change removed `key`.
    fn after(&mut self, map: &Map<String, Value>, key: &str) {
        if let Some(u) = &mut self.undo {
            u.after(map, key);
        }
    }

    /// Applies one operation to `map`.
    pub(crate) fn apply_op(
        &mut self,
        map: &mut Map<String, Value>,
        kind: PatchOpKind,
        path: Option<&PatchPath>,
        value: Option<&Value>,
    ) -> Result<()> {
        match path {
            None => self.pathless(map, kind, value, None),
            Some(PatchPath::Attr(p)) => self.attr_op(map, kind, p, value),
            Some(PatchPath::Value { attr, filter, sub }) => {
                self.value_path_op(map, kind, attr, filter, sub.as_deref(), value)
            }
        }
    }

    /// Resolves a path; an unqualified name that is not a core or common attribute falls back
    /// to the one extension attribute of that name, when exactly one extension has it
    /// (Entra's tutorial sends `manager` unqualified).
    pub(crate) fn resolve(&self, p: &AttrPath) -> Result<Resolved<'a>> {
        if let Some(r) = self.schemas.resolve(p) {
            return Ok(r);
        }
        let unknown = || match self.schemas.attribute(p.urn(), p.name()) {
            Some((_, a)) => Error::invalid_path(format!(
                "'{}' has no sub-attribute '{}'",
                a.name,
                p.sub().unwrap_or("")
            )),
            None => Error::invalid_path(format!("unknown attribute '{p}'")),
        };
        if p.urn().is_some() {
            return Err(unknown());
        }
        let mut found = self.schemas.extensions().iter().filter_map(|e| {
            e.schema
                .attribute(p.name())
                .map(|a| (e.schema.id.as_str(), a))
        });
        match (found.next(), found.next()) {
            (Some((urn, attr)), None) => {
                let sub = match p.sub() {
                    Some(s) => Some(attr.sub_attribute(s).ok_or_else(unknown)?),
                    None => None,
                };
                Ok(Resolved {
                    location: Location::Extension(urn),
                    attr,
                    sub,
                })
            }
            _ => Err(unknown()),
        }
    }

    fn pathless(
        &mut self,
        map: &mut Map<String, Value>,
        kind: PatchOpKind,
        value: Option<&Value>,
        scope: Option<&str>,
    ) -> Result<()> {
        let obj = value.and_then(Value::as_object).ok_or_else(|| {
            Error::invalid_value("without a 'path', the 'value' must be an object of attributes")
        })?;
        for (key, v) in obj {
            if scope.is_none() {
                if key.eq_ignore_ascii_case("schemas") {
                    // Derived from the attributes present; nothing to patch.
                    continue;
                }
                if self.schemas.core().id.eq_ignore_ascii_case(key) {
                    self.pathless(map, kind, Some(v), None)?;
                    continue;
                }
                if let Some(ext) = self.schemas.extension(key) {
                    let urn = ext.schema.id.as_str();
                    self.pathless(map, kind, Some(v), Some(urn))?;
                    continue;
                }
            }
            let path = self.key_path(key, scope)?;
            self.attr_op(map, kind, &path, Some(v))
                .map_err(|e| e.with_context(format_args!("attribute '{key}'")))?;
        }
        Ok(())
    }

    /// The attribute path a member name of a path-less value stands for.
    fn key_path(&mut self, key: &str, scope: Option<&str>) -> Result<AttrPath> {
        let (urn, rest) = match scope {
            Some(u) => (Some(u.to_string()), key),
            None if key.get(..4).is_some_and(|h| h.eq_ignore_ascii_case("urn:")) => {
                let (u, r) = key.rsplit_once(':').unwrap_or((key, ""));
                self.dotted_keys(key)?;
                (Some(u.to_string()), r)
            }
            None => (None, key),
        };
        let (name, sub) = match rest.split_once('.') {
            Some((n, s)) => {
                self.dotted_keys(key)?;
                (n, Some(s.to_string()))
            }
            None => (rest, None),
        };
        Ok(AttrPath::new(urn, name, sub))
    }

    fn dotted_keys(&mut self, key: &str) -> Result<()> {
        if self.len.compat.enabled(CompatRule::PatchDottedKeys) {
            self.len.report.fire(CompatRule::PatchDottedKeys);
            Ok(())
        } else {
            Err(Error::invalid_path(format!(
                "'{key}' is a path, not an attribute name; use an operation with a 'path'"
            )))
        }
    }

    fn attr_op(
        &mut self,
        map: &mut Map<String, Value>,
        kind: PatchOpKind,
        p: &AttrPath,
        value: Option<&Value>,
    ) -> Result<()> {
        let r = match self.resolve(p) {
            Ok(r) => r,
            Err(e) => return self.whole_extension(map, kind, p, value).unwrap_or(Err(e)),
        };
        let key = top_key(&r);
        // The undo log (if any) is prepared right before each change below: a whole
        // removal moves the value into it, small changes are journaled, the rest copied.
        let res = self.attr_op_resolved(map, kind, &r, value);
        self.after(map, key);
        res
    }

    fn attr_op_resolved(
        &mut self,
        map: &mut Map<String, Value>,
        kind: PatchOpKind,
        r: &Resolved<'a>,
        value: Option<&Value>,
    ) -> Result<()> {
        let r = *r;
        if kind == PatchOpKind::Remove {
            if let Some(v) = value {
                if r.sub.is_none() && r.attr.name == "members" && r.attr.multi_valued {
                    self.touch(map, top_key(&r));
                    if let Some(res) = self.remove_members_by_value(map, &r, v) {
                        return res;
                    }
                }
            }
            return self.remove_attr(map, &r);
        }
        let v = value.ok_or_else(|| Error::invalid_value("a value is required"))?;
        if r.sub.is_none() && r.attr.name == "members" && r.attr.multi_valued {
            check_member_values(v)?;
        }
        let norm = self.len.value(v, &r)?;
        if effective_mutability(&r) == Mutability::ReadOnly {
            // Before the `None` shortcut: normalizing drops read-only sub-attributes, and a
            // write to `groups` must be refused, not read as empty.
            return self.read_only_write(map, &r, norm.as_ref());
        }
        let Some(norm) = norm else {
            // `null` / `[]` mean unassigned (RFC 7643 §2.5): replacing with them removes.
            return match kind {
                PatchOpKind::Replace => self.remove_attr(map, &r),
                _ => Ok(()),
            };
        };
        if !self.check_write(map, &r, kind, &norm)? {
            return Ok(());
        }
        let key = top_key(&r);
        // What `set_attr` and `fix_primary` change in the top-level value: an element
        // appended and `primary` cleared (core multi-valued `add`), one member set (a core
        // complex attribute's sub-attribute; an extension attribute, unless a complex value
        // merged into a complex value). Those are journaled; anything else is copied.
        let journaled = match (r.location, r.attr.multi_valued, r.sub) {
            (Location::Core, true, None) => (kind == PatchOpKind::Add).then_some(true),
            (Location::Core, false, Some(_)) => Some(false),
            (Location::Extension(_), false, None) => {
                let merge = norm.is_object() && current(map, &r).is_some_and(Value::is_object);
                (!merge).then_some(false)
            }
            _ => None,
        };
        let mut journal = match (journaled, &mut self.undo) {
            (Some(array), Some(u)) => u.journal(map, key, array),
            (None, Some(u)) => {
                u.touch(map, key);
                None
            }
            (_, None) => None,
        };
        let written = set_attr(map, &r, kind, norm, journal.as_deref_mut())?;
        fix_primary(map, &r, &written, journal)
    }

    /// A path naming a whole extension (`urn:...:enterprise:2.0:User`): its value is an
    /// object of that extension's attributes.
    fn whole_extension(
        &mut self,
        map: &mut Map<String, Value>,
        kind: PatchOpKind,
        p: &AttrPath,
        value: Option<&Value>,
    ) -> Option<Result<()>> {
        let urn = p.urn()?;
        if p.sub().is_some() {
            return None;
        }
        let ext = self.schemas.extension(&format!("{urn}:{}", p.name()))?;
        let urn = ext.schema.id.as_str();
        Some(match kind {
            PatchOpKind::Remove => {
                self.touch(map, urn);
                map.shift_remove(urn);
                self.after(map, urn);
                Ok(())
            }
            _ => self.pathless(map, kind, value, Some(urn)),
        })
    }

    /// A write to a read-only attribute: ignored when it carries the current value (under
    /// [`CompatRule::ReadOnlySameValue`]), else 400 `mutability`.
    fn read_only_write(
        &mut self,
        map: &Map<String, Value>,
        r: &Resolved<'_>,
        new: Option<&Value>,
    ) -> Result<()> {
        let id_value;
        let current = if r.location == Location::Core && r.attr.name == "id" && r.sub.is_none() {
            id_value = Value::String(self.id.to_string());
            Some(&id_value)
        } else {
            current(map, r)
        };
        let same = new.is_some() && current == new;
        if same && self.len.compat.enabled(CompatRule::ReadOnlySameValue) {
            self.len.report.fire(CompatRule::ReadOnlySameValue);
            return Ok(());
        }
        Err(Error::mutability(format!(
            "'{}' is read-only",
            display_path(r)
        )))
    }

    /// Checks an add/replace of `new` against `immutable`. `Ok(false)` means "nothing to
    /// do" (the current value given again).
    fn check_write(
        &mut self,
        map: &Map<String, Value>,
        r: &Resolved<'_>,
        kind: PatchOpKind,
        new: &Value,
    ) -> Result<bool> {
        if effective_mutability(r) != Mutability::Immutable {
            return Ok(true);
        }
        let current = current(map, r);
        match current {
            None => Ok(true),
            Some(c) if c == new => Ok(false),
            _ if r.attr.multi_valued && r.sub.is_none() && kind == PatchOpKind::Add => Ok(true),
            _ => Err(Error::mutability(format!(
                "'{}' is immutable and already set",
                display_path(r)
            ))),
        }
    }

    fn remove_attr(&mut self, map: &mut Map<String, Value>, r: &Resolved<'_>) -> Result<()> {
        let present = current(map, r).is_some();
        match effective_mutability(r) {
            Mutability::ReadOnly => {
                return Err(Error::mutability(format!(
                    "'{}' is read-only",
                    display_path(r)
                )))
            }
            Mutability::Immutable if present => {
                return Err(Error::mutability(format!(
                    "'{}' is immutable",
                    display_path(r)
                )))
            }
            _ => {}
        }
        if r.sub.is_none() && r.attr.required {
            // RFC 7644 §3.5.2.2: removing a required attribute is a mutability error.
            return Err(Error::mutability(format!(
                "'{}' is required and cannot be removed",
                display_path(r)
            )));
        }
        if !present && r.sub.is_none() {
            return Ok(());
        }
        if r.sub.is_none() && r.location == Location::Core {
            // The removed value moves into the undo log: no copy.
            match &mut self.undo {
                Some(u) => u.remove(map, &r.attr.name),
                None => {
                    map.shift_remove(&r.attr.name);
                }
            }
            return Ok(());
        }
        self.touch(map, top_key(r));
        let Some(c) = container_mut(map, r.location) else {
            return Ok(());
        };
        match r.sub {
            None => {
                c.shift_remove(&r.attr.name);
            }
            Some(s) => {
                let now_empty = match c.get_mut(&r.attr.name) {
                    Some(Value::Object(o)) => {
                        o.shift_remove(&s.name);
                        o.is_empty()
                    }
                    Some(Value::Array(items)) => {
                        for it in items.iter_mut() {
                            if let Value::Object(o) = it {
                                o.shift_remove(&s.name);
                            }
                        }
                        items.retain(|it| it.as_object().map_or(true, |o| !o.is_empty()));
                        items.is_empty()
                    }
                    _ => false,
                };
                if now_empty {
                    c.shift_remove(&r.attr.name);
                }
            }
        }
        tidy(map, r.location);
        Ok(())
    }

    /// `remove` of `members` with a value list (Entra legacy): removes exactly the listed
    /// members. `None` when the rule is off, so the RFC reading (remove all) applies.
    fn remove_members_by_value(
        &mut self,
        map: &mut Map<String, Value>,
        r: &Resolved<'_>,
        value: &Value,
    ) -> Option<Result<()>> {
        if !self.len.compat.enabled(CompatRule::MembersRemoveByValue) {
            return None;
        }
        self.len.report.fire(CompatRule::MembersRemoveByValue);
        let ids = match member_ids(value) {
            Ok(ids) => ids,
            Err(e) => return Some(Err(e)),
        };
        if let Some(c) = container_mut(map, r.location) {
            let now_empty = match c.get_mut(&r.attr.name) {
                Some(Value::Array(items)) => {
                    items.retain(|it| {
                        !it.get("value")
                            .and_then(Value::as_str)
                            .is_some_and(|v| ids.iter().any(|id| id == v))
                    });
                    items.is_empty()
                }
                _ => false,
            };
            if now_empty {
                c.shift_remove(&r.attr.name);
            }
        }
        tidy(map, r.location);
        Some(Ok(()))
    }

    fn value_path_op(
        &mut self,
        map: &mut Map<String, Value>,
        kind: PatchOpKind,
        p: &AttrPath,
        filter: &Filter,
        sub: Option<&str>,
        value: Option<&Value>,
    ) -> Result<()> {
        let r = self.resolve(p)?;
        let key = top_key(&r);
        let res = self.value_path_resolved(map, kind, &r, p, filter, sub, value);
        self.after(map, key);
        res
    }

    #[allow(clippy::too_many_arguments)]
    fn value_path_resolved(
        &mut self,
        map: &mut Map<String, Value>,
        kind: PatchOpKind,
        r: &Resolved<'a>,
        p: &AttrPath,
        filter: &Filter,
        sub: Option<&str>,
        value: Option<&Value>,
    ) -> Result<()> {
        let r = *r;
        if r.sub.is_some() || !r.attr.multi_valued || r.attr.ty != AttributeType::Complex {
            return Err(Error::invalid_path(format!(
                "a filter needs a multi-valued complex attribute; '{p}' is not one"
            )));
        }
        let sub_def = match sub {
            Some(s) => Some(r.attr.sub_attribute(s).ok_or_else(|| {
                Error::invalid_path(format!("'{}' has no sub-attribute '{s}'", r.attr.name))
            })?),
            None => None,
        };
        let target = Resolved { sub: sub_def, ..r };
        let bound_path = match r.location {
            Location::Core => AttrPath::attr(r.attr.name.as_str()),
            Location::Extension(urn) => {
                AttrPath::new(Some(urn.to_string()), r.attr.name.as_str(), None)
            }
        };
        let element_filter =
            ElementFilter::bind(&bound_path, filter, self.schemas, EvalOptions::default())?;
        let selected: Vec<usize> = match current(map, &r) {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter(|(_, it)| element_filter.matches(it))
                .map(|(i, _)| i)
                .collect(),
            _ => Vec::new(),
        };
        let norm = match (kind, value) {
            (PatchOpKind::Remove, _) => None,
            (_, None) => return Err(Error::invalid_value("a value is required")),
            (_, Some(v)) => match sub_def {
                Some(_) => self.len.value(v, &target)?,
                None => self.len.element(v, r.attr)?,
            },
        };
        let norm = match (kind, norm) {
            (PatchOpKind::Remove, _) | (PatchOpKind::Replace, None) => {
                self.touch(map, top_key(&r));
                return self.remove_selected(map, &target, &selected);
            }
            (_, None) => return Ok(()),
            (_, Some(n)) => n,
        };
        if matches!(effective_mutability(&target), Mutability::ReadOnly) {
            return Err(Error::mutability(format!(
                "'{}' is read-only",
                display_path(&target)
            )));
        }
        // Setting a sub-attribute of core elements (and appending a seed element, clearing
        // `primary`) is journaled; a whole element written is copied.
        let mut journal = match (&mut self.undo, r.location, sub_def) {
            (Some(u), Location::Core, Some(_)) => u.journal(map, top_key(&r), true),
            (Some(u), _, _) => {
                u.touch(map, top_key(&r));
                None
            }
            (None, _, _) => None,
        };
        let Some(c) = container_mut(map, r.location) else {
            return Err(Error::internal());
        };
        let mut written = selected;
        if written.is_empty() {
            let seed = match kind {
                PatchOpKind::Add => element_from_filter(filter, r.attr),
                _ => None,
            };
            let Some(seed) = seed else {
                return Err(Error::no_target(format!(
                    "no value of '{}' matches the filter",
                    r.attr.name
                )));
            };
            let items = array_entry(c, &r.attr.name)?;
            items.push(Value::Object(seed));
            if let Some(j) = journal.as_deref_mut() {
                j.push(Entry::Push);
            }
            written.push(items.len() - 1);
        }
        let items = array_entry(c, &r.attr.name)?;
        for &i in &written {
            let Some(Value::Object(el)) = items.get_mut(i) else {
                continue;
            };
            match (sub_def, &norm) {
                (Some(sd), n) => {
                    if sd.mutability == Mutability::Immutable
                        && el.get(&sd.name).is_some_and(|old| old != n)
                    {
                        return Err(Error::mutability(format!(
                            "'{}.{}' is immutable",
                            r.attr.name, sd.name
                        )));
                    }
                    let old = el.insert(sd.name.clone(), n.clone());
                    if let Some(j) = journal.as_deref_mut() {
                        j.push(Entry::Sub {
                            elem: Some(i),
                            name: sd.name.clone(),
                            old,
                        });
                    }
                }
                (None, Value::Object(n)) if kind == PatchOpKind::Add => {
                    for (k, v) in n {
                        el.insert(k.clone(), v.clone());
                    }
                }
                (None, n) => {
                    if let Value::Object(n) = n {
                        *el = n.clone();
                    }
                }
            }
        }
        fix_primary(map, &r, &written, journal)
    }

    fn remove_selected(
        &mut self,
        map: &mut Map<String, Value>,
        target: &Resolved<'_>,
        selected: &[usize],
    ) -> Result<()> {
        if selected.is_empty() {
            // Removing what is not there is a no-op: IdPs retry, and membership removals
            // are applied as deltas that ignore absent members.
            return Ok(());
        }
        match effective_mutability(target) {
            Mutability::ReadOnly | Mutability::Immutable => {
                return Err(Error::mutability(format!(
                    "'{}' cannot be removed",
                    display_path(target)
                )))
            }
            _ => {}
        }
        let Some(c) = container_mut(map, target.location) else {
            return Ok(());
        };
        let items = array_entry(c, &target.attr.name)?;
        match target.sub {
            None => {
                let mut i = 0;
                items.retain(|_| {
                    let keep = !selected.contains(&i);
                    i += 1;
                    keep
                });
            }
            Some(sd) => {
                for &i in selected {
                    if let Some(Value::Object(el)) = items.get_mut(i) {
                        el.shift_remove(&sd.name);
                    }
                }
                items.retain(|it| it.as_object().map_or(true, |o| !o.is_empty()));
            }
        }
        if items.is_empty() {
            c.shift_remove(&target.attr.name);
        }
        tidy(map, target.location);
        Ok(())
    }
}

/// The member ids of a `members` value list: objects with a non-empty string `value`.
pub(crate) fn member_ids(value: &Value) -> Result<Vec<String>> {
    let items = value
        .as_array()
        .ok_or_else(|| Error::invalid_value("'members' needs an array of members"))?;
    items
        .iter()
        .map(|it| match it.get("value").and_then(Value::as_str) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            _ => Err(Error::invalid_value(
                "each member needs a non-empty string 'value'",
            )),
        })
        .collect()
}

/// Every element of a `members` value names a member: an object whose `value` (any case)
/// is a non-empty string. Checked on the raw value, as normalizing drops what it cannot use.
pub(crate) fn check_member_values(value: &Value) -> Result<()> {
    let Some(items) = value.as_array() else {
        return if value.is_null() {
            Ok(())
        } else {
            Err(Error::invalid_value("'members' needs an array of members"))
        };
    };
    for it in items {
        let ok = it.as_object().is_some_and(|o| {
            o.iter().any(|(k, v)| {
                k.eq_ignore_ascii_case("value") && v.as_str().is_some_and(|s| !s.is_empty())
            })
        });
        if !ok {
            return Err(Error::invalid_value(
                "each member needs a non-empty string 'value'",
            ));
        }
    }
    Ok(())
}

/// A new element for an `add` to a value path that matched nothing, built from the filter's
/// equalities (`phoneNumbers[type eq "work"].value` adds `{"type":"work","value":…}`).
fn element_from_filter(filter: &Filter, attr: &AttributeDef) -> Option<Map<String, Value>> {
    let mut seed = Map::new();
    let terms: &[Filter] = match filter {
        Filter::And(fs) => fs,
        f => std::slice::from_ref(f),
    };
    for t in terms {
        let Filter::Compare(p, CompareOp::Eq, cv) = t else {
            return None;
        };
        if p.sub().is_some() {
            return None;
        }
        let def = attr.sub_attribute(p.name())?;
        let v = match cv {
            CompValue::String(s) => Value::String(s.clone()),
            CompValue::Bool(b) => Value::Bool(*b),
            CompValue::Number(n) => Value::Number(n.clone()),
            _ => return None,
        };
        seed.insert(def.name.clone(), v);
    }
    Some(seed)
}
