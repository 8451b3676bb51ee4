//! What the scimitar example servers share, whatever framework hosts them.
//!
//! `example-axum` and `example-actix` are thin hosts: each parses the command line with
//! [`args::parse`], binds its socket, builds an [`App`] and hands it every request as an
//! `http::Request<Bytes>`. The [`App`] answers SCIM under `/scim/v2` (a
//! [`scimitar::ScimService`]), the admin API and page under `/admin`, and logs each request.
//! Nothing here knows about axum or actix-web.

pub mod admin;
pub mod args;
pub mod client;
pub mod harness;
mod page;
pub mod service;
#[cfg(feature = "testing")]
pub mod testing;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use scimitar::auth::{TenantTokens, TokenHash};
use scimitar::schema::SchemaRegistry;
use scimitar::{Error, ErrorKind, ScimService, TenantId};
use tracing::Instrument;

pub use args::{parse, Args, ArgsError, Command};

/// Where SCIM is served.
pub const SCIM_BASE_PATH: &str = "/scim/v2";

/// The organization enabled when no `--tenant` is given.
pub const DEFAULT_TENANT: &str = "default";

/// The example server: SCIM service, token manager, schema registry and admin settings.
///
/// Cheap to clone: the state is shared.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) service: ScimService,
    pub(crate) tokens: Arc<service::Tokens>,
    pub(crate) db: service::Database,
    pub(crate) schemas: Arc<SchemaRegistry>,
    pub(crate) admin_token: Option<TokenHash>,
    pub(crate) scim_url: String,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("scim_url", &self.inner.scim_url)
            .field("admin", &self.inner.admin_token.is_some())
            .finish_non_exhaustive()
    }
}

/// What to tell the operator once the server listens.
///
/// It may hold a generated token, so its `Debug` shows only its length.
pub struct Startup {
    text: String,
}

impl std::fmt::Debug for Startup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Startup")
            .field(
                "text",
                &format_args!("<{} bytes, may hold a token>", self.text.len()),
            )
            .finish()
    }
}

