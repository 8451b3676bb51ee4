//! The admin flow, custom attributes, start-up output and the command line.

use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use super::{expect_status, start_two_tenants, str_of, Scim, ACME_TOKEN, ADMIN_TOKEN};
use crate::client::{Client, HttpResponse};
use crate::harness::Server;

pub(super) fn admin(
    client: &mut Client,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> HttpResponse {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    let mut headers = vec![("Authorization", auth.as_str())];
    if bytes.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    client
        .request(method, path, &headers, bytes.as_deref())
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

fn scim_status(server: &Server, token: &str) -> u16 {
    Scim::new(server, token).get("/Users").status
}

/// Enable → the token works; enable again → 409; rotate → both work; status lists both
/// and never a token; revoke the old one → 401 for it; disable → 401 for all; a missing
/// or wrong admin token → 401.
pub fn admin_flow(bin: &str) {
    let server = start_two_tenants(bin, true);
    let mut c = server.client();
    let base = "/admin/tenants/initech/scim";

    let denied = c.request("POST", base, &[], None).unwrap();
    assert_eq!(denied.status, 401, "{}", denied.text());
    let wrong = c
        .request(
            "POST",
            base,
            &[("Authorization", "Bearer not-the-admin-token")],
            None,
        )
        .unwrap();
    assert_eq!(wrong.status, 401);
    let as_tenant = c
        .request(
            "POST",
            base,
            &[("Authorization", &format!("Bearer {ACME_TOKEN}"))],
            None,
        )
        .unwrap();
    assert_eq!(as_tenant.status, 401, "a SCIM token is not an admin token");

    let off = admin(&mut c, "GET", base, None);
    expect_status(&off, &[200], "status before enable");
    assert_eq!(off.json()["enabled"], false);

    let enabled = admin(&mut c, "POST", base, None);
    expect_status(&enabled, &[201], "enable");
    let body = enabled.json();
    let first = str_of(&body, "token").to_owned();
    let first_id = str_of(&body, "tokenId").to_owned();
    assert_eq!(
        str_of(&body, "scimUrl"),
        format!("http://{}/scim/v2", server.addr())
    );
    assert_eq!(scim_status(&server, &first), 200, "enabled token works");
    expect_status(&admin(&mut c, "POST", base, None), &[409], "enable twice");

    let rotated = admin(&mut c, "POST", &format!("{base}/rotate"), None);
    expect_status(&rotated, &[201], "rotate");
    let second = str_of(&rotated.json(), "token").to_owned();
    assert_ne!(first, second);
    assert_eq!(scim_status(&server, &second), 200, "new token works");
    assert_eq!(
        scim_status(&server, &first),
        200,
        "old token works until revoked"
    );

    let status = admin(&mut c, "GET", base, None);
    expect_status(&status, &[200], "status");
    let s = status.json();
    assert_eq!(s["enabled"], true);
    assert_eq!(s["tokens"].as_array().map(Vec::len), Some(2), "{s}");
    assert!(s["tokens"][0]["created"].is_string(), "{s}");
    assert!(!status.text().contains(&first) && !status.text().contains(&second));

    let listed = admin(&mut c, "GET", "/admin/tenants", None);
    expect_status(&listed, &[200], "list tenants");
    assert!(listed.text().contains("initech") && listed.text().contains("acme"));

    let revoked = admin(
        &mut c,
        "POST",
        &format!("{base}/tokens/{first_id}/revoke"),
        None,
    );
    expect_status(&revoked, &[200], "revoke");
    assert_eq!(scim_status(&server, &first), 401, "revoked token");
    assert_eq!(
        scim_status(&server, &second),
        200,
        "other token still works"
    );
    let again = admin(&mut c, "DELETE", &format!("{base}/tokens/{first_id}"), None);
    expect_status(&again, &[404], "revoke twice");

    let disabled = admin(&mut c, "DELETE", base, None);
    expect_status(&disabled, &[200], "disable");
    assert_eq!(disabled.json()["enabled"], false);
    assert_eq!(scim_status(&server, &second), 401, "disabled tenant");
    assert_eq!(
        scim_status(&server, ACME_TOKEN),
        200,
        "other tenants unaffected"
    );
    expect_status(
        &admin(&mut c, "POST", &format!("{base}/rotate"), None),
        &[409],
        "rotate while disabled",
    );

    let reenabled = admin(&mut c, "POST", base, None);
    expect_status(&reenabled, &[201], "enable again");
    let third = str_of(&reenabled.json(), "token").to_owned();
    assert_eq!(scim_status(&server, &third), 200);
    assert_eq!(scim_status(&server, &second), 401, "old tokens stay dead");

    let bad_name = admin(&mut c, "POST", "/admin/tenants/a%20b/scim", None);
    expect_status(&bad_name, &[400], "bad organization name");
}

/// The admin page is served (HTML, no caching) with the SCIM URL escaped into it.
pub fn admin_page(bin: &str) {
    let server = start_two_tenants(bin, true);
    let r = server.client().request("GET", "/admin", &[], None).unwrap();
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let html = r.text();
    for needle in [
        "Enable",
        "Rotate",
        "Disable",
        "navigator.clipboard",
        "/scim/v2",
    ] {
        assert!(html.contains(needle), "page lacks {needle}");
    }
    assert!(!html.contains(ADMIN_TOKEN) && !html.contains(ACME_TOKEN));
}

/// Without `--admin-token` there is no admin API or page.
pub fn admin_off_without_flag(bin: &str) {
    let server = start_two_tenants(bin, false);
    let mut c = server.client();
    for (method, path) in [("GET", "/admin"), ("POST", "/admin/tenants/acme/scim")] {
        let r = admin(&mut c, method, path, None);
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text());
    }
}

/// The admin API only acts on `Authorization: Bearer <admin token>`, which a cross-site
/// form cannot send and a cross-site script cannot send without a CORS preflight the server
/// never grants; and none of its answers may be cached (some hold a token, all describe
/// credentials).
pub fn admin_refuses_cross_site_requests(bin: &str) {
    let server = start_two_tenants(bin, true);
    let mut c = server.client();
    let base = "/admin/tenants/initech/scim";
    let evil = ("Origin", "https://evil.example");

    // Every route, known or not, wants the admin token before anything else.
    let basic = format!(
        "Basic {}",
        "YWRtaW46YWRtaW4tdG9rZW4tMDEyMzQ1Njc4OWFiY2RlZg==" // admin:admin-token-0123456789abcdef
    );
    for (method, path) in [
        ("GET", "/admin/tenants"),
        ("GET", base),
        ("POST", base),
        ("DELETE", base),
        ("POST", "/admin/tenants/initech/scim/rotate"),
        (
            "POST",
            "/admin/tenants/initech/scim/tokens/tok_0123456789abcdef/revoke",
        ),
        (
            "DELETE",
            "/admin/tenants/initech/scim/tokens/tok_0123456789abcdef",
        ),
        ("POST", "/admin/tenants/initech/attributes"),
        ("GET", "/admin/nothing-here"),
        ("OPTIONS", base),
    ] {
        for auth in [
            None,
            Some(basic.as_str()),
            Some("Bearer wrong-admin-token-0123"),
        ] {
            let mut headers = vec![evil];
            headers.extend(auth.map(|a| ("Authorization", a)));
            let r = c.request(method, path, &headers, None).unwrap();
            assert_eq!(r.status, 401, "{method} {path} {auth:?}: {}", r.text());
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer realm=\"admin\""),
                "{method} {path}"
            );
            assert_eq!(r.header("access-control-allow-origin"), None);
        }
    }

    // What a cross-site <form method=post> sends: no Authorization, a form body.
    let form = c
        .request(
            "POST",
            base,
            &[
                evil,
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", "session=whatever"),
            ],
            Some(format!("token={ADMIN_TOKEN}").as_bytes()),
        )
        .unwrap();
    assert_eq!(form.status, 401, "{}", form.text());

    // The preflight of a cross-site fetch with an Authorization header is not granted.
    let preflight = c
        .request(
            "OPTIONS",
            base,
            &[
                evil,
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "authorization"),
            ],
            None,
        )
        .unwrap();
    for h in [
        "access-control-allow-origin",
        "access-control-allow-headers",
        "access-control-allow-methods",
        "access-control-allow-credentials",
    ] {
        assert_eq!(preflight.header(h), None, "{h}");
    }

    // Nothing above enabled the organization.
    let status = admin(&mut c, "GET", base, None);
    assert_eq!(status.json()["enabled"], false, "{}", status.text());

    // No admin answer is cacheable, whether or not it holds a token.
    let enabled = admin(&mut c, "POST", base, None);
    expect_status(&enabled, &[201], "enable");
    let token_id = str_of(&enabled.json(), "tokenId").to_owned();
    let answers = [
        ("enable", enabled),
        (
            "rotate",
            admin(&mut c, "POST", &format!("{base}/rotate"), None),
        ),
        ("status", admin(&mut c, "GET", base, None)),
        ("list", admin(&mut c, "GET", "/admin/tenants", None)),
        (
            "revoke",
            admin(
                &mut c,
                "POST",
                &format!("{base}/tokens/{token_id}/revoke"),
                None,
            ),
        ),
        ("disable", admin(&mut c, "DELETE", base, None)),
        (
            "conflict",
            admin(&mut c, "POST", &format!("{base}/rotate"), None),
        ),
        ("unauthorized", c.request("GET", base, &[], None).unwrap()),
        ("page", c.request("GET", "/admin", &[], None).unwrap()),
    ];
    for (what, r) in &answers {
        assert_eq!(
            r.header("cache-control"),
            Some("no-store"),
            "{what}: {}",
            r.text()
        );
        assert_eq!(r.header("access-control-allow-origin"), None, "{what}");
    }
}

