//! PATCH (RFC 7644 §3.5.2): the PatchOp request model and an all-or-nothing engine that
//! applies it to a resource's stored attributes, fluent in what Entra ID and Okta send.
//!
//! ```
//! use scimitar::patch::{PatchLimits, PatchRequest};
//! use scimitar::schema::{Policy, SchemaSet};
//! use scimitar::{Compat, CompatReport};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), scimitar::Error> {
//! let body = json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [
//!         {"op": "Replace", "path": "active", "value": "False"},
//!         {"op": "add", "path": "emails[type eq \"work\"].value", "value": "b@example.com"}
//!     ]
//! });
//! let compat = Compat::default();
//! let mut report = CompatReport::new();
//! let patch = PatchRequest::from_json(&body, &compat, &mut report, &PatchLimits::default())?;
//! let user = json!({"userName": "bjensen", "active": true});
//! let user = user.as_object().cloned().unwrap_or_default();
//! let schemas = SchemaSet::user();
//! let patched = patch.apply(&user, "2819c223", &schemas, &Policy::default(), &compat, &mut report)?;
//! assert_eq!(patched["active"], json!(false));
//! assert_eq!(patched["emails"], json!([{"type": "work", "value": "b@example.com"}]));
//! assert_eq!(report.to_string(), "string_boolean,patch_op_case");
//! # Ok(())
//! # }
//! ```
//!
//! [`PatchRequest::apply_in_place`] does the same to attributes the caller owns (the
//! resource a store handed out), without copying them: an undo log restores them exactly
//! on error.
//!
//! # Semantics
//!
//! - `add`: sets single values; merges the sub-attributes of a complex value; appends to a
//!   multi-valued attribute, skipping values already present (members: the same `value`);
//!   a path-less `add` does this for each member of the value object. An `add` to a value
//!   path whose filter matches nothing creates the element when the filter is a conjunction
//!   of `eq` terms (`phoneNumbers[type eq "work"].value`), else it is `noTarget`.
//! - `replace`: like `add`, except that a multi-valued attribute is replaced whole and a
//!   value path's matched elements are replaced; a value path matching nothing is
//!   `noTarget` (§3.5.2.3). `null` / `[]` as a value mean unassigned (RFC 7643 §2.5): a
//!   `replace` of a path with them removes what the path names (`"value": null` included),
//!   an `add` of `[]` or of `null` sub-attributes does nothing; an `add` whose whole value
//!   is `null`, or a path-less operation without an object, is 400 `invalidValue`.
//! - `remove`: an attribute, a sub-attribute, the elements selected by a filter (or their
//!   sub-attribute); without a `path` it is `noTarget`. A filter matching nothing removes
//!   nothing (IdPs retry, and member removals are deltas that ignore absent members).
//! - After each operation at most one element of a multi-valued attribute has
//!   `primary: true`: the one just written wins; writing two in one operation is
//!   `invalidValue`.
//! - Mutability: writing a `readOnly` attribute (`id`, `meta`, `groups`) is `mutability`,
//!   except with its current value under [`CompatRule::ReadOnlySameValue`] (Okta's group
//!   rename sends the group's own `id`); an `immutable` attribute may be set while unset and
//!   never changed afterwards; removing a `required` attribute is `mutability` (RFC 7644
//!   §3.5.2.2 names that keyword; a policy-required attribute missing from the *result* is
//!   `invalidValue` from validation instead).
//! - Unqualified attribute names are resolved against the core schema and the common
//!   attributes first, then against the extensions when exactly one extension defines the
//!   name (Entra's tutorial sends `manager` unqualified). No compat rule: such a name is
//!   unambiguous.
//! - A path naming a whole extension (`urn:...:enterprise:2.0:User`) takes an object of
//!   that extension's attributes.
//! - Errors carry the 1-based operation index and path: `operation 3 (remove
//!   'emails[type eq "x"]'): ...`.
//!
//! # Compatibility rules used here
//!
//! [`CompatRule::PatchOpCase`], [`CompatRule::PatchDottedKeys`],
//! [`CompatRule::MembersRemoveByValue`], [`CompatRule::StringBoolean`],
//! [`CompatRule::ManagerString`], [`CompatRule::SingleValueArray`],
//! [`CompatRule::NullSubAttribute`], [`CompatRule::ReadOnlySameValue`]. Each fires in the
//! [`CompatReport`] when it changed how the request was read.
//!
//! [`CompatRule::PatchOpCase`]: crate::CompatRule::PatchOpCase
//! [`CompatRule::PatchDottedKeys`]: crate::CompatRule::PatchDottedKeys
//! [`CompatRule::MembersRemoveByValue`]: crate::CompatRule::MembersRemoveByValue
//! [`CompatRule::StringBoolean`]: crate::CompatRule::StringBoolean
//! [`CompatRule::ManagerString`]: crate::CompatRule::ManagerString
//! [`CompatRule::SingleValueArray`]: crate::CompatRule::SingleValueArray
//! [`CompatRule::NullSubAttribute`]: crate::CompatRule::NullSubAttribute
//! [`CompatRule::ReadOnlySameValue`]: crate::CompatRule::ReadOnlySameValue
//! [`CompatReport`]: crate::CompatReport

