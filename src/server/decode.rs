//! Request bodies and query strings.

use bytes::Bytes;
use http::Request;
use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// The JSON body of a POST/PUT/PATCH: checks the media type and the size limit, then
/// parses.
///
/// `application/scim+json` and `application/json` are accepted with any parameters (Entra
/// sends `; charset=utf-8`); a missing `Content-Type` is accepted too, since the body is
/// parsed as JSON anyway and some clients omit it.
pub(crate) fn json_body(req: &Request<Bytes>, max_bytes: usize) -> Result<Value, Error> {
    if let Some(ct) = req.headers().get(http::header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default();
        let media = ct.split(';').next().unwrap_or_default().trim();
        if !(media.eq_ignore_ascii_case("application/scim+json")
            || media.eq_ignore_ascii_case("application/json"))
        {
            return Err(Error::new(
                ErrorKind::UnsupportedMediaType,
                "request bodies must be application/scim+json or application/json",
            ));
        }
    }
    let body = req.body();
    if body.len() > max_bytes {
        return Err(Error::new(
            ErrorKind::PayloadTooLarge,
            format!("the request body is larger than {max_bytes} bytes"),
        ));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid_syntax("the request body is empty"));
    }
    serde_json::from_slice(body).map_err(|e| {
        Error::invalid_syntax(format!(
            "the request body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

/// The decoded query parameters (`+` as space, percent escapes), in order.
pub(crate) fn query_pairs(req: &Request<Bytes>) -> Vec<(String, String)> {
    match req.uri().query() {
        Some(q) => form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        None => Vec::new(),
    }
}

/// The last value of a query parameter, matched case-insensitively.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `attributes` and `excludedAttributes` from the query string.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProjectionParams {
    pub(crate) attributes: Option<String>,
    pub(crate) excluded: Option<String>,
}

impl ProjectionParams {
    pub(crate) fn from_request(req: &Request<Bytes>) -> Self {
        let pairs = query_pairs(req);
        ProjectionParams {
            attributes: param(&pairs, "attributes")
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned),
            excluded: param(&pairs, "excludedAttributes")
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned),
        }
    }

    /// Whether the projection may return the attribute `name` (a top-level core attribute
    /// such as `members` or `groups`), judged from the names only: used to skip loading
    /// data that would be projected away.
    pub(crate) fn may_return(&self, name: &str) -> bool {
        let listed = |list: &str| {
            list.split(',').map(str::trim).any(|p| {
                let p = p
                    .rsplit_once(':')
                    .map(|(urn, a)| {
                        if urn.to_ascii_lowercase().starts_with("urn:") {
                            a
                        } else {
                            p
                        }
                    })
                    .unwrap_or(p);
                let top = p.split('.').next().unwrap_or_default();
                top.eq_ignore_ascii_case(name)
            })
        };
        if let Some(a) = &self.attributes {
            return listed(a);
        }
        if let Some(e) = &self.excluded {
            return !listed(e);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(ct: Option<&str>, body: &str) -> Request<Bytes> {
        let mut b = Request::post("/Users");
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        b.body(Bytes::from(body.to_owned())).unwrap()
    }

    #[test]
    fn media_types() {
        for ct in [
            Some("application/scim+json"),
            Some("application/scim+json; charset=utf-8"),
            Some("Application/JSON;charset=UTF-8"),
            None,
        ] {
            assert!(json_body(&req(ct, "{}"), 100).is_ok(), "{ct:?}");
        }
        for ct in ["text/plain", "application/x-www-form-urlencoded", "application/xml"] {
            let e = json_body(&req(Some(ct), "{}"), 100).unwrap_err();
            assert_eq!(e.status(), 415);
        }
    }

    #[test]
    fn size_and_syntax() {
        assert_eq!(
            json_body(&req(None, "{\"a\":1}"), 3).unwrap_err().status(),
            413
        );
        let e = json_body(&req(None, "{"), 100).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
        let e = json_body(&req(None, "  "), 100).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
    }

    #[test]
    fn projection_names() {
        let r = Request::get("/Groups/x?excludedAttributes=members")
            .body(Bytes::new())
            .unwrap();
        let p = ProjectionParams::from_request(&r);
        assert!(!p.may_return("members"));
        assert!(p.may_return("displayName"));
        let r = Request::get("/Users/x?attributes=userName,urn:ietf:params:scim:schemas:core:2.0:User:groups.display")
            .body(Bytes::new())
            .unwrap();
        let p = ProjectionParams::from_request(&r);
        assert!(p.may_return("groups"));
        assert!(!p.may_return("emails"));
    }
}