/// A custom attribute added for one organization shows in its `/Schemas` only.
pub fn custom_attribute(bin: &str) {
    let server = start_two_tenants(bin, true);
    let mut c = server.client();
    let added = admin(
        &mut c,
        "POST",
        "/admin/tenants/acme/attributes",
        Some(&json!({
            "name": "badgeColour", "type": "string", "required": false,
            "caseExact": false, "mutability": "readWrite", "returned": "default",
            "maxLength": 32, "canonicalValues": ["CC-1", "CC-2"]
        })),
    );
    expect_status(&added, &[201], "add attribute");
    let urn = str_of(&added.json(), "schema").to_owned();
    assert_eq!(urn, crate::admin::DEFAULT_EXTENSION_URN);

    let schemas = Scim::new(&server, ACME_TOKEN).get("/Schemas");
    expect_status(&schemas, &[200], "acme /Schemas");
    let text = schemas.text();
    assert!(
        text.contains(&urn) && text.contains("badgeColour"),
        "{text}"
    );
    let one = Scim::new(&server, ACME_TOKEN).get(&format!("/Schemas/{urn}"));
    expect_status(&one, &[200], "acme /Schemas/{urn}");

    let other = Scim::new(&server, super::GLOBEX_TOKEN).get("/Schemas");
    expect_status(&other, &[200], "globex /Schemas");
    assert!(
        !other.text().contains("badgeColour"),
        "leaked to another tenant"
    );

    let bad = admin(
        &mut c,
        "POST",
        "/admin/tenants/acme/attributes",
        Some(&json!({"name": "9bad", "type": "string"})),
    );
    expect_status(&bad, &[400], "invalid attribute name");
    let junk = admin(
        &mut c,
        "POST",
        "/admin/tenants/acme/attributes",
        Some(&json!({"name": "x", "type": "colour"})),
    );
    expect_status(&junk, &[400], "unknown type");
}