mod apply;
mod layout;
mod members;
mod model;
mod undo;
mod value;

use serde_json::{Map, Value};

pub use members::GroupPatch;
pub use model::{PatchLimits, PatchOpKind, PatchOperation, PatchRequest, PATCH_OP_SCHEMA};

use crate::compat::{Compat, CompatReport};
use crate::error::{Error, Result};
use crate::filter::FilterLimits;
use crate::path::PatchPath;
use crate::resource::{check_immutable, validate, validate_touched};
use crate::schema::{Policy, SchemaSet};

/// Parses a PATCH `path` under `limits` (its length, and the depth and terms of a value
/// path's filter); errors, exceeded limits included, are 400 `invalidPath`.
fn parse_path(s: &str, limits: &FilterLimits) -> Result<PatchPath> {
    PatchPath::parse_with(s, limits).map_err(Error::from)
}

impl PatchRequest {
    /// Applies the request to a resource's stored attributes (canonical layout, without
    /// `id`, `meta` and `schemas`) and returns the new attributes. `id` is the resource's id,
    /// compared with an `id` the client sends.
    ///
    /// All-or-nothing: `attrs` is never modified; on error nothing of the request applies,
    /// and the error names the failing operation. The result is checked as a PUT body is:
    /// [`validate`] under `policy` (400 `invalidValue`) and [`check_immutable`] against
    /// `attrs` (400 `mutability`).
    pub fn apply(
        &self,
        attrs: &Map<String, Value>,
        id: &str,
        schemas: &SchemaSet,
        policy: &Policy,
        compat: &Compat,
        report: &mut CompatReport,
    ) -> Result<Map<String, Value>> {
        let mut out = attrs.clone();
        let mut engine = apply::Engine {
            schemas,
            id,
            len: value::Leniency { compat, report },
            undo: None,
        };
        for (i, op) in self.operations().iter().enumerate() {
            engine
                .apply_op(&mut out, op.op(), op.path(), op.value())
                .map_err(|e| e.with_context(op.context(i)))?;
        }
        check_result(attrs, &out, schemas, policy)?;
        Ok(out)
    }
}

/// What [`PatchRequest::apply_in_place`] re-validates after the operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Revalidate {
    /// The whole result, as [`PatchRequest::apply`] does: [`validate`] under the policy,
    /// [`check_immutable`] against the original. Always correct.
    #[default]
    Full,
    /// Only the top-level attributes (and extension objects) the operations touched.
    ///
    /// **Precondition:** the attributes passed in pass [`validate`] under the same schemas
    /// and policy (for instance: every write of them went through this validation, and
    /// the policy has not changed since). Then the outcome, including which error is
    /// reported first, is exactly that of [`Revalidate::Full`]: validation checks each
    /// attribute on its own value, in schema order, and untouched attributes keep the
    /// value that passed before. If the precondition does not hold, an invalid attribute
    /// the request did not touch goes unnoticed.
    Touched,
}

