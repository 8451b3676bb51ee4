//! Schema-aware filter evaluation.
//!
//! A [`Filter`] is first *bound* to a tenant's [`SchemaSet`] with [`Filter::bind`]: every
//! attribute path is resolved once to its canonical name, each operator is checked against
//! the attribute's type (a misuse is `400 invalidFilter` before any data is read), string
//! values are case-folded when the attribute is not `caseExact`, and date-times are parsed.
//! The [`BoundFilter`] then tests resources with [`BoundFilter::matches`], which cannot fail
//! and, for ASCII data, does not allocate.
//!
//! # Semantics
//!
//! - Strings, references and binaries compare per the attribute's `caseExact` (binary is
//!   always case exact, RFC 7643 §2.3.6). `gt`/`ge`/`lt`/`le` compare strings by code
//!   point, after lower-casing when not `caseExact`.
//! - Integers and decimals compare numerically, dateTimes as instants (so
//!   `2011-05-13T06:42:34+02:00 eq 2011-05-13T04:42:34Z`). A dateTime without an offset is
//!   taken as UTC. A comparison value that is not a date-time is `invalidFilter`.
//! - Booleans and binaries support only `eq` and `ne`; other operators are
//!   `invalidFilter` (RFC 7644 §3.4.2.2). `co`/`sw`/`ew` on numbers and dateTimes are
//!   `invalidFilter` too.
//! - Lenient comparison values: a number or boolean compared with a string attribute is
//!   taken as its JSON text (`employeeNumber eq 701984`); `"true"`/`"false"` are accepted
//!   for booleans and numeric strings for numbers.
//! - A multi-valued attribute matches when any of its values matches. A complex attribute
//!   named without a sub-attribute is compared through its `value` sub-attribute
//!   (`emails co "example.com"` is `emails.value co "example.com"`, RFC 7644 Figure 2);
//!   a complex attribute without one (`name eq "x"`) is `invalidFilter`.
//! - `emails[type eq "work" and value co "@example.com"]`: every condition holds on the
//!   same element. Inner paths are sub-attributes of the bracketed attribute; the fully
//!   qualified form (`emails.type`) is accepted too.
//! - `pr` is false for an absent attribute, `null`, `""`, `[]` and `{}`.
//! - `ne` is the negation of `eq`: it is true when the attribute is absent, and for a
//!   multi-valued attribute when *no* value equals (`emails.type ne "work"` finds the users
//!   without a work email). RFC 7644 defines `ne` only as "not identical"; reading its
//!   any-value rule literally would make `emails.type ne "work"` match every user with a
//!   work and a home email, which no client means, and would make `ne` disagree with
//!   `not (... eq ...)`.
//! - `eq null` is true when the attribute has no value (`not (attr pr)`), `ne null` when
//!   it has one; other operators with `null` are `invalidFilter`.
//! - An attribute the schema does not define makes its expression false (so
//!   `not (foo eq "x")` is true), unless [`EvalOptions::strict_attributes`] is set, which
//!   makes it `invalidFilter`.
//! - `schemas` is understood: the core schema URN plus each extension whose object is
//!   present (or the resource's own `schemas` member, in rendered JSON).
//! - `meta.created` / `meta.lastModified` / `meta.version` come from the stored resource;
//!   `meta.resourceType` is the schema set's resource type.

mod compare;
mod view;

use std::sync::OnceLock;

use serde_json::{Map, Value};

pub use view::{MetaAttr, MetaValue, ResourceView};

use self::compare::{json_present, prepare, Cand, Prepared, Test};
use super::ast::Filter;
use crate::error::Error;
use crate::path::AttrPath;
use crate::schema::{AttributeDef, AttributeType, Location, SchemaSet};

/// Options for binding a filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EvalOptions {
    /// When true, a path the schema does not define is `invalidFilter`; when false (the
    /// default) its expression matches nothing.
    pub strict_attributes: bool,
}

impl EvalOptions {
    /// The default options: unknown attributes match nothing.
    pub const fn new() -> Self {
        EvalOptions {
            strict_attributes: false,
        }
    }

    /// Sets [`strict_attributes`](Self::strict_attributes).
    pub const fn strict_attributes(mut self, yes: bool) -> Self {
        self.strict_attributes = yes;
        self
    }
}

