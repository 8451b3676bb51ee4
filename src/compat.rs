//! IdP compatibility rules: the named leniencies scimitar applies to what real identity
//! providers send (see the `IDP-BEHAVIOUR` notes in the crate docs).
//!
//! Each rule is on by default, can be switched off in [`Compat`], and is reported in a
//! [`CompatReport`] when it changes how a request is read, so operators can see in their
//! logs which quirks their IdP relies on.

use std::fmt;

/// One named leniency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CompatRule {
    /// `"True"` / `"False"` (any case) accepted where the schema says boolean
    /// (Entra ID legacy PATCH, OneLogin templates, Microsoft's reference tests).
    StringBoolean,
    /// The enterprise `manager` given as a plain string id is stored as `{"value": id}`
    /// (Entra ID).
    ManagerString,
    /// A one-element array given for a single-valued complex attribute is unwrapped
    /// (Entra ID's documented manager PATCH).
    SingleValueArray,
    /// PATCH `op` matched case-insensitively (`Add`, `Replace`, `Remove`: Entra ID).
    PatchOpCase,
    /// Path-less PATCH `add`/`replace` values with dotted (`name.givenName`) and
    /// URN-qualified keys (Entra ID with `aadOptscim062020`).
    PatchDottedKeys,
    /// PATCH `remove` with `path: "members"` and a `value` list removes exactly those
    /// members instead of all (Entra ID legacy, JumpCloud).
    MembersRemoveByValue,
    /// A read-only attribute sent with its current value is ignored instead of being a
    /// `mutability` error (Okta's group rename sends the group's own `id`).
    ReadOnlySameValue,
    /// Unknown URIs in `schemas` are tolerated when no data is keyed by them (Entra ID's
    /// ADSCIM Group URI).
    UnknownSchemaUri,
    /// JSON `null` sub-attributes such as `"$ref": null` are dropped (Entra ID).
    NullSubAttribute,
}

impl CompatRule {
    /// Every rule.
    pub const ALL: [CompatRule; 9] = [
        CompatRule::StringBoolean,
        CompatRule::ManagerString,
        CompatRule::SingleValueArray,
        CompatRule::PatchOpCase,
        CompatRule::PatchDottedKeys,
        CompatRule::MembersRemoveByValue,
        CompatRule::ReadOnlySameValue,
        CompatRule::UnknownSchemaUri,
        CompatRule::NullSubAttribute,
    ];

    /// The rule's name as it appears in logs.
    pub const fn name(self) -> &'static str {
        match self {
            CompatRule::StringBoolean => "string_boolean",
            CompatRule::ManagerString => "manager_string",
            CompatRule::SingleValueArray => "single_value_array",
            CompatRule::PatchOpCase => "patch_op_case",
            CompatRule::PatchDottedKeys => "patch_dotted_keys",
            CompatRule::MembersRemoveByValue => "members_remove_by_value",
            CompatRule::ReadOnlySameValue => "read_only_same_value",
            CompatRule::UnknownSchemaUri => "unknown_schema_uri",
            CompatRule::NullSubAttribute => "null_sub_attribute",
        }
    }

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for CompatRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which compatibility rules are enabled. All are by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compat {
    enabled: u32,
}

impl Default for Compat {
    fn default() -> Self {
        Self::all()
    }
}

impl Compat {
    /// Every rule enabled.
    pub const fn all() -> Self {
        Compat {
            enabled: (1 << CompatRule::ALL.len()) - 1,
        }
    }

    /// No rule enabled: strict RFC reading.
    pub const fn strict() -> Self {
        Compat { enabled: 0 }
    }

    /// The same set with `rule` switched on or off.
    pub const fn with(mut self, rule: CompatRule, on: bool) -> Self {
        if on {
            self.enabled |= rule.bit();
        } else {
            self.enabled &= !rule.bit();
        }
        self
    }

    /// Whether `rule` is enabled.
    pub const fn enabled(&self, rule: CompatRule) -> bool {
        self.enabled & rule.bit() != 0
    }
}

/// The rules that fired while reading one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompatReport {
    fired: u32,
}

impl CompatReport {
    /// An empty report.
    pub const fn new() -> Self {
        CompatReport { fired: 0 }
    }

    /// Records that `rule` changed how the request was read.
    pub fn fire(&mut self, rule: CompatRule) {
        self.fired |= rule.bit();
    }

    /// Whether `rule` fired.
    pub fn fired(&self, rule: CompatRule) -> bool {
        self.fired & rule.bit() != 0
    }

    /// The rules that fired, in declaration order.
    pub fn rules(&self) -> impl Iterator<Item = CompatRule> + '_ {
        CompatRule::ALL.into_iter().filter(|r| self.fired(*r))
    }

    /// Whether no rule fired.
    pub fn is_empty(&self) -> bool {
        self.fired == 0
    }

    /// Adds the rules of `other`.
    pub fn merge(&mut self, other: &CompatReport) {
        self.fired |= other.fired;
    }
}

impl fmt::Display for CompatReport {
    /// Comma-separated rule names, e.g. `string_boolean,patch_op_case`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.rules().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(r.name())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_enables_all_and_strict_none() {
        for r in CompatRule::ALL {
            assert!(Compat::default().enabled(r), "{r}");
            assert!(!Compat::strict().enabled(r), "{r}");
        }
        let c = Compat::all().with(CompatRule::StringBoolean, false);
        assert!(!c.enabled(CompatRule::StringBoolean));
        assert!(c.enabled(CompatRule::ManagerString));
    }

    #[test]
    fn report_lists_fired_rules_once() {
        let mut r = CompatReport::new();
        assert!(r.is_empty());
        r.fire(CompatRule::PatchOpCase);
        r.fire(CompatRule::StringBoolean);
        r.fire(CompatRule::PatchOpCase);
        assert_eq!(r.to_string(), "string_boolean,patch_op_case");
        assert_eq!(r.rules().count(), 2);
    }
}
