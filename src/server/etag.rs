//! Weak ETags (`W/"<version>"`) and the `If-Match` / `If-None-Match` preconditions
//! (RFC 7644 §3.14).
//!
//! Comparison is weak (RFC 7232 §2.3.2): `W/"3"` and `"3"` name the same version, since
//! SCIM clients echo whatever `meta.version` they were given.

use http::HeaderMap;

use crate::error::{Error, ErrorKind};

/// The ETag of a resource version.
pub(crate) fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// An `If-Match` header, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IfMatch {
    Absent,
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let mut tags = Vec::new();
        let mut seen = false;
        for value in headers.get_all(http::header::IF_MATCH) {
            seen = true;
            let Ok(s) = value.to_str() else { continue };
            for t in split_tags(s) {
                if t == "*" {
                    return IfMatch::Any;
                }
                tags.push(t);
            }
        }
        if seen {
            IfMatch::Tags(tags)
        } else {
            IfMatch::Absent
        }
    }

    pub(crate) fn is_absent(&self) -> bool {
        matches!(self, IfMatch::Absent)
    }

    /// 412 when the header names versions and `version` is not one of them.
    pub(crate) fn check(&self, version: u64) -> Result<(), Error> {
        match self {
            IfMatch::Absent | IfMatch::Any => Ok(()),
            IfMatch::Tags(tags) => {
                if tags.iter().any(|t| opaque(t) == Some(version)) {
                    Ok(())
                } else {
                    Err(Error::new(
                        ErrorKind::PreconditionFailed,
                        format!(
                            "If-Match does not match the current version {}",
                            etag(version)
                        ),
                    ))
                }
            }
        }
    }
}

/// Whether `If-None-Match` names `version` (or is `*`): a GET then answers 304.
pub(crate) fn if_none_match_hits(headers: &HeaderMap, version: u64) -> bool {
    headers
        .get_all(http::header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(split_tags)
        .any(|t| t == "*" || opaque(&t) == Some(version))
}

/// Whether the request carries `If-None-Match` at all.
pub(crate) fn has_if_none_match(headers: &HeaderMap) -> bool {
    headers.contains_key(http::header::IF_NONE_MATCH)
}

/// For a write (PUT, PATCH, DELETE): 412 when `If-None-Match` names `version` or is `*`.
/// RFC 7232 §3.2: when the condition is false "the origin server MUST NOT perform the
/// requested method" and answers 412 to any method but GET and HEAD. (`If-None-Match: *`
/// always fails here, since a write needs an existing resource: SCIM's PUT never creates.)
pub(crate) fn check_if_none_match(headers: &HeaderMap, version: u64) -> Result<(), Error> {
    if if_none_match_hits(headers, version) {
        return Err(Error::new(
            ErrorKind::PreconditionFailed,
            format!(
                "If-None-Match matches the current version {}",
                etag(version)
            ),
        ));
    }
    Ok(())
}

fn split_tags(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The version inside an entity tag of ours (`W/"3"`, `"3"`, `w/"3"`).
fn opaque(tag: &str) -> Option<u64> {
    let t = tag
        .strip_prefix("W/")
        .or_else(|| tag.strip_prefix("w/"))
        .unwrap_or(tag);
    let inner = t.strip_prefix('"')?.strip_suffix('"')?;
    inner.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(name: http::HeaderName, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn if_match() {
        assert_eq!(IfMatch::from_headers(&HeaderMap::new()), IfMatch::Absent);
        let m = IfMatch::from_headers(&headers(http::header::IF_MATCH, "*"));
        assert!(m.check(7).is_ok());
        let m = IfMatch::from_headers(&headers(http::header::IF_MATCH, "W/\"2\", \"3\""));
        assert!(m.check(2).is_ok());
        assert!(m.check(3).is_ok());
        assert_eq!(m.check(4).unwrap_err().status(), 412);
        let m = IfMatch::from_headers(&headers(http::header::IF_MATCH, "garbage"));
        assert_eq!(m.check(1).unwrap_err().status(), 412);
    }

    #[test]
    fn if_none_match() {
        let h = headers(http::header::IF_NONE_MATCH, "W/\"5\"");
        assert!(if_none_match_hits(&h, 5));
        assert!(!if_none_match_hits(&h, 6));
        assert!(!if_none_match_hits(&HeaderMap::new(), 6));
        assert_eq!(etag(5), "W/\"5\"");
        assert_eq!(check_if_none_match(&h, 5).unwrap_err().status(), 412);
        assert!(check_if_none_match(&h, 6).is_ok());
        let star = headers(http::header::IF_NONE_MATCH, "*");
        assert_eq!(check_if_none_match(&star, 1).unwrap_err().status(), 412);
        assert!(has_if_none_match(&star) && !has_if_none_match(&HeaderMap::new()));
    }
}
