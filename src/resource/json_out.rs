//! Compact JSON written straight into a byte buffer, byte for byte what `serde_json`'s
//! compact serialiser writes (same escapes, same number formatting), so that the
//! streaming renderer and `serde_json::to_writer` of a rendered map agree exactly.

use serde_json::Value;

/// A lowercase hex digit (serde_json writes `\u001f`, not `\u001F`).
fn hex(n: u8) -> u8 {
    if n < 10 {
        b'0' + n
    } else {
        b'a' + (n - 10)
    }
}

/// Whether `b` needs an escape inside a JSON string (serde_json escapes exactly these).
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Writes the escaped contents of a JSON string (no quotes).
pub(crate) fn str_contents(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        if let Some(run) = bytes.get(start..i) {
            out.extend_from_slice(run);
        }
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(hex(b >> 4));
                out.push(hex(b & 0xf));
            }
        }
    }
    if let Some(run) = bytes.get(start..) {
        out.extend_from_slice(run);
    }
}

/// Writes a JSON string.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    str_contents(out, s);
    out.push(b'"');
}

/// Writes `"key":`.
pub(crate) fn key(out: &mut Vec<u8>, k: &str) {
    string(out, k);
    out.push(b':');
}

/// Writes an unsigned integer.
pub(crate) fn uint(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    if let Some(d) = digits.get(i..) {
        out.extend_from_slice(d);
    }
}

/// Writes any JSON value as `serde_json::to_writer` does (object members in map order).
pub(crate) fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => match n.as_u64() {
            Some(u) => uint(out, u),
            // serde_json's `Display` for numbers is its serialiser's formatting.
            None => out.extend_from_slice(n.to_string().as_bytes()),
        },
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                key(out, k);
                value(out, item);
            }
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_serde_json_byte_for_byte() {
        let all_bytes: String = (0u8..0x80).map(char::from).collect();
        let cases = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(7),
            json!(u64::MAX),
            json!(-1),
            json!(i64::MIN),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(0.1),
            json!(all_bytes),
            json!("é \u{2028} \u{1F600} \u{7f}"),
            json!({"a": [1, {"b\"\\": "c\n"}], "": [], "o": {}}),
        ];
        for v in cases {
            let mut out = Vec::new();
            value(&mut out, &v);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
        }
    }

    #[test]
    fn writes_every_unsigned_width() {
        for n in [0u64, 9, 10, 99, 100, 12345, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            uint(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}
