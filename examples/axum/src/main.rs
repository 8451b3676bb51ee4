//! `example-axum`: scimitar's SCIM 2.0 service provider hosted by axum.
//!
//! ```text
//! cargo run --release -p example-axum -- --help
//! ```
//!
//! All behaviour lives in `example-common` (framework-agnostic, `http` types in and out);
//! this file only binds the socket, converts the body and owns start-up and shutdown.

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http;
use axum::response::Response;
use axum::Router;
use example_common::App;

/// Every request goes to the shared [`App`]; axum only moves bytes.
///
/// The body is buffered up to the SCIM service's own limit ([`App::max_body_bytes`]); a
/// larger one (by its `Content-Length`, before reading it, or once that much has arrived)
/// is refused with the same SCIM 413 the service gives.
async fn handle(State(app): State<App>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let limit = app.max_body_bytes();
    let declared_too_large = usize::try_from(body.size_hint().lower()).map_or(true, |n| n > limit);
    let body = if declared_too_large {
        None
    } else {
        axum::body::to_bytes(body, limit).await.ok()
    };
    let response = match body {
        Some(body) => app.handle(http::Request::from_parts(parts, body)).await,
        // `to_bytes` also fails when the body cannot be read at all (connection cut,
        // broken chunked framing); that is answered 413 too, as it always was.
        None => app.body_too_large(parts.method.as_str(), parts.uri.path()),
    };
    response.map(Body::from)
}

/// Resolves on SIGINT (Ctrl+C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received, finishing in-flight requests");
}

#[tokio::main]
async fn main() {
    let args = example_common::args_or_exit("example-axum");
    example_common::init_tracing();
    if let Err(e) = run(args).await {
        eprintln!("example-axum: {e}");
        std::process::exit(1);
    }
}

async fn run(args: example_common::Args) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let (app, startup) = App::new(&args, listener.local_addr()?, "axum").await?;
    print!("{}", startup.text());
    let router = Router::new().fallback(handle).with_state(app);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}
