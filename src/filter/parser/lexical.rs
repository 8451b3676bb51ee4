//! Lexical rules: `attrPath`, `ATTRNAME`, `nameChar`, `subAttr`, `compareOp` and the JSON
//! literals of `compValue`.

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, satisfy};
use nom::combinator::cut;
use nom::sequence::preceded;
use serde_json::Number;

use super::{fail, Msg, PErr, PResult};
use crate::filter::{CompValue, CompareOp};
use crate::path::AttrPath;

/// `s` from byte `n` on (empty when out of range; callers pass char boundaries).
pub(super) fn tail(s: &str, n: usize) -> &str {
    s.get(n..).unwrap_or_default()
}

/// The first `n` bytes of `s`.
pub(super) fn head(s: &str, n: usize) -> &str {
    s.get(..n).unwrap_or(s)
}

pub(super) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Skips any whitespace (the ABNF's `SP`, leniently).
pub(super) fn ws0(i: &str) -> &str {
    let n = i.bytes().take_while(|&b| is_ws(b)).count();
    tail(i, n)
}

/// Bytes that continue a word: a keyword followed by one of these is not that keyword.
pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'$' | b':' | b'.') || b >= 0x80
}

/// Whether `i` starts with the keyword `kw` (case-insensitively) as a whole word.
pub(super) fn starts_with_keyword(i: &str, kw: &str) -> bool {
    let b = i.as_bytes();
    b.len() >= kw.len()
        && head(i, kw.len()).eq_ignore_ascii_case(kw)
        && !b.get(kw.len()).is_some_and(|&c| is_word_byte(c))
}

/// After a value or `pr`: whitespace, `)`, `]` or the end must follow.
pub(super) fn value_end(i: &str) -> PResult<'_, ()> {
    match i.as_bytes().first() {
        None => Ok((i, ())),
        Some(&b) if is_ws(b) || b == b')' || b == b']' => Ok((i, ())),
        Some(_) => fail(i, Msg::ExpectedValueEnd),
    }
}

/// `nameChar = "-" / "_" / DIGIT / ALPHA`, as a byte predicate (the parser's hot path).
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `nameChar = "-" / "_" / DIGIT / ALPHA`
#[cfg_attr(not(test), allow(dead_code))]
pub(super) fn parse_name_char(i: &str) -> PResult<'_, char> {
    satisfy(|c| u8::try_from(c).is_ok_and(is_name_char))(i)
}

/// `ATTRNAME = ALPHA *(nameChar)`, plus `$ref` (SCIM's reference sub-attribute).
///
/// Hand-rolled over bytes: it runs for every attribute path.
pub(super) fn parse_attr_name(i: &str) -> PResult<'_, &str> {
    let b = i.as_bytes();
    let start = match b.first() {
        Some(c) if c.is_ascii_alphabetic() => 1,
        Some(b'$') if b.get(1..4).is_some_and(|r| r.eq_ignore_ascii_case(b"ref")) => 4,
        _ => return fail(i, Msg::ExpectedAttrName),
    };
    let len = start
        + b.iter()
            .skip(start)
            .take_while(|&&c| is_name_char(c))
            .count();
    if start == 4 && len > 4 {
        return fail(tail(i, 4), Msg::InvalidNameChar);
    }
    Ok((tail(i, len), head(i, len)))
}

/// `subAttr = "." ATTRNAME`
pub(super) fn parse_sub_attr(i: &str) -> PResult<'_, &str> {
    preceded(char('.'), cut(parse_attr_name))(i)
}

/// Bytes an attribute path token can never contain: they end it.
fn ends_path(b: u8) -> bool {
    is_ws(b) || matches!(b, b'[' | b']' | b'(' | b')' | b'"')
}

