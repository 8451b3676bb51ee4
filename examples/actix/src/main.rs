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
use example_common::{App, MAX_BODY_BYTES};

/// Every request goes to the shared [`App`]; actix only moves bytes.
async fn handle(app: web::Data<App>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    match to_http1(&req, body) {
        Some(request) => from_http1(app.handle(request).await),
        None => HttpResponse::BadRequest().body("malformed request\n"),
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
    let data = web::Data::new(app);
    HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .default_service(web::to(handle))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run()
    .await?;
    tracing::info!("stopped");
    Ok(())
}
