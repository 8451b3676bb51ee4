//! Attribute projection (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §7 `returned`): which
//! attributes of a rendered resource go back to the client.

use serde_json::{Map, Value};

use crate::path::AttrPath;
use crate::schema::{AttributeDef, Location, Returned, SchemaSet};

/// The attributes to return, computed once per request from `attributes`,
/// `excludedAttributes` and the schemas' `returned` characteristics, then applied to
/// every rendered resource with [`Projection::apply`].
///
/// Rules:
/// - `schemas` and attributes (or sub-attributes) with `returned: always` (e.g. `id`)
///   are always kept; `returned: never` (e.g. `password`) are always removed;
///   `returned: request` only appear when named in `attributes`.
/// - With `attributes`, only the named attributes are returned (plus the `always`
///   ones). A sub-attribute path (`name.givenName`, `emails.value`) keeps only those
///   sub-attributes; a whole extension URN keeps the extension's `default` attributes
///   (its `request` ones must be named one by one). Without `attributes`, the `default`
///   attributes are returned.
/// - `excludedAttributes` removes attributes, sub-attributes or whole extensions from
///   that set, except `returned: always` ones.
/// - Names and URNs match case-insensitively; paths the schemas do not define are
///   ignored (so `attributes=unknown` returns only the `always` attributes).
/// - A complex value or an element left empty is removed, and an extension URN whose
///   object is gone is removed from `schemas`.
///
/// Members the schemas do not define are kept by default and removed when `attributes`
/// is given (nobody asked for them).
#[derive(Debug, Clone)]
pub struct Projection {
    /// The core and common attributes.
    core: Container,
    /// One per extension schema.
    extensions: Vec<(String, Container)>,
    /// Whether members the schemas do not define are kept.
    keep_unknown: bool,
}

#[derive(Debug, Clone, Default)]
struct Container {
    attrs: Vec<(String, Plan)>,
}

/// What happens to one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    Omit,
    /// Keep the value but only these sub-attributes (canonical names).
    Only(Vec<String>),
    /// Keep the value without these sub-attributes.
    Except(Vec<String>),
}

/// What the client named for one attribute.
#[derive(Default)]
struct Named {
    whole: bool,
    /// The whole extension was named by its URN (which does not name its `request`
    /// attributes: those must be named one by one).
    whole_schema: bool,
    subs: Vec<String>,
}

impl Projection {
    /// A projection from the `attributes` and `excludedAttributes` lists (either may be
    /// empty) and the resource type's schemas.
    pub fn new(attributes: &[AttrPath], excluded: &[AttrPath], schemas: &SchemaSet) -> Self {
        let include = !attributes.is_empty();
        let core_attrs = schemas.common().iter().chain(&schemas.core().attributes);
        let core = Container::plan(core_attrs, None, include, attributes, excluded, schemas);
        let extensions = schemas
            .extensions()
            .iter()
            .map(|ext| {
                let urn = ext.schema.id.as_str();
                let c = Container::plan(
                    ext.schema.attributes.iter(),
                    Some(urn),
                    include,
                    attributes,
                    excluded,
                    schemas,
                );
                (urn.to_owned(), c)
            })
            .collect();
        Projection {
            core,
            extensions,
            keep_unknown: !include,
        }
    }

    /// The default projection: every `always` and `default` attribute.
    pub fn all(schemas: &SchemaSet) -> Self {
        Self::new(&[], &[], schemas)
    }

    /// Whether any part of the attribute at `path` survives the projection, so a
    /// service can skip loading what will be dropped (e.g. group `members` under
    /// `excludedAttributes=members`, or `User.groups`). Paths the schemas do not define
    /// answer `true`.
    pub fn needs(&self, path: &AttrPath) -> bool {
        let container = match path.urn() {
            Some(urn) => match self
                .extensions
                .iter()
                .find(|(u, _)| u.eq_ignore_ascii_case(urn))
            {
                Some((_, c)) => c,
                None => &self.core,
            },
            None => &self.core,
        };
        match container.find(path.name()) {
            Some(Plan::Omit) => false,
            Some(Plan::Only(subs)) => match path.sub() {
                Some(s) => subs.iter().any(|k| k.eq_ignore_ascii_case(s)),
                None => true,
            },
            Some(Plan::Except(subs)) => match path.sub() {
                Some(s) => !subs.iter().any(|k| k.eq_ignore_ascii_case(s)),
                None => true,
            },
            None => true,
        }
    }

    /// Applies the projection to a rendered resource document in place, keeping the
    /// order of the remaining members.
    pub fn apply(&self, doc: &mut Map<String, Value>) {
        let mut dropped_extension = false;
        doc.retain(|key, value| {
            if key.eq_ignore_ascii_case("schemas") {
                return true;
            }
            if let Some(plan) = self.core.find(key) {
                return apply_plan(value, plan);
            }
            let Some((_, ext)) = self
                .extensions
                .iter()
                .find(|(u, _)| u.eq_ignore_ascii_case(key))
            else {
                return self.keep_unknown;
            };
            let keep = match value {
                Value::Object(obj) => {
                    ext.apply(obj, self.keep_unknown);
                    !obj.is_empty()
                }
                _ => self.keep_unknown,
            };
            dropped_extension |= !keep;
            keep
        });
        if dropped_extension || !self.keep_unknown {
            self.fix_schemas(doc);
        }
    }

