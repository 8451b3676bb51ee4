//! Responses: `application/scim+json` bodies, ETag/Location headers, error bodies.

use bytes::Bytes;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, ETAG, LOCATION, WWW_AUTHENTICATE};
use http::{Response, StatusCode};
use serde_json::Value;

use super::etag;
use crate::error::{Error, ErrorKind};

/// The media type of every SCIM response body (RFC 7644 §3.8; Entra ID requires it
/// without parameters).
pub(crate) const SCIM_JSON: &str = "application/scim+json";

const REQUEST_ID: &str = "x-request-id";

fn bytes_response(status: StatusCode, body: Vec<u8>) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    resp
}

/// A JSON body with `status`.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response<Bytes> {
    let mut buf = Vec::with_capacity(1024);
    match serde_json::to_writer(&mut buf, body) {
        Ok(()) => bytes_response(status, buf),
        Err(_) => error_response(&Error::internal()),
    }
}

/// A JSON body already written to bytes.
pub(crate) fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response<Bytes> {
    bytes_response(status, body)
}

/// A resource representation (JSON bytes) with its `ETag` (and `Location` on create).
pub(crate) fn resource(
    status: StatusCode,
    body: Vec<u8>,
    version: u64,
    location: Option<&str>,
) -> Response<Bytes> {
    let mut resp = bytes_response(status, body);
    if let Ok(v) = HeaderValue::from_str(&etag::etag(version)) {
        resp.headers_mut().insert(ETAG, v);
    }
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        resp.headers_mut().insert(LOCATION, loc);
    }
    resp
}

/// 204 with the new `ETag`.
pub(crate) fn no_content(version: Option<u64>) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::new());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    if let Some(v) = version.and_then(|v| HeaderValue::from_str(&etag::etag(v)).ok()) {
        resp.headers_mut().insert(ETAG, v);
    }
    resp
}

/// 304 for a GET whose `If-None-Match` names the current version.
pub(crate) fn not_modified(version: u64) -> Response<Bytes> {
    let mut resp = no_content(Some(version));
    *resp.status_mut() = StatusCode::NOT_MODIFIED;
    resp
}

pub(crate) fn error_response(e: &Error) -> Response<Bytes> {
    let mut resp = bytes_response(e.status(), e.to_body());
    no_store(&mut resp);
    if e.kind() == ErrorKind::Unauthorized {
        resp.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(crate::auth::WWW_AUTHENTICATE),
        );
    }
    resp
}

/// The RFC 7644 §3.12 error response for `e`.
pub(crate) fn error(e: &Error, request_id: u64) -> Response<Bytes> {
    finish(error_response(e), request_id)
}

/// `Cache-Control: no-store`. Every tenant reads the same URLs and only the bearer token
/// tells them apart, so a shared cache keyed on the URL (a CDN set to cache everything)
/// would serve one tenant's data to another; and the bodies are personal data anyway.
fn no_store(resp: &mut Response<Bytes>) {
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// Adds the headers every response carries.
pub(crate) fn finish(mut resp: Response<Bytes>, request_id: u64) -> Response<Bytes> {
    no_store(&mut resp);
    resp.headers_mut()
        .insert(REQUEST_ID, HeaderValue::from(request_id));
    resp
}
