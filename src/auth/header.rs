//! Reading the bearer credential out of an `Authorization` header (RFC 6750 §2.1).

use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue};

use crate::Error;

use super::unauthorized;

/// The longest credential accepted, in bytes. Generous for OAuth JWTs (Entra's are about
/// 1.5 KiB) while bounding the work spent hashing what a client sends.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The credential of an `Authorization` header value, if it uses the `Bearer` scheme.
///
/// Lenient where real clients differ and strict where it matters: the scheme matches
/// case-insensitively (`Bearer`, `bearer`, `BEARER`), surrounding and separating spaces
/// or tabs are skipped; the credential must be one RFC 6750 `b64token` of at most
/// [`MAX_TOKEN_LEN`] bytes. Anything else (another scheme such as `Basic`, a bare value
/// such as Okta's `non-token` probe, an empty credential, a credential with inner spaces)
/// is `None`, which the caller answers with [`unauthorized`].
pub fn parse_bearer(value: &str) -> Option<&str> {
    let value = value.trim_matches(is_space);
    let (scheme, rest) = value.split_once(is_space)?;
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return None;
    }
    let token = rest.trim_start_matches(is_space);
    is_b64token(token).then_some(token)
}

/// [`parse_bearer`] over an `http` header value; values that are not visible ASCII
/// (obs-text) are `None`.
pub fn bearer_from_header(value: &HeaderValue) -> Option<&str> {
    value.to_str().ok().and_then(parse_bearer)
}

/// The bearer credential of a request's headers, or the 401 [`Error`] to answer with.
///
/// Exactly one `Authorization` header is accepted: several are ambiguous and rejected
/// rather than guessed at.
pub fn bearer_from_headers(headers: &HeaderMap) -> Result<&str, Error> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => bearer_from_header(value).ok_or_else(unauthorized),
        _ => Err(unauthorized()),
    }
}

/// Whether `token` is a non-empty RFC 6750 `b64token` of at most [`MAX_TOKEN_LEN`] bytes:
/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
pub fn is_b64token(token: &str) -> bool {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return false;
    }
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64token_grammar() {
        assert!(is_b64token("abc"));
        assert!(is_b64token("a-b.c_d~e+f/g=="));
        assert!(!is_b64token("=="));
        assert!(!is_b64token("a=b"));
        assert!(!is_b64token("a b"));
        assert!(!is_b64token(""));
        assert!(is_b64token(&"a".repeat(MAX_TOKEN_LEN)));
        assert!(!is_b64token(&"a".repeat(MAX_TOKEN_LEN + 1)));
    }

    #[test]
    fn tabs_separate_scheme_and_token() {
        assert_eq!(parse_bearer("Bearer\tabc"), Some("abc"));
        assert_eq!(parse_bearer("\tBearer \t abc\t"), Some("abc"));
    }
}
