//! Prepared comparisons: the right-hand side of `attrPath op compValue`, checked against
//! the attribute's type and pre-processed once (case-folded strings, parsed instants) so
//! that testing a value allocates nothing on the common (ASCII) path.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Number;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::access::{NumVal, Obj, Shape, Text, Val};
use crate::error::Error;
use crate::filter::ast::{CompValue, CompareOp};
use crate::schema::{AttributeDef, AttributeType};

/// A comparison operator after `ne` has been rewritten as `not eq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn from_compare(op: CompareOp) -> Op {
        match op {
            CompareOp::Eq | CompareOp::Ne => Op::Eq,
            CompareOp::Co => Op::Co,
            CompareOp::Sw => Op::Sw,
            CompareOp::Ew => Op::Ew,
            CompareOp::Gt => Op::Gt,
            CompareOp::Ge => Op::Ge,
            CompareOp::Lt => Op::Lt,
            CompareOp::Le => Op::Le,
        }
    }

    fn is_substring(self) -> bool {
        matches!(self, Op::Co | Op::Sw | Op::Ew)
    }

    fn accepts(self, ord: Ordering) -> bool {
        match self {
            Op::Eq => ord == Ordering::Equal,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Co | Op::Sw | Op::Ew => false,
        }
    }
}

/// One candidate value of an attribute, as the resource provides it: a scalar, an
/// object (an element of a complex attribute) or an array nested in an array.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cand<'a, V, O> {
    Scalar(Scalar<'a>),
    Obj(O),
    Nested(V),
}

/// The candidate `v` is; `None` for `null`.
pub(super) fn cand<'r, V: Val<'r>>(v: V) -> Option<Cand<'r, V, V::Obj>> {
    Some(match v.shape() {
        Shape::Null => return None,
        Shape::Str(s) => Cand::Scalar(Scalar::Str(s)),
        Shape::Bool(b) => Cand::Scalar(Scalar::Bool(b)),
        Shape::Num(n) => Cand::Scalar(Scalar::Num(n)),
        Shape::Obj(o) => Cand::Obj(o),
        Shape::Arr(_) => Cand::Nested(v),
    })
}

impl<'r, V: Val<'r>> Cand<'_, V, V::Obj> {
    /// RFC 7644 `pr`: not null, not `""`, not `[]`, not `{}` (nor an object whose members
    /// are all empty).
    pub(super) fn is_present(self) -> bool {
        match self {
            Cand::Scalar(Scalar::Str(s)) => !s.bytes().is_empty(),
            Cand::Scalar(_) => true,
            Cand::Obj(o) => o.any_value(present),
            Cand::Nested(v) => present(v),
        }
    }
}

/// A scalar candidate.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scalar<'a> {
    Str(Text<'a>),
    Bool(bool),
    Num(NumVal),
    Instant(OffsetDateTime),
}

impl<'a> Scalar<'a> {
    pub(super) fn str(s: &'a str) -> Self {
        Scalar::Str(Text::Str(s))
    }
}

/// RFC 7644 `pr` on a value.
pub(super) fn present<'r, V: Val<'r>>(v: V) -> bool {
    match v.shape() {
        Shape::Null => false,
        Shape::Str(s) => !s.bytes().is_empty(),
        Shape::Arr(mut items) => items.any(present),
        Shape::Obj(o) => o.any_value(present),
        Shape::Bool(_) | Shape::Num(_) => true,
    }
}

/// A comparison ready to run against values.
#[derive(Debug, Clone)]
pub(super) enum Test {
    /// String, reference and binary attributes.
    Str(StrTest),
    /// Boolean attributes (`eq` only).
    Bool(bool),
    /// Integer and decimal attributes.
    Num(Op, Num),
    /// dateTime attributes, compared as instants.
    Time(Op, OffsetDateTime),
}

#[derive(Debug, Clone)]
pub(super) struct StrTest {
    op: Op,
    /// The comparison value; lower-cased (full Unicode) unless `case_exact`.
    value: String,
    case_exact: bool,
    ascii: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Num {
    int: Option<i64>,
    float: f64,
}

impl Num {
    fn from_number(n: &Number) -> Option<Num> {
        Some(Num {
            int: n.as_i64(),
            float: n.as_f64()?,
        })
    }

