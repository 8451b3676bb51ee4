//! One resource type's schemas as one tenant sees them, and attribute-path resolution.

use std::sync::{Arc, OnceLock};

use super::builtin;
use super::model::{AttributeDef, Schema};
use crate::path::AttrPath;

/// Where an attribute lives in a resource's JSON document.
///
/// Canonical layout: core and common attributes (`id`, `externalId`, `meta`) are members of
/// the top-level object; extension attributes are members of an object stored under the
/// extension's URN (`"urn:...:enterprise:2.0:User": {"employeeNumber": "701984"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location<'a> {
    /// A top-level member (core or common attribute).
    Core,
    /// A member of the extension object stored under this URN (canonical spelling).
    Extension(&'a str),
}

/// The result of resolving an [`AttrPath`] against a [`SchemaSet`].
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    /// Where the top-level attribute lives.
    pub location: Location<'a>,
    /// The top-level attribute.
    pub attr: &'a AttributeDef,
    /// The sub-attribute, when the path named one.
    pub sub: Option<&'a AttributeDef>,
}

impl<'a> Resolved<'a> {
    /// The definition the path points at: the sub-attribute if any, else the attribute.
    pub fn target(&self) -> &'a AttributeDef {
        self.sub.unwrap_or(self.attr)
    }
}

/// An extension schema attached to a resource type, and whether resources must carry it.
#[derive(Debug, Clone)]
pub struct Extension {
    /// The extension schema.
    pub schema: Arc<Schema>,
    /// Whether every resource must include it (ResourceType `schemaExtensions.required`).
    pub required: bool,
}

/// The schemas of one resource type (e.g. User) for one tenant: the core schema, its
/// extensions (built-in and the tenant's custom ones) and the common attributes.
#[derive(Debug, Clone)]
pub struct SchemaSet {
    resource_type: String,
    endpoint: String,
    core: Arc<Schema>,
    extensions: Vec<Extension>,
    common: Arc<Vec<AttributeDef>>,
    /// Cached [`SchemaSet::names_distinct`]; reset by every `&mut` accessor.
    names_distinct: OnceLock<bool>,
}

impl SchemaSet {
    /// A set from its parts. `resource_type` is e.g. `User`, `endpoint` e.g. `/Users`.
    pub fn new(
        resource_type: impl Into<String>,
        endpoint: impl Into<String>,
        core: Arc<Schema>,
        extensions: Vec<Extension>,
    ) -> Self {
        SchemaSet {
            resource_type: resource_type.into(),
            endpoint: endpoint.into(),
            core,
            extensions,
            common: Arc::new(builtin::common_attributes_defs().to_vec()),
            names_distinct: OnceLock::new(),
        }
    }

    /// The built-in User set: core User plus the Enterprise User extension.
    pub fn user() -> Self {
        Self::new(
            "User",
            "/Users",
            Arc::new(builtin::user_schema().clone()),
            vec![Extension {
                schema: Arc::new(builtin::enterprise_user_schema().clone()),
                required: false,
            }],
        )
    }

    /// The built-in Group set.
    pub fn group() -> Self {
        Self::new(
            "Group",
            "/Groups",
            Arc::new(builtin::group_schema().clone()),
            Vec::new(),
        )
    }

    /// The resource type name, e.g. `User`.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }
    /// The endpoint, e.g. `/Users`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
    /// The core schema.
    pub fn core(&self) -> &Schema {
        &self.core
    }
    /// The extension schemas.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }
    /// The common attributes (`id`, `externalId`, `meta`).
    pub fn common(&self) -> &[AttributeDef] {
        &self.common
    }

    /// Adds an extension schema (replacing one with the same URN).
    pub fn add_extension(&mut self, ext: Extension) {
        self.names_distinct = OnceLock::new();
        self.extensions
            .retain(|e| !e.schema.id.eq_ignore_ascii_case(&ext.schema.id));
        self.extensions.push(ext);
    }

