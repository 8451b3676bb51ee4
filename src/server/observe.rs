//! Per-request observability: with the `tracing` feature, one span per request carrying
//! the request id, method, route template (never the raw path), tenant, status, duration
//! and the IdP compatibility rules that fired. Tokens and bodies are never recorded.

use std::future::Future;
use std::time::Duration;

use http::{Method, StatusCode};

use crate::compat::CompatReport;
use crate::error::Error;
use crate::tenant::TenantId;

#[cfg(feature = "tracing")]
pub(crate) struct RequestSpan(tracing::Span);

#[cfg(not(feature = "tracing"))]
pub(crate) struct RequestSpan;

#[cfg(feature = "tracing")]
impl RequestSpan {
    pub(crate) fn new(request_id: u64, method: &Method) -> Self {
        RequestSpan(tracing::info_span!(
            "scim_request",
            request_id,
            method = %method,
            route = tracing::field::Empty,
            tenant = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_us = tracing::field::Empty,
            compat = tracing::field::Empty,
        ))
    }

    pub(crate) fn finish(
        &self,
        route: &'static str,
        tenant: Option<&TenantId>,
        status: StatusCode,
        elapsed: Duration,
        report: &CompatReport,
    ) {
        let s = &self.0;
        s.record("route", route);
        if let Some(t) = tenant {
            s.record("tenant", t.as_str());
        }
        s.record("status", status.as_u16());
        s.record(
            "duration_us",
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        );
        if !report.is_empty() {
            s.record("compat", tracing::field::display(report));
        }
        let _guard = s.enter();
        tracing::info!(status = status.as_u16(), "SCIM request finished");
    }
}

#[cfg(not(feature = "tracing"))]
impl RequestSpan {
    pub(crate) fn new(_request_id: u64, _method: &Method) -> Self {
        RequestSpan
    }

    pub(crate) fn finish(
        &self,
        _route: &'static str,
        _tenant: Option<&TenantId>,
        _status: StatusCode,
        _elapsed: Duration,
        _report: &CompatReport,
    ) {
    }
}

/// Runs `fut` inside the request span.
#[cfg(feature = "tracing")]
pub(crate) async fn in_span<F: Future>(span: &RequestSpan, fut: F) -> F::Output {
    use tracing::Instrument;
    fut.instrument(span.0.clone()).await
}

/// Runs `fut` (no span without the `tracing` feature).
#[cfg(not(feature = "tracing"))]
pub(crate) async fn in_span<F: Future>(_span: &RequestSpan, fut: F) -> F::Output {
    fut.await
}

/// Logs a failed request: client errors at debug, server errors (with the request id, so
/// an operator can match the generic 500 a client saw) at error level.
#[cfg(feature = "tracing")]
pub(crate) fn log_error(request_id: u64, e: &Error) {
    if e.status().is_server_error() {
        tracing::error!(request_id, error = %e, "SCIM request failed");
    } else {
        tracing::debug!(error = %e, "SCIM request rejected");
    }
}

/// Logs a failed request (nothing without the `tracing` feature).
#[cfg(not(feature = "tracing"))]
pub(crate) fn log_error(_request_id: u64, _e: &Error) {}

/// Logs the cause of a store failure, which the client only sees as a generic 500/503.
#[cfg(feature = "tracing")]
pub(crate) fn log_store_failure(e: &crate::store::StoreError) {
    tracing::error!(cause = %e, "store failure");
}

/// Logs the cause of a store failure (nothing without the `tracing` feature).
#[cfg(not(feature = "tracing"))]
pub(crate) fn log_store_failure(_e: &crate::store::StoreError) {}

/// Logs a change hook that panicked (the write stands; the client still gets its answer).
#[cfg(feature = "tracing")]
pub(crate) fn log_hook_panic(change: &super::Change) {
    tracing::error!(
        tenant = %change.tenant,
        id = %change.id,
        kind = ?change.kind,
        "the on_change hook panicked"
    );
}

/// Logs a change hook that panicked (nothing without the `tracing` feature).
#[cfg(not(feature = "tracing"))]
pub(crate) fn log_hook_panic(_change: &super::Change) {}
