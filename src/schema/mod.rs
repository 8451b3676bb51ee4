//! SCIM schemas (RFC 7643 §7): the attribute model, the built-in User, Group and
//! Enterprise User schemas, per-tenant schema sets with custom attributes, and
//! attribute-path resolution.

mod builtin;
mod discovery;
mod model;
mod policy;
mod registry;
mod set;

pub use builtin::{
    common_attributes_defs, enterprise_user_schema, group_schema, rfc_schemas_json, user_schema,
    ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA,
};
pub use discovery::{
    AuthenticationScheme, BulkConfig, FilterConfig, ResourceType, SchemaExtension,
    ServiceProviderConfig, Supported, RESOURCE_TYPE_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA,
};
pub use model::{AttributeDef, AttributeType, Mutability, Returned, Schema, Uniqueness};
pub use policy::{Policy, DEFAULT_MAX_VALUES};
pub use registry::SchemaRegistry;
pub use set::{Extension, Location, Resolved, SchemaSet};
