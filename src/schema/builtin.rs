//! The built-in schemas of RFC 7643: User (§4.1), Group (§4.2), Enterprise User (§4.3) and
//! the common attributes `id`, `externalId` and `meta` (§3.1).
//!
//! The resource schemas are the RFC's own §8.7.1 JSON, embedded verbatim, with these
//! corrections applied on load:
//! - erratum 5368 (verified): Group `displayName` is `required: true`;
//! - erratum 8471 (verified): User `groups.$ref` references `Group` only;
//! - erratum 8472 (verified): Enterprise `manager.value` is `caseExact: true`;
//! - erratum 6011 (reported): Group `members` gains the `display` sub-attribute (immutable,
//!   like its siblings) that the RFC's own §8.4 example and Okta's group push use;
//! - User `addresses` gains `primary`, which the RFC's §8.2 example sets.

use std::sync::OnceLock;

use super::model::{AttributeDef, AttributeType, Mutability, Returned, Schema, Uniqueness};

/// URN of the core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the Enterprise User extension.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const RFC_SCHEMAS_JSON: &str = include_str!("data/rfc7643-schemas.json");

struct Builtins {
    user: Schema,
    group: Schema,
    enterprise: Schema,
    common: Vec<AttributeDef>,
}

fn builtins() -> &'static Builtins {
    static CELL: OnceLock<Builtins> = OnceLock::new();
    CELL.get_or_init(load)
}

fn load() -> Builtins {
    // The embedded JSON is part of the crate and checked by tests; an empty schema list
    // here would only follow from editing that file, never from client input.
    let schemas: Vec<Schema> = serde_json::from_str(RFC_SCHEMAS_JSON).unwrap_or_default();
    let find = |urn: &str| {
        schemas
            .iter()
            .find(|s| s.id == urn)
            .cloned()
            .unwrap_or_else(|| Schema {
                id: urn.to_string(),
                name: String::new(),
                description: String::new(),
                attributes: Vec::new(),
            })
    };
    let mut user = find(USER_SCHEMA);
    let mut group = find(GROUP_SCHEMA);
    let mut enterprise = find(ENTERPRISE_USER_SCHEMA);

    for a in &mut group.attributes {
        if a.name == "displayName" {
            a.required = true; // erratum 5368
        }
        if a.name == "members" {
            if let Some(subs) = a.sub_attributes.as_mut() {
                if !subs.iter().any(|s| s.name == "display") {
                    subs.push(
                        AttributeDef::new("display", AttributeType::String)
                            .description(
                                "A human-readable name, primarily used for display purposes.",
                            )
                            // Immutable like the other member sub-attributes: the RFC's
                            // own §8.4 example and Okta's group push send it.
                            .mutability(Mutability::Immutable),
                    );
                }
            }
        }
    }
    for a in &mut user.attributes {
        if a.name == "groups" {
            if let Some(subs) = a.sub_attributes.as_mut() {
                for s in subs.iter_mut().filter(|s| s.name == "$ref") {
                    s.reference_types = Some(vec!["Group".into()]); // erratum 8471
                }
            }
        }
        if a.name == "addresses" {
            if let Some(subs) = a.sub_attributes.as_mut() {
                if !subs.iter().any(|s| s.name == "primary") {
                    subs.push(
                        AttributeDef::new("primary", AttributeType::Boolean).description(
                            "A Boolean value indicating the 'primary' or preferred address.",
                        ),
                    );
                }
            }
        }
    }
    for a in &mut enterprise.attributes {
        if a.name == "manager" {
            if let Some(subs) = a.sub_attributes.as_mut() {
                for s in subs.iter_mut().filter(|s| s.name == "value") {
                    s.case_exact = true; // erratum 8472
                }
            }
        }
    }

    Builtins {
        user,
        group,
        enterprise,
        common: common_attributes(),
    }
}

fn common_attributes() -> Vec<AttributeDef> {
    use AttributeType as T;
    vec![
        AttributeDef::new("id", T::String)
            .description("A unique identifier for a SCIM resource as defined by the service provider.")
            .case_exact(true)
            .mutability(Mutability::ReadOnly)
            .returned(Returned::Always)
            .uniqueness(Uniqueness::Server),
        AttributeDef::new("externalId", T::String)
            .description("A String that is an identifier for the resource as defined by the provisioning client.")
            .case_exact(true),
        AttributeDef::new("meta", T::Complex)
            .description("A complex attribute containing resource metadata.")
            .mutability(Mutability::ReadOnly)
            .sub_attributes(vec![
                AttributeDef::new("resourceType", T::String)
                    .case_exact(true)
                    .mutability(Mutability::ReadOnly),
                AttributeDef::new("created", T::DateTime).mutability(Mutability::ReadOnly),
                AttributeDef::new("lastModified", T::DateTime).mutability(Mutability::ReadOnly),
                AttributeDef::new("location", T::Reference)
                    .case_exact(true)
                    .mutability(Mutability::ReadOnly)
                    .reference_types(["uri"]),
                AttributeDef::new("version", T::String)
                    .case_exact(true)
                    .mutability(Mutability::ReadOnly),
            ]),
    ]
}

/// The core User schema (RFC 7643 §4.1), as corrected above.
pub fn user_schema() -> &'static Schema {
    &builtins().user
}

/// The core Group schema (RFC 7643 §4.2), as corrected above.
pub fn group_schema() -> &'static Schema {
    &builtins().group
}

/// The Enterprise User extension schema (RFC 7643 §4.3), as corrected above.
pub fn enterprise_user_schema() -> &'static Schema {
    &builtins().enterprise
}

/// The attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`.
pub fn common_attributes_defs() -> &'static [AttributeDef] {
    &builtins().common
}

/// The RFC's §8.7.1 schema JSON exactly as embedded (before corrections).
pub fn rfc_schemas_json() -> &'static str {
    RFC_SCHEMAS_JSON
}
