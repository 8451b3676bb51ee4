//! Request bodies and query strings.

use bytes::Bytes;
use http::Request;
use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::path::AttrPath;

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
    // serde_json stops at 127 levels of nesting ("recursion limit exceeded"), so no body
    // can exhaust the stack here or in the engines that walk the value. Its messages name
    // the problem and position and never echo the input.
    serde_json::from_slice(body)
        .map_err(|e| Error::invalid_syntax(format!("the request body is not valid JSON: {e}")))
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

/// The attribute selection of a response: `attributes` / `excludedAttributes`.
#[derive(Debug, Clone, Default)]
pub(crate) struct View {
    pub(crate) attributes: Vec<AttrPath>,
    pub(crate) excluded: Vec<AttrPath>,
}

impl View {
    /// Whether the request names no attributes either way. A request that does asks for
    /// a representation, so a PATCH then answers 200 even where it would answer 204
    /// (RFC 7644 §3.5.2: "The server MUST return a 200 OK if the "attributes" parameter
    /// is specified").
    pub(crate) fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.excluded.is_empty()
    }

    /// From the query string of a request on a single resource (the parameters apply to
    /// POST, PUT and PATCH responses too, RFC 7644 §3.9).
    pub(crate) fn from_request(req: &Request<Bytes>) -> Result<Self, Error> {
        let pairs = query_pairs(req);
        let mut view = View::default();
        for (k, v) in &pairs {
            let target = if k.eq_ignore_ascii_case("attributes") {
                &mut view.attributes
            } else if k.eq_ignore_ascii_case("excludedAttributes") {
                &mut view.excluded
            } else {
                continue;
            };
            for p in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let path = p.parse::<AttrPath>().map_err(|e| {
                    Error::invalid_value(format!("'{k}': '{p}' is not an attribute path: {e}"))
                })?;
                target.push(path);
            }
        }
        Ok(view)
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
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/xml",
        ] {
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
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let e = json_body(&req(None, &deep), 1000).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
        assert!(e.detail().contains("recursion limit"), "{}", e.detail());
        let e = json_body(&req(None, "  "), 100).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
    }

    #[test]
    fn view_paths() {
        let r =
            Request::get("/Users/x?attributes=userName,name.givenName&excludedAttributes=emails")
                .body(Bytes::new())
                .unwrap();
        let v = View::from_request(&r).unwrap();
        assert_eq!(v.attributes.len(), 2);
        assert_eq!(v.excluded.len(), 1);
        let r = Request::get("/Users/x?attributes=a%20b")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            View::from_request(&r).unwrap_err().kind(),
            ErrorKind::InvalidValue
        );
    }
}
