//! The SCIM filter language (RFC 7644 §3.4.2.2): syntax tree, parser, canonical
//! `Display` and a schema-aware evaluator.

mod ast;
mod display;

pub use ast::{CompValue, CompareOp, Filter};
