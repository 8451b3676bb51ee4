//! A compact encoding of stored attributes: one byte buffer per resource.
//!
//! A `serde_json::Map` costs an allocation per object, string and array plus per-entry
//! overhead, several KiB for a typical user. Stored resources are never mutated in place
//! (every write replaces them), so they are kept as a single tagged byte buffer with
//! attribute names replaced by indexes into a process-wide name table, close to the size
//! of the values alone, and expanded into a fresh map on read.
//!
//! Long base64 text below the top level (e.g. `x509Certificates.value`, type `binary`) is
//! stored decoded under its own tag, [`B64`], 25% smaller; see there for the exact rule.
//!
//! The name table only grows; it holds attribute names, which come from schema-validated
//! canonical attributes, so it stays small.

mod cursor;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use serde_json::{Map, Number, Value};

pub(crate) use self::cursor::{CompactResource, Keys};

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const POS_INT: u8 = 3;
const NEG_INT: u8 = 4;
const FLOAT: u8 = 5;
const STR: u8 = 6;
const ARR: u8 = 7;
const OBJ: u8 = 8;
/// A string stored as the bytes it encodes in standard, padded base64 (RFC 4648 §4):
/// tag, varint byte count, bytes. Reading re-encodes them, which gives back the very
/// same text: a string gets this tag only when it is at least [`B64_MIN`] characters
/// long, nested in an object or array (never a top-level member, so `get_str` and the
/// indexes only ever see [`STR`]), and encoding its decoded bytes reproduces it exactly;
/// every other string keeps [`STR`]. Readers must treat it as a string, like [`STR`].
const B64: u8 = 9;
/// The shortest string considered for [`B64`].
const B64_MIN: usize = 64;

#[derive(Default)]
struct Names {
    names: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

fn names() -> &'static RwLock<Names> {
    static NAMES: OnceLock<RwLock<Names>> = OnceLock::new();
    NAMES.get_or_init(RwLock::default)
}

fn name_index(name: &str) -> u32 {
    if let Some(i) = names()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .index
        .get(name)
    {
        return *i;
    }
    let mut table = names().write().unwrap_or_else(PoisonError::into_inner);
    if let Some(i) = table.index.get(name) {
        return *i;
    }
    let i = u32::try_from(table.names.len()).unwrap_or(u32::MAX);
    let key: Arc<str> = Arc::from(name);
    table.names.push(Arc::clone(&key));
    table.index.insert(key, i);
    i
}

fn lookup_index(name: &str) -> Option<u32> {
    names()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .index
        .get(name)
        .copied()
}

/// A stored JSON object (the encoded entries).
#[derive(Debug, Clone, Default)]
pub(crate) struct CObj(Box<[u8]>);

impl CObj {
    /// Encodes a map (consuming it).
    pub(crate) fn from_map(map: Map<String, Value>) -> Self {
        let mut buf = Vec::with_capacity(256);
        write_object(&mut buf, map, false);
        CObj(buf.into_boxed_slice())
    }

    /// Expands into a fresh map.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let table = names().read().unwrap_or_else(PoisonError::into_inner);
        let mut r = Reader {
            buf: &self.0,
            pos: 0,
        };
        r.object(&table).unwrap_or_default()
    }

    /// The string value of a top-level member (exact name), if it is a string.
    pub(crate) fn get_str(&self, key: &str) -> Option<&str> {
        let want = u64::from(lookup_index(key)?);
        let mut r = Reader {
            buf: &self.0,
            pos: 0,
        };
        let n = r.varint()?;
        for _ in 0..n {
            let k = r.varint()?;
            if k == want {
                return match r.byte()? {
                    STR => r.str(),
                    _ => None,
                };
            }
            r.skip()?;
        }
        None
    }
}

fn write_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn write_object(buf: &mut Vec<u8>, map: Map<String, Value>, nested: bool) {
    write_varint(buf, map.len() as u64);
    for (k, v) in map {
        write_varint(buf, u64::from(name_index(&k)));
        write_value(buf, v, nested);
    }
}

