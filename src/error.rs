//! The one error type of scimitar, and its RFC 7644 §3.12 rendering.
//!
//! Every failure a client can cause maps to an HTTP status and, for the 400 family, to a
//! `scimType` keyword of RFC 7644 Table 9. [`Error`] is opaque: build it with the
//! constructors, inspect it with [`Error::kind`], [`Error::status`], [`Error::scim_type`] and
//! [`Error::detail`], and render it with [`Error::to_json`] / [`Error::to_body`].

use std::fmt;

use http::StatusCode;
use serde_json::{json, Value};

/// The schema URN of a SCIM error body (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` keywords of RFC 7644 Table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimType {
    /// The filter syntax is invalid or the attribute/operator combination is unsupported.
    InvalidFilter,
    /// The filter would produce more results than the server is willing to process.
    TooMany,
    /// One or more attribute values are already in use or reserved.
    Uniqueness,
    /// The change conflicts with an attribute's mutability.
    Mutability,
    /// The request body structure is invalid.
    InvalidSyntax,
    /// The PATCH `path` is invalid or malformed.
    InvalidPath,
    /// The PATCH `path` selected nothing to operate on.
    NoTarget,
    /// A required value is missing or a value does not fit the attribute or schema.
    InvalidValue,
    /// The requested SCIM protocol version is not supported.
    InvalidVers,
    /// Sensitive information was put in the request URI.
    Sensitive,
}

impl ScimType {
    /// The keyword as it appears in the `scimType` member of an error body.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }

