//! Attribute locations for error details, built without allocating (they are only
//! formatted when something is wrong, and a group may have 100,000 members).

use std::fmt;

/// Where a value sits: `userName`, `urn:...:User:manager`, `emails[1]`, `emails[1].value`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Loc<'a> {
    /// A core or common attribute.
    Attr(&'a str),
    /// An extension attribute: (URN, name).
    Ext(&'a str, &'a str),
    /// An element of a multi-valued attribute.
    Index(&'a Loc<'a>, usize),
    /// A sub-attribute.
    Sub(&'a Loc<'a>, &'a str),
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loc::Attr(name) => f.write_str(name),
            Loc::Ext(urn, name) => write!(f, "{urn}:{name}"),
            Loc::Index(parent, i) => write!(f, "{parent}[{i}]"),
            Loc::Sub(parent, name) => write!(f, "{parent}.{name}"),
        }
    }
}
