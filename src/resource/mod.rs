//! Resources: lenient input to canonical attribute maps, validation, rendering, and the
//! typed [`User`] and [`Group`].
//!
//! # The canonical layout
//!
//! Every engine and store works on one JSON layout, the *canonical attributes map*
//! ([`crate::store::Resource::attributes`]):
//! - core attributes and the common attribute `externalId` are top-level members, spelled
//!   as the schema spells them;
//! - extension attributes are members of an object stored under the extension URN
//!   (canonical spelling);
//! - `id`, `meta` and `schemas` are not stored (they are derived on output by [`render`]);
//!   User `groups` is not stored (it is derived from memberships);
//! - `password` is stored (it is `writeOnly`) but never output;
//! - no `null`s, no empty arrays or objects.
//!
//! # Untrusted input
//!
//! Everything here reads client JSON without panicking (a property test feeds arbitrary
//! bodies through [`normalize`], [`validate`] and [`render`]). Bounds:
//! - nesting follows the schema (attribute, sub-attribute), never the input's depth;
//! - a multi-valued attribute holds at most [`Policy::values_limit`](crate::schema::Policy)
//!   values (default 1000); Group `members` is bounded by the request body limit unless
//!   [`Policy::max_members`](crate::schema::Policy::max_members) caps it;
//! - string lengths are capped by the policy when the host asks for it
//!   ([`Policy::max_length`](crate::schema::Policy::max_length)).
//!
//! Limits are `invalidValue` errors, not `tooMany`: RFC 7644 Table 9 reserves `tooMany`
//! for filters that would return too many results.
//!
//! # A write, step by step
//!
//! ```
//! use scimitar::compat::{Compat, CompatReport};
//! use scimitar::resource;
//! use scimitar::schema::{Policy, SchemaSet};
//! use serde_json::json;
//!
//! let users = SchemaSet::user();
//! let body = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "UserName": "bjensen",
//!     "active": "True",
//!     "meta": {"version": "ignored"}
//! });
//! resource::check_schemas(&body, &users)?;
//! let mut report = CompatReport::new();
//! let attrs = resource::normalize(&body, &users, &Compat::default(), &mut report)?;
//! resource::validate(&attrs, &users, &Policy::default())?;
//! assert_eq!(serde_json::Value::Object(attrs), json!({"userName": "bjensen", "active": true}));
//! assert_eq!(report.to_string(), "string_boolean");
//! # Ok::<(), scimitar::Error>(())
//! ```

mod group;
mod json_out;
mod loc;
mod member;
mod normalize;
mod render;
mod typed;
mod user;
mod validate;

pub use group::{Group, GroupMember};
pub(crate) use json_out::value as write_json;
pub use normalize::{normalize, normalize_element, normalize_value};
pub(crate) use render::{add_member_refs, write_document};
pub use render::{render, render_to, rfc3339};
pub use typed::{Meta, MultiValue};
pub use user::{
    Address, Email, EnterpriseUser, Entitlement, GroupMembership, Im, Manager, Name, PhoneNumber,
    Photo, Role, User, X509Certificate,
};
pub(crate) use validate::validate_touched;
pub use validate::{check_immutable, validate};

use serde_json::Value;

use crate::error::Error;
use crate::schema::SchemaSet;

/// Checks the `schemas` member of a resource body (POST or PUT): it must be an array of
/// strings that contains the resource type's core schema URN (compared
/// case-insensitively).
///
/// Identity providers always send `schemas` (Okta and Entra ID do), so this stays strict.
/// The answer is 400 `invalidValue` rather than `invalidSyntax`: RFC 7644 Table 9 defines
/// `invalidValue` as "a required value was missing, or the value specified was not
/// compatible with the operation", which is exactly a missing or wrong `schemas`, whereas
/// `invalidSyntax` is about the request body's structure, which is fine here. Unknown
/// extra URIs are left to [`normalize`] (rule
/// [`CompatRule::UnknownSchemaUri`](crate::compat::CompatRule::UnknownSchemaUri)).
///
/// # Errors
///
/// 400 `invalidValue` whose detail names `schemas` and the expected URN; 400
/// `invalidSyntax` when `input` is not a JSON object.
pub fn check_schemas(input: &Value, schemas: &SchemaSet) -> Result<(), Error> {
    let core = schemas.core().id.as_str();
    let Some(obj) = input.as_object() else {
        return Err(Error::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    let member = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .map(|(_, v)| v);
    let Some(member) = member.filter(|v| !v.is_null()) else {
        return Err(Error::invalid_value(format!(
            "attribute 'schemas' is required and must list \"{core}\""
        )));
    };
    let Some(list) = member.as_array() else {
        return Err(Error::invalid_value(format!(
            "attribute 'schemas' must be an array of schema URIs including \"{core}\""
        )));
    };
    if list.iter().any(|v| !v.is_string()) {
        return Err(Error::invalid_value(
            "attribute 'schemas' must contain only strings",
        ));
    }
    if !list
        .iter()
        .filter_map(Value::as_str)
        .any(|u| u.eq_ignore_ascii_case(core))
    {
        return Err(Error::invalid_value(format!(
            "attribute 'schemas' must include \"{core}\" for a {} resource",
            schemas.resource_type()
        )));
    }
    Ok(())
}
