//! The schema vocabulary of RFC 7643 §2 and §7: attribute types and characteristics.

use serde::{Deserialize, Serialize};

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum AttributeType {
    /// A Unicode string.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An `xsd:dateTime` instant, e.g. `2008-01-23T04:56:22Z`.
    DateTime,
    /// Base64-encoded bytes.
    Binary,
    /// A URI referencing a resource.
    Reference,
    /// A set of sub-attributes.
    Complex,
}

impl AttributeType {
    /// The type's name as written in a schema document.
    pub const fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Decimal => "decimal",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Binary => "binary",
            AttributeType::Reference => "reference",
            AttributeType::Complex => "complex",
        }
    }
}

/// Whether and how an attribute may be written (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Mutability {
    /// Set by the service provider only; client values are ignored.
    ReadOnly,
    /// Freely written.
    #[default]
    ReadWrite,
    /// Written once (on create, or while unset), then fixed.
    Immutable,
    /// Written but never returned (e.g. `password`).
    WriteOnly,
}

/// When an attribute is returned in a response (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Returned {
    /// Always, even when excluded (e.g. `id`).
    Always,
    /// Never (e.g. `password`).
    Never,
    /// Unless excluded or another attribute list was requested.
    #[default]
    Default,
    /// Only when named in `attributes`.
    Request,
}

/// How a value must be unique (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Uniqueness {
    /// No uniqueness.
    #[default]
    None,
    /// Unique within the service provider (for scimitar: within the tenant).
    Server,
    /// Globally unique.
    Global,
}

/// One attribute definition with every RFC 7643 §7 characteristic.
///
/// Serialises to the `/Schemas` representation. `max_length` is a scimitar policy, not an
/// RFC characteristic, and is not serialised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeDef {
    /// The attribute name, in the schema's spelling.
    pub name: String,
    /// The data type.
    #[serde(rename = "type")]
    pub ty: AttributeType,
    /// Whether the attribute holds a list of values.
    pub multi_valued: bool,
    /// Human-readable description.
    #[serde(default)]
    pub description: String,
    /// Whether a value must be present.
    #[serde(default)]
    pub required: bool,
    /// Suggested canonical values (e.g. `work`, `home`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_values: Option<Vec<String>>,
    /// Whether string comparison is case-sensitive.
    #[serde(default)]
    pub case_exact: bool,
    /// Write rules.
    #[serde(default)]
    pub mutability: Mutability,
    /// Return rules.
    #[serde(default)]
    pub returned: Returned,
    /// Uniqueness rules.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// For references: the resource types or `external` / `uri` it may reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_types: Option<Vec<String>>,
    /// For complex attributes: the sub-attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_attributes: Option<Vec<AttributeDef>>,
    /// Maximum length in characters of string values (a scimitar policy).
    #[serde(skip)]
    pub max_length: Option<usize>,
}

impl AttributeDef {
    /// A single-valued, optional, readWrite attribute of type `ty` (builder start).
    pub fn new(name: impl Into<String>, ty: AttributeType) -> Self {
        AttributeDef {
            name: name.into(),
            ty,
            multi_valued: false,
            description: String::new(),
            required: false,
            canonical_values: None,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: None,
            sub_attributes: None,
            max_length: None,
        }
    }

    /// Sets `multiValued`.
    pub fn multi_valued(mut self, yes: bool) -> Self {
        self.multi_valued = yes;
        self
    }
    /// Sets `required`.
    pub fn required(mut self, yes: bool) -> Self {
        self.required = yes;
        self
    }
    /// Sets `caseExact`.
    pub fn case_exact(mut self, yes: bool) -> Self {
        self.case_exact = yes;
        self
    }
    /// Sets `mutability`.
    pub fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    /// Sets `returned`.
    pub fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    /// Sets `uniqueness`.
    pub fn uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    /// Sets `description`.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }
    /// Sets `canonicalValues`.
    pub fn canonical_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.canonical_values = Some(values.into_iter().map(Into::into).collect());
        self
    }
    /// Sets `referenceTypes`.
    pub fn reference_types<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.reference_types = Some(values.into_iter().map(Into::into).collect());
        self
    }
    /// Sets the sub-attributes (makes sense for `complex`).
    pub fn sub_attributes(mut self, subs: Vec<AttributeDef>) -> Self {
        self.sub_attributes = Some(subs);
        self
    }
    /// Sets a maximum length for string values.
    pub fn max_length(mut self, n: usize) -> Self {
        self.max_length = Some(n);
        self
    }

    /// The sub-attribute called `name` (case-insensitive), if any.
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .as_deref()?
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The sub-attributes, or an empty slice.
    pub fn subs(&self) -> &[AttributeDef] {
        self.sub_attributes.as_deref().unwrap_or(&[])
    }

    /// Whether values of this attribute never leave the service provider: `returned:
    /// never` or `mutability: writeOnly` (`password`). Such values are not rendered and
    /// cannot be filtered or sorted on, which would disclose them as well.
    pub(crate) fn never_returned(&self) -> bool {
        self.returned == Returned::Never || self.mutability == Mutability::WriteOnly
    }
}

/// A schema (RFC 7643 §7): an id (URN), a name, a description and attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// Human-readable name, e.g. `User`.
    #[serde(default)]
    pub name: String,
    /// Human-readable description.
    #[serde(default)]
    pub description: String,
    /// Top-level attributes.
    pub attributes: Vec<AttributeDef>,
}

impl Schema {
    /// The top-level attribute called `name` (case-insensitive), if any.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The `/Schemas` representation, with `schemas` and `meta` (erratum 8417).
    pub fn to_json(&self, location: Option<&str>) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "schemas".into(),
                serde_json::json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"]),
            );
            let mut meta = serde_json::Map::new();
            meta.insert("resourceType".into(), "Schema".into());
            if let Some(loc) = location {
                meta.insert("location".into(), loc.into());
            }
            obj.insert("meta".into(), serde_json::Value::Object(meta));
        }
        v
    }
}
