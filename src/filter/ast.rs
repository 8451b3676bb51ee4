//! The filter syntax tree (RFC 7644 §3.4.2.2).

use serde_json::Number;

use crate::path::AttrPath;

/// A parsed SCIM filter.
///
/// `And` and `Or` are n-ary and hold at least two operands: `a and b and c` is one `And`
/// of three. Parenthesised groups keep their own node, so `(a and b) and c` is an `And`
/// whose first operand is an `And`; this makes `Display` and parsing exact inverses.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Filter {
    /// `attrPath pr`.
    Present(AttrPath),
    /// `attrPath compareOp compValue`.
    Compare(AttrPath, CompareOp, CompValue),
    /// `attrPath "[" valFilter "]"`: all conditions hold on the same element.
    ValuePath(AttrPath, Box<Filter>),
    /// `not ( filter )`.
    Not(Box<Filter>),
    /// `filter and filter [and ...]` (two or more operands).
    And(Vec<Filter>),
    /// `filter or filter [or ...]` (two or more operands).
    Or(Vec<Filter>),
}

/// A comparison operator (RFC 7644 Table 3), `pr` excluded (see [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal.
    Ge,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// The operator's canonical (lower-case) keyword.
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }
}

/// A comparison value: a JSON literal (RFC 7644 §3.4.2.2 `compValue`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A JSON string (unescaped).
    String(String),
}