    fn cmp_number(self, n: NumVal) -> Option<Ordering> {
        match (n.as_i64(), self.int) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => n.as_f64()?.partial_cmp(&self.float),
        }
    }
}

/// What a comparison turns into once `null` and `ne` are accounted for.
#[derive(Debug)]
pub(super) enum Prepared {
    /// `eq null`: true when the attribute has no value.
    Absent,
    /// `ne null`: true when the attribute has a value.
    Present,
    /// A value test; `negate` for `ne`.
    Test { test: Test, negate: bool },
}

/// Checks `op` and `value` against the attribute `def` (reached by `path`) and prepares
/// the comparison.
pub(super) fn prepare(
    def: &AttributeDef,
    case_exact: bool,
    op: CompareOp,
    value: &CompValue,
    path: &dyn std::fmt::Display,
) -> Result<Prepared, Error> {
    let negate = op == CompareOp::Ne;
    if matches!(value, CompValue::Null) {
        return match op {
            CompareOp::Eq => Ok(Prepared::Absent),
            CompareOp::Ne => Ok(Prepared::Present),
            _ => Err(Error::invalid_filter(format!(
                "'{path} {op} null': only 'eq' and 'ne' can compare with null"
            ))),
        };
    }
    let o = Op::from_compare(op);
    let type_name = def.ty.as_str();
    let refuse = |why: &str| {
        Err(Error::invalid_filter(format!(
            "'{path} {op} {value}': {why}"
        )))
    };
    let test = match def.ty {
        AttributeType::String | AttributeType::Reference | AttributeType::Binary => {
            let binary = def.ty == AttributeType::Binary;
            if binary && o != Op::Eq {
                return refuse("binary attributes support only 'eq' and 'ne'");
            }
            let text: Cow<'_, str> = match value {
                CompValue::String(s) => Cow::Borrowed(s),
                // Lenient: `employeeNumber eq 701984` means the string "701984".
                CompValue::Number(n) if !binary => Cow::Owned(n.to_string()),
                CompValue::Bool(b) if !binary => Cow::Owned(b.to_string()),
                _ => return refuse(&format!("{type_name} attributes compare with strings")),
            };
            // RFC 7643 §2.3.6: binary values are always case exact.
            Test::Str(StrTest::new(o, &text, case_exact || binary))
        }
        AttributeType::Boolean => {
            if o != Op::Eq {
                return refuse("boolean attributes support only 'eq' and 'ne'");
            }
            match value {
                CompValue::Bool(b) => Test::Bool(*b),
                CompValue::String(s) => match parse_bool(s.as_bytes()) {
                    Some(b) => Test::Bool(b),
                    None => return refuse("boolean attributes compare with true or false"),
                },
                _ => return refuse("boolean attributes compare with true or false"),
            }
        }
        AttributeType::Integer | AttributeType::Decimal => {
            if o.is_substring() {
                return refuse(&format!("'{op}' is not defined on {type_name} attributes"));
            }
            let num = match value {
                CompValue::Number(n) => Num::from_number(n),
                CompValue::String(s) => s
                    .trim()
                    .parse::<Number>()
                    .ok()
                    .and_then(|n| Num::from_number(&n)),
                _ => None,
            };
            match num {
                Some(n) => Test::Num(o, n),
                None => return refuse(&format!("{type_name} attributes compare with numbers")),
            }
        }
        AttributeType::DateTime => {
            if o.is_substring() {
                return refuse("'co', 'sw' and 'ew' are not defined on dateTime attributes");
            }
            let instant = match value {
                CompValue::String(s) => parse_instant(s),
                _ => None,
            };
            match instant {
                Some(t) => Test::Time(o, t),
                None => {
                    return refuse(
                        "dateTime attributes compare with an RFC 3339 date-time such as \"2011-05-13T04:42:34Z\"",
                    )
                }
            }
        }
        AttributeType::Complex => {
            return refuse("a complex attribute is compared through one of its sub-attributes");
        }
    };
    Ok(Prepared::Test { test, negate })
}

