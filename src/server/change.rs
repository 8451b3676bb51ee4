//! Change notifications: what the service wrote, for hosts that react to provisioning
//! (revoke a deactivated user's sessions, send a welcome mail, sync a search index).

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::context::Ctx;
use super::ResourceKind;
use crate::tenant::TenantId;

/// What a write did to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeKind {
    /// `POST`: the resource was created.
    Created,
    /// `PUT`: the resource was replaced.
    Replaced,
    /// `PATCH`: the resource was modified. A PATCH that changes nothing (IdPs resend the
    /// same request) is neither written nor reported; for a group, removing a member it
    /// does not have is still written (and reported) unless a members cap made the
    /// service load the member list.
    Patched,
    /// `DELETE`: the resource was deleted.
    Deleted,
}

/// A change of a user's `active` flag made by one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Activation {
    /// `active` went from `true` (or unset) to `false`: the IdP deprovisioned the user
    /// without deleting it. Typically: end the user's sessions and revoke their API keys.
    Deactivated,
    /// `active` went from `false` to `true` (or unset).
    Reactivated,
}

/// A write the service made, reported to the hook set with
/// [`ScimServiceBuilder::on_change`](super::ScimServiceBuilder::on_change) after the store
/// accepted it and before the response is sent.
///
/// Deleting a user also removes it from every group, and deleting a group removes it
/// from the groups it was a member of; those membership removals are part of the one
/// `Deleted` change, not reported per group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// The organization whose data changed.
    pub tenant: TenantId,
    /// A user or a group.
    pub resource: ResourceKind,
    /// The resource's id.
    pub id: String,
    /// What happened to it.
    pub kind: ChangeKind,
    /// The version written (the number in `meta.version`); `None` for a deletion.
    pub version: Option<u64>,
    /// For a user replaced or patched: whether this write deactivated or reactivated it.
    pub activation: Option<Activation>,
    /// The request's id, as sent in its `X-Request-Id` response header and logged as
    /// `request_id` with the `tracing` feature: to tie an audit entry to the request log.
    pub request_id: u64,
}

/// The hook of [`ScimServiceBuilder::on_change`](super::ScimServiceBuilder::on_change).
pub(crate) type ChangeHook = Arc<dyn Fn(&Change) + Send + Sync>;

/// The optional hook, with a `Debug` that does not try to print a closure.
#[derive(Clone, Default)]
pub(crate) struct Hook(pub(crate) Option<ChangeHook>);

impl fmt::Debug for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Some(..)" } else { "None" })
    }
}

/// A user's `active` flag; unset counts as active.
pub(crate) fn is_active(attrs: &Map<String, Value>) -> bool {
    attrs.get("active").and_then(Value::as_bool).unwrap_or(true)
}

/// The activation a write from `before` to `after` made.
pub(crate) fn activation(before: bool, after: bool) -> Option<Activation> {
    match (before, after) {
        (true, false) => Some(Activation::Deactivated),
        (false, true) => Some(Activation::Reactivated),
        _ => None,
    }
}

/// Reports a change to the hook, if any. The write has happened whatever the hook does:
/// a panicking hook is contained (and logged with the `tracing` feature) so that the
/// client still gets its answer.
pub(crate) fn notify(
    cx: &Ctx<'_>,
    resource: ResourceKind,
    id: &str,
    kind: ChangeKind,
    version: Option<u64>,
    activation: Option<Activation>,
) {
    let Some(hook) = &cx.svc.on_change.0 else {
        return;
    };
    let change = Change {
        tenant: cx.tenant.clone(),
        resource,
        id: id.to_owned(),
        kind,
        version,
        activation,
        request_id: cx.request_id,
    };
    if catch_unwind(AssertUnwindSafe(|| hook(&change))).is_err() {
        super::observe::log_hook_panic(&change);
    }
}