/// Writes `v`; `nested` is false for the members of the top-level object.
fn write_value(buf: &mut Vec<u8>, v: Value, nested: bool) {
    match v {
        Value::Null => buf.push(NULL),
        Value::Bool(false) => buf.push(FALSE),
        Value::Bool(true) => buf.push(TRUE),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                buf.push(POS_INT);
                buf.extend_from_slice(&u.to_le_bytes());
            } else if let Some(i) = n.as_i64() {
                buf.push(NEG_INT);
                buf.extend_from_slice(&i.to_le_bytes());
            } else {
                buf.push(FLOAT);
                buf.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
            }
        }
        Value::String(s) if nested && s.len() >= B64_MIN => match base64_decode(&s) {
            Some(bytes) => {
                buf.push(B64);
                write_varint(buf, bytes.len() as u64);
                buf.extend_from_slice(&bytes);
            }
            None => {
                buf.push(STR);
                write_varint(buf, s.len() as u64);
                buf.extend_from_slice(s.as_bytes());
            }
        },
        Value::String(s) => {
            buf.push(STR);
            write_varint(buf, s.len() as u64);
            buf.extend_from_slice(s.as_bytes());
        }
        Value::Array(a) => {
            buf.push(ARR);
            write_varint(buf, a.len() as u64);
            for x in a {
                write_value(buf, x, true);
            }
        }
        Value::Object(m) => {
            buf.push(OBJ);
            write_object(buf, m, true);
        }
    }
}

use crate::base64::{base64_decode, base64_encode};

