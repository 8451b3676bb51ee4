//! The PatchOp message (RFC 7644 §3.5.2): reading a request body into operations whose
//! paths are parsed once.

use std::fmt;

use serde_json::{Map, Value};

use crate::compat::{Compat, CompatReport, CompatRule};
use crate::error::{Error, Result};
use crate::filter::FilterLimits;
use crate::path::PatchPath;

/// The schema URN of a PATCH request body (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Bounds on what one PATCH request may ask for.
///
/// Listed in the crate docs' "Untrusted input" section. Too many operations is a 400
/// `tooMany` error; a `path` beyond the filter limits is a 400 `invalidPath` error; never a
/// panic or an unbounded amount of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchLimits {
    /// The maximum number of operations in one request (default 1,000).
    pub max_operations: usize,
    /// Bounds on each `path` (length, and the nesting depth and terms of a value path's
    /// filter); default [`FilterLimits::DEFAULT`].
    pub filter: FilterLimits,
}

impl Default for PatchLimits {
    fn default() -> Self {
        PatchLimits {
            max_operations: 1000,
            filter: FilterLimits::DEFAULT,
        }
    }
}

impl PatchLimits {
    /// The same limits with `max_operations` set to `n`.
    pub const fn with_max_operations(mut self, n: usize) -> Self {
        self.max_operations = n;
        self
    }

    /// The same limits with the `path` bounds set to `limits`.
    pub const fn with_filter_limits(mut self, limits: FilterLimits) -> Self {
        self.filter = limits;
        self
    }
}

/// The kind of a PATCH operation (`op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOpKind {
    /// `add` (RFC 7644 §3.5.2.1).
    Add,
    /// `remove` (RFC 7644 §3.5.2.2).
    Remove,
    /// `replace` (RFC 7644 §3.5.2.3).
    Replace,
}

impl PatchOpKind {
    /// The canonical (lower-case) keyword.
    pub const fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        }
    }
}

impl fmt::Display for PatchOpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation of a PATCH request: its kind, its parsed path (if any) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    op: PatchOpKind,
    path: Option<PatchPath>,
    raw_path: Option<String>,
    value: Option<Value>,
}

impl PatchOperation {
    /// An operation from its parts (for building requests in code; client input goes
    /// through [`PatchRequest::from_json`]).
    pub fn new(op: PatchOpKind, path: Option<PatchPath>, value: Option<Value>) -> Self {
        let raw_path = path.as_ref().map(ToString::to_string);
        PatchOperation {
            op,
            path,
            raw_path,
            value,
        }
    }

    /// The operation kind.
    pub fn op(&self) -> PatchOpKind {
        self.op
    }
    /// The parsed path, if the operation had one.
    pub fn path(&self) -> Option<&PatchPath> {
        self.path.as_ref()
    }
    /// The path as the client wrote it, if any.
    pub fn raw_path(&self) -> Option<&str> {
        self.raw_path.as_deref()
    }
    /// The value, if any (`null` is read as no value).
    pub fn value(&self) -> Option<&Value> {
        self.value.as_ref()
    }

    /// The context prefix of errors about this operation, e.g.
    /// `operation 3 (remove 'emails[type eq "x"]')`; `index` is 0-based, printed 1-based.
    pub(crate) fn context(&self, index: usize) -> String {
        match &self.raw_path {
            Some(p) => format!("operation {} ({} '{}')", index + 1, self.op, p),
            None => format!("operation {} ({})", index + 1, self.op),
        }
    }
}

