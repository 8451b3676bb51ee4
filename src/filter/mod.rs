//! The SCIM filter language (RFC 7644 §3.4.2.2): syntax tree, parser, canonical
//! `Display` and a schema-aware evaluator.
//!
//! Parse with `str::parse` (default [`FilterLimits`]) or [`Filter::parse_with`]:
//!
//! ```
//! use scimitar::filter::{CompValue, CompareOp, Filter};
//! use scimitar::AttrPath;
//!
//! # fn main() -> Result<(), scimitar::filter::FilterError> {
//! let f: Filter = r#"userName Eq "bjensen""#.parse()?;
//! assert_eq!(
//!     f,
//!     Filter::Compare(AttrPath::attr("userName"), CompareOp::Eq, CompValue::String("bjensen".into()))
//! );
//! assert_eq!(f.to_string(), r#"userName eq "bjensen""#);
//! # Ok(())
//! # }
//! ```
//!
//! Accepted beyond the RFC 7644 ABNF (all harmless, all seen in practice):
//! - any run of spaces, tabs, CR or LF where the ABNF has one `SP`, and whitespace around
//!   parentheses and brackets; keywords and operators in any case;
//! - `not (` with a space (erratum 7319; the RFC's own examples use it);
//! - `$ref` as an attribute name;
//! - `attr[filter].sub op value` (sent by Entra ID), read as
//!   `attr[filter and sub op value]`; `Display` prints that canonical form.
//!
//! # Untrusted input
//!
//! Filters come from the network. Parsing is linear in the input (each group is parsed
//! once, with one byte of look-ahead) and bounded by [`FilterLimits`]: at most 8 KiB of
//! text, 64 levels of `( )` / `not ( )` / `[ ]` nesting (checked while parsing, so deep
//! input cannot exhaust the stack) and 1000 attribute expressions by default. Exceeding a
//! limit is a [`FilterError`], i.e. 400 `invalidFilter`.
//!
//! Not accepted: nested brackets (`emails[type eq "a" and ims[...]]`), unquoted string
//! values, and `True`/`NULL` (JSON literals are lower-case).
//!
//! # Evaluation
//!
//! [`Filter::bind`] resolves a filter against a tenant's [`SchemaSet`](crate::schema::SchemaSet)
//! once (type checks are 400 `invalidFilter` up front); [`BoundFilter::matches`] then tests
//! any [`ResourceView`]: a stored [`Resource`](crate::store::Resource) or a rendered JSON
//! object. [`ElementFilter`] tests single elements of a multi-valued attribute (PATCH
//! value paths). The matching rules are listed on [`BoundFilter`].
//!
//! # Compiling filters
//!
//! Stores that translate filters (e.g. to SQL) walk the public syntax tree with a
//! [`Visitor`] or a [`Fold`]; [`Filter::attr_paths`] lists the attributes a filter reads.

mod ast;
mod display;
mod error;
mod eval;
#[cfg(feature = "memory")]
pub(crate) use eval::access as eval_access;
mod limits;
mod parser;
mod visit;

pub use ast::{CompValue, CompareOp, Filter};
pub use error::{FilterError, FilterErrorKind, PathError};
pub use eval::{
    matches, BoundFilter, ElementFilter, EvalOptions, MetaAttr, MetaValue, ResourceView,
};
pub use limits::FilterLimits;
pub use visit::{walk_filter, Fold, Visitor};