fn parse_bool(s: &[u8]) -> Option<bool> {
    if s.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if s.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

/// Parses an `xsd:dateTime`: RFC 3339, or without an offset (then taken as UTC).
pub(super) fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    match OffsetDateTime::parse(s, &Rfc3339) {
        Ok(t) => Some(t),
        Err(_) if s.len() >= 19 && !s.ends_with(['Z', 'z']) => {
            OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok()
        }
        Err(_) => None,
    }
}

impl StrTest {
    fn new(op: Op, value: &str, case_exact: bool) -> StrTest {
        let value = if case_exact {
            value.to_owned()
        } else {
            value.to_lowercase()
        };
        let ascii = value.is_ascii();
        StrTest {
            op,
            value,
            case_exact,
            ascii,
        }
    }

    fn matches(&self, s: Text<'_>) -> bool {
        if let Some(text) = s.expand() {
            return self.matches(Text::Str(&text));
        }
        let v = self.value.as_str();
        if self.case_exact {
            return match self.op {
                // Byte order is code point order in UTF-8.
                Op::Eq => s.bytes() == v.as_bytes(),
                Op::Sw => s.bytes().starts_with(v.as_bytes()),
                Op::Ew => s.bytes().ends_with(v.as_bytes()),
                Op::Co => s.to_str().is_some_and(|s| s.contains(v)),
                _ => self.op.accepts(s.bytes().cmp(v.as_bytes())),
            };
        }
        let b = s.bytes();
        if self.ascii && self.op == Op::Eq {
            // Only ASCII letters and KELVIN SIGN (3 bytes) lower-case to ASCII, so a value
            // of the same length matches iff it matches ASCII-case-insensitively, and a
            // shorter or ASCII one of another length never does. This decides most
            // comparisons from the length alone, without reading the string.
            if b.len() == v.len() {
                return b.eq_ignore_ascii_case(v.as_bytes());
            }
            if b.len() < v.len() || b.is_ascii() {
                return false;
            }
        } else if self.ascii && b.is_ascii() {
            return apply_ascii_ci(self.op, b, v.as_bytes());
        }
        // Non-ASCII: full Unicode lower-casing, which may allocate.
        s.to_str()
            .is_some_and(|s| apply_exact(self.op, &s.to_lowercase(), v))
    }
}

fn apply_exact(op: Op, s: &str, v: &str) -> bool {
    match op {
        Op::Co => s.contains(v),
        Op::Sw => s.starts_with(v),
        Op::Ew => s.ends_with(v),
        _ => op.accepts(s.cmp(v)),
    }
}

/// Whether ASCII `s` contains the lower-case ASCII `v`, ignoring ASCII case: find each
/// occurrence of the first byte (either case), then compare the rest.
fn contains_ascii_ci(s: &[u8], v: &[u8]) -> bool {
    let Some((&first, rest)) = v.split_first() else {
        return true;
    };
    let Some(end) = s.len().checked_sub(v.len()) else {
        return false;
    };
    let upper = first.to_ascii_uppercase();
    let mut from = 0;
    while let Some(p) = s
        .get(from..=end)
        .and_then(|w| w.iter().position(|&b| b == first || b == upper))
    {
        let at = from + p;
        if s.get(at + 1..at + v.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(rest))
        {
            return true;
        }
        from = at + 1;
    }
    false
}

/// `v` is already lower-case ASCII.
fn apply_ascii_ci(op: Op, s: &[u8], v: &[u8]) -> bool {
    match op {
        Op::Eq => s.eq_ignore_ascii_case(v),
        Op::Sw => s.get(..v.len()).is_some_and(|p| p.eq_ignore_ascii_case(v)),
        Op::Ew => s
            .len()
            .checked_sub(v.len())
            .and_then(|start| s.get(start..))
            .is_some_and(|p| p.eq_ignore_ascii_case(v)),
        Op::Co => contains_ascii_ci(s, v),
        _ => {
            let ord = s.iter().map(u8::to_ascii_lowercase).cmp(v.iter().copied());
            op.accepts(ord)
        }
    }
}

