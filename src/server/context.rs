//! Per-request state shared by the handlers.

use std::sync::Arc;

use bytes::Bytes;
use http::Request;

use super::Inner;
use crate::compat::CompatReport;
use crate::error::Error;
use crate::schema::SchemaSet;
use crate::store::GroupStore;
use crate::tenant::TenantId;

/// The authenticated tenant, the absolute base URL for locations and the compatibility
/// rules that fired.
pub(crate) struct Ctx<'a> {
    pub(crate) svc: &'a Inner,
    pub(crate) tenant: TenantId,
    pub(crate) base_url: String,
    pub(crate) report: CompatReport,
    pub(crate) request_id: u64,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        svc: &'a Inner,
        tenant: TenantId,
        req: &Request<Bytes>,
        request_id: u64,
    ) -> Self {
        let base_url = match &svc.public_url {
            Some(url) => url.clone(),
            None => {
                let host = req
                    .headers()
                    .get(http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .filter(|h| valid_host(h))
                    .or_else(|| req.uri().authority().map(|a| a.as_str()));
                match host {
                    Some(h) => format!("{}://{h}{}", scheme(req), svc.base_path),
                    None => svc.base_path.clone(),
                }
            }
        };
        Ctx {
            svc,
            tenant,
            base_url,
            report: CompatReport::new(),
            request_id,
        }
    }

    pub(crate) fn user_schemas(&self) -> Arc<SchemaSet> {
        self.svc.schemas.user_schemas(&self.tenant)
    }

    pub(crate) fn group_schemas(&self) -> Arc<SchemaSet> {
        self.svc.schemas.group_schemas(&self.tenant)
    }

    /// The group store; routing only reaches group handlers when there is one.
    pub(crate) fn groups(&self) -> Result<&Arc<dyn GroupStore>, Error> {
        self.svc
            .groups
            .as_ref()
            .ok_or_else(|| Error::not_found("this service provider has no Groups endpoint"))
    }

    pub(crate) fn user_location(&self, id: &str) -> String {
        format!("{}/Users/{id}", self.base_url)
    }

    pub(crate) fn group_location(&self, id: &str) -> String {
        format!("{}/Groups/{id}", self.base_url)
    }
}

/// A Host header we are willing to echo into URLs: `host[:port]` characters only, so a
/// forged header cannot inject anything but a wrong host name.
fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
        })
}

/// The scheme clients used: the request URI's own (HTTP/2, absolute-form requests), else
/// what a TLS-terminating proxy reports in `X-Forwarded-Proto` or `Forwarded: proto=`
/// (RFC 7239), else `http`. Only `http` and `https` are taken, so a forged header can at
/// most flip the scheme of the caller's own `meta.location` values.
fn scheme(req: &Request<Bytes>) -> &'static str {
    fn known(s: &str) -> Option<&'static str> {
        let s = s.trim().trim_matches('"');
        if s.eq_ignore_ascii_case("https") {
            Some("https")
        } else if s.eq_ignore_ascii_case("http") {
            Some("http")
        } else {
            None
        }
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            // The first hop is the client's: `X-Forwarded-Proto: https, http`.
            .and_then(|v| v.split(',').next())
    };
    req.uri()
        .scheme_str()
        .and_then(known)
        .or_else(|| header("x-forwarded-proto").and_then(known))
        .or_else(|| {
            header("forwarded")?
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("proto"))
                .and_then(|(_, v)| known(v))
        })
        .unwrap_or("http")
}

/// A store failure as a client-facing error; the cause of a 500/503 is logged, never sent.
pub(crate) fn store_failure(e: crate::store::StoreError) -> Error {
    use crate::store::StoreError;
    if matches!(e, StoreError::Unavailable(_) | StoreError::Other(_)) {
        super::observe::log_store_failure(&e);
    }
    Error::from(e)
}