/// `attrPath = [URI ":"] ATTRNAME *1subAttr`
///
/// The URI ends at the last `:` of the token, so the `2.0` of
/// `urn:...:enterprise:2.0:User:manager.value` stays in the URN.
pub(super) fn parse_attr_path(i: &str) -> PResult<'_, AttrPath> {
    let mut token_len = i.len();
    let mut last_colon = None;
    for (k, &b) in i.as_bytes().iter().enumerate() {
        if b == b':' {
            last_colon = Some(k);
        } else if ends_path(b) {
            token_len = k;
            break;
        }
    }
    let rest = tail(i, token_len);
    let (j, urn) = match last_colon {
        Some(colon) => {
            parse_uri(i, colon)?;
            (tail(i, colon + 1), Some(head(i, colon)))
        }
        None => (i, None),
    };
    let (j, name) = parse_attr_name(j)?;
    let (j, sub) = if j.starts_with('.') {
        let (j, sub) = parse_sub_attr(j)?;
        (j, Some(sub))
    } else {
        (j, None)
    };
    if j.len() != rest.len() {
        let msg = if j.starts_with('.') {
            Msg::TooManySubAttrs
        } else {
            Msg::InvalidNameChar
        };
        return fail(j, msg);
    }
    let path = AttrPath::new(urn.map(str::to_owned), name, sub.map(str::to_owned));
    Ok((rest, path))
}

/// The schema URI of an `attrPath`: the first `len` bytes of `i`. Checked as an RFC 3986
/// URI (`scheme ":" ...`) over the characters that cannot be confused with filter syntax.
fn parse_uri(i: &str, len: usize) -> PResult<'_, ()> {
    let uri = head(i, len).as_bytes();
    let bad = |k: usize| fail(tail(i, k), Msg::InvalidUrn);
    let scheme_len = uri
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(uri.len());
    if !uri.first().is_some_and(u8::is_ascii_alphabetic) {
        return bad(0);
    }
    match uri.get(scheme_len) {
        Some(b':') => {}
        _ => return bad(scheme_len),
    }
    for (k, &b) in uri.iter().enumerate().skip(scheme_len) {
        let ok = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b':'
                    | b'@'
                    | b'/'
                    | b'?'
                    | b'#'
                    | b'%'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            );
        if !ok {
            return bad(k);
        }
    }
    Ok((i, ()))
}

/// `compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"`
/// (case-insensitive). `pr` is handled by `attrExp`.
///
/// A recoverable error carries the length of the word that is not an operator.
pub(super) fn parse_compare_op(i: &str) -> PResult<'_, CompareOp> {
    let len = i.bytes().take_while(|&b| is_word_byte(b)).count();
    let word = head(i, len).as_bytes();
    let op = match word {
        [a, b] => match [a.to_ascii_lowercase(), b.to_ascii_lowercase()] {
            [b'e', b'q'] => Some(CompareOp::Eq),
            [b'n', b'e'] => Some(CompareOp::Ne),
            [b'c', b'o'] => Some(CompareOp::Co),
            [b's', b'w'] => Some(CompareOp::Sw),
            [b'e', b'w'] => Some(CompareOp::Ew),
            [b'g', b't'] => Some(CompareOp::Gt),
            [b'l', b't'] => Some(CompareOp::Lt),
            [b'g', b'e'] => Some(CompareOp::Ge),
            [b'l', b'e'] => Some(CompareOp::Le),
            _ => None,
        },
        _ => None,
    };
    match op {
        Some(op) => Ok((tail(i, len), op)),
        None if len == 0 => Err(nom::Err::Error(PErr {
            at: i,
            msg: Msg::ExpectedOperator,
        })),
        None => Err(nom::Err::Error(PErr {
            at: i,
            msg: Msg::UnknownOperator(len),
        })),
    }
}

/// `compValue = false / null / true / number / string` (JSON, RFC 8259).
pub(super) fn parse_comp_value(i: &str) -> PResult<'_, CompValue> {
    match i.as_bytes().first() {
        Some(b'"') => {
            let (i, s) = parse_string(i)?;
            Ok((i, CompValue::String(s)))
        }
        Some(b'-' | b'0'..=b'9') => {
            let (i, n) = parse_number(i)?;
            Ok((i, CompValue::Number(n)))
        }
        _ => {
            let mut literal = alt((
                |i| tag("true")(i).map(|(i, _)| (i, CompValue::Bool(true))),
                |i| tag("false")(i).map(|(i, _)| (i, CompValue::Bool(false))),
                |i| tag("null")(i).map(|(i, _)| (i, CompValue::Null)),
            ));
            match literal(i) {
                Err(nom::Err::Error(_)) => fail(i, Msg::ExpectedValue),
                other => other,
            }
        }
    }
}