impl Test {
    pub(super) fn matches<V, O>(&self, cand: Cand<'_, V, O>) -> bool {
        let Cand::Scalar(c) = cand else { return false };
        if let Scalar::Str(s) = c {
            if let Some(text) = s.expand() {
                return self.matches::<V, O>(Cand::Scalar(Scalar::Str(Text::Str(&text))));
            }
        }
        match (self, c) {
            (Test::Str(t), Scalar::Str(s)) => t.matches(s),
            (Test::Bool(b), Scalar::Bool(x)) => *b == x,
            (Test::Bool(b), Scalar::Str(s)) => parse_bool(s.bytes()) == Some(*b),
            (Test::Num(op, n), Scalar::Num(x)) => n.cmp_number(x).is_some_and(|o| op.accepts(o)),
            (Test::Time(op, t), Scalar::Instant(x)) => op.accepts(x.cmp(t)),
            (Test::Time(op, t), Scalar::Str(s)) => s
                .to_str()
                .and_then(parse_instant)
                .is_some_and(|x| op.accepts(x.cmp(t))),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_case_insensitive_operators() {
        let b = |op, s: &str, v: &str| apply_ascii_ci(op, s.as_bytes(), v.as_bytes());
        assert!(b(Op::Eq, "BJensen", "bjensen"));
        assert!(b(Op::Sw, "BJensen", "bj"));
        assert!(!b(Op::Sw, "B", "bj"));
        assert!(b(Op::Ew, "BJensen", "sen"));
        assert!(!b(Op::Ew, "en", "sen"));
        assert!(b(Op::Co, "BJensen", "jen"));
        assert!(b(Op::Co, "x", ""));
        assert!(b(Op::Co, "user1@Example.ORG", "@example.org"));
        assert!(!b(Op::Co, "user1@example.or", "@example.org"));
        assert!(b(Op::Co, "aab", "ab"));
        assert!(b(Op::Co, "ab", "ab"));
        assert!(b(Op::Co, "x@12", "@1"));
        let long = format!("{}@Example.ORG", "A".repeat(200));
        assert!(b(Op::Co, &long, "a@example.org"));
        assert!(!b(Op::Co, &long, "b@example.org"));
        assert!(!b(Op::Co, "", "a"));
        assert!(b(Op::Gt, "B", "a"));
        assert!(b(Op::Lt, "a", "ab"));
        assert!(b(Op::Ge, "AB", "ab"));
    }

    #[test]
    fn unicode_folding_falls_back_to_lowercase() {
        let t = StrTest::new(Op::Eq, "ÉLODIE", false);
        assert!(t.matches(Text::Str("élodie")));
        assert!(t.matches(Text::Str("Élodie")));
        let t = StrTest::new(Op::Eq, "k", false);
        // KELVIN SIGN lower-cases to ASCII 'k'.
        assert!(t.matches(Text::Str("\u{212A}")));
        let t = StrTest::new(Op::Eq, "Kate", false);
        assert!(t.matches(Text::Str("\u{212A}ATE")));
        assert!(t.matches(Text::Str("KATE")));
        assert!(!t.matches(Text::Str("KAT")));
        assert!(!t.matches(Text::Str("KATES")));
        assert!(!t.matches(Text::Str("KATÉ")));
    }

    proptest::proptest! {
        /// The ASCII fast paths agree with full Unicode lower-casing.
        #[test]
        fn fast_paths_agree_with_unicode_lowercase(
            s in "[a-cA-C@.\u{212A}kKÉé]{0,8}",
            v in "[a-cA-C@.kKé]{0,4}",
        ) {
            for op in [Op::Eq, Op::Co, Op::Sw, Op::Ew, Op::Gt, Op::Ge, Op::Lt, Op::Le] {
                let t = StrTest::new(op, &v, false);
                let want = apply_exact(op, &s.to_lowercase(), &v.to_lowercase());
                proptest::prop_assert_eq!(t.matches(Text::Str(&s)), want, "{:?} {:?} {:?}", op, s, v);
            }
        }
    }

    #[test]
    fn instants_without_offset_are_utc() {
        assert_eq!(
            parse_instant("2011-05-13T04:42:34"),
            parse_instant("2011-05-13T04:42:34Z")
        );
        assert!(parse_instant("yesterday").is_none());
        assert!(parse_instant("").is_none());
    }
}
