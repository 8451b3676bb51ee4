//! Standard, padded base64 (RFC 4648 §4): the in-memory store keeps long canonical
//! base64 strings decoded, and the filter evaluator reads them back as text.

const B64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard, padded base64 (RFC 4648 §4).
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let sym = |v: u32| char::from(B64_ALPHABET.get((v & 63) as usize).copied().unwrap_or(b'A'));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = |i: usize| u32::from(group.get(i).copied().unwrap_or(0));
        let v = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sym(v >> 18));
        out.push(sym(v >> 12));
        out.push(if group.len() > 1 { sym(v >> 6) } else { '=' });
        out.push(if group.len() > 2 { sym(v) } else { '=' });
    }
    out
}

/// The bytes `s` encodes, when `s` is standard, padded base64 that
/// [`base64_encode`] gives back exactly; `None` for anything else.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let text = s.as_bytes();
    if text.is_empty() || text.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let last = text.len() / 4 - 1;
    for (i, quad) in text.chunks_exact(4).enumerate() {
        let &[a, b, c, d] = quad else { return None };
        let (a, b) = (val(a)?, val(b)?);
        match (c, d) {
            (b'=', b'=') if i == last => {
                let v = (a << 18) | (b << 12);
                out.push((v >> 16) as u8);
            }
            (_, b'=') if i == last => {
                let v = (a << 18) | (b << 12) | (val(c)? << 6);
                out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8]);
            }
            _ => {
                let v = (a << 18) | (b << 12) | (val(c)? << 6) | val(d)?;
                out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
            }
        }
    }
    // Unused low bits in the last symbol make non-canonical text; keep it as a string.
    (base64_encode(&out).as_bytes() == text).then_some(out)
}
