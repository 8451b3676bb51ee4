//! Reading a compact buffer in place for the filter evaluator: cursors that implement
//! the evaluator's value access ([`Val`], [`Obj`], [`Target`]), so that a list scan tests
//! each stored resource without expanding it into a `serde_json::Map` first.
//!
//! Member names are interned indexes here: a bound filter's names are resolved to
//! indexes once per scan ([`Keys`]), after which finding a member is a walk over the
//! buffer comparing small integers. Every read is checked; a corrupt buffer reads as
//! missing values, never a panic.

use std::sync::PoisonError;

use time::OffsetDateTime;

use super::{names, CObj, Reader, ARR, FALSE, FLOAT, NEG_INT, NULL, OBJ, POS_INT, STR, TRUE};
use crate::filter::eval_access::{stored_meta, Name, NumVal, Obj, Shape, Target, Val};
use crate::filter::{BoundFilter, MetaAttr, MetaValue};

/// A bound filter's member names ([`BoundFilter::names`]) as interned indexes; `None`
/// for a name no stored resource has ever used (so no resource has that member).
#[derive(Debug, Clone, Default)]
pub(crate) struct Keys(Vec<Option<u64>>);

impl Keys {
    /// Resolves the names of `filter` (one lock of the name table).
    pub(crate) fn of(filter: &BoundFilter) -> Keys {
        let table = names().read().unwrap_or_else(PoisonError::into_inner);
        Keys(
            filter
                .names()
                .iter()
                .map(|n| table.index.get(&**n).map(|i| u64::from(*i)))
                .collect(),
        )
    }

    fn get(&self, name: &Name) -> Option<u64> {
        self.0.get(name.slot()).copied().flatten()
    }
}

/// A value: the position of its tag.
#[derive(Clone, Copy)]
pub(crate) struct CVal<'r> {
    buf: &'r [u8],
    pos: usize,
    keys: &'r Keys,
}

/// An object: the position of its member count.
#[derive(Clone, Copy)]
pub(crate) struct CObjRef<'r> {
    buf: &'r [u8],
    pos: usize,
    keys: &'r Keys,
}

/// The elements of an array.
pub(crate) struct CItems<'r> {
    buf: &'r [u8],
    pos: usize,
    left: u64,
    keys: &'r Keys,
}

impl<'r> CObj {
    /// The stored object as a cursor, with member names resolved by `keys`.
    pub(crate) fn cursor(&'r self, keys: &'r Keys) -> CObjRef<'r> {
        CObjRef {
            buf: &self.0,
            pos: 0,
            keys,
        }
    }
}

impl<'r> Val<'r> for CVal<'r> {
    type Obj = CObjRef<'r>;
    type Items = CItems<'r>;

    fn shape(self) -> Shape<'r, Self> {
        let mut r = Reader {
            buf: self.buf,
            pos: self.pos,
        };
        let num = |b: Option<[u8; 8]>, f: fn([u8; 8]) -> NumVal| b.map_or(Shape::Null, |b| Shape::Num(f(b)));
        match r.byte() {
            Some(FALSE) => Shape::Bool(false),
            Some(TRUE) => Shape::Bool(true),
            Some(POS_INT) => num(r.eight(), |b| NumVal::U(u64::from_le_bytes(b))),
            Some(NEG_INT) => num(r.eight(), |b| NumVal::I(i64::from_le_bytes(b))),
            Some(FLOAT) => num(r.eight(), |b| NumVal::F(f64::from_le_bytes(b))),
            Some(STR) => r.str().map_or(Shape::Null, Shape::Str),
            Some(ARR) => match r.varint() {
                Some(left) => Shape::Arr(CItems {
                    buf: self.buf,
                    pos: r.pos,
                    left,
                    keys: self.keys,
                }),
                None => Shape::Null,
            },
            Some(OBJ) => Shape::Obj(CObjRef {
                buf: self.buf,
                pos: r.pos,
                keys: self.keys,
            }),
            // NULL, an unknown tag or the end of the buffer.
            Some(NULL | _) | None => Shape::Null,
        }
    }

    fn is_null(self) -> bool {
        self.buf.get(self.pos).map_or(true, |t| *t == NULL)
    }
}

impl<'r> Iterator for CItems<'r> {
    type Item = CVal<'r>;

    fn next(&mut self) -> Option<CVal<'r>> {
        self.left = self.left.checked_sub(1)?;
        let item = CVal {
            buf: self.buf,
            pos: self.pos,
            keys: self.keys,
        };
        let mut r = Reader {
            buf: self.buf,
            pos: self.pos,
        };
        match r.skip() {
            Some(()) => self.pos = r.pos,
            // Corrupt: this element is the last one read.
            None => self.left = 0,
        }
        Some(item)
    }
}

impl<'r> CObjRef<'r> {
    /// Calls `f` with each member's key and value until it returns `Some`.
    fn find<R>(self, mut f: impl FnMut(u64, CVal<'r>) -> Option<R>) -> Option<R> {
        let mut r = Reader {
            buf: self.buf,
            pos: self.pos,
        };
        let n = r.varint()?;
        for _ in 0..n {
            let k = r.varint()?;
            let v = CVal {
                buf: self.buf,
                pos: r.pos,
                keys: self.keys,
            };
            if let Some(found) = f(k, v) {
                return Some(found);
            }
            r.skip()?;
        }
        None
    }
}

impl<'r> Obj<'r> for CObjRef<'r> {
    type Val = CVal<'r>;

    fn get(self, name: &Name) -> Option<CVal<'r>> {
        let want = self.keys.get(name)?;
        self.find(|k, v| (k == want).then_some(v))
    }

    fn any_value(self, mut f: impl FnMut(CVal<'r>) -> bool) -> bool {
        self.find(|_, v| f(v).then_some(())).is_some()
    }
}

/// A stored resource as the evaluator reads it: attributes from the compact buffer,
/// `id` and `meta` from the record.
#[derive(Clone, Copy)]
pub(crate) struct CompactResource<'r> {
    pub(crate) attrs: &'r CObj,
    pub(crate) id: &'r str,
    pub(crate) created: OffsetDateTime,
    pub(crate) last_modified: OffsetDateTime,
    pub(crate) version: u64,
    pub(crate) keys: &'r Keys,
}

impl<'r> Target<'r> for CompactResource<'r> {
    type Val = CVal<'r>;

    fn attrs(self) -> CObjRef<'r> {
        self.attrs.cursor(self.keys)
    }

    fn id(self) -> Option<&'r str> {
        Some(self.id)
    }

    fn meta(self, attr: MetaAttr) -> Option<MetaValue<'r>> {
        stored_meta(attr, self.created, self.last_modified, self.version)
    }
}
