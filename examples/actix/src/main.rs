//! `example-actix`: scimitar's SCIM 2.0 service provider hosted by actix-web 4.
//!
//! ```text
//! cargo run --release -p example-actix -- --help
//! ```
//!
//! All behaviour lives in `example-common` (framework-agnostic, `http` 1 types in and
//! out). actix-web 4 is built on the older `http` 0.2 line, so this file converts method,
//! URI, headers and body by value in both directions, and owns start-up. actix-web itself
//! stops gracefully on SIGINT and SIGTERM.

use actix_web::http::StatusCode as ActixStatus;
use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
use example_common::App;
use scimitar::{Error, ErrorKind};

/// Every request goes to the shared [`App`]; actix only moves bytes.
///
/// The body is buffered up to the SCIM service's own limit ([`App::max_body_bytes`], set as
/// the `PayloadConfig` limit); a larger one (by its `Content-Length`, before reading it, or
/// once that much has arrived) is refused with the same SCIM 413 the service gives.
async fn handle(
    app: web::Data<App>,
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.as_response_error().status_code() == ActixStatus::PAYLOAD_TOO_LARGE => {
            return from_http1(app.body_too_large(req.method().as_str(), req.path()));
        }
        // The body could not be read (connection cut, broken framing, bad Content-Length).
        Err(_) => {
            return from_http1(app.refuse(
                req.method().as_str(),
                req.path(),
                &Error::new(ErrorKind::BadRequest, "the request body could not be read"),
            ));
        }
    };
    match to_http1(&req, body) {
        Some(request) => from_http1(app.handle(request).await),
        None => from_http1(app.refuse(
            req.method().as_str(),
            req.path(),
            &Error::new(ErrorKind::BadRequest, "malformed request"),
        )),
    }
}

/// actix (`http` 0.2) request parts to an `http` 1 request.
fn to_http1(req: &HttpRequest, body: web::Bytes) -> Option<http::Request<web::Bytes>> {
    let method = http::Method::from_bytes(req.method().as_str().as_bytes()).ok()?;
    let uri = http::Uri::try_from(req.uri().to_string()).ok()?;
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in req.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder.body(body).ok()
}

/// An `http` 1 response to an actix (`http` 0.2) response.
fn from_http1(response: http::Response<web::Bytes>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let status =
        ActixStatus::from_u16(parts.status.as_u16()).unwrap_or(ActixStatus::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    out.body(body)
}

#[actix_web::main]
async fn main() {
    let args = example_common::args_or_exit("example-actix");
    example_common::init_tracing();
    if let Err(e) = run(args).await {
        eprintln!("example-actix: {e}");
        std::process::exit(1);
    }
}

async fn run(args: example_common::Args) -> Result<(), Box<dyn std::error::Error>> {
    let listener = std::net::TcpListener::bind(args.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let (app, startup) = App::new(&args, listener.local_addr()?, "actix-web").await?;
    print!("{}", startup.text());
    let max_body_bytes = app.max_body_bytes();
    let data = web::Data::new(app);
    HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(max_body_bytes))
            .default_service(web::to(handle))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run()
    .await?;
    tracing::info!("stopped");
    Ok(())
}
