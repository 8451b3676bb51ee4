//! Walking a [`Filter`]: a [`Visitor`] with default recursion, a [`Fold`] that builds a
//! result bottom-up (e.g. a SQL `WHERE` clause), and [`Filter::attr_paths`].
//!
//! # Example: compiling to SQL
//!
//! A store that keeps `userName` in a column can compile the filters it understands and
//! refuse the rest (then declaring [`Pushdown::None`](crate::store::Pushdown) for them):
//!
//! ```
//! use scimitar::filter::{CompValue, CompareOp, Filter, Fold};
//! use scimitar::AttrPath;
//!
//! struct Sql {
//!     params: Vec<String>,
//! }
//!
//! impl Fold for Sql {
//!     type Output = String;
//!     type Error = String;
//!
//!     fn present(&mut self, path: &AttrPath) -> Result<String, String> {
//!         Ok(format!("{} IS NOT NULL", column(path)?))
//!     }
//!     fn compare(
//!         &mut self,
//!         path: &AttrPath,
//!         op: CompareOp,
//!         value: &CompValue,
//!     ) -> Result<String, String> {
//!         let CompValue::String(s) = value else {
//!             return Err(format!("cannot push down {value}"));
//!         };
//!         self.params.push(s.to_lowercase());
//!         let n = self.params.len();
//!         // userName is not caseExact: compare lower-cased.
//!         match op {
//!             CompareOp::Eq => Ok(format!("lower({}) = ${n}", column(path)?)),
//!             CompareOp::Ne => Ok(format!("lower({}) IS DISTINCT FROM ${n}", column(path)?)),
//!             _ => Err(format!("cannot push down '{op}'")),
//!         }
//!     }
//!     fn value_path(&mut self, path: &AttrPath, _inner: String) -> Result<String, String> {
//!         Err(format!("cannot push down a value path on '{path}'"))
//!     }
//!     fn not(&mut self, inner: String) -> Result<String, String> {
//!         Ok(format!("NOT ({inner})"))
//!     }
//!     fn and(&mut self, operands: Vec<String>) -> Result<String, String> {
//!         Ok(format!("({})", operands.join(" AND ")))
//!     }
//!     fn or(&mut self, operands: Vec<String>) -> Result<String, String> {
//!         Ok(format!("({})", operands.join(" OR ")))
//!     }
//! }
//!
//! fn column(path: &AttrPath) -> Result<&'static str, String> {
//!     match (path.urn(), path.sub()) {
//!         (None, None) if path.name().eq_ignore_ascii_case("userName") => Ok("user_name"),
//!         _ => Err(format!("no column for '{path}'")),
//!     }
//! }
//!
//! // userName eq "BJensen" or not (userName pr)
//! let filter = Filter::Or(vec![
//!     Filter::Compare(
//!         AttrPath::attr("userName"),
//!         CompareOp::Eq,
//!         CompValue::String("BJensen".into()),
//!     ),
//!     Filter::Not(Box::new(Filter::Present(AttrPath::attr("userName")))),
//! ]);
//! let mut sql = Sql { params: Vec::new() };
//! let clause = filter.fold(&mut sql)?;
//! assert_eq!(clause, "(lower(user_name) = $1 OR NOT (user_name IS NOT NULL))");
//! assert_eq!(sql.params, ["bjensen"]);
//!
//! // Which attributes does a filter read? Value-path conditions come out qualified.
//! let paths: Vec<String> = filter.attr_paths().iter().map(ToString::to_string).collect();
//! assert_eq!(paths, ["userName"]);
//! # Ok::<(), String>(())
//! ```

use super::ast::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;

/// Visits the nodes of a filter. Every method has a default that recurses into children,
/// so an implementation overrides only what it cares about.
pub trait Visitor {
    /// Any node; the default dispatches to the node-specific method ([`walk_filter`]).
    fn visit_filter(&mut self, filter: &Filter) {
        walk_filter(self, filter);
    }
    /// `path pr`.
    fn visit_present(&mut self, path: &AttrPath) {
        let _ = path;
    }
    /// `path op value`. Inside a value path, `path` is relative to the element.
    fn visit_compare(&mut self, path: &AttrPath, op: CompareOp, value: &CompValue) {
        let _ = (path, op, value);
    }
    /// `path[inner]`; the default visits `inner`.
    fn visit_value_path(&mut self, path: &AttrPath, inner: &Filter) {
        let _ = path;
        self.visit_filter(inner);
    }
    /// `not (inner)`; the default visits `inner`.
    fn visit_not(&mut self, inner: &Filter) {
        self.visit_filter(inner);
    }
    /// `a and b ...`; the default visits each operand.
    fn visit_and(&mut self, operands: &[Filter]) {
        for o in operands {
            self.visit_filter(o);
        }
    }
    /// `a or b ...`; the default visits each operand.
    fn visit_or(&mut self, operands: &[Filter]) {
        for o in operands {
            self.visit_filter(o);
        }
    }
}

/// Calls the [`Visitor`] method for `filter`'s node kind.
pub fn walk_filter<V: Visitor + ?Sized>(visitor: &mut V, filter: &Filter) {
    match filter {
        Filter::Present(path) => visitor.visit_present(path),
        Filter::Compare(path, op, value) => visitor.visit_compare(path, *op, value),
        Filter::ValuePath(path, inner) => visitor.visit_value_path(path, inner),
        Filter::Not(inner) => visitor.visit_not(inner),
        Filter::And(ops) => visitor.visit_and(ops),
        Filter::Or(ops) => visitor.visit_or(ops),
    }
}