    /// Drops extension URNs from `schemas` whose object is no longer in the document.
    fn fix_schemas(&self, doc: &mut Map<String, Value>) {
        let present: Vec<String> = self
            .extensions
            .iter()
            .filter(|(urn, _)| doc.keys().any(|k| k.eq_ignore_ascii_case(urn)))
            .map(|(urn, _)| urn.clone())
            .collect();
        let Some(Value::Array(list)) = doc.get_mut("schemas") else {
            return;
        };
        list.retain(|v| {
            let Some(s) = v.as_str() else { return true };
            let is_extension = self
                .extensions
                .iter()
                .any(|(u, _)| u.eq_ignore_ascii_case(s));
            !is_extension || present.iter().any(|u| u.eq_ignore_ascii_case(s))
        });
    }
}

impl Container {
    fn plan<'a>(
        defs: impl Iterator<Item = &'a AttributeDef>,
        urn: Option<&str>,
        include: bool,
        attributes: &[AttrPath],
        excluded: &[AttrPath],
        schemas: &SchemaSet,
    ) -> Container {
        let attrs = defs
            .map(|def| {
                let asked = named(def, urn, attributes, schemas);
                let excl = named(def, urn, excluded, schemas);
                (def.name.clone(), plan_attr(def, include, &asked, &excl))
            })
            .collect();
        Container { attrs }
    }

    fn find(&self, name: &str) -> Option<&Plan> {
        self.attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, p)| p)
    }

    fn apply(&self, obj: &mut Map<String, Value>, keep_unknown: bool) {
        obj.retain(|key, value| match self.find(key) {
            Some(plan) => apply_plan(value, plan),
            None => keep_unknown,
        });
    }
}

/// Collects what `paths` say about `def` (living in extension `urn`, or core when
/// `None`). Paths naming the whole extension count as naming every attribute in it.
fn named(def: &AttributeDef, urn: Option<&str>, paths: &[AttrPath], schemas: &SchemaSet) -> Named {
    let mut out = Named::default();
    for p in paths {
        if let (Some(urn), None) = (urn, p.sub()) {
            if names_schema(p, urn) {
                out.whole_schema = true;
                continue;
            }
        }
        let Some(r) = schemas.resolve(p) else {
            continue;
        };
        let same_place = match (r.location, urn) {
            (Location::Core, None) => true,
            (Location::Extension(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if !same_place || !std::ptr::eq(r.attr, def) {
            continue;
        }
        match r.sub {
            Some(sub) => out.subs.push(sub.name.clone()),
            None => out.whole = true,
        }
    }
    out
}

/// Whether `p` (parsed at the last colon) spells the schema URN `urn` itself.
fn names_schema(p: &AttrPath, urn: &str) -> bool {
    p.urn().is_some_and(|u| {
        urn.len() == u.len() + 1 + p.name().len()
            && urn
                .get(..u.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(u))
            && urn
                .get(u.len() + 1..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(p.name()))
    })
}

fn plan_attr(def: &AttributeDef, include: bool, asked: &Named, excl: &Named) -> Plan {
    let hidden_subs = |also_request: bool| -> Vec<String> {
        def.subs()
            .iter()
            .filter(|s| {
                s.returned == Returned::Never || (also_request && s.returned == Returned::Request)
            })
            .map(|s| s.name.clone())
            .collect()
    };
    match def.returned {
        Returned::Never => return Plan::Omit,
        // `always` wins over both lists (RFC 7644 §3.4.2.5).
        Returned::Always => return Plan::Except(hidden_subs(false)),
        _ => {}
    }
    let whole = asked.whole || (asked.whole_schema && def.returned != Returned::Request);
    let mut plan = if whole {
        Plan::Except(hidden_subs(true))
    } else if !asked.subs.is_empty() {
        let keep: Vec<String> = def
            .subs()
            .iter()
            .filter(|s| {
                s.returned == Returned::Always
                    || (s.returned != Returned::Never
                        && asked.subs.iter().any(|a| a.eq_ignore_ascii_case(&s.name)))
            })
            .map(|s| s.name.clone())
            .collect();
        Plan::Only(keep)
    } else if include || def.returned == Returned::Request {
        Plan::Omit
    } else {
        Plan::Except(hidden_subs(true))
    };
    if excl.whole || excl.whole_schema {
        return Plan::Omit;
    }
    let removable = |name: &String| {
        excl.subs.iter().any(|e| e.eq_ignore_ascii_case(name))
            && def
                .sub_attribute(name)
                .map_or(true, |s| s.returned != Returned::Always)
    };
    match &mut plan {
        Plan::Only(keep) => keep.retain(|k| !removable(k)),
        Plan::Except(drop) => {
            for e in &excl.subs {
                if removable(e) && !drop.iter().any(|d| d.eq_ignore_ascii_case(e)) {
                    drop.push(e.clone());
                }
            }
        }
        Plan::Omit => {}
    }
    plan
}

/// Applies `plan` to one attribute's value; false when nothing is left of it.
fn apply_plan(value: &mut Value, plan: &Plan) -> bool {
    match (plan, value) {
        (Plan::Omit, _) => false,
        (Plan::Except(subs), _) if subs.is_empty() => true,
        (_, Value::Object(inner)) => {
            filter_subs(inner, plan);
            !inner.is_empty()
        }
        (_, Value::Array(items)) => {
            for item in items.iter_mut() {
                if let Value::Object(inner) = item {
                    filter_subs(inner, plan);
                }
            }
            items.retain(|v| !matches!(v, Value::Object(o) if o.is_empty()));
            !items.is_empty()
        }
        // A simple value under a sub-attribute selection has nothing to select.
        (Plan::Only(_), _) => false,
        _ => true,
    }
}

fn filter_subs(inner: &mut Map<String, Value>, plan: &Plan) {
    match plan {
        Plan::Only(subs) => inner.retain(|k, _| subs.iter().any(|s| s.eq_ignore_ascii_case(k))),
        Plan::Except(subs) => inner.retain(|k, _| !subs.iter().any(|s| s.eq_ignore_ascii_case(k))),
        Plan::Omit => inner.clear(),
    }
}
