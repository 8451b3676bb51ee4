//! What the evaluator reads from a resource: [`ResourceView`].

use std::borrow::Cow;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::store::Resource;

/// A sub-attribute of `meta` (RFC 7643 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetaAttr {
    /// `meta.resourceType`.
    ResourceType,
    /// `meta.created`.
    Created,
    /// `meta.lastModified`.
    LastModified,
    /// `meta.location`.
    Location,
    /// `meta.version`.
    Version,
}

impl MetaAttr {
    /// Every `meta` sub-attribute.
    pub const ALL: [MetaAttr; 5] = [
        MetaAttr::ResourceType,
        MetaAttr::Created,
        MetaAttr::LastModified,
        MetaAttr::Location,
        MetaAttr::Version,
    ];

    /// The sub-attribute's name in schema spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            MetaAttr::ResourceType => "resourceType",
            MetaAttr::Created => "created",
            MetaAttr::LastModified => "lastModified",
            MetaAttr::Location => "location",
            MetaAttr::Version => "version",
        }
    }

    /// The sub-attribute called `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<MetaAttr> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }
}

/// The value of a `meta` sub-attribute.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MetaValue<'a> {
    /// A string (`resourceType`, `location`, `version`, or a date-time in text form).
    Str(Cow<'a, str>),
    /// An instant (`created`, `lastModified`).
    Instant(OffsetDateTime),
}

/// A resource as the filter evaluator sees it: canonical attributes (core attributes at
/// the top level, extension attributes under their URN) plus `id` and `meta`.
///
/// Implemented for [`store::Resource`](crate::store::Resource) (where `id` and `meta` are
/// fields) and for a full rendered JSON object (`serde_json::Map`, where they are members).
/// The default methods read `id` and `meta` from [`attributes`](Self::attributes).
pub trait ResourceView {
    /// The canonical attribute map.
    fn attributes(&self) -> &Map<String, Value>;

    /// The resource id.
    fn id(&self) -> Option<&str> {
        self.attributes().get("id").and_then(Value::as_str)
    }

    /// A `meta` sub-attribute. `None` for `resourceType` makes the evaluator use the
    /// resource type of the schema set the filter was bound to.
    fn meta(&self, attr: MetaAttr) -> Option<MetaValue<'_>> {
        self.attributes()
            .get("meta")?
            .get(attr.as_str())?
            .as_str()
            .map(|s| MetaValue::Str(Cow::Borrowed(s)))
    }
}

impl ResourceView for Map<String, Value> {
    fn attributes(&self) -> &Map<String, Value> {
        self
    }
}

/// `meta.location` is not known to a stored resource (it needs the public base URL), so
/// filters on it match no stored resource; filter rendered JSON to use it.
impl ResourceView for Resource {
    fn attributes(&self) -> &Map<String, Value> {
        &self.attributes
    }

    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn meta(&self, attr: MetaAttr) -> Option<MetaValue<'_>> {
        stored_meta(attr, self.created, self.last_modified, self.version)
    }
}

/// A `meta` sub-attribute of a stored resource (see the [`ResourceView`] impl of
/// [`Resource`]), shared by every stored representation.
pub(crate) fn stored_meta(
    attr: MetaAttr,
    created: OffsetDateTime,
    last_modified: OffsetDateTime,
    version: u64,
) -> Option<MetaValue<'static>> {
    match attr {
        MetaAttr::Created => Some(MetaValue::Instant(created)),
        MetaAttr::LastModified => Some(MetaValue::Instant(last_modified)),
        MetaAttr::Version => Some(MetaValue::Str(Cow::Owned(format!("W/\"{version}\"")))),
        MetaAttr::ResourceType | MetaAttr::Location => None,
    }
}

impl<T: ResourceView + ?Sized> ResourceView for &T {
    fn attributes(&self) -> &Map<String, Value> {
        (**self).attributes()
    }
    fn id(&self) -> Option<&str> {
        (**self).id()
    }
    fn meta(&self, attr: MetaAttr) -> Option<MetaValue<'_>> {
        (**self).meta(attr)
    }
}
