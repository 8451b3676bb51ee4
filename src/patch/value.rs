//! Reading an operation's `value` against the attribute it targets, through the same
//! coercions as a POST/PUT body ([`crate::resource::normalize_value`]): type checks,
//! canonical sub-attribute spelling, string booleans, the plain-string `manager`,
//! one-element arrays for single values, `null` sub-attributes.
//!
//! `None` means unassigned in SCIM's sense (RFC 7643 §2.5: `null`, an empty array, or a
//! complex value with nothing left).

use serde_json::Value;

use crate::compat::{Compat, CompatReport};
use crate::error::Result;
use crate::resource::{normalize_element, normalize_value};
use crate::schema::{AttributeDef, Resolved};

/// The compatibility switches and the report of one PATCH application.
pub(crate) struct Leniency<'a> {
    pub(crate) compat: &'a Compat,
    pub(crate) report: &'a mut CompatReport,
}

impl Leniency<'_> {
    /// The value of a resolved path (an array for a whole multi-valued attribute).
    pub(crate) fn value(&mut self, v: &Value, target: &Resolved<'_>) -> Result<Option<Value>> {
        normalize_value(v, target, self.compat, self.report)
    }

    /// One element of the multi-valued attribute `attr`.
    pub(crate) fn element(&mut self, v: &Value, attr: &AttributeDef) -> Result<Option<Value>> {
        normalize_element(v, attr, self.compat, self.report)
    }
}
