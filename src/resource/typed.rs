//! Shapes shared by the typed resources.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;

/// Resource metadata (RFC 7643 §3.1 `meta`), as rendered. Times are RFC 3339 strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// `User`, `Group`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the resource was last written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The weak ETag, e.g. `W/"3"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The common shape of a multi-valued attribute's value (RFC 7643 §2.4): `value`,
/// `display`, `type`, `primary`. [`Email`](super::Email), [`PhoneNumber`](super::PhoneNumber)
/// and the other User lists are this type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiValue {
    /// The value (an address, number, handle, URL, base64 certificate, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// A label such as `work` or `home`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the preferred value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

impl MultiValue {
    /// A value with only `value` set.
    pub fn new(value: impl Into<String>) -> Self {
        MultiValue {
            value: Some(value.into()),
            ..Self::default()
        }
    }
}

/// Typed value from a canonical attributes map.
pub(crate) fn from_map<T: serde::de::DeserializeOwned>(
    attrs: &Map<String, Value>,
    what: &str,
) -> Result<T, Error> {
    serde_json::from_value(Value::Object(attrs.clone()))
        .map_err(|e| Error::invalid_value(format!("not a valid {what}: {e}")))
}

/// Canonical attributes map from a typed value: no `id`, `meta`, `schemas`, nothing empty.
pub(crate) fn to_map<T: Serialize>(value: &T) -> Map<String, Value> {
    let mut map = match serde_json::to_value(value) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    map.remove("id");
    map.remove("meta");
    map.remove("schemas");
    map.retain(|_, v| !matches!(v, Value::Null) && v.as_object().map_or(true, |o| !o.is_empty()));
    map
}