/// Builds a value from a filter bottom-up, e.g. a SQL condition. Any method may fail,
/// which stops the fold (e.g. "this operator cannot be pushed down").
pub trait Fold {
    /// What each node becomes.
    type Output;
    /// Why a node could not be folded.
    type Error;

    /// `path pr`.
    fn present(&mut self, path: &AttrPath) -> Result<Self::Output, Self::Error>;
    /// `path op value`. Inside a value path, `path` is relative to the element.
    fn compare(
        &mut self,
        path: &AttrPath,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<Self::Output, Self::Error>;
    /// Called before the condition of `path[...]` is folded, e.g. to switch the context to
    /// the elements of `path`. The default does nothing.
    fn enter_value_path(&mut self, path: &AttrPath) -> Result<(), Self::Error> {
        let _ = path;
        Ok(())
    }
    /// `path[inner]`, with `inner` already folded.
    fn value_path(
        &mut self,
        path: &AttrPath,
        inner: Self::Output,
    ) -> Result<Self::Output, Self::Error>;
    /// `not (inner)`.
    fn not(&mut self, inner: Self::Output) -> Result<Self::Output, Self::Error>;
    /// `a and b ...` (two or more operands).
    fn and(&mut self, operands: Vec<Self::Output>) -> Result<Self::Output, Self::Error>;
    /// `a or b ...` (two or more operands).
    fn or(&mut self, operands: Vec<Self::Output>) -> Result<Self::Output, Self::Error>;
}

impl Filter {
    /// Walks this filter with `visitor` (see [`Visitor`]).
    pub fn visit<V: Visitor + ?Sized>(&self, visitor: &mut V) {
        visitor.visit_filter(self);
    }

    /// Folds this filter bottom-up with `folder` (see [`Fold`]).
    ///
    /// # Errors
    ///
    /// The first error a `folder` method returns.
    pub fn fold<F: Fold + ?Sized>(&self, folder: &mut F) -> Result<F::Output, F::Error> {
        match self {
            Filter::Present(path) => folder.present(path),
            Filter::Compare(path, op, value) => folder.compare(path, *op, value),
            Filter::ValuePath(path, inner) => {
                folder.enter_value_path(path)?;
                let inner = inner.fold(folder)?;
                folder.value_path(path, inner)
            }
            Filter::Not(inner) => {
                let inner = inner.fold(folder)?;
                folder.not(inner)
            }
            Filter::And(ops) => {
                let ops = ops
                    .iter()
                    .map(|o| o.fold(folder))
                    .collect::<Result<_, _>>()?;
                folder.and(ops)
            }
            Filter::Or(ops) => {
                let ops = ops
                    .iter()
                    .map(|o| o.fold(folder))
                    .collect::<Result<_, _>>()?;
                folder.or(ops)
            }
        }
    }

    /// The attribute paths this filter reads, each once (compared case-insensitively), in
    /// order of first use. Paths inside a value path are qualified with its attribute:
    /// `emails[type eq "work"]` reads `emails.type`.
    pub fn attr_paths(&self) -> Vec<AttrPath> {
        struct Collect {
            parent: Option<AttrPath>,
            paths: Vec<AttrPath>,
        }
        impl Collect {
            fn add(&mut self, path: &AttrPath) {
                let full = match &self.parent {
                    Some(p) if path.urn().is_none() && path.sub().is_none() => {
                        p.clone().with_sub(Some(path.name().to_owned()))
                    }
                    _ => path.clone(),
                };
                if !self.paths.iter().any(|p| p.eq_ignore_case(&full)) {
                    self.paths.push(full);
                }
            }
        }
        impl Visitor for Collect {
            fn visit_present(&mut self, path: &AttrPath) {
                self.add(path);
            }
            fn visit_compare(&mut self, path: &AttrPath, _: CompareOp, _: &CompValue) {
                self.add(path);
            }
            fn visit_value_path(&mut self, path: &AttrPath, inner: &Filter) {
                let outer = self.parent.replace(path.clone());
                self.visit_filter(inner);
                self.parent = outer;
            }
        }
        let mut c = Collect {
            parent: None,
            paths: Vec::new(),
        };
        self.visit(&mut c);
        c.paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(name: &str, v: &str) -> Filter {
        Filter::Compare(
            AttrPath::attr(name),
            CompareOp::Eq,
            CompValue::String(v.into()),
        )
    }

    #[test]
    fn attr_paths_qualifies_value_path_conditions_and_dedups() {
        let f = Filter::And(vec![
            cmp("userType", "Employee"),
            Filter::ValuePath(
                AttrPath::attr("emails"),
                Box::new(Filter::And(vec![cmp("type", "work"), cmp("value", "x")])),
            ),
            Filter::Not(Box::new(cmp("USERTYPE", "Intern"))),
        ]);
        let paths: Vec<String> = f.attr_paths().iter().map(ToString::to_string).collect();
        assert_eq!(paths, ["userType", "emails.type", "emails.value"]);
    }

    #[test]
    fn visitor_counts_leaves() {
        struct Count(usize);
        impl Visitor for Count {
            fn visit_compare(&mut self, _: &AttrPath, _: CompareOp, _: &CompValue) {
                self.0 += 1;
            }
        }
        let f = Filter::Or(vec![cmp("a", "1"), Filter::Not(Box::new(cmp("b", "2")))]);
        let mut c = Count(0);
        f.visit(&mut c);
        assert_eq!(c.0, 2);
    }
}
