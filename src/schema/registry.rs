//! Per-tenant schema sets: the built-in schemas shared by every tenant, plus custom User
//! extension attributes that a host registers for one tenant only.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::model::{AttributeDef, AttributeType, Schema};
use super::policy::Policy;
use super::set::{Extension, SchemaSet};
use crate::error::Error;
use crate::tenant::TenantId;

/// The schema sets of every tenant.
///
/// Tenants without custom attributes share the base sets. Registering a custom attribute
/// for one tenant changes that tenant's User set only; another tenant never sees it.
#[derive(Debug)]
pub struct SchemaRegistry {
    base_user: Arc<SchemaSet>,
    base_group: Arc<SchemaSet>,
    policy: Policy,
    tenants: RwLock<HashMap<TenantId, Arc<SchemaSet>>>,
}

impl Default for SchemaRegistry {
    fn default() -> Self {
        Self::new(SchemaSet::user(), SchemaSet::group())
    }
}

impl SchemaRegistry {
    /// A registry whose tenants start from these User and Group sets.
    pub fn new(user: SchemaSet, group: SchemaSet) -> Self {
        SchemaRegistry {
            base_user: Arc::new(user),
            base_group: Arc::new(group),
            policy: Policy::default(),
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// A registry of the built-in sets under `policy`: the policy is applied (see
    /// [`Policy::apply`]) to the base sets now and to each tenant's set whenever a custom
    /// attribute is added, so `/Schemas` always reports it.
    pub fn with_policy(policy: Policy) -> Self {
        let mut user = SchemaSet::user();
        let mut group = SchemaSet::group();
        policy.apply(&mut user);
        policy.apply(&mut group);
        let mut reg = Self::new(user, group);
        reg.policy = policy;
        reg
    }

    /// The validation policy of this registry (the default policy unless built with
    /// [`SchemaRegistry::with_policy`]); pass it to
    /// [`resource::validate`](crate::resource::validate).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The base User set every tenant starts from.
    pub fn base_user_schemas(&self) -> &Arc<SchemaSet> {
        &self.base_user
    }

    /// The User schema set of `tenant`.
    pub fn user_schemas(&self, tenant: &TenantId) -> Arc<SchemaSet> {
        let map = self.tenants.read().unwrap_or_else(|e| e.into_inner());
        map.get(tenant)
            .cloned()
            .unwrap_or_else(|| Arc::clone(&self.base_user))
    }

    /// The Group schema set of `tenant`.
    pub fn group_schemas(&self, _tenant: &TenantId) -> Arc<SchemaSet> {
        Arc::clone(&self.base_group)
    }

    /// Adds a custom User attribute for `tenant` in the extension schema `urn` (created on
    /// first use, named `schema_name`). Replaces an attribute of the same name.
    ///
    /// # Errors
    ///
    /// `invalidValue` when the URN is not a `urn:` name, collides with a built-in schema,
    /// or the attribute name is not a valid SCIM attribute name.
    pub fn add_user_attribute(
        &self,
        tenant: &TenantId,
        urn: &str,
        schema_name: &str,
        attr: AttributeDef,
    ) -> Result<(), Error> {
        validate_extension_urn(urn, &self.base_user)?;
        validate_attribute(&attr)?;
        let mut map = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        let current = map
            .get(tenant)
            .cloned()
            .unwrap_or_else(|| Arc::clone(&self.base_user));
        let mut set = (*current).clone();
        let mut schema = match set.extension(urn) {
            Some(ext) => (*ext.schema).clone(),
            None => Schema {
                id: urn.to_string(),
                name: schema_name.to_string(),
                description: format!("Custom attributes of tenant {tenant}"),
                attributes: Vec::new(),
            },
        };
        schema
            .attributes
            .retain(|a| !a.name.eq_ignore_ascii_case(&attr.name));
        schema.attributes.push(attr);
        let required = schema.attributes.iter().any(|a| a.required);
        set.add_extension(Extension {
            schema: Arc::new(schema),
            required,
        });
        self.policy.apply(&mut set);
        map.insert(tenant.clone(), Arc::new(set));
        Ok(())
    }

    /// Removes every custom attribute of `tenant`.
    pub fn clear_tenant(&self, tenant: &TenantId) {
        let mut map = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        map.remove(tenant);
    }
}

fn validate_extension_urn(urn: &str, base: &SchemaSet) -> Result<(), Error> {
    let lower = urn.to_ascii_lowercase();
    if !lower.starts_with("urn:") || urn.len() < 6 || urn.ends_with(':') {
        return Err(Error::invalid_value(format!(
            "custom schema id '{urn}' must be a URN such as 'urn:example:scim:schemas:extension:acme:2.0:User'"
        )));
    }
    if urn
        .chars()
        .any(|c| c.is_whitespace() || c == '"' || c == '[' || c == ']')
    {
        return Err(Error::invalid_value(format!(
            "custom schema id '{urn}' contains characters not allowed in a URN"
        )));
    }
    if base.core().id.eq_ignore_ascii_case(urn)
        || base
            .extensions()
            .iter()
            .any(|e| e.schema.id.eq_ignore_ascii_case(urn))
    {
        return Err(Error::invalid_value(format!(
            "custom schema id '{urn}' is a built-in schema"
        )));
    }
    Ok(())
}

fn valid_attr_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn validate_attribute(attr: &AttributeDef) -> Result<(), Error> {
    if !valid_attr_name(&attr.name) {
        return Err(Error::invalid_value(format!(
            "custom attribute name '{}' must start with a letter and contain only letters, digits, '_' and '-'",
            attr.name
        )));
    }
    for sub in attr.subs() {
        if sub.ty == AttributeType::Complex {
            return Err(Error::invalid_value(format!(
                "sub-attribute '{}.{}' cannot be complex (RFC 7643 §2.3.8)",
                attr.name, sub.name
            )));
        }
        if !valid_attr_name(&sub.name) {
            return Err(Error::invalid_value(format!(
                "custom sub-attribute name '{}.{}' is not a valid attribute name",
                attr.name, sub.name
            )));
        }
    }
    Ok(())
}