/// A JSON `string`, unescaped. `i` starts at the opening quote.
pub(super) fn parse_string(i: &str) -> PResult<'_, String> {
    let body = tail(i, 1);
    let bytes = body.as_bytes();
    // Fast path: no escapes, one copy.
    let stop = bytes
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
    match stop.and_then(|k| bytes.get(k).map(|&b| (k, b))) {
        Some((k, b'"')) => return Ok((tail(body, k + 1), head(body, k).to_owned())),
        None => return fail(i, Msg::UnterminatedString),
        Some(_) => {}
    }
    let mut out = String::with_capacity(body.len());
    let mut j = body;
    loop {
        let b = j.as_bytes();
        let k = b
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(b.len());
        out.push_str(head(j, k));
        j = tail(j, k);
        match j.as_bytes().first() {
            None => return fail(i, Msg::UnterminatedString),
            Some(b'"') => return Ok((tail(j, 1), out)),
            Some(b'\\') => {
                let (rest, c) = parse_escape(j)?;
                out.push(c);
                j = rest;
            }
            Some(_) => return fail(j, Msg::ControlChar),
        }
    }
}

/// One escape sequence; `i` starts at the backslash.
fn parse_escape(i: &str) -> PResult<'_, char> {
    let c = match i.as_bytes().get(1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return parse_unicode_escape(i),
        _ => return fail(i, Msg::InvalidEscape),
    };
    Ok((tail(i, 2), c))
}

/// `\uXXXX`, or a surrogate pair `\uD83D\uDE00`; `i` starts at the backslash.
fn parse_unicode_escape(i: &str) -> PResult<'_, char> {
    let hex4 = |s: &str| -> Option<u32> {
        let h = s.get(2..6)?;
        if s.get(..2)? != "\\u" || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(h, 16).ok()
    };
    let Some(first) = hex4(i) else {
        return fail(i, Msg::InvalidEscape);
    };
    let (rest, code) = match first {
        0xD800..=0xDBFF => match hex4(tail(i, 6)) {
            Some(low @ 0xDC00..=0xDFFF) => (
                tail(i, 12),
                0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00),
            ),
            _ => return fail(i, Msg::LoneSurrogate),
        },
        0xDC00..=0xDFFF => return fail(i, Msg::LoneSurrogate),
        _ => (tail(i, 6), first),
    };
    match char::from_u32(code) {
        Some(c) => Ok((rest, c)),
        None => fail(i, Msg::InvalidEscape),
    }
}