    /// Mutable access to the core schema (copy-on-write), for policies.
    pub fn core_mut(&mut self) -> &mut Schema {
        self.names_distinct = OnceLock::new();
        Arc::make_mut(&mut self.core)
    }

    /// Mutable access to the extensions (copy-on-write schemas), for policies.
    pub fn extensions_mut(&mut self) -> &mut Vec<Extension> {
        self.names_distinct = OnceLock::new();
        &mut self.extensions
    }

    /// Mutable access to the common attributes (copy-on-write), for policies.
    pub fn common_mut(&mut self) -> &mut Vec<AttributeDef> {
        self.names_distinct = OnceLock::new();
        Arc::make_mut(&mut self.common)
    }

    /// Whether every member name of a rendered document is distinct within its object:
    /// the top level (`schemas`, `id`, common and core attributes, extension URNs, `meta`),
    /// each extension's attributes and every sub-attribute list. The streaming renderer
    /// relies on it (a repeated name would replace an earlier member in a map); computed
    /// once per set.
    pub(crate) fn names_distinct(&self) -> bool {
        *self.names_distinct.get_or_init(|| {
            let top = ["schemas", "id", "meta"]
                .into_iter()
                .chain(
                    self.common
                        .iter()
                        .map(|a| a.name.as_str())
                        .filter(|n| *n != "id" && *n != "meta"),
                )
                .chain(self.core.attributes.iter().map(|a| a.name.as_str()))
                .chain(self.extensions.iter().map(|e| e.schema.id.as_str()));
            distinct(top)
                && defs_distinct(&self.common)
                && defs_distinct(&self.core.attributes)
                && self
                    .extensions
                    .iter()
                    .all(|e| defs_distinct(&e.schema.attributes))
        })
    }

    /// The extension whose URN is `urn` (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&Extension> {
        self.extensions
            .iter()
            .find(|e| e.schema.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` names the core schema or one of the extensions.
    pub fn knows_schema(&self, urn: &str) -> bool {
        self.core.id.eq_ignore_ascii_case(urn) || self.extension(urn).is_some()
    }

    /// Every schema URN of the set, core first, canonical spelling.
    pub fn schema_urns(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.core.id.as_str())
            .chain(self.extensions.iter().map(|e| e.schema.id.as_str()))
    }

    /// Resolves a top-level attribute by optional URN and name (case-insensitive).
    pub fn attribute(
        &self,
        urn: Option<&str>,
        name: &str,
    ) -> Option<(Location<'_>, &AttributeDef)> {
        match urn {
            None => self.core_or_common(name).map(|a| (Location::Core, a)),
            Some(u) if self.core.id.eq_ignore_ascii_case(u) => {
                self.core_or_common(name).map(|a| (Location::Core, a))
            }
            Some(u) => {
                let ext = self.extension(u)?;
                let attr = ext.schema.attribute(name)?;
                Some((Location::Extension(ext.schema.id.as_str()), attr))
            }
        }
    }

    fn core_or_common(&self, name: &str) -> Option<&AttributeDef> {
        self.common
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .or_else(|| self.core.attribute(name))
    }

    /// Resolves an attribute path. `None` when the schema does not define it (including a
    /// sub-attribute that the attribute does not have).
    pub fn resolve(&self, path: &AttrPath) -> Option<Resolved<'_>> {
        let (location, attr) = self.attribute(path.urn(), path.name())?;
        let sub = match path.sub() {
            Some(s) => Some(attr.sub_attribute(s)?),
            None => None,
        };
        Some(Resolved {
            location,
            attr,
            sub,
        })
    }
}

fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> bool {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if seen.contains(&n) {
            return false;
        }
        seen.push(n);
    }
    true
}

fn defs_distinct(defs: &[AttributeDef]) -> bool {
    distinct(defs.iter().map(|a| a.name.as_str())) && defs.iter().all(|a| defs_distinct(a.subs()))
}