/// A filter bound to a schema set: resolved, type-checked and ready to test resources.
///
/// Built by [`Filter::bind`]. Cheap to share (`Send + Sync`); testing never fails.
#[derive(Debug, Clone)]
pub struct BoundFilter {
    root: Node,
}

/// The condition of a value path (`emails[type eq "work"]`), bound to the multi-valued
/// attribute, for testing single elements (e.g. by the PATCH engine).
#[derive(Debug, Clone)]
pub struct ElementFilter {
    node: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Const(bool),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Present(Access),
    Compare(Access, Test),
    ValuePath(Access, Box<Node>),
}

/// How a bound path reaches its values.
#[derive(Debug, Clone)]
enum Access {
    /// A canonical attribute, optionally in an extension object, optionally a sub-attribute.
    Attr {
        ext: Option<String>,
        name: String,
        sub: Option<String>,
    },
    /// A member of the current value-path element.
    Elem(String),
    Id,
    Meta(MetaAttr),
    /// `meta` itself (only for `pr`).
    MetaAny,
    /// `meta.resourceType`, with the schema set's resource type as fallback.
    ResourceType(String),
    Schemas {
        core: String,
        extensions: Vec<String>,
    },
}

impl Filter {
    /// Resolves and type-checks this filter against `schemas`.
    ///
    /// # Errors
    ///
    /// `invalidFilter` when an operator does not suit the attribute's type (`gt` on a
    /// boolean, `co` on a dateTime, ...), a comparison value has the wrong type (an
    /// invalid date-time), a complex attribute is compared without a sub-attribute, a value
    /// path is misused, or (with `strict_attributes`) a path is not in the schema.
    pub fn bind(&self, schemas: &SchemaSet, options: EvalOptions) -> Result<BoundFilter, Error> {
        let binder = Binder { schemas, options };
        Ok(BoundFilter {
            root: binder.bind(self, None)?,
        })
    }

    /// Binds with default options and tests one resource: a convenience for a single
    /// test. To test many resources, [`bind`](Self::bind) once and reuse the result.
    ///
    /// # Errors
    ///
    /// As for [`bind`](Self::bind).
    pub fn matches<V: ResourceView + ?Sized>(
        &self,
        resource: &V,
        schemas: &SchemaSet,
    ) -> Result<bool, Error> {
        Ok(self
            .bind(schemas, EvalOptions::default())?
            .matches(resource))
    }
}

/// Tests one resource against `filter` under `schemas` (see [`Filter::matches`]).
///
/// # Errors
///
/// As for [`Filter::bind`].
pub fn matches<V: ResourceView + ?Sized>(
    filter: &Filter,
    resource: &V,
    schemas: &SchemaSet,
) -> Result<bool, Error> {
    filter.matches(resource, schemas)
}

impl BoundFilter {
    /// Whether `resource` matches.
    pub fn matches<V: ResourceView + ?Sized>(&self, resource: &V) -> bool {
        self.root.eval(resource, None)
    }
}

impl ElementFilter {
    /// Binds the condition `filter` of the value path `attr[filter]`: inner paths are
    /// sub-attributes of `attr`.
    ///
    /// # Errors
    ///
    /// `invalidFilter` as for [`Filter::bind`], and when `attr` is not a complex attribute.
    pub fn bind(
        attr: &AttrPath,
        filter: &Filter,
        schemas: &SchemaSet,
        options: EvalOptions,
    ) -> Result<ElementFilter, Error> {
        let binder = Binder { schemas, options };
        let node = match binder.bind_value_path(attr, filter)? {
            Node::ValuePath(_, inner) => *inner,
            other => other,
        };
        Ok(ElementFilter { node })
    }

    /// Whether one element (a JSON object) of the attribute matches.
    pub fn matches(&self, element: &Value) -> bool {
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        let empty = EMPTY.get_or_init(Map::new);
        match element {
            Value::Object(obj) => self.node.eval(empty, Some(obj)),
            _ => false,
        }
    }
}

struct Binder<'a> {
    schemas: &'a SchemaSet,
    options: EvalOptions,
}

