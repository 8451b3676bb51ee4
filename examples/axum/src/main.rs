//! `example-axum`: scimitar's SCIM 2.0 service provider hosted by axum.
//!
//! ```text
//! cargo run --release -p example-axum -- --help
//! ```
//!
//! All behaviour lives in `example-common` (framework-agnostic, `http` types in and out);
//! this file only binds the socket, converts the body and owns start-up and shutdown.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{self, StatusCode};
use axum::response::Response;
use axum::Router;
use example_common::{App, MAX_BODY_BYTES};

/// Every request goes to the shared [`App`]; axum only moves bytes.
async fn handle(State(app): State<App>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return too_large(),
    };
    app.handle(http::Request::from_parts(parts, body))
        .await
        .map(Body::from)
}

fn too_large() -> Response {
    let mut r = Response::new(Body::from(Bytes::from_static(b"request body too large\n")));
    *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    r
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
