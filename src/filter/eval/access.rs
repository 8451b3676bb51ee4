//! How the evaluator reads values: a small read-only abstraction over a resource
//! representation, so that one executor (`exec.rs`) with one set of comparison rules
//! (`compare.rs`) serves both `serde_json` values and the in-memory store's compact
//! buffers.
//!
//! A representation provides:
//! - values ([`Val`]): each is null, a boolean, a number, a string, an array or an object;
//! - objects ([`Obj`]): members by [`Name`] and a walk over member values;
//! - the resource itself ([`Target`]): its attribute object, `id` and `meta`.

// Without the in-memory store, only the serde_json representation is used.
#![cfg_attr(not(feature = "memory"), allow(dead_code, unused_imports))]

use serde_json::{Map, Number, Value};

pub(crate) use super::view::stored_meta;
use super::view::{MetaAttr, MetaValue, ResourceView};

/// An attribute name a bound filter reads, with its position in the filter's name list
/// ([`BoundFilter::names`](super::BoundFilter::names)), so that a representation that
/// keys members by something other than text (interned indexes) can resolve each name
/// once per scan rather than once per resource.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    text: Box<str>,
    slot: usize,
}

impl Name {
    pub(super) fn new(text: &str, slot: usize) -> Name {
        Name {
            text: text.into(),
            slot,
        }
    }

    /// The member name, exactly as stored (canonical spelling).
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The name's index in the filter's name list.
    pub(crate) fn slot(&self) -> usize {
        self.slot
    }
}

/// A JSON number as stored: the same three kinds as `serde_json::Number`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NumVal {
    /// A non-negative integer.
    U(u64),
    /// A negative integer.
    I(i64),
    /// Anything else.
    F(f64),
}

impl NumVal {
    /// As `serde_json::Number::as_i64`.
    pub(super) fn as_i64(self) -> Option<i64> {
        match self {
            NumVal::U(u) => i64::try_from(u).ok(),
            NumVal::I(i) => Some(i),
            NumVal::F(_) => None,
        }
    }

    /// As `serde_json::Number::as_f64`.
    pub(super) fn as_f64(self) -> Option<f64> {
        match self {
            NumVal::U(u) => Some(u as f64),
            NumVal::I(i) => Some(i as f64),
            NumVal::F(f) => Some(f),
        }
    }

    fn of(n: &Number) -> NumVal {
        if let Some(u) = n.as_u64() {
            NumVal::U(u)
        } else if let Some(i) = n.as_i64() {
            NumVal::I(i)
        } else {
            NumVal::F(n.as_f64().unwrap_or(f64::NAN))
        }
    }
}

/// A string value: text, or bytes that hold UTF-8 text but have not been checked (a
/// representation that stores strings as bytes need not validate them unless a
/// comparison needs characters).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Text<'a> {
    Str(&'a str),
    Utf8(&'a [u8]),
    /// Bytes kept decoded whose text is their standard, padded base64 (RFC 4648 §4).
    /// [`bytes`](Text::bytes) and [`to_str`](Text::to_str) give the raw bytes, which
    /// tell only emptiness; comparisons use [`expand`](Text::expand) first.
    Base64(&'a [u8]),
}

impl<'a> Text<'a> {
    /// The bytes (UTF-8).
    #[inline]
    pub(super) fn bytes(self) -> &'a [u8] {
        match self {
            Text::Str(s) => s.as_bytes(),
            Text::Utf8(b) | Text::Base64(b) => b,
        }
    }

    /// The text; `None` for bytes that are not UTF-8 (a corrupt store).
    pub(super) fn to_str(self) -> Option<&'a str> {
        match self {
            Text::Str(s) => Some(s),
            Text::Utf8(b) | Text::Base64(b) => std::str::from_utf8(b).ok(),
        }
    }

    /// The text of a value kept in another form than its text ([`Text::Base64`]);
    /// `None` when [`bytes`](Text::bytes) already are the text.
    pub(super) fn expand(self) -> Option<String> {
        match self {
            Text::Base64(b) => Some(crate::base64::base64_encode(b)),
            Text::Str(_) | Text::Utf8(_) => None,
        }
    }
}

/// What a value is.
pub(crate) enum Shape<'r, V: Val<'r>> {
    Null,
    Bool(bool),
    Num(NumVal),
    Str(Text<'r>),
    Arr(V::Items),
    Obj(V::Obj),
}

/// One value of a resource representation.
pub(crate) trait Val<'r>: Copy {
    /// Its objects.
    type Obj: Obj<'r, Val = Self>;
    /// The elements of one of its arrays.
    type Items: Iterator<Item = Self>;

    /// What the value is.
    fn shape(self) -> Shape<'r, Self>;
}

/// One object of a resource representation.
pub(crate) trait Obj<'r>: Copy {
    /// Its member values.
    type Val: Val<'r, Obj = Self>;

    /// The member called `name` (exactly).
    fn get(self, name: &Name) -> Option<Self::Val>;

    /// Whether `f` holds for any member value.
    fn any_value(self, f: impl FnMut(Self::Val) -> bool) -> bool;
}

/// A resource as the executor reads it.
pub(crate) trait Target<'r>: Copy {
    /// Its values.
    type Val: Val<'r>;

    /// The canonical attributes (core at the top level, extensions under their URN).
    fn attrs(self) -> <Self::Val as Val<'r>>::Obj;

    /// The resource id.
    fn id(self) -> Option<&'r str>;

    /// A `meta` sub-attribute (see [`ResourceView::meta`]).
    fn meta(self, attr: MetaAttr) -> Option<MetaValue<'r>>;
}

/// `map.get(key)`, tuned for the small maps of a resource.
///
/// A map lookup hashes the key or compares it with several stored keys, each of which
/// is a separately allocated string: over many resources that is a cache miss per key.
/// Small maps are scanned instead, reading only the keys of the right length.
#[inline]
fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() > 32 {
        return map.get(key);
    }
    map.iter()
        .find(|(k, _)| k.len() == key.len() && k.as_str() == key)
        .map(|(_, v)| v)
}

impl<'r> Val<'r> for &'r Value {
    type Obj = &'r Map<String, Value>;
    type Items = std::slice::Iter<'r, Value>;

    #[inline]
    fn shape(self) -> Shape<'r, Self> {
        match self {
            Value::Null => Shape::Null,
            Value::Bool(b) => Shape::Bool(*b),
            Value::Number(n) => Shape::Num(NumVal::of(n)),
            Value::String(s) => Shape::Str(Text::Str(s)),
            Value::Array(a) => Shape::Arr(a.iter()),
            Value::Object(o) => Shape::Obj(o),
        }
    }
}

impl<'r> Obj<'r> for &'r Map<String, Value> {
    type Val = &'r Value;

    #[inline]
    fn get(self, name: &Name) -> Option<&'r Value> {
        lookup(self, name.text())
    }

    fn any_value(self, f: impl FnMut(&'r Value) -> bool) -> bool {
        self.values().any(f)
    }
}

impl<'r, V: ResourceView + ?Sized> Target<'r> for &'r V {
    type Val = &'r Value;

    fn attrs(self) -> &'r Map<String, Value> {
        <V as ResourceView>::attributes(self)
    }

    fn id(self) -> Option<&'r str> {
        <V as ResourceView>::id(self)
    }

    fn meta(self, attr: MetaAttr) -> Option<MetaValue<'r>> {
        <V as ResourceView>::meta(self, attr)
    }
}
