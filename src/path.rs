//! Attribute paths (`urn:...:attr.sub`) and PATCH paths (`emails[type eq "work"].value`),
//! shared by the filter, PATCH, sort and projection code.
//!
//! Paths keep the spelling the client used; matching against the schema is
//! case-insensitive (RFC 7644 §3.10). Parsing lives with the filter grammar
//! (`impl FromStr` for both types is in [`crate::filter`]).

use std::fmt;

use crate::filter::Filter;

/// An attribute path: an optional schema URN, an attribute name and an optional
/// sub-attribute name (RFC 7644 §3.4.2.2 `attrPath`).
///
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` has
/// `urn = Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")`,
/// `name = "manager"` and `sub = Some("value")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    urn: Option<String>,
    name: String,
    sub: Option<String>,
}

impl AttrPath {
    /// A path from its parts. The parts are taken as given; use `str::parse` to validate
    /// client input.
    pub fn new(urn: Option<String>, name: impl Into<String>, sub: Option<String>) -> Self {
        AttrPath {
            urn,
            name: name.into(),
            sub,
        }
    }

    /// A path naming a top-level attribute of the core schema.
    pub fn attr(name: impl Into<String>) -> Self {
        Self::new(None, name, None)
    }

    /// The schema URN prefix, if the path was qualified.
    pub fn urn(&self) -> Option<&str> {
        self.urn.as_deref()
    }
    /// The attribute name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The sub-attribute name, if any.
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// The same path with `sub` as its sub-attribute.
    pub fn with_sub(mut self, sub: Option<String>) -> Self {
        self.sub = sub;
        self
    }

    /// Compares two paths the way SCIM does: names and URNs case-insensitively.
    pub fn eq_ignore_case(&self, other: &AttrPath) -> bool {
        fn opt_eq(a: Option<&str>, b: Option<&str>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (None, None) => true,
                _ => false,
            }
        }
        opt_eq(self.urn(), other.urn())
            && self.name.eq_ignore_ascii_case(&other.name)
            && opt_eq(self.sub(), other.sub())
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// The target of a PATCH operation (RFC 7644 §3.5.2 `PATH`): an attribute path, or a value
/// path selecting elements of a multi-valued attribute, optionally followed by a
/// sub-attribute (`emails[type eq "work"].value`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PatchPath {
    /// `attrPath`, e.g. `name.givenName` or `members`.
    Attr(AttrPath),
    /// `valuePath [ "." subAttr ]`, e.g. `members[value eq "2819c223"]`.
    Value {
        /// The multi-valued attribute (without sub-attribute).
        attr: AttrPath,
        /// The element filter, with paths relative to the element.
        filter: Filter,
        /// The sub-attribute of the selected elements, if any.
        sub: Option<String>,
    },
}

impl PatchPath {
    /// The attribute the path starts at (for a value path, the multi-valued attribute).
    pub fn attr(&self) -> &AttrPath {
        match self {
            PatchPath::Attr(a) => a,
            PatchPath::Value { attr, .. } => attr,
        }
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchPath::Attr(a) => a.fmt(f),
            PatchPath::Value { attr, filter, sub } => {
                write!(f, "{attr}[{filter}]")?;
                if let Some(sub) = sub {
                    write!(f, ".{sub}")?;
                }
                Ok(())
            }
        }
    }
}
