//! The end-to-end suite both example binaries must pass (feature `testing`).
//!
//! Each example package runs it against its own binary from an integration test:
//!
//! ```ignore
//! example_common::e2e_suite!(env!("CARGO_BIN_EXE_example-axum"));
//! ```
//!
//! Every test starts its own server on a free loopback port (so tests run in parallel and
//! never share state) and talks to it over real HTTP with [`crate::client::Client`].

// Test code: a failed expectation is a panic with the response in the message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod admin;
mod restart;
mod scim;

pub use admin::{
    admin_flow, admin_off_without_flag, admin_page, admin_refuses_cross_site_requests,
    cli_help_and_errors, custom_attribute, default_tenant_token_printed, logs_hold_no_secrets,
    public_url_in_locations, require_policy, sigterm_stops_gracefully,
};
pub use restart::{restart_keeps_data, tenant_flag_change_reports_old_tokens};
pub use scim::{
    body_over_limit, entra_user_lifecycle, groups_push, okta_user_lifecycle, tenant_isolation,
    unauthorized,
};

use serde_json::Value;

use crate::client::{Client, HttpResponse};
use crate::harness::Server;

/// The token of organization `acme` in the suite.
pub const ACME_TOKEN: &str = "acme-token-0123456789abcdef";
/// The token of organization `globex` in the suite.
pub const GLOBEX_TOKEN: &str = "globex-token-0123456789abcdef";
/// The admin token in the suite.
pub const ADMIN_TOKEN: &str = "admin-token-0123456789abcdef";

/// Defines one `#[test]` per suite scenario, each running it against `$bin`.
#[macro_export]
macro_rules! e2e_suite {
    ($bin:expr) => {
        $crate::e2e_suite!(@each $bin;
            tenant_isolation, unauthorized, admin_flow, admin_page, admin_off_without_flag,
            custom_attribute, default_tenant_token_printed, public_url_in_locations,
            cli_help_and_errors, sigterm_stops_gracefully, okta_user_lifecycle,
            entra_user_lifecycle, groups_push, require_policy, logs_hold_no_secrets,
            restart_keeps_data, body_over_limit, admin_refuses_cross_site_requests,
            tenant_flag_change_reports_old_tokens);
    };
    (@each $bin:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                $crate::testing::$name($bin)
            }
        )*
    };
}

/// Starts `bin` with organizations `acme` and `globex` (and the admin API when `admin`).
pub fn start_two_tenants(bin: &str, admin: bool) -> Server {
    let acme = format!("acme={ACME_TOKEN}");
    let globex = format!("globex={GLOBEX_TOKEN}");
    let mut args = vec!["--tenant", &acme, "--tenant", &globex];
    if admin {
        args.extend(["--admin-token", ADMIN_TOKEN]);
    }
    Server::start(bin, &args).expect("example server starts")
}

/// A SCIM client for one tenant: base path `/scim/v2`, its bearer token.
pub struct Scim {
    client: Client,
    auth: String,
}

impl Scim {
    /// A client of `server` authenticating with `token`.
    pub fn new(server: &Server, token: &str) -> Scim {
        Scim {
            client: server.client(),
            auth: format!("Bearer {token}"),
        }
    }

    /// Sends a request to `/scim/v2{path}` with the token and, for a body, the given
    /// content type.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        content_type: &str,
    ) -> HttpResponse {
        let target = format!("/scim/v2{path}");
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        let mut headers = vec![("Authorization", self.auth.as_str())];
        if bytes.is_some() {
            headers.push(("Content-Type", content_type));
        }
        self.client
            .request(method, &target, &headers, bytes.as_deref())
            .unwrap_or_else(|e| panic!("{method} {target}: {e}"))
    }

    /// `GET /scim/v2{path}`.
    pub fn get(&mut self, path: &str) -> HttpResponse {
        self.send("GET", path, None, "")
    }

    /// `POST` with `application/scim+json`.
    pub fn post(&mut self, path: &str, body: &Value) -> HttpResponse {
        self.send("POST", path, Some(body), "application/scim+json")
    }

    /// `PUT` with `application/scim+json`.
    pub fn put(&mut self, path: &str, body: &Value) -> HttpResponse {
        self.send("PUT", path, Some(body), "application/scim+json")
    }

    /// `PATCH` with these operations, as Entra sends them
    /// (`application/scim+json; charset=utf-8`).
    pub fn patch(&mut self, path: &str, operations: Value) -> HttpResponse {
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        });
        self.send(
            "PATCH",
            path,
            Some(&body),
            "application/scim+json; charset=utf-8",
        )
    }

    /// `DELETE`.
    pub fn delete(&mut self, path: &str) -> HttpResponse {
        self.send("DELETE", path, None, "")
    }
}

/// Panics with the response unless its status is one of `expected`.
#[track_caller]
pub fn expect_status(r: &HttpResponse, expected: &[u16], what: &str) {
    assert!(
        expected.contains(&r.status),
        "{what}: expected {expected:?}, got {} {}",
        r.status,
        r.text()
    );
}

/// The `totalResults` of a ListResponse, checking it is a JSON integer.
#[track_caller]
pub fn total(r: &HttpResponse) -> u64 {
    expect_status(r, &[200], "list");
    let body = r.json();
    assert_eq!(
        body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse",
        "{body}"
    );
    assert!(body["startIndex"].is_u64(), "{body}");
    assert!(body["itemsPerPage"].is_u64(), "{body}");
    body["totalResults"]
        .as_u64()
        .unwrap_or_else(|| panic!("totalResults is not an integer: {body}"))
}

/// A JSON string member as `&str`, or panic.
#[track_caller]
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string '{key}' in {v}"))
}
