//! `tower_service::Service` for [`ScimService`] (feature `tower`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};

use super::ScimService;

/// The future of [`ScimService`]'s `tower_service::Service::call`.
pub type ScimFuture = Pin<Box<dyn Future<Output = Result<Response<Bytes>, Infallible>> + Send>>;

impl tower_service::Service<Request<Bytes>> for ScimService {
    type Response = Response<Bytes>;
    type Error = Infallible;
    type Future = ScimFuture;

    /// Always ready: the service has no capacity limit of its own.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    /// Runs [`ScimService::handle`] on a clone of the service (shared state, one `Arc`).
    fn call(&mut self, req: Request<Bytes>) -> ScimFuture {
        let svc = self.clone();
        Box::pin(async move { Ok(svc.handle(req).await) })
    }
}
