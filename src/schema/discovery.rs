//! The discovery documents: `ServiceProviderConfig` (RFC 7643 §5) and `ResourceType` (§6).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::set::SchemaSet;

/// URN of the ServiceProviderConfig schema.
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// URN of the ResourceType schema.
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// `{"supported": bool}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supported {
    /// Whether the feature is supported.
    pub supported: bool,
}

/// ServiceProviderConfig `bulk`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkConfig {
    /// Whether `/Bulk` is supported.
    pub supported: bool,
    /// Most operations per bulk request.
    pub max_operations: u64,
    /// Most bytes per bulk request.
    pub max_payload_size: u64,
}

/// ServiceProviderConfig `filter`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterConfig {
    /// Whether filtering is supported.
    pub supported: bool,
    /// Most resources returned in one response.
    pub max_results: u64,
}

/// One authentication scheme of a ServiceProviderConfig.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationScheme {
    /// `oauthbearertoken`, `httpbasic`, `oauth2`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Human-readable name.
    pub name: String,
    /// Human-readable description.
    pub description: String,
    /// The specification's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    /// Documentation URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// Whether this is the preferred scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

impl AuthenticationScheme {
    /// OAuth 2.0 bearer tokens (RFC 6750), the scheme every IdP uses.
    pub fn oauth_bearer_token() -> Self {
        AuthenticationScheme {
            kind: "oauthbearertoken".into(),
            name: "OAuth Bearer Token".into(),
            description: "Authentication scheme using the OAuth Bearer Token Standard".into(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc6750".into()),
            documentation_uri: None,
            primary: Some(true),
        }
    }
}

/// The ServiceProviderConfig document (RFC 7643 §5).
///
/// [`Default`] describes scimitar's features: PATCH, filtering (at most 1000 results), sort
/// and ETags supported; bulk and password change not; bearer tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// The service's help page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// PATCH support.
    pub patch: Supported,
    /// Bulk support.
    pub bulk: BulkConfig,
    /// Filter support.
    pub filter: FilterConfig,
    /// Password change support.
    pub change_password: Supported,
    /// Sort support.
    pub sort: Supported,
    /// ETag support.
    pub etag: Supported,
    /// Authentication schemes.
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// Metadata (`resourceType`, `location`, ...), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

impl Default for ServiceProviderConfig {
    fn default() -> Self {
        ServiceProviderConfig {
            documentation_uri: None,
            patch: Supported { supported: true },
            bulk: BulkConfig::default(),
            filter: FilterConfig {
                supported: true,
                max_results: 1000,
            },
            change_password: Supported { supported: false },
            sort: Supported { supported: true },
            etag: Supported { supported: true },
            authentication_schemes: vec![AuthenticationScheme::oauth_bearer_token()],
            meta: None,
        }
    }
}

impl ServiceProviderConfig {
    /// The document with `schemas`, and `meta.resourceType` (plus `meta.location` when
    /// `location` is given) unless `meta` is set.
    pub fn to_json(&self, location: Option<&str>) -> Value {
        with_schemas(
            self,
            SERVICE_PROVIDER_CONFIG_SCHEMA,
            "ServiceProviderConfig",
            location,
        )
    }
}

/// A schema extension of a [`ResourceType`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaExtension {
    /// The extension's URN.
    pub schema: String,
    /// Whether resources must carry it.
    pub required: bool,
}

/// A ResourceType document (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// The type's id, e.g. `User`.
    pub id: String,
    /// The type's name, e.g. `User`.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The core schema's URN.
    pub schema: String,
    /// The extensions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_extensions: Vec<SchemaExtension>,
    /// Metadata, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

impl ResourceType {
    /// The ResourceType of a schema set: its type name, endpoint, core schema and
    /// extensions (including a tenant's custom ones).
    pub fn from_schema_set(set: &SchemaSet) -> Self {
        let description = match set.resource_type() {
            "User" => "User Account".to_string(),
            "Group" => "Group".to_string(),
            other => other.to_string(),
        };
        ResourceType {
            id: set.resource_type().to_string(),
            name: set.resource_type().to_string(),
            endpoint: set.endpoint().to_string(),
            description: Some(description),
            schema: set.core().id.clone(),
            schema_extensions: set
                .extensions()
                .iter()
                .map(|e| SchemaExtension {
                    schema: e.schema.id.clone(),
                    required: e.required,
                })
                .collect(),
            meta: None,
        }
    }

    /// The document with `schemas`, and `meta.resourceType` (plus `meta.location` when
    /// `location` is given) unless `meta` is set.
    pub fn to_json(&self, location: Option<&str>) -> Value {
        with_schemas(self, RESOURCE_TYPE_SCHEMA, "ResourceType", location)
    }
}

fn with_schemas<T: Serialize>(doc: &T, urn: &str, kind: &str, location: Option<&str>) -> Value {
    let mut out = Map::new();
    out.insert(
        "schemas".into(),
        Value::Array(vec![Value::String(urn.into())]),
    );
    if let Ok(Value::Object(mut o)) = serde_json::to_value(doc) {
        out.append(&mut o);
    }
    if !out.contains_key("meta") {
        let mut meta = Map::new();
        meta.insert("resourceType".into(), Value::String(kind.into()));
        if let Some(loc) = location {
            meta.insert("location".into(), Value::String(loc.into()));
        }
        out.insert("meta".into(), Value::Object(meta));
    }
    Value::Object(out)
}