/// A path resolved for binding: how to reach it and its definition.
struct Target<'d> {
    access: Access,
    def: &'d AttributeDef,
    /// The definition to take `caseExact` from, when it differs (`schemas`).
    case_exact: bool,
}

/// The bracketed attribute while binding a value path's condition.
struct Parent<'d> {
    path: &'d AttrPath,
    def: &'d AttributeDef,
    meta: bool,
}

fn urn_is_core(schemas: &SchemaSet, urn: Option<&str>) -> bool {
    urn.map_or(true, |u| schemas.core().id.eq_ignore_ascii_case(u))
}

impl<'a> Binder<'a> {
    fn bind(&self, f: &Filter, parent: Option<&Parent<'_>>) -> Result<Node, Error> {
        Ok(match f {
            Filter::Not(inner) => Node::Not(Box::new(self.bind(inner, parent)?)),
            Filter::And(ops) => Node::And(
                ops.iter()
                    .map(|o| self.bind(o, parent))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Or(ops) => Node::Or(
                ops.iter()
                    .map(|o| self.bind(o, parent))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Present(path) => match self.target(path, true)? {
                Some(t) => Node::Present(t.access),
                None => Node::Const(false),
            },
            Filter::Compare(path, op, value) => match self.target(path, false)? {
                Some(t) => leaf(t.access, prepare(t.def, t.case_exact, *op, value, path)?),
                None => Node::Const(false),
            },
            Filter::ValuePath(path, inner) => {
                if parent.is_some() {
                    return Err(Error::invalid_filter(format!(
                        "'{f}': value paths cannot be nested"
                    )));
                }
                self.bind_value_path(path, inner)?
            }
        })
    }

    fn bind_value_path(&self, path: &AttrPath, inner: &Filter) -> Result<Node, Error> {
        if path.sub().is_some() {
            return Err(Error::invalid_filter(format!(
                "'{path}[{inner}]': a value path applies to an attribute, not to a sub-attribute"
            )));
        }
        let Some(resolved) = self.schemas.resolve(path) else {
            return self.unknown(path).map(|()| Node::Const(false));
        };
        let def = resolved.attr;
        if def.ty != AttributeType::Complex {
            return Err(Error::invalid_filter(format!(
                "'{path}[{inner}]': '{path}' is not a complex attribute"
            )));
        }
        let meta = resolved.location == Location::Core && def.name == "meta";
        let parent = Parent { path, def, meta };
        let node = self.bind_in(inner, &parent)?;
        if meta {
            // `meta` is not an element list: its condition reads the resource directly.
            return Ok(node);
        }
        Ok(Node::ValuePath(
            attr_access(&resolved.location, def, None),
            Box::new(node),
        ))
    }

    fn bind_in(&self, f: &Filter, parent: &Parent<'_>) -> Result<Node, Error> {
        Ok(match f {
            Filter::Not(inner) => Node::Not(Box::new(self.bind_in(inner, parent)?)),
            Filter::And(ops) => Node::And(
                ops.iter()
                    .map(|o| self.bind_in(o, parent))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Or(ops) => Node::Or(
                ops.iter()
                    .map(|o| self.bind_in(o, parent))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::ValuePath(..) => {
                return Err(Error::invalid_filter(format!(
                    "'{}[{f}]': value paths cannot be nested",
                    parent.path
                )))
            }
            Filter::Present(path) => match self.inner_target(path, parent)? {
                Some((access, _)) => Node::Present(access),
                None => Node::Const(false),
            },
            Filter::Compare(path, op, value) => match self.inner_target(path, parent)? {
                Some((access, def)) => {
                    leaf(access, prepare(def, def.case_exact, *op, value, path)?)
                }
                None => Node::Const(false),
            },
        })
    }

    /// Resolves a path inside `parent[...]`.
    fn inner_target<'p>(
        &self,
        path: &AttrPath,
        parent: &Parent<'p>,
    ) -> Result<Option<(Access, &'p AttributeDef)>, Error> {
        let sub_name = match (path.urn(), path.sub()) {
            (None, None) => Some(path.name()),
            // The qualified form `emails[emails.type eq "work"]`.
            (urn, Some(sub))
                if path.name().eq_ignore_ascii_case(parent.path.name())
                    && (urn.is_none()
                        || urn.map(str::to_ascii_lowercase)
                            == parent.path.urn().map(str::to_ascii_lowercase)
                        || (parent.path.urn().is_none() && urn_is_core(self.schemas, urn))) =>
            {
                Some(sub)
            }
            _ => None,
        };
        let Some(sub) = sub_name.and_then(|n| parent.def.sub_attribute(n)) else {
            self.unknown_inner(path, parent)?;
            return Ok(None);
        };
        let access = if parent.meta {
            match MetaAttr::from_name(&sub.name) {
                Some(MetaAttr::ResourceType) => {
                    Access::ResourceType(self.schemas.resource_type().to_owned())
                }
                Some(m) => Access::Meta(m),
                None => return Ok(None),
            }
        } else {
            Access::Elem(sub.name.clone())
        };
        Ok(Some((access, sub)))
    }

    fn unknown(&self, path: &AttrPath) -> Result<(), Error> {
        if self.options.strict_attributes {
            Err(Error::invalid_filter(format!(
                "attribute '{path}' is not defined for {} resources",
                self.schemas.resource_type()
            )))
        } else {
            Ok(())
        }
    }

    fn unknown_inner(&self, path: &AttrPath, parent: &Parent<'_>) -> Result<(), Error> {
        if self.options.strict_attributes {
            Err(Error::invalid_filter(format!(
                "'{path}' is not a sub-attribute of '{}'",
                parent.path
            )))
        } else {
            Ok(())
        }
    }

    /// Resolves a top-level filter path. `None` when the schema does not define it (and
    /// the options allow that).
    fn target(&self, path: &AttrPath, for_presence: bool) -> Result<Option<Target<'a>>, Error> {
        let schemas: &'a SchemaSet = self.schemas;
        if path.name().eq_ignore_ascii_case("schemas")
            && path.sub().is_none()
            && urn_is_core(schemas, path.urn())
        {
            return Ok(Some(Target {
                access: Access::Schemas {
                    core: schemas.core().id.clone(),
                    extensions: schemas
                        .extensions()
                        .iter()
                        .map(|e| e.schema.id.clone())
                        .collect(),
                },
                def: schemas_def(),
                case_exact: false,
            }));
        }
        let Some(resolved) = schemas.resolve(path) else {
            self.unknown(path)?;
            return Ok(None);
        };
        let attr = resolved.attr;
        let common = resolved.location == Location::Core
            && schemas.common().iter().any(|c| std::ptr::eq(c, attr));
        let mut sub = resolved.sub;
        if sub.is_none() && attr.ty == AttributeType::Complex && !for_presence {
            // RFC 7644 Figure 2: `emails co "example.com"` compares `emails.value`.
            match attr.sub_attribute("value") {
                Some(v) => sub = Some(v),
                None => {
                    return Err(Error::invalid_filter(format!(
                        "'{path}' is a complex attribute: compare one of its sub-attributes, e.g. '{path}.{}'",
                        attr.subs().first().map_or("value", |s| s.name.as_str())
                    )))
                }
            }
        }
        let access = if common && attr.name == "id" {
            Access::Id
        } else if common && attr.name == "meta" {
            match sub.and_then(|s| MetaAttr::from_name(&s.name)) {
                Some(MetaAttr::ResourceType) => {
                    Access::ResourceType(schemas.resource_type().to_owned())
                }
                Some(m) => Access::Meta(m),
                None => Access::MetaAny,
            }
        } else {
            attr_access(&resolved.location, attr, sub)
        };
        let def = sub.unwrap_or(attr);
        Ok(Some(Target {
            access,
            def,
            case_exact: def.case_exact,
        }))
    }
}

fn leaf(access: Access, prepared: Prepared) -> Node {
    match prepared {
        Prepared::Absent => Node::Not(Box::new(Node::Present(access))),
        Prepared::Present => Node::Present(access),
        Prepared::Test { test, negate } => {
            let node = Node::Compare(access, test);
            if negate {
                Node::Not(Box::new(node))
            } else {
                node
            }
        }
    }
}

fn attr_access(location: &Location<'_>, attr: &AttributeDef, sub: Option<&AttributeDef>) -> Access {
    Access::Attr {
        ext: match location {
            Location::Core => None,
            Location::Extension(urn) => Some((*urn).to_owned()),
        },
        name: attr.name.clone(),
        sub: sub.map(|s| s.name.clone()),
    }
}

/// `schemas` is not in any schema (RFC 7643 §3): a multi-valued reference to schema URNs,
/// which are compared case-insensitively.
fn schemas_def() -> &'static AttributeDef {
    static DEF: OnceLock<AttributeDef> = OnceLock::new();
    DEF.get_or_init(|| AttributeDef::new("schemas", AttributeType::Reference).multi_valued(true))
}

/// Calls `f` on each value of `v` (the elements of an array), until one returns true.
fn any_json<'v>(v: &'v Value, f: &mut impl FnMut(Cand<'v>) -> bool) -> bool {
    match v {
        Value::Null => false,
        Value::Array(items) => items.iter().any(|i| !i.is_null() && f(Cand::Json(i))),
        other => f(Cand::Json(other)),
    }
}

impl Access {
    /// Whether any value reached by this access satisfies `f`.
    fn any<V: ResourceView + ?Sized>(
        &self,
        view: &V,
        elem: Option<&Map<String, Value>>,
        f: &mut impl FnMut(Cand<'_>) -> bool,
    ) -> bool {
        match self {
            Access::Attr { ext, name, sub } => {
                let top = match ext {
                    None => view.attributes().get(name.as_str()),
                    Some(urn) => view
                        .attributes()
                        .get(urn.as_str())
                        .and_then(|e| e.get(name.as_str())),
                };
                let Some(top) = top else { return false };
                match sub {
                    None => any_json(top, f),
                    Some(sub) => match top {
                        Value::Array(items) => items
                            .iter()
                            .any(|item| item.get(sub.as_str()).is_some_and(|v| any_json(v, f))),
                        Value::Object(o) => o.get(sub.as_str()).is_some_and(|v| any_json(v, f)),
                        _ => false,
                    },
                }
            }
            Access::Elem(sub) => elem
                .and_then(|e| e.get(sub.as_str()))
                .is_some_and(|v| any_json(v, f)),
            Access::Id => view.id().is_some_and(|id| f(Cand::Str(id))),
            Access::Meta(m) => meta_any(view, *m, f),
            Access::MetaAny => MetaAttr::ALL.into_iter().any(|m| meta_any(view, m, f)),
            Access::ResourceType(fallback) => match view.meta(MetaAttr::ResourceType) {
                Some(_) => meta_any(view, MetaAttr::ResourceType, f),
                None => f(Cand::Str(fallback)),
            },
            Access::Schemas { core, extensions } => {
                let attrs = view.attributes();
                if let Some(v) = attrs.get("schemas") {
                    return any_json(v, f);
                }
                f(Cand::Str(core))
                    || extensions.iter().any(|urn| {
                        attrs.get(urn.as_str()).is_some_and(json_present) && f(Cand::Str(urn))
                    })
            }
        }
    }
}

fn meta_any<V: ResourceView + ?Sized>(
    view: &V,
    m: MetaAttr,
    f: &mut impl FnMut(Cand<'_>) -> bool,
) -> bool {
    match view.meta(m) {
        Some(MetaValue::Instant(t)) => f(Cand::Instant(t)),
        Some(MetaValue::Str(s)) => f(Cand::Str(&s)),
        None => false,
    }
}

impl Node {
    fn eval<V: ResourceView + ?Sized>(&self, view: &V, elem: Option<&Map<String, Value>>) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::Not(inner) => !inner.eval(view, elem),
            Node::And(ops) => ops.iter().all(|o| o.eval(view, elem)),
            Node::Or(ops) => ops.iter().any(|o| o.eval(view, elem)),
            Node::Present(access) => access.any(view, elem, &mut |c| c.is_present()),
            Node::Compare(access, test) => access.any(view, elem, &mut |c| test.matches(c)),
            Node::ValuePath(access, inner) => {
                let mut test = |c: Cand<'_>| match c {
                    Cand::Json(Value::Object(o)) => inner.eval(view, Some(o)),
                    _ => false,
                };
                access.any(view, elem, &mut test)
            }
        }
    }
}

// Compile-time check that bound filters can be shared across threads.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<BoundFilter>();
    assert_send_sync::<ElementFilter>();
};
