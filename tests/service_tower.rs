//! `ScimService` as a `tower_service::Service` (feature `tower`): always ready, and
//! `call` answers exactly what `handle` answers.
#![cfg(feature = "tower")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use std::convert::Infallible;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::task::noop_waker_ref;
use http::{Request, Response};
use service_support::*;
use tower_service::Service;

fn get(path: &str, token: &str) -> Request<Bytes> {
    Request::get(format!("{BASE}{path}"))
        .header("host", HOST)
        .header("authorization", format!("Bearer {token}"))
        .body(Bytes::new())
        .unwrap()
}

/// Generic over any tower service, as a framework would hold it.
async fn call<S>(svc: &mut S, req: Request<Bytes>) -> Response<Bytes>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Infallible>,
{
    futures::future::poll_fn(|cx| svc.poll_ready(cx))
        .await
        .unwrap();
    match svc.call(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

#[test]
fn is_always_ready() {
    let mut svc = futures::executor::block_on(Harness::new()).svc;
    let mut cx = Context::from_waker(noop_waker_ref());
    for _ in 0..3 {
        assert!(matches!(
            Service::<Request<Bytes>>::poll_ready(&mut svc, &mut cx),
            Poll::Ready(Ok(()))
        ));
    }
}

#[tokio::test]
async fn call_answers_what_handle_answers() {
    let h = Harness::new().await;
    let id = h.create_user("tower@example.com").await;
    let mut svc = h.svc.clone();
    for path in [
        format!("/Users/{id}"),
        "/Users?filter=userName+eq+%22tower@example.com%22".to_string(),
        "/ServiceProviderConfig".to_string(),
        "/Nope".to_string(),
    ] {
        let via_tower = call(&mut svc, get(&path, &h.token_a)).await;
        let via_handle = h.svc.handle(get(&path, &h.token_a)).await;
        assert_eq!(via_tower.status(), via_handle.status(), "{path}");
        assert_eq!(via_tower.body(), via_handle.body(), "{path}");
        assert_eq!(
            via_tower.headers().get("content-type"),
            via_handle.headers().get("content-type")
        );
    }
    let unauthorized = call(&mut svc, get("/Users", "wrong")).await;
    assert_eq!(unauthorized.status(), 401);
}

#[tokio::test]
async fn the_future_is_send_and_static() {
    let h = Harness::new().await;
    let mut svc = h.svc.clone();
    let fut = svc.call(get("/Users", &h.token_a));
    let resp = tokio::spawn(fut).await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
}