    /// Every keyword of RFC 7644 Table 9, in table order.
    pub const ALL: [ScimType; 10] = [
        ScimType::InvalidFilter,
        ScimType::TooMany,
        ScimType::Uniqueness,
        ScimType::Mutability,
        ScimType::InvalidSyntax,
        ScimType::InvalidPath,
        ScimType::NoTarget,
        ScimType::InvalidValue,
        ScimType::InvalidVers,
        ScimType::Sensitive,
    ];
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong, as data. Each kind has one HTTP status and at most one `scimType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400 `invalidFilter`.
    InvalidFilter,
    /// 400 `tooMany`.
    TooMany,
    /// 409 `uniqueness` (RFC 7644 §3.3).
    Uniqueness,
    /// 400 `mutability`.
    Mutability,
    /// 400 `invalidSyntax`.
    InvalidSyntax,
    /// 400 `invalidPath`.
    InvalidPath,
    /// 400 `noTarget`.
    NoTarget,
    /// 400 `invalidValue`.
    InvalidValue,
    /// 400 `invalidVers`.
    InvalidVers,
    /// 403 `sensitive` (RFC 7644 §7.5.2).
    Sensitive,
    /// 400 without a `scimType`.
    BadRequest,
    /// 401: missing, malformed or unknown credentials.
    Unauthorized,
    /// 403: the credentials do not permit the operation.
    Forbidden,
    /// 404: the resource or endpoint does not exist.
    NotFound,
    /// 405: the endpoint exists but not for this method.
    MethodNotAllowed,
    /// 409 without a `scimType`: a conflict other than uniqueness.
    Conflict,
    /// 412: an `If-Match` / expected version did not match.
    PreconditionFailed,
    /// 413: the request body is larger than the configured limit.
    PayloadTooLarge,
    /// 415: the request body is not JSON.
    UnsupportedMediaType,
    /// 500: an internal failure; the detail is generic.
    Internal,
    /// 501: the operation is not supported (e.g. `/Bulk`).
    NotImplemented,
    /// 503: a backing store is unavailable.
    Unavailable,
}

impl ErrorKind {
    /// The HTTP status of this kind.
    pub const fn status(self) -> StatusCode {
        match self {
            ErrorKind::InvalidFilter
            | ErrorKind::TooMany
            | ErrorKind::Mutability
            | ErrorKind::InvalidSyntax
            | ErrorKind::InvalidPath
            | ErrorKind::NoTarget
            | ErrorKind::InvalidValue
            | ErrorKind::InvalidVers
            | ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Uniqueness | ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Sensitive | ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `scimType` keyword of this kind, if it has one.
    pub const fn scim_type(self) -> Option<ScimType> {
        match self {
            ErrorKind::InvalidFilter => Some(ScimType::InvalidFilter),
            ErrorKind::TooMany => Some(ScimType::TooMany),
            ErrorKind::Uniqueness => Some(ScimType::Uniqueness),
            ErrorKind::Mutability => Some(ScimType::Mutability),
            ErrorKind::InvalidSyntax => Some(ScimType::InvalidSyntax),
            ErrorKind::InvalidPath => Some(ScimType::InvalidPath),
            ErrorKind::NoTarget => Some(ScimType::NoTarget),
            ErrorKind::InvalidValue => Some(ScimType::InvalidValue),
            ErrorKind::InvalidVers => Some(ScimType::InvalidVers),
            ErrorKind::Sensitive => Some(ScimType::Sensitive),
            _ => None,
        }
    }
}

/// A SCIM error: an [`ErrorKind`] (which fixes status and `scimType`) plus a human `detail`.
///
/// The detail is meant for the client: it names the offending attribute path, filter
/// position or PATCH operation, and never carries secrets or store internals.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    detail: String,
}

impl Error {
    /// An error of `kind` with a human-readable `detail`.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                detail: detail.into(),
            }),
        }
    }

    /// 400 `invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidFilter, detail)
    }
    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidValue, detail)
    }
    /// 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidSyntax, detail)
    }
    /// 400 `invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidPath, detail)
    }
    /// 400 `noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::NoTarget, detail)
    }
    /// 400 `mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Mutability, detail)
    }
    /// 400 `tooMany`.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::TooMany, detail)
    }
    /// 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Uniqueness, detail)
    }
    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, detail)
    }
    /// 500 with a generic detail. Log the cause yourself; it is not sent to the client.
    pub fn internal() -> Self {
        Self::new(ErrorKind::Internal, "internal server error")
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }
    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        self.inner.kind.status()
    }
    /// The RFC 7644 Table 9 keyword, if any.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.inner.kind.scim_type()
    }
    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.inner.detail
    }

    /// Prefixes the detail with context, e.g. the PATCH operation that failed.
    pub fn with_context(mut self, context: impl fmt::Display) -> Self {
        self.inner.detail = format!("{context}: {}", self.inner.detail);
        self
    }

    /// The RFC 7644 §3.12 error body: `schemas`, `status` as a JSON string, `scimType`
    /// (when the kind has one) and `detail`.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status().as_u16().to_string(),
        });
        if let (Some(t), Some(obj)) = (self.scim_type(), body.as_object_mut()) {
            obj.insert("scimType".into(), Value::String(t.as_str().into()));
        }
        if let Some(obj) = body.as_object_mut() {
            obj.insert("detail".into(), Value::String(self.detail().into()));
        }
        body
    }

    /// The error body serialised to bytes.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json()).unwrap_or_default()
    }

    /// The whole SCIM error response, as [`ScimService::handle`](crate::ScimService::handle)
    /// answers it: the status, `Content-Type: application/scim+json`, the RFC 7644 §3.12
    /// body (and `WWW-Authenticate` on a 401). For a host that refuses a request before
    /// it reaches the service, e.g. a body larger than it buffers:
    ///
    /// ```
    /// use scimitar::{Error, ErrorKind};
    ///
    /// let response = Error::new(ErrorKind::PayloadTooLarge, "the body is over 1 MiB").to_response();
    /// assert_eq!(response.status(), 413);
    /// assert_eq!(response.headers()["content-type"], "application/scim+json");
    /// ```
    pub fn to_response(&self) -> http::Response<bytes::Bytes> {
        crate::server::encode::error_response(self)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("status", &self.status().as_u16())
            .field("detail", &self.inner.detail)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scim_type() {
            Some(t) => write!(f, "{} {}: {}", self.status().as_u16(), t, self.detail()),
            None => write!(f, "{}: {}", self.status().as_u16(), self.detail()),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_exact_shape() {
        let e = Error::invalid_value("attribute 'userName' is required");
        assert_eq!(
            e.to_json(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidValue",
                "detail": "attribute 'userName' is required"
            })
        );
    }

    #[test]
    fn body_without_scim_type_omits_member() {
        let e = Error::not_found("User 'x' not found");
        let body = e.to_json();
        assert_eq!(body["status"], "404");
        assert!(body.get("scimType").is_none());
        assert_eq!(body["detail"], "User 'x' not found");
    }

    #[test]
    fn every_table9_keyword_has_a_kind_and_status() {
        let kinds = [
            ErrorKind::InvalidFilter,
            ErrorKind::TooMany,
            ErrorKind::Uniqueness,
            ErrorKind::Mutability,
            ErrorKind::InvalidSyntax,
            ErrorKind::InvalidPath,
            ErrorKind::NoTarget,
            ErrorKind::InvalidValue,
            ErrorKind::InvalidVers,
            ErrorKind::Sensitive,
        ];
        for (kind, t) in kinds.iter().zip(ScimType::ALL) {
            assert_eq!(kind.scim_type(), Some(t));
        }
        assert_eq!(ErrorKind::Uniqueness.status(), StatusCode::CONFLICT);
        assert_eq!(ErrorKind::Sensitive.status(), StatusCode::FORBIDDEN);
        assert_eq!(ErrorKind::NoTarget.status(), StatusCode::BAD_REQUEST);
        let names: Vec<_> = ScimType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            [
                "invalidFilter",
                "tooMany",
                "uniqueness",
                "mutability",
                "invalidSyntax",
                "invalidPath",
                "noTarget",
                "invalidValue",
                "invalidVers",
                "sensitive"
            ]
        );
    }

    #[test]
    fn context_prefixes_detail() {
        let e = Error::no_target("no element matched").with_context("operation 2 (path 'emails')");
        assert_eq!(
            e.detail(),
            "operation 2 (path 'emails'): no element matched"
        );
        assert_eq!(e.kind(), ErrorKind::NoTarget);
    }
}
