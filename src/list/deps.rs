//! The list code's use of the filter parser and evaluator, in one place, with the error
//! kinds RFC 7644 asks for in query parameters.

use crate::error::Error;
use crate::filter::{BoundFilter, EvalOptions, Filter, FilterLimits};
use crate::path::AttrPath;
use crate::schema::SchemaSet;

/// Parses a filter; syntax errors and exceeded limits are `400 invalidFilter` with the
/// byte offset.
pub(crate) fn parse_filter(text: &str, limits: &FilterLimits) -> Result<Filter, Error> {
    Filter::parse_with(text, limits).map_err(|e| {
        Error::invalid_filter(format!("'filter': {} at byte {}", e.message(), e.offset()))
    })
}

/// Parses `[URI ":"] ATTRNAME ["." ATTRNAME]` (RFC 7644 §3.10). In a query parameter a
/// bad path is the client's value, so `400 invalidValue` naming the parameter (not
/// `invalidPath`, which RFC 7644 reserves for PATCH).
pub(crate) fn parse_attr_path(text: &str, param: &str) -> Result<AttrPath, Error> {
    text.parse::<AttrPath>().map_err(|e| {
        Error::invalid_value(format!(
            "'{text}' in '{param}' is not an attribute path: {} at byte {}",
            e.message(),
            e.offset()
        ))
    })
}

/// Binds a filter for in-memory evaluation: unknown attributes match nothing (RFC 7644
/// §3.4.2.1), operator/type misuse is `400 invalidFilter`.
pub(crate) fn bind_filter(filter: &Filter, schemas: &SchemaSet) -> Result<BoundFilter, Error> {
    filter.bind(schemas, EvalOptions::default())
}