/// A parsed PATCH request: the operations in order.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// A request from operations built in code.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        PatchRequest { operations }
    }

    /// The operations in request order.
    pub fn operations(&self) -> &[PatchOperation] {
        &self.operations
    }

    /// Reads a PatchOp body.
    ///
    /// Checks that `schemas` lists [`PATCH_OP_SCHEMA`] (case-insensitively) and that
    /// `Operations` (member name case-insensitive) is a non-empty array of at most
    /// `limits.max_operations` objects. Each `op` must be `add`, `remove` or `replace`; other
    /// spellings (`Add`, `REPLACE`) are accepted under [`CompatRule::PatchOpCase`]. Each
    /// `path` is parsed once. A `remove` without a path is 400 `noTarget` (RFC 7644
    /// §3.5.2.2); an `add` or `replace` without a value is 400 `invalidValue`. A JSON `null`
    /// `path` or `value` counts as absent.
    ///
    /// Errors name the operation, 1-based: `operation 2 (add): ...`.
    pub fn from_json(
        body: &Value,
        compat: &Compat,
        report: &mut CompatReport,
        limits: &PatchLimits,
    ) -> Result<PatchRequest> {
        let obj = body
            .as_object()
            .ok_or_else(|| Error::invalid_syntax("PATCH body must be a JSON object"))?;
        let schemas = get_ci(obj, "schemas")
            .ok_or_else(|| Error::invalid_syntax("PATCH body has no 'schemas'"))?;
        let has_urn = schemas.as_array().is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            })
        });
        if !has_urn {
            return Err(Error::invalid_syntax(format!(
                "PATCH 'schemas' must be [\"{PATCH_OP_SCHEMA}\"]"
            )));
        }
        let ops = get_ci(obj, "Operations")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::invalid_syntax("PATCH body needs an 'Operations' array"))?;
        if ops.is_empty() {
            return Err(Error::invalid_syntax("PATCH 'Operations' is empty"));
        }
        if ops.len() > limits.max_operations {
            return Err(Error::too_many(format!(
                "PATCH has {} operations; at most {} are allowed",
                ops.len(),
                limits.max_operations
            )));
        }
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, op)| {
                read_operation(op, compat, report, &limits.filter)
                    .map_err(|e| e.with_context(format_args!("operation {}", i + 1)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PatchRequest { operations })
    }
}

fn read_operation(
    op: &Value,
    compat: &Compat,
    report: &mut CompatReport,
    limits: &FilterLimits,
) -> Result<PatchOperation> {
    let obj = op
        .as_object()
        .ok_or_else(|| Error::invalid_syntax("operation must be a JSON object"))?;
    let name = get_ci(obj, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid_syntax("operation needs an 'op' string"))?;
    let kind = read_op_name(name, compat, report)?;
    let raw_path = match get_ci(obj, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(Error::invalid_path("'path' must be a string")),
    };
    let path = match &raw_path {
        Some(p) => Some(
            super::parse_path(p, limits)
                .map_err(|e| e.with_context(format_args!("{kind} '{p}'")))?,
        ),
        None => None,
    };
    let value = match get_ci(obj, "value") {
        // A `replace` of a path with `null` sets it to unassigned, which RFC 7643 §2.5 makes
        // the same state as `null`: the attribute is removed. An `add` of `null` adds
        // nothing, and a path-less operation needs an object: both lack a value.
        Some(Value::Null) if kind == PatchOpKind::Replace && path.is_some() => Some(Value::Null),
        None | Some(Value::Null) => None,
        Some(v) => Some(v.clone()),
    };
    // Formatted only on error: parsing is on every PATCH's path.
    let context = || match &raw_path {
        Some(p) => format!("{kind} '{p}'"),
        None => kind.to_string(),
    };
    if kind == PatchOpKind::Remove && path.is_none() {
        return Err(Error::no_target("'remove' needs a 'path'").with_context(context()));
    }
    if kind != PatchOpKind::Remove && value.is_none() {
        return Err(
            Error::invalid_value(format!("'{kind}' needs a 'value'")).with_context(context())
        );
    }
    Ok(PatchOperation {
        op: kind,
        path,
        raw_path,
        value,
    })
}

fn read_op_name(name: &str, compat: &Compat, report: &mut CompatReport) -> Result<PatchOpKind> {
    let kind = match name {
        "add" => return Ok(PatchOpKind::Add),
        "remove" => return Ok(PatchOpKind::Remove),
        "replace" => return Ok(PatchOpKind::Replace),
        n if n.eq_ignore_ascii_case("add") => PatchOpKind::Add,
        n if n.eq_ignore_ascii_case("remove") => PatchOpKind::Remove,
        n if n.eq_ignore_ascii_case("replace") => PatchOpKind::Replace,
        n => {
            return Err(Error::invalid_syntax(format!(
                "unknown op '{n}' (expected add, remove or replace)"
            )))
        }
    };
    if !compat.enabled(CompatRule::PatchOpCase) {
        return Err(Error::invalid_syntax(format!(
            "op '{name}' must be lower-case '{kind}'"
        )));
    }
    report.fire(CompatRule::PatchOpCase);
    Ok(kind)
}

/// A member by exact name, else the first whose name matches case-insensitively.
pub(crate) fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}
