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
    #[allow(dead_code)] // read by the tracing feature's logs
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
                    Some(h) => format!("http://{h}{}", svc.base_path),
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

/// A store failure as a client-facing error; the cause of a 500/503 is logged, never sent.
pub(crate) fn store_failure(e: crate::store::StoreError) -> Error {
    use crate::store::StoreError;
    if matches!(e, StoreError::Unavailable(_) | StoreError::Other(_)) {
        super::observe::log_store_failure(&e);
    }
    Error::from(e)
}