impl Startup {
    /// The lines to print on standard output, once.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl App {
    /// Sets the server up for `args`, listening on `local` (the address actually bound):
    /// opens `--database-url` (or memory), loads the custom attributes saved there,
    /// registers the `--tenant` tokens (again at every start: a token the organization
    /// already has is kept), or enables organization `default` with a fresh token unless a
    /// database already has it enabled, and builds the SCIM service.
    ///
    /// Returns the start-up message, which holds a generated token: print it once.
    pub async fn new(
        args: &Args,
        local: SocketAddr,
        framework: &str,
    ) -> Result<(App, Startup), scimitar::Error> {
        let db = service::Database::open(args.database_url.as_deref()).await?;
        let tokens = Arc::new(TenantTokens::new(db.token_store()));
        let schemas = Arc::new(SchemaRegistry::with_policy(service::policy(args)?));
        let loaded = db.load_custom_attributes(&schemas).await?;
        let scim_url = scim_url(args.public_url.as_deref(), local);
        let service = service::build(args, &db, Arc::clone(&tokens), Arc::clone(&schemas))?;

        let mut text = format!("scimitar example on {framework}, listening on http://{local}\n");
        if db.is_persistent() {
            text.push_str(&format!(
                "Data is kept in the --database-url database ({loaded} custom attributes loaded)\n"
            ));
        }
        let default = TenantId::new(DEFAULT_TENANT);
        if args.tenants.is_empty() && tokens.status(&default).await?.enabled {
            // Only the hash is stored: the token cannot be shown again.
            text.push_str(&format!(
                "\nSCIM is already enabled for organization '{DEFAULT_TENANT}' in the database; \
                 its token is not shown again (issue a new one with the admin API's rotate).\n  \
                 SCIM base URL: {scim_url}\n"
            ));
        } else if args.tenants.is_empty() {
            let issued = tokens.enable(&default).await?;
            text.push_str(&format!(
                "\nSCIM is enabled for organization '{DEFAULT_TENANT}'. Copy these into your IdP \
                 (the token is shown only now):\n  SCIM base URL: {scim_url}\n  Bearer token:  {}\n",
                issued.secret()
            ));
        } else {
            let mut others = Vec::new();
            for (name, token) in &args.tenants {
                let tenant = TenantId::new(name);
                tokens
                    .register(&tenant, token)
                    .await
                    .map_err(|e| e.with_context(format!("--tenant {name}")))?;
                // `--tenant` never revokes: a token from an earlier `--tenant` (or the admin
                // API) stays valid in a database, so changing the flag does not revoke it.
                let live = tokens.status(&tenant).await?.tokens.len();
                if live > 1 {
                    others.push((name, live - 1));
                }
            }
            let names: Vec<&str> = args.tenants.iter().map(|(n, _)| n.as_str()).collect();
            text.push_str(&format!(
                "\nSCIM base URL: {scim_url}\nSCIM is enabled for: {} (tokens from --tenant or SCIMITAR_TENANTS)\n",
                names.join(", ")
            ));
            for (name, n) in others {
                let (s, it) = if n == 1 {
                    ("", "it keeps")
                } else {
                    ("s", "they keep")
                };
                text.push_str(&format!(
                    "Organization '{name}' has {n} other live token{s} besides its --tenant token \
                     (from an earlier --tenant or the admin API): {it} working until you \
                     revoke {} with the admin API (GET /admin/tenants/{name}/scim lists them).\n",
                    if n == 1 { "it" } else { "them" }
                ));
            }
        }
        if !args.require.is_empty() {
            text.push_str(&format!(
                "Required User attributes beyond userName: {}\n",
                args.require.join(", ")
            ));
        }
        if args.admin_token.is_some() {
            text.push_str(&format!(
                "Admin page: http://{local}/admin (API under /admin/tenants, Bearer admin token)\n"
            ));
        }
        let app = App {
            inner: Arc::new(Inner {
                service,
                tokens,
                db,
                schemas,
                admin_token: args.admin_token.as_deref().map(TokenHash::of),
                scim_url,
            }),
        };
        Ok((app, Startup { text }))
    }

    /// The SCIM base URL shown to administrators.
    pub fn scim_url(&self) -> &str {
        &self.inner.scim_url
    }

    /// The SCIM service, e.g. to mount it somewhere else.
    pub fn service(&self) -> &ScimService {
        &self.inner.service
    }

    /// The largest request body a host buffers: the SCIM service's own limit
    /// ([`scimitar::Limits::max_body_bytes`]), so there is one number. A host refuses a
    /// larger body (by its `Content-Length`, or once it has read that much) with
    /// [`body_too_large`](Self::body_too_large).
    pub fn max_body_bytes(&self) -> usize {
        self.inner.service.limits().max_body_bytes
    }

    /// The answer to a request whose body is larger than
    /// [`max_body_bytes`](Self::max_body_bytes), refused by the host before it reached
    /// [`handle`](Self::handle): 413 with the detail the SCIM service itself gives, rendered
    /// as [`refuse`](Self::refuse) does.
    pub fn body_too_large(&self, method: &str, path: &str) -> Response<Bytes> {
        let e = Error::new(
            ErrorKind::PayloadTooLarge,
            format!(
                "the request body is larger than {} bytes",
                self.max_body_bytes()
            ),
        );
        self.refuse(method, path, &e)
    }

    /// The answer to a request the host could not hand over to [`handle`](Self::handle)
    /// (body too large or unreadable, request not convertible), in the format of the route
    /// it was meant for: under `/scim/v2` an RFC 7644 §3.12 error body with
    /// `Content-Type: application/scim+json`, under `/admin` the admin API's JSON error,
    /// elsewhere plain text. Logged like any other request.
    pub fn refuse(&self, method: &str, path: &str, e: &Error) -> Response<Bytes> {
        let response = if is_under(path, SCIM_BASE_PATH) {
            scim_error(e)
        } else if is_under(path, "/admin") {
            admin::error(e)
        } else {
            let mut r = Response::new(Bytes::from(format!("{}\n", e.detail())));
            *r.status_mut() = e.status();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        };
        tracing::info_span!("http", %method, %path).in_scope(|| {
            tracing::info!(
                status = response.status().as_u16(),
                "request refused before it reached the service"
            );
        });
        response
    }

