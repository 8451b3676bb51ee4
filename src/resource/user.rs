//! The typed User (RFC 7643 §4.1) with the Enterprise User extension (§4.3).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::typed::{from_map, to_map, Meta, MultiValue};
use crate::error::Error;
use crate::schema::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};

/// An email address (`emails`).
pub type Email = MultiValue;
/// A phone number (`phoneNumbers`).
pub type PhoneNumber = MultiValue;
/// An instant-messaging address (`ims`).
pub type Im = MultiValue;
/// A photo URL (`photos`).
pub type Photo = MultiValue;
/// An entitlement (`entitlements`).
pub type Entitlement = MultiValue;
/// A role (`roles`).
pub type Role = MultiValue;
/// A base64 DER certificate (`x509Certificates`).
pub type X509Certificate = MultiValue;

/// A User (RFC 7643 §4.1), serialised in canonical SCIM form: camelCase, nothing empty,
/// `password` never serialised (it is read, and kept by [`User::to_attributes`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Read on input and otherwise ignored; [`User::to_json`] derives it.
    #[serde(default, skip_serializing)]
    pub schemas: Vec<String>,
    /// The server-assigned id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The client's id for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The unique login name (required).
    #[serde(default)]
    pub user_name: String,
    /// The name's components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// The name to display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The casual name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// The profile URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    /// The job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The organisation's user type, e.g. `Employee`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// Preferred language, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// Locale, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Time zone, e.g. `America/Los_Angeles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Whether the account is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The cleartext password as sent by the client; never serialised.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<PhoneNumber>,
    /// Instant-messaging addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ims: Vec<Im>,
    /// Photo URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
    /// Postal addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Groups the user belongs to (read-only, derived by the server).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupMembership>,
    /// Entitlements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<Entitlement>,
    /// Roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Certificates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x509_certificates: Vec<X509Certificate>,
    /// The Enterprise User extension.
    #[serde(
        default,
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<EnterpriseUser>,
    /// Metadata, when rendered by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Custom extensions: URN -> object of attributes.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, Value>,
}

/// The components of a user's name (`name`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    /// The full name, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Family (last) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Given (first) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Prefix, e.g. `Ms.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    /// Suffix, e.g. `III`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
}

/// A postal address (`addresses`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// The full address, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Street and number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// `work`, `home`, `other`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the preferred address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// A group the user belongs to (`groups`, read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembership {
    /// The group's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The group's URI.
    #[serde(default, rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The group's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `direct` or `indirect`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The Enterprise User extension (RFC 7643 §4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseUser {
    /// Employee number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// Cost center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// Organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The user's manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Manager>,
}

/// The enterprise `manager`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manager {
    /// The manager's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The manager's URI.
    #[serde(default, rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The manager's display name (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl User {
    /// Reads a canonical attributes map ([`crate::store::Resource::attributes`]). Members
    /// that are not URNs and not §4.1 attributes are dropped.
    ///
    /// # Errors
    ///
    /// `invalidValue` when a member has the wrong JSON type.
    pub fn from_attributes(attrs: &Map<String, Value>) -> Result<Self, Error> {
        let mut user: User = from_map(attrs, "User")?;
        user.extensions.retain(|k, v| {
            k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) && v.is_object()
        });
        Ok(user)
    }

    /// The canonical attributes map: no `id`, `meta`, `schemas` or `groups` (derived), but
    /// with `password` when set.
    pub fn to_attributes(&self) -> Map<String, Value> {
        let mut map = to_map(self);
        map.remove("groups");
        if let Some(p) = &self.password {
            map.insert("password".into(), Value::String(p.clone()));
        }
        map
    }

    /// The SCIM document, with `schemas` listing the core URN and each extension present.
    pub fn to_json(&self) -> Value {
        let mut schemas = vec![Value::String(USER_SCHEMA.into())];
        if self.enterprise.is_some() {
            schemas.push(Value::String(ENTERPRISE_USER_SCHEMA.into()));
        }
        schemas.extend(self.extensions.keys().map(|k| Value::String(k.clone())));
        let mut out = Map::new();
        out.insert("schemas".into(), Value::Array(schemas));
        if let Ok(Value::Object(mut o)) = serde_json::to_value(self) {
            out.append(&mut o);
        }
        Value::Object(out)
    }
}
