//! The typed Group (RFC 7643 §4.2).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::typed::{from_map, to_map, Meta};
use crate::error::Error;
use crate::schema::GROUP_SCHEMA;

/// A Group (RFC 7643 §4.2), serialised in canonical SCIM form (camelCase, nothing empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Read on input, ignored by [`Group::to_attributes`]; [`Group::to_json`] derives it.
    #[serde(default, skip_serializing)]
    pub schemas: Vec<String>,
    /// The server-assigned id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The client's id for the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The group's name (required).
    #[serde(default)]
    pub display_name: String,
    /// The members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<GroupMember>,
    /// Metadata, when rendered by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// One member of a [`Group`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    /// The member's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The member's URI.
    #[serde(default, rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The member's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `User` or `Group`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Group {
    /// Reads a canonical attributes map ([`crate::store::Resource::attributes`]).
    ///
    /// # Errors
    ///
    /// `invalidValue` when a member has the wrong JSON type.
    pub fn from_attributes(attrs: &Map<String, Value>) -> Result<Self, Error> {
        from_map(attrs, "Group")
    }

    /// The canonical attributes map: no `id`, `meta` or `schemas`.
    pub fn to_attributes(&self) -> Map<String, Value> {
        to_map(self)
    }

    /// The SCIM document with `schemas`.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            let mut out = Map::new();
            out.insert("schemas".into(), json!([GROUP_SCHEMA]));
            out.append(o);
            return Value::Object(out);
        }
        v
    }
}