    /// Answers one request: SCIM under `/scim/v2`, the admin API and page under `/admin`.
    /// Logs method, path (never the query string), status and latency; never a header.
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let span = tracing::info_span!("http", %method, %path);
        if is_under(&path, SCIM_BASE_PATH) {
            // The service logs its own line (route, tenant, status, duration, IdP
            // compatibility rules) inside this span.
            return self.inner.service.handle(req).instrument(span).await;
        }
        let response = if is_under(&path, "/admin") {
            admin::handle(&self.inner, req)
                .instrument(span.clone())
                .await
        } else if path == "/" || path == "/healthz" {
            text(
                StatusCode::OK,
                "scimitar example: SCIM is served under /scim/v2\n",
            )
        } else {
            text(StatusCode::NOT_FOUND, "not found\n")
        };
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        span.in_scope(|| {
            tracing::info!(
                status = response.status().as_u16(),
                latency_us,
                "request finished"
            );
        });
        response
    }
}

/// The SCIM base URL: `--public-url` (with `/scim/v2` appended unless already there), else
/// `http://{local}/scim/v2`.
pub fn scim_url(public_url: Option<&str>, local: SocketAddr) -> String {
    match public_url {
        Some(url) => {
            let url = url.trim_end_matches('/');
            if url.ends_with(SCIM_BASE_PATH) {
                url.to_owned()
            } else {
                format!("{url}{SCIM_BASE_PATH}")
            }
        }
        None => format!("http://{local}{SCIM_BASE_PATH}"),
    }
}

/// Logs to standard error, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Parses the process's arguments; prints help or the mistake and exits as a CLI should.
pub fn args_or_exit(program: &str) -> Args {
    match args::parse_with_env(std::env::args().skip(1), |k| std::env::var(k).ok()) {
        Ok(Command::Run(a)) => a,
        Ok(Command::Help) => {
            print!("{}", args::help(program));
            std::process::exit(0)
        }
        Err(e) => {
            eprintln!("{program}: {e}");
            std::process::exit(2)
        }
    }
}

fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `e` as the SCIM service renders its errors: the RFC 7644 §3.12 body, `application/scim+json`.
fn scim_error(e: &Error) -> Response<Bytes> {
    e.to_response()
}

pub(crate) fn text(status: StatusCode, body: &'static str) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from_static(body.as_bytes()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_url_forms() {
        let local: SocketAddr = ([127, 0, 0, 1], 8080).into();
        assert_eq!(scim_url(None, local), "http://127.0.0.1:8080/scim/v2");
        assert_eq!(
            scim_url(Some("https://a.example.com/"), local),
            "https://a.example.com/scim/v2"
        );
        assert_eq!(
            scim_url(Some("https://a.example.com/scim/v2/"), local),
            "https://a.example.com/scim/v2"
        );
    }

    #[test]
    fn startup_debug_hides_the_token_it_holds() {
        let token = "scim_generatedtokengeneratedtokengeneratedtoken234567";
        let startup = Startup {
            text: format!("SCIM base URL: http://x/scim/v2\n  Bearer token:  {token}\n"),
        };
        assert!(startup.text().contains(token));
        let dbg = format!("{startup:?} {startup:#?}");
        assert!(!dbg.contains(token), "{dbg}");
    }

    #[test]
    fn prefixes() {
        assert!(is_under("/scim/v2", "/scim/v2"));
        assert!(is_under("/scim/v2/Users", "/scim/v2"));
        assert!(!is_under("/scim/v2x", "/scim/v2"));
        assert!(!is_under("/adminx", "/admin"));
    }
}