/// With no `--tenant`, organization `default` gets a fresh token, printed once with the
/// SCIM base URL, and that token works.
pub fn default_tenant_token_printed(bin: &str) {
    let server = Server::start(bin, &[]).expect("server starts");
    let wait = Duration::from_secs(10);
    let url = server.wait_for_line("SCIM base URL:", wait).unwrap();
    assert!(
        url.trim_end()
            .ends_with(&format!("http://{}/scim/v2", server.addr())),
        "{url}"
    );
    let line = server.wait_for_line("Bearer token:", wait).unwrap();
    let token = line.split_whitespace().last().unwrap().to_owned();
    assert!(token.starts_with("scim_"), "{line}");
    let r = Scim::new(&server, &token).get("/ServiceProviderConfig");
    expect_status(&r, &[200], "printed token");
}

/// `--public-url` is the base of `meta.location` and `Location`.
pub fn public_url_in_locations(bin: &str) {
    let acme = format!("acme={ACME_TOKEN}");
    let server = Server::start(
        bin,
        &[
            "--tenant",
            &acme,
            "--public-url",
            "https://scim.example.com",
        ],
    )
    .expect("server starts");
    let created = Scim::new(&server, ACME_TOKEN).post(
        "/Users",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "loc"}),
    );
    expect_status(&created, &[201], "create");
    let location = created.json()["meta"]["location"].clone();
    assert!(
        location
            .as_str()
            .is_some_and(|l| l.starts_with("https://scim.example.com/scim/v2/Users/")),
        "{location}"
    );
}

/// `--help` prints every flag and exits 0; mistakes exit 2 with a message.
pub fn cli_help_and_errors(bin: &str) {
    let help = Command::new(bin).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--bind ADDR",
        "--tenant NAME=TOKEN",
        "--require ATTR",
        "--max-length N",
        "--admin-token TOKEN",
        "--public-url URL",
        "--database-url URL",
    ] {
        assert!(text.contains(flag), "help lacks {flag}");
    }
    for args in [
        vec!["--database-url", "mysql://scim.db"],
        vec!["--tenant", "acme=short"],
        vec!["--bogus"],
    ] {
        let out = Command::new(bin)
            .args(&args)
            .arg("--bind")
            .arg("127.0.0.1:1")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(!out.stderr.is_empty(), "{args:?} should explain");
    }
    let db = Command::new(bin)
        .args(["--database-url", "scim.db"])
        .output()
        .unwrap();
    assert_eq!(db.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&db.stderr).contains("sqlite://PATH"));
}