impl PatchRequest {
    /// Applies the request to attributes the caller owns, in place, without copying them
    /// (see [`apply`](Self::apply) for the semantics, which are the same).
    ///
    /// Returns whether the attributes changed (as `==` on maps compares; when they did
    /// not, `attrs` is left exactly as it was, member order included).
    ///
    /// All-or-nothing: before an operation first changes a top-level attribute (or an
    /// extension object), its prior value is saved; on any error the saved values are put
    /// back in reverse, so `attrs` is exactly as it was, member order included, and the
    /// error is the one [`apply`](Self::apply) returns. Only touched attributes are saved,
    /// and the common small changes are journaled rather than copied (a sub-attribute of
    /// the matched elements, an appended element, `primary` cleared on the others, a
    /// sub-attribute of a complex attribute, an extension attribute); a removed attribute
    /// is moved into the log. So a PATCH of a few attributes costs a few attributes, not a
    /// copy of the resource.
    ///
    /// Applying to a copy made for the purpose is slower than [`apply`](Self::apply),
    /// which needs no undo log.
    /// `revalidate` chooses how much of the result is validated; with
    /// [`Revalidate::Full`] the outcome is that of [`apply`](Self::apply) in every case.
    ///
    /// With a schema set that has `immutable` attributes outside multi-valued ones (not
    /// the built-in User and Group), the immutability check needs the original: it is
    /// rebuilt from the undo log on a copy.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_in_place(
        &self,
        attrs: &mut Map<String, Value>,
        id: &str,
        schemas: &SchemaSet,
        policy: &Policy,
        compat: &Compat,
        report: &mut CompatReport,
        revalidate: Revalidate,
    ) -> Result<bool> {
        let mut engine = apply::Engine {
            schemas,
            id,
            len: value::Leniency { compat, report },
            undo: Some(undo::Undo::default()),
        };
        let mut failed = None;
        for (i, op) in self.operations().iter().enumerate() {
            if let Err(e) = engine.apply_op(attrs, op.op(), op.path(), op.value()) {
                failed = Some(e.with_context(op.context(i)));
                break;
            }
        }
        let log = engine.undo.take().unwrap_or_default();
        if let Some(e) = failed {
            log.restore(attrs);
            return Err(e);
        }
        let changed = log.changed(attrs);
        // Unchanged attributes that passed before pass again; `Full` promises no such
        // assumption, so it checks them as `apply` does.
        if changed || revalidate == Revalidate::Full {
            if let Err(e) = check_in_place(&log, attrs, schemas, policy, revalidate) {
                log.restore(attrs);
                return Err(e);
            }
        }
        if !changed {
            log.restore(attrs);
        }
        Ok(changed)
    }
}

/// The checks of [`check_result`] for an in-place application, from its undo log.
fn check_in_place(
    log: &undo::Undo,
    new: &Map<String, Value>,
    schemas: &SchemaSet,
    policy: &Policy,
    revalidate: Revalidate,
) -> Result<()> {
    if has_checked_immutables(schemas) {
        // Rare (custom schemas only): rebuild the original to compare against.
        let mut old = new.clone();
        log.clone().restore(&mut old);
        check_immutable(&old, new, schemas)?;
    }
    match revalidate {
        Revalidate::Full => validate(new, schemas, policy),
        Revalidate::Touched => {
            let touched: Vec<&str> = log.touched().collect();
            validate_touched(new, schemas, policy, &touched)
        }
    }
}

/// The checks a PUT body gets, applied to the patched attributes.
fn check_result(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    schemas: &SchemaSet,
    policy: &Policy,
) -> Result<()> {
    if has_checked_immutables(schemas) {
        check_immutable(old, new, schemas)?;
    }
    validate(new, schemas, policy)
}

/// Whether [`check_immutable`] has anything to check: an `immutable` top-level attribute, or
/// sub-attribute of a single-valued complex one. The built-in User and Group sets have none
/// (Group `members.value` is inside a multi-valued attribute, which the engine checks per
/// operation), so the walk over the whole resource is skipped for them.
fn has_checked_immutables(schemas: &SchemaSet) -> bool {
    use crate::schema::Mutability::Immutable;
    schemas
        .common()
        .iter()
        .chain(&schemas.core().attributes)
        .chain(
            schemas
                .extensions()
                .iter()
                .flat_map(|e| &e.schema.attributes),
        )
        .any(|a| {
            a.mutability == Immutable
                || (!a.multi_valued && a.subs().iter().any(|s| s.mutability == Immutable))
        })
}
