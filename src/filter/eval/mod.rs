//! Schema-aware filter evaluation.
//!
//! A [`Filter`] is first *bound* to a tenant's [`SchemaSet`] with [`Filter::bind`]: every
//! attribute path is resolved once to its canonical name, each operator is checked against
//! the attribute's type (a misuse is `400 invalidFilter` before any data is read), string
//! values are case-folded when the attribute is not `caseExact`, and date-times are parsed.
//! The [`BoundFilter`] then tests resources with [`BoundFilter::matches`], which cannot fail
//! and, for ASCII data, does not allocate.
//!
//! The rules (case, types, multi-valued attributes, `pr`, `ne`, `null`, unknown
//! attributes) are documented on [`BoundFilter`].

pub(crate) mod access;
mod compare;
mod exec;
mod view;

use std::cell::RefCell;
use std::sync::OnceLock;

use serde_json::{Map, Value};

pub use view::{MetaAttr, MetaValue, ResourceView};

use self::access::Name;
use self::compare::{prepare, Prepared, Test};
use super::ast::Filter;
use crate::error::Error;
use crate::path::AttrPath;
use crate::schema::{AttributeDef, AttributeType, Location, Resolved, SchemaSet};

/// Options for binding a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EvalOptions {
    /// When true, a path the schema does not define is `invalidFilter`; when false (the
    /// default) its expression matches nothing.
    pub strict_attributes: bool,
    /// When true (the default), an unqualified name that the core schema does not define
    /// resolves to the one extension that does: Entra ID sends `manager eq "..."` for the
    /// enterprise `manager`. A name defined by several extensions stays unresolved.
    pub unqualified_extension_attributes: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl EvalOptions {
    /// The default options: unknown attributes match nothing; unqualified extension
    /// attribute names are resolved.
    pub const fn new() -> Self {
        EvalOptions {
            strict_attributes: false,
            unqualified_extension_attributes: true,
        }
    }

    /// Sets [`unqualified_extension_attributes`](Self::unqualified_extension_attributes).
    pub const fn unqualified_extension_attributes(mut self, yes: bool) -> Self {
        self.unqualified_extension_attributes = yes;
        self
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
///
/// # Semantics
///
/// - Strings, references and binaries compare per the attribute's `caseExact` (binary is
///   always case exact, RFC 7643 §2.3.6). `gt`/`ge`/`lt`/`le` compare strings by code
///   point, after lower-casing when not `caseExact`.
/// - Integers and decimals compare numerically, dateTimes as instants (so
///   `2011-05-13T06:42:34+02:00 eq 2011-05-13T04:42:34Z`). A dateTime without an offset is
///   taken as UTC. A comparison value that is not a date-time is `invalidFilter`.
/// - Booleans and binaries support only `eq` and `ne`; other operators are
///   `invalidFilter` (RFC 7644 §3.4.2.2). `co`/`sw`/`ew` on numbers and dateTimes are
///   `invalidFilter` too.
/// - Lenient comparison values: a number or boolean compared with a string attribute is
///   taken as its JSON text (`employeeNumber eq 701984`); `"true"`/`"false"` are accepted
///   for booleans and numeric strings for numbers.
/// - A multi-valued attribute matches when any of its values matches. A complex attribute
///   named without a sub-attribute is compared through its `value` sub-attribute
///   (`emails co "example.com"` is `emails.value co "example.com"`, RFC 7644 Figure 2);
///   a complex attribute without one (`name eq "x"`) is `invalidFilter`.
/// - `emails[type eq "work" and value co "@example.com"]`: every condition holds on the
///   same element. Inner paths are sub-attributes of the bracketed attribute; the fully
///   qualified form (`emails.type`) is accepted too.
/// - `pr` is false for an absent attribute, `null`, `""`, `[]` and `{}`.
/// - `ne` is the negation of `eq`: it is true when the attribute is absent, and for a
///   multi-valued attribute when *no* value equals (`emails.type ne "work"` finds the users
///   without a work email). RFC 7644 defines `ne` only as "not identical"; reading its
///   any-value rule literally would make `emails.type ne "work"` match every user with a
///   work and a home email, which no client means, and would make `ne` disagree with
///   `not (... eq ...)`.
/// - `eq null` is true when the attribute has no value (`not (attr pr)`), `ne null` when
///   it has one; other operators with `null` are `invalidFilter`.
/// - An unqualified name that only an extension defines resolves to it
///   (`manager eq "..."`, as Entra ID sends; see
///   [`EvalOptions::unqualified_extension_attributes`]).
/// - An attribute the schema does not define makes its expression false (so
///   `not (foo eq "x")` is true), unless [`EvalOptions::strict_attributes`] is set, which
///   makes it `invalidFilter`.
/// - `schemas` is understood: the core schema URN plus each extension whose object is
///   present (or the resource's own `schemas` member, in rendered JSON).
/// - `meta.created` / `meta.lastModified` / `meta.version` come from the stored resource;
///   `meta.resourceType` is the schema set's resource type.
///
/// # Cost
///
/// Binding is linear in the filter's size; testing a resource is linear in the filter's
/// size times the number of values it reads, and recurses as deep as the filter nests
/// (bounded by the parser's nesting limit, [`FilterLimits`](crate::filter::FilterLimits)).
///
/// # Example
///
/// ```
/// use scimitar::filter::{EvalOptions, Filter};
/// use scimitar::schema::SchemaSet;
/// use serde_json::json;
///
/// let schemas = SchemaSet::user();
/// let filter: Filter = r#"emails[type eq "work" and value co "@EXAMPLE.com"]"#.parse()?;
/// let bound = filter.bind(&schemas, EvalOptions::default())?;
///
/// let user = json!({
///     "userName": "bjensen",
///     "emails": [{"type": "work", "value": "bjensen@example.com"}]
/// });
/// let user = user.as_object().ok_or("not an object")?;
/// assert!(bound.matches(user));
///
/// // `gt` on a boolean is refused before any data is read.
/// let err = "active gt true".parse::<Filter>()?.bind(&schemas, EvalOptions::default());
/// assert_eq!(err.map(|_| ()).map_err(|e| e.kind()), Err(scimitar::ErrorKind::InvalidFilter));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct BoundFilter {
    root: Node,
    /// Every member name the filter reads, indexed by [`Name::slot`].
    #[cfg_attr(not(feature = "memory"), allow(dead_code))]
    names: Vec<Box<str>>,
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
        ext: Option<Name>,
        name: Name,
        sub: Option<Name>,
    },
    /// A member of the current value-path element.
    Elem(Name),
    Id,
    Meta(MetaAttr),
    /// `meta` itself (only for `pr`).
    MetaAny,
    /// `meta.resourceType`, with the schema set's resource type as fallback.
    ResourceType(String),
    Schemas {
        core: String,
        /// The `schemas` member (of rendered JSON).
        key: Name,
        /// Each extension URN, with its member name.
        extensions: Vec<(String, Name)>,
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
    /// path is misused, a path names an attribute that is never returned (`password`,
    /// which a filter would disclose), or (with `strict_attributes`) a path is not in the
    /// schema.
    pub fn bind(&self, schemas: &SchemaSet, options: EvalOptions) -> Result<BoundFilter, Error> {
        let binder = Binder::new(schemas, options);
        let root = binder.bind(self, None)?;
        Ok(BoundFilter {
            root,
            names: binder.names.into_inner(),
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

    /// Whether `target` (any representation the evaluator can read) matches.
    #[cfg_attr(not(feature = "memory"), allow(dead_code))]
    pub(crate) fn matches_target<'r, T: access::Target<'r>>(&self, target: T) -> bool {
        self.root.eval(target, None)
    }

    /// Every member name the filter reads (attribute, sub-attribute and extension URN
    /// names, in canonical spelling), indexed by [`Name::slot`].
    #[cfg_attr(not(feature = "memory"), allow(dead_code))]
    pub(crate) fn names(&self) -> &[Box<str>] {
        &self.names
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
        let binder = Binder::new(schemas, options);
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
    /// The member names read so far (see [`BoundFilter::names`]).
    names: RefCell<Vec<Box<str>>>,
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
    fn new(schemas: &'a SchemaSet, options: EvalOptions) -> Self {
        Binder {
            schemas,
            options,
            names: RefCell::new(Vec::new()),
        }
    }

    /// The [`Name`] of member `text`, registered in the filter's name list.
    fn name(&self, text: &str) -> Name {
        let mut names = self.names.borrow_mut();
        let slot = match names.iter().position(|n| &**n == text) {
            Some(slot) => slot,
            None => {
                names.push(text.into());
                names.len() - 1
            }
        };
        Name::new(text, slot)
    }

    fn attr_access(
        &self,
        location: &Location<'_>,
        attr: &AttributeDef,
        sub: Option<&AttributeDef>,
    ) -> Access {
        Access::Attr {
            ext: match location {
                Location::Core => None,
                Location::Extension(urn) => Some(self.name(urn)),
            },
            name: self.name(&attr.name),
            sub: sub.map(|s| self.name(&s.name)),
        }
    }

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
        let Some(resolved) = self.resolve(path) else {
            return self.unknown(path).map(|()| Node::Const(false));
        };
        let def = resolved.attr;
        never_returned(path, def)?;
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
            self.attr_access(&resolved.location, def, None),
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
        never_returned(path, sub)?;
        let access = if parent.meta {
            match MetaAttr::from_name(&sub.name) {
                Some(MetaAttr::ResourceType) => {
                    Access::ResourceType(self.schemas.resource_type().to_owned())
                }
                Some(m) => Access::Meta(m),
                None => return Ok(None),
            }
        } else {
            Access::Elem(self.name(&sub.name))
        };
        Ok(Some((access, sub)))
    }

    /// [`SchemaSet::resolve`], plus unqualified extension names when the options allow.
    fn resolve(&self, path: &AttrPath) -> Option<Resolved<'a>> {
        let schemas: &'a SchemaSet = self.schemas;
        if let Some(r) = schemas.resolve(path) {
            return Some(r);
        }
        if path.urn().is_some() || !self.options.unqualified_extension_attributes {
            return None;
        }
        let mut found = schemas.extensions().iter().filter_map(|e| {
            let qualified = AttrPath::new(
                Some(e.schema.id.clone()),
                path.name(),
                path.sub().map(str::to_owned),
            );
            schemas.resolve(&qualified)
        });
        let first = found.next()?;
        // Ambiguous between extensions: the client must qualify the name.
        found.next().is_none().then_some(first)
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
                    key: self.name("schemas"),
                    extensions: schemas
                        .extensions()
                        .iter()
                        .map(|e| (e.schema.id.clone(), self.name(&e.schema.id)))
                        .collect(),
                },
                def: schemas_def(),
                case_exact: false,
            }));
        }
        let Some(resolved) = self.resolve(path) else {
            self.unknown(path)?;
            return Ok(None);
        };
        let attr = resolved.attr;
        never_returned(path, attr)?;
        if let Some(sub) = resolved.sub {
            never_returned(path, sub)?;
        }
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
            self.attr_access(&resolved.location, attr, sub)
        };
        let def = sub.unwrap_or(attr);
        Ok(Some(Target {
            access,
            def,
            case_exact: def.case_exact,
        }))
    }
}

/// `invalidFilter` when `def` is never returned (`password`): a filter on it would
/// disclose the value one comparison at a time (RFC 7643 §4.1.1: it "SHALL NOT be
/// returnable").
fn never_returned(path: &AttrPath, def: &AttributeDef) -> Result<(), Error> {
    if def.never_returned() {
        return Err(Error::invalid_filter(format!(
            "'{path}' is never returned, so it cannot be used in a filter"
        )));
    }
    Ok(())
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

/// `schemas` is not in any schema (RFC 7643 §3): a multi-valued reference to schema URNs,
/// which are compared case-insensitively.
fn schemas_def() -> &'static AttributeDef {
    static DEF: OnceLock<AttributeDef> = OnceLock::new();
    DEF.get_or_init(|| AttributeDef::new("schemas", AttributeType::Reference).multi_valued(true))
}

// Compile-time check that bound filters can be shared across threads.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<BoundFilter>();
    assert_send_sync::<ElementFilter>();
};