/// Decodes what the writer above produced. Every read is checked, so a corrupt buffer
/// yields `None` rather than a panic.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    #[inline]
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    #[inline]
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }

    #[inline]
    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.varint()?).ok()
    }

    #[inline]
    fn eight(&mut self) -> Option<[u8; 8]> {
        self.bytes(8)?.try_into().ok()
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        std::str::from_utf8(self.bytes(n)?).ok()
    }

    fn object(&mut self, table: &Names) -> Option<Map<String, Value>> {
        let n = self.len()?;
        let mut map = Map::with_capacity(n);
        for _ in 0..n {
            let k = usize::try_from(self.varint()?).ok()?;
            let name = table.names.get(k)?;
            let v = self.value(table)?;
            map.insert(String::from(&**name), v);
        }
        Some(map)
    }

    fn value(&mut self, table: &Names) -> Option<Value> {
        Some(match self.byte()? {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            POS_INT => Value::Number(u64::from_le_bytes(self.eight()?).into()),
            NEG_INT => Value::Number(i64::from_le_bytes(self.eight()?).into()),
            FLOAT => Value::Number(Number::from_f64(f64::from_le_bytes(self.eight()?))?),
            STR => Value::String(self.str()?.to_string()),
            B64 => {
                let n = self.len()?;
                Value::String(base64_encode(self.bytes(n)?))
            }
            ARR => {
                let n = self.len()?;
                let mut a = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    a.push(self.value(table)?);
                }
                Value::Array(a)
            }
            OBJ => Value::Object(self.object(table)?),
            _ => return None,
        })
    }

    fn skip(&mut self) -> Option<()> {
        match self.byte()? {
            NULL | FALSE | TRUE => {}
            POS_INT | NEG_INT | FLOAT => {
                self.bytes(8)?;
            }
            STR | B64 => {
                let n = self.len()?;
                self.bytes(n)?;
            }
            ARR => {
                for _ in 0..self.varint()? {
                    self.skip()?;
                }
            }
            OBJ => {
                for _ in 0..self.varint()? {
                    self.varint()?;
                    self.skip()?;
                }
            }
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_reads_top_level_strings() {
        let v = json!({
            "userName": "a", "name": {"givenName": "B"},
            "emails": [{"value": "x", "primary": true}],
            "n": 1.5, "neg": -3, "big": u64::MAX, "z": null, "t": false,
            "long": "é".repeat(300), "after": "yes"
        });
        let Value::Object(m) = v.clone() else {
            panic!()
        };
        let c = CObj::from_map(m);
        assert_eq!(Value::Object(c.to_map()), v);
        assert_eq!(c.get_str("userName"), Some("a"));
        assert_eq!(c.get_str("after"), Some("yes"));
        assert_eq!(c.get_str("n"), None);
        assert_eq!(c.get_str("missing-key-never-seen"), None);
    }

    #[test]
    fn corrupt_buffers_decode_to_nothing() {
        let c = CObj(vec![5, 0, 99].into_boxed_slice());
        assert!(c.to_map().is_empty());
        assert_eq!(c.get_str("userName"), None);
    }

    fn nested(s: &str) -> Map<String, Value> {
        let Value::Object(m) = json!({
            "top": s,
            "x509Certificates": [{"value": s}],
            "ext": {"blob": s, "list": [s, s]}
        }) else {
            panic!()
        };
        m
    }

    fn tag_count(c: &CObj, tag: u8) -> usize {
        c.0.iter().filter(|b| **b == tag).count()
    }

    #[test]
    fn nested_canonical_base64_is_stored_decoded_and_read_back_exactly() {
        let cert = base64_encode(&(0..=255u8).cycle().take(951).collect::<Vec<_>>());
        assert_eq!(cert.len(), 1268);
        let m = nested(&cert);
        let c = CObj::from_map(m.clone());
        assert_eq!(Value::Object(c.to_map()), Value::Object(m));
        // The top-level member stays text (get_str reads it); the four nested copies are
        // stored as 951 bytes each instead of 1,268 characters.
        assert_eq!(c.get_str("top"), Some(cert.as_str()));
        let values = cert.len() + 4 * 951;
        assert!(
            c.0.len() >= values && c.0.len() < values + 64,
            "{}",
            c.0.len()
        );
    }

    #[test]
    fn non_canonical_or_short_base64_stays_text() {
        let body = "QUJD".repeat(20);
        for s in [
            format!("{body}QQ=="), // canonical: decoded
            format!("{body}QR=="), // unused bits set: not canonical
            format!("{body}QUI"),  // unpadded
            format!("{body}QU=I"), // padding inside
            format!("{body}-_AA"), // URL-safe alphabet
            format!("{body}QQ==QUJD"),
            "QUJD".into(), // too short
            " ".repeat(80),
        ] {
            let c = CObj::from_map(nested(&s));
            assert_eq!(Value::Object(c.to_map()), Value::Object(nested(&s)), "{s}");
            let decoded = s.ends_with("QQ==") && s.len() > 64;
            assert_eq!(tag_count(&c, B64) >= 4, decoded, "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_as_base64_round_trip(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let s = base64_encode(&bytes);
            if s.len() >= 4 {
                proptest::prop_assert_eq!(base64_decode(&s), Some(bytes));
            }
            let m = nested(&s);
            proptest::prop_assert_eq!(Value::Object(CObj::from_map(m.clone()).to_map()), Value::Object(m));
        }

        #[test]
        fn base64_like_strings_round_trip(s in "[A-Za-z0-9+/=_-]{60,90}") {
            let m = nested(&s);
            proptest::prop_assert_eq!(Value::Object(CObj::from_map(m.clone()).to_map()), Value::Object(m));
            if let Some(bytes) = base64_decode(&s) {
                proptest::prop_assert_eq!(base64_encode(&bytes), s);
            }
        }

        #[test]
        fn any_strings_round_trip(s in "\\PC{0,100}") {
            let m = nested(&s);
            proptest::prop_assert_eq!(Value::Object(CObj::from_map(m.clone()).to_map()), Value::Object(m));
        }
    }
}