/// SIGTERM stops the server cleanly (exit status 0).
pub fn sigterm_stops_gracefully(bin: &str) {
    let mut server = start_two_tenants(bin, false);
    assert_eq!(scim_status(&server, ACME_TOKEN), 200);
    let clean = server.terminate(Duration::from_secs(20)).unwrap();
    assert!(clean, "server did not exit cleanly on SIGTERM");
}

/// `--require` and `--max-length`: a missing or too long attribute is 400 `invalidValue`
/// naming it, and `/Schemas` reports the required attributes.
pub fn require_policy(bin: &str) {
    let acme = format!("acme={ACME_TOKEN}");
    let server = Server::start(
        bin,
        &[
            "--tenant",
            &acme,
            "--require",
            "externalId,name.givenName,name.familyName,emails",
            "--max-length",
            "255",
        ],
    )
    .expect("server starts");
    let mut scim = Scim::new(&server, ACME_TOKEN);
    let full = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "saas@example.com",
        "externalId": "ext-1",
        "name": {"givenName": "Sa", "familyName": "As"},
        "emails": [{"value": "saas@example.com", "type": "work", "primary": true}]
    });
    for (missing, path) in [
        ("externalId", "/externalId"),
        ("givenName", "/name/givenName"),
        ("emails", "/emails"),
    ] {
        let mut body = full.clone();
        let (parent, key) = path.rsplit_once('/').unwrap();
        body.pointer_mut(if parent.is_empty() { "" } else { parent })
            .and_then(Value::as_object_mut)
            .unwrap()
            .remove(key);
        let r = scim.post("/Users", &body);
        expect_status(&r, &[400], &format!("without {missing}"));
        let e = r.json();
        assert_eq!(e["scimType"], "invalidValue", "{e}");
        assert!(str_of(&e, "detail").contains(missing), "{e}");
    }
    let mut long = full.clone();
    long["name"]["familyName"] = json!("x".repeat(256));
    let r = scim.post("/Users", &long);
    expect_status(&r, &[400], "too long");
    assert!(
        str_of(&r.json(), "detail").contains("familyName"),
        "{}",
        r.text()
    );

    expect_status(&scim.post("/Users", &full), &[201], "complete user");

    let schemas = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
    expect_status(&schemas, &[200], "User schema");
    let s = schemas.json();
    let name = s["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "name"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(name["required"], true, "{name}");
}

/// At the most verbose log level, each request is logged with its method and path, and no
/// log line holds a token (tenant, generated or admin) or a query string.
pub fn logs_hold_no_secrets(bin: &str) {
    let acme = format!("acme={ACME_TOKEN}");
    let server = Server::start_logging(
        bin,
        &["--tenant", &acme, "--admin-token", ADMIN_TOKEN],
        Some("trace"),
    )
    .expect("server starts");
    let mut scim = Scim::new(&server, ACME_TOKEN);
    expect_status(
        &scim.get("/Users?filter=userName%20eq%20%22secret-query%22"),
        &[200],
        "filter",
    );
    expect_status(
        &Scim::new(&server, "wrong-token-0123456789").get("/Users"),
        &[401],
        "401",
    );
    let mut c = server.client();
    let enabled = admin(&mut c, "POST", "/admin/tenants/initech/scim", None);
    expect_status(&enabled, &[201], "enable");
    let issued = str_of(&enabled.json(), "token").to_owned();
    expect_status(
        &Scim::new(&server, &issued).get("/Users"),
        &[200],
        "issued token",
    );

    // Logging is asynchronous to the response: wait for the last request's line.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server
        .logs()
        .iter()
        .filter(|l| l.contains("/scim/v2/Users"))
        .count()
        < 3
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let logs = server.logs().join("\n");
    assert!(
        logs.contains("/scim/v2/Users"),
        "no request log lines:\n{logs}"
    );
    assert!(logs.contains("/admin/tenants/initech/scim"), "{logs}");
    for secret in [
        ACME_TOKEN,
        ADMIN_TOKEN,
        issued.as_str(),
        "wrong-token",
        "secret-query",
    ] {
        assert!(!logs.contains(secret), "'{secret}' in the logs:\n{logs}");
    }
}