/// A JSON `number`: `-? (0 / [1-9] *DIGIT) ["." 1*DIGIT] [("e"/"E") ["+"/"-"] 1*DIGIT]`.
///
/// Integers become `u64`/`i64` numbers; the rest (and integers beyond 64 bits) `f64`,
/// parsed with correct rounding so that printing and re-parsing gives the same value.
pub(super) fn parse_number(i: &str) -> PResult<'_, Number> {
    let b = i.as_bytes();
    let digits_from = |k: usize| k + b.iter().skip(k).take_while(|c| c.is_ascii_digit()).count();
    let mut k = usize::from(b.first() == Some(&b'-'));
    match b.get(k) {
        Some(b'0') => {
            k += 1;
            if b.get(k).is_some_and(u8::is_ascii_digit) {
                return fail(tail(i, k), Msg::InvalidNumber);
            }
        }
        Some(b'1'..=b'9') => k = digits_from(k),
        _ => return fail(tail(i, k), Msg::InvalidNumber),
    }
    let mut integer = true;
    if b.get(k) == Some(&b'.') {
        let end = digits_from(k + 1);
        if end == k + 1 {
            return fail(tail(i, end), Msg::InvalidNumber);
        }
        k = end;
        integer = false;
    }
    if matches!(b.get(k), Some(b'e' | b'E')) {
        k += 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let end = digits_from(k);
        if end == k {
            return fail(tail(i, end), Msg::InvalidNumber);
        }
        k = end;
        integer = false;
    }
    let text = head(i, k);
    let rest = tail(i, k);
    if integer {
        if let Ok(n) = text.parse::<u64>() {
            return Ok((rest, Number::from(n)));
        }
        if let Ok(n) = text.parse::<i64>() {
            return Ok((rest, Number::from(n)));
        }
    }
    match text.parse::<f64>().ok().and_then(Number::from_f64) {
        Some(n) => Ok((rest, n)),
        None => fail(i, Msg::NumberOutOfRange),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> AttrPath {
        parse_attr_path(s).unwrap().1
    }

    fn err_at<T: std::fmt::Debug>(input: &str, r: PResult<'_, T>) -> (usize, Msg) {
        match r {
            Err(nom::Err::Failure(e) | nom::Err::Error(e)) => (input.len() - e.at.len(), e.msg),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn name_char_accepts_exactly_the_abnf_set() {
        for c in ['-', '_', '0', '9', 'a', 'Z'] {
            assert_eq!(parse_name_char(&c.to_string()).unwrap().1, c);
        }
        for c in ['.', ':', '$', ' ', 'é'] {
            assert!(parse_name_char(&c.to_string()).is_err());
        }
    }

    #[test]
    fn attr_name_starts_with_a_letter() {
        assert_eq!(parse_attr_name("userName eq").unwrap(), (" eq", "userName"));
        assert_eq!(parse_attr_name("x-y_9.z").unwrap(), (".z", "x-y_9"));
        assert_eq!(parse_attr_name("$ref eq").unwrap(), (" eq", "$ref"));
        assert_eq!(
            err_at("9a", parse_attr_name("9a")),
            (0, Msg::ExpectedAttrName)
        );
        assert_eq!(
            err_at("_a", parse_attr_name("_a")),
            (0, Msg::ExpectedAttrName)
        );
        assert_eq!(
            err_at("$refs", parse_attr_name("$refs")),
            (4, Msg::InvalidNameChar)
        );
    }

    #[test]
    fn sub_attr_needs_a_name() {
        assert_eq!(parse_sub_attr(".value]").unwrap(), ("]", "value"));
        assert_eq!(
            err_at(". x", parse_sub_attr(". x")),
            (1, Msg::ExpectedAttrName)
        );
    }

    #[test]
    fn attr_path_splits_urn_at_last_colon() {
        let p = path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        assert_eq!(
            p.urn(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(p.name(), "manager");
        assert_eq!(p.sub(), Some("value"));
        let p = path("name.givenName eq");
        assert_eq!(
            (p.urn(), p.name(), p.sub()),
            (None, "name", Some("givenName"))
        );
        assert_eq!(parse_attr_path("emails[type").unwrap().0, "[type");
    }

    #[test]
    fn attr_path_errors_point_at_the_bad_byte() {
        for (input, at, msg) in [
            ("a.b.c", 3, Msg::TooManySubAttrs),
            ("user*Name", 4, Msg::InvalidNameChar),
            (":name", 0, Msg::InvalidUrn),
            ("foo:bar", 3, Msg::InvalidUrn),
            ("urn:a{b:name", 5, Msg::InvalidUrn),
            ("urn:x:", 6, Msg::ExpectedAttrName),
            ("urn:x:9", 6, Msg::ExpectedAttrName),
            ("a.", 2, Msg::ExpectedAttrName),
        ] {
            assert_eq!(err_at(input, parse_attr_path(input)), (at, msg), "{input}");
        }
    }

    #[test]
    fn compare_op_is_case_insensitive() {
        assert_eq!(
            parse_compare_op("Eq \"x\"").unwrap(),
            (" \"x\"", CompareOp::Eq)
        );
        assert_eq!(parse_compare_op("LE 1").unwrap().1, CompareOp::Le);
        assert_eq!(
            err_at("eq1 x", parse_compare_op("eq1 x")),
            (0, Msg::UnknownOperator(3))
        );
        assert_eq!(
            err_at("\"x\"", parse_compare_op("\"x\"")),
            (0, Msg::ExpectedOperator)
        );
    }

    #[test]
    fn strings_unescape_everything() {
        let input = r#""a\"b\\c\/d\be\ff\ng\rh\ti\u00e9\ud83d\ude00" rest"#;
        let (rest, s) = parse_string(input).unwrap();
        assert_eq!(rest, " rest");
        assert_eq!(s, "a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti\u{e9}\u{1F600}");
        assert_eq!(parse_string("\"plain\"").unwrap(), ("", "plain".to_owned()));
        assert_eq!(parse_string("\"\u{e9}\"").unwrap().1, "\u{e9}");
    }

    #[test]
    fn string_errors() {
        for (input, at, msg) in [
            ("\"abc", 0, Msg::UnterminatedString),
            ("\"a\\", 2, Msg::InvalidEscape),
            ("\"a\\x\"", 2, Msg::InvalidEscape),
            ("\"\\u12\"", 1, Msg::InvalidEscape),
            ("\"\\ud800\"", 1, Msg::LoneSurrogate),
            ("\"\\ud800\\u0041\"", 1, Msg::LoneSurrogate),
            ("\"\\udc00\"", 1, Msg::LoneSurrogate),
            ("\"a\tb\"", 2, Msg::ControlChar),
            ("\"a\\n\tb\"", 4, Msg::ControlChar),
        ] {
            assert_eq!(err_at(input, parse_string(input)), (at, msg), "{input:?}");
        }
    }

    #[test]
    fn numbers_follow_json() {
        let n = |s: &str| parse_number(s).unwrap().1;
        assert_eq!(n("0"), Number::from(0u64));
        assert_eq!(n("-0"), Number::from(0i64));
        assert_eq!(n("42 "), Number::from(42u64));
        assert_eq!(n("-17"), Number::from(-17i64));
        assert_eq!(n("18446744073709551615"), Number::from(u64::MAX));
        assert_eq!(n("1.5"), Number::from_f64(1.5).unwrap());
        assert_eq!(n("-2.5e3"), Number::from_f64(-2500.0).unwrap());
        assert_eq!(n("1E+2"), Number::from_f64(100.0).unwrap());
        assert_eq!(
            n("18446744073709551616"),
            Number::from_f64(1.8446744073709552e19).unwrap()
        );
        for (input, at, msg) in [
            ("-", 1, Msg::InvalidNumber),
            ("01", 1, Msg::InvalidNumber),
            ("1.", 2, Msg::InvalidNumber),
            ("1.e5", 2, Msg::InvalidNumber),
            ("1e", 2, Msg::InvalidNumber),
            ("1e+", 3, Msg::InvalidNumber),
            ("-x", 1, Msg::InvalidNumber),
            ("1e400", 0, Msg::NumberOutOfRange),
        ] {
            assert_eq!(err_at(input, parse_number(input)), (at, msg), "{input}");
        }
    }

    #[test]
    fn literals_are_exact_case() {
        assert_eq!(
            parse_comp_value("true)").unwrap(),
            (")", CompValue::Bool(true))
        );
        assert_eq!(parse_comp_value("false").unwrap().1, CompValue::Bool(false));
        assert_eq!(parse_comp_value("null").unwrap().1, CompValue::Null);
        assert_eq!(
            err_at("True", parse_comp_value("True")),
            (0, Msg::ExpectedValue)
        );
        assert_eq!(
            err_at("'x'", parse_comp_value("'x'")),
            (0, Msg::ExpectedValue)
        );
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        assert!(starts_with_keyword("and (", "and"));
        assert!(starts_with_keyword("AND(", "and"));
        assert!(!starts_with_keyword("andx", "and"));
        assert!(!starts_with_keyword("an", "and"));
        assert!(starts_with_keyword("or", "or"));
    }
}
