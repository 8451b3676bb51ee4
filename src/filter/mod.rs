//! The SCIM filter language (RFC 7644 §3.4.2.2): syntax tree, parser, canonical
//! `Display` and a schema-aware evaluator.

mod ast;
mod display;
mod eval;
mod visit;

pub use ast::{CompValue, CompareOp, Filter};
pub use eval::{
    matches, BoundFilter, ElementFilter, EvalOptions, MetaAttr, MetaValue, ResourceView,
};
pub use visit::{walk_filter, Fold, Visitor};
