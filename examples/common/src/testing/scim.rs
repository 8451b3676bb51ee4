//! SCIM traffic as Okta and Entra ID send it (see shared/IDP-BEHAVIOUR.md), tenant
//! isolation and authentication failures.

use std::time::Duration;

use serde_json::{json, Value};

use crate::client::send_head;

use super::{
    expect_status, start_two_tenants, str_of, total, Scim, ACME_TOKEN, ADMIN_TOKEN, GLOBEX_TOKEN,
};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn okta_user(user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

/// Okta: existence check, create (with `password` and `groups`), duplicate, filter with
/// `%20` and `+`, case-insensitive `userName`, GET, GET-then-PUT, path-less deactivate,
/// paging, unknown id, delete.
pub fn okta_user_lifecycle(bin: &str) {
    let server = start_two_tenants(bin, false);
    let mut scim = Scim::new(&server, ACME_TOKEN);
    let filter =
        "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100";
    assert_eq!(total(&scim.get(filter)), 0, "existence check before create");

    let created = scim.send(
        "POST",
        "/Users",
        Some(&okta_user("test.user@okta.local")),
        "application/json",
    );
    expect_status(&created, &[201], "create");
    assert!(
        created
            .header("content-type")
            .unwrap_or("")
            .starts_with("application/scim+json"),
        "content type: {:?}",
        created.header("content-type")
    );
    let user = created.json();
    let id = str_of(&user, "id").to_owned();
    assert!(user.get("password").is_none(), "password echoed: {user}");
    assert_eq!(user["active"], true);
    assert_eq!(user["name"]["givenName"], "Test");
    assert!(created.header("location").is_some_and(|l| l.ends_with(&id)));

    let again = scim.send(
        "POST",
        "/Users",
        Some(&okta_user("test.user@okta.local")),
        "application/json",
    );
    expect_status(&again, &[409], "duplicate create");
    assert!(again.json()["detail"].is_string(), "{}", again.text());

    let found = scim.get(filter);
    assert_eq!(total(&found), 1);
    assert_eq!(found.json()["Resources"][0]["id"], id.as_str());
    let plus = "/Users?filter=userName+eq+%22TEST.USER%40OKTA.LOCAL%22";
    assert_eq!(
        total(&scim.get(plus)),
        1,
        "'+' as space, userName caseExact=false"
    );

    let got = scim.get(&format!("/Users/{id}"));
    expect_status(&got, &[200], "get");
    let mut full = got.json();
    assert_eq!(full["userName"], "test.user@okta.local");

    // Okta edits the fetched JSON (with id, meta, schemas) and PUTs it back.
    full["name"]["givenName"] = json!("Renamed");
    let put = scim.put(&format!("/Users/{id}"), &full);
    expect_status(&put, &[200], "put");
    assert_eq!(put.json()["name"]["givenName"], "Renamed");

    let deactivate = scim.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    expect_status(&deactivate, &[200, 204], "deactivate");
    let after = scim.get(&format!("/Users/{id}"));
    expect_status(&after, &[200], "deactivated user is still visible");
    assert_eq!(after.json()["active"], false);
    assert_eq!(
        total(&scim.get(filter)),
        1,
        "deactivated user still matches"
    );

    let page = scim.get("/Users?startIndex=1&count=100");
    assert_eq!(total(&page), 1);

    let missing = scim.get("/Users/010101001010101011001010101011");
    expect_status(&missing, &[404], "unknown id");
    let body = missing.json();
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert!(body["detail"].is_string(), "{body}");

    expect_status(&scim.delete(&format!("/Users/{id}")), &[204], "delete");
    expect_status(
        &scim.get(&format!("/Users/{id}")),
        &[404],
        "get after delete",
    );
}

fn entra_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": "jdoe",
        "userName": "jdoe@contoso.example",
        "active": true,
        "addresses": null,
        "emails": [{"primary": true, "type": "work", "value": "jdoe@contoso.example"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane"},
        "roles": [],
        ENTERPRISE: {"department": "Sales", "employeeNumber": "100"}
    })
}

/// Entra ID: Test Connection probe (no Accept header, `+` encoding), create with the
/// enterprise extension and nulls, filter by `externalId`, PATCH in the legacy dialect
/// (capitalised ops, string booleans, one op per attribute) and in the `aadOptscim062020`
/// dialect (path-less replace with dotted and URN-qualified keys), disable, delete.
pub fn entra_user_lifecycle(bin: &str) {
    let server = start_two_tenants(bin, false);
    let mut scim = Scim::new(&server, ACME_TOKEN);
    let probe = scim.get("/Users?filter=userName+eq+%227d420df3-0ea0-4a3d-bc2a-2d1b2f3e4a5b%22");
    assert_eq!(total(&probe), 0, "Test Connection");
    assert!(probe
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/scim+json"));

    let created = scim.send(
        "POST",
        "/Users",
        Some(&entra_user()),
        "application/scim+json; charset=utf-8",
    );
    expect_status(&created, &[201], "create");
    let id = str_of(&created.json(), "id").to_owned();
    let path = format!("/Users/{id}");
    let by_external = scim.get("/Users?filter=externalId+eq+%22jdoe%22");
    assert_eq!(total(&by_external), 1);

    let legacy = scim.patch(
        &path,
        json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "jane@contoso.example"},
            {"op": "Replace", "path": "name.familyName", "value": "Smith"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "200"}
        ]),
    );
    expect_status(&legacy, &[200, 204], "legacy PATCH");
    let user = scim.get(&path).json();
    assert_eq!(user["emails"][0]["value"], "jane@contoso.example", "{user}");
    assert_eq!(user["name"]["familyName"], "Smith", "{user}");
    assert_eq!(user["nickName"], "Babs", "{user}");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "200", "{user}");

    let modern = scim.patch(
        &path,
        json!([{"op": "replace", "value": {
            "displayName": "Jane Smith",
            "name.givenName": "Janet",
            format!("{ENTERPRISE}:department"): "Marketing"
        }}]),
    );
    expect_status(&modern, &[200, 204], "aadOptscim062020 PATCH");
    let user = scim.get(&path).json();
    assert_eq!(user["displayName"], "Jane Smith", "{user}");
    assert_eq!(user["name"]["givenName"], "Janet", "{user}");
    assert_eq!(user[ENTERPRISE]["department"], "Marketing", "{user}");

    let disable = scim.patch(
        &path,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    expect_status(&disable, &[200, 204], "disable with a string boolean");
    let user = scim.get(&path);
    expect_status(&user, &[200], "disabled user is still visible");
    assert_eq!(user.json()["active"], false);

    expect_status(&scim.delete(&path), &[204], "delete");
    expect_status(&scim.get(&path), &[404], "get after delete");
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Groups as Entra and Okta push them: create without members (with Microsoft's extra
/// schema URI), filter by `displayName` with `excludedAttributes=members`, add members
/// (`"$ref": null`), Okta's combined rename + remove + add PATCH, Entra's legacy
/// remove-by-value, PUT, delete.
pub fn groups_push(bin: &str) {
    let server = start_two_tenants(bin, false);
    let mut scim = Scim::new(&server, ACME_TOKEN);
    let mut users = Vec::new();
    for name in ["alice@example.com", "bob@example.com"] {
        let r = scim.post(
            "/Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}),
        );
        expect_status(&r, &[201], "create member");
        users.push(str_of(&r.json(), "id").to_owned());
    }
    let (u1, u2) = (users[0].clone(), users[1].clone());

    let created = scim.post(
        "/Groups",
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Sales Reps",
            "meta": {"resourceType": "Group"}
        }),
    );
    expect_status(&created, &[201], "create group");
    let gid = str_of(&created.json(), "id").to_owned();
    let path = format!("/Groups/{gid}");

    let found =
        scim.get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales+Reps%22");
    assert_eq!(total(&found), 1);
    assert_eq!(found.json()["Resources"][0]["id"], gid.as_str());

    let add = scim.patch(
        &path,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": u1}]}]),
    );
    expect_status(&add, &[200, 204], "add member");
    assert_eq!(member_ids(&scim.get(&path).json()), vec![u1.clone()]);

    // Okta: a rename (with the read-only id) travels with every membership change.
    let okta = scim.patch(
        &path,
        json!([
            {"op": "replace", "value": {"id": gid, "displayName": "Sales"}},
            {"op": "remove", "path": format!("members[value eq \"{u1}\"]")},
            {"op": "add", "path": "members", "value": [{"value": u2, "display": "bob@example.com"}]}
        ]),
    );
    expect_status(&okta, &[200, 204], "Okta membership PATCH");
    let group = scim.get(&path).json();
    assert_eq!(group["displayName"], "Sales", "{group}");
    assert_eq!(member_ids(&group), vec![u2.clone()], "{group}");

    let slim = scim.get(&format!("{path}?excludedAttributes=members"));
    expect_status(&slim, &[200], "get without members");
    assert!(slim.json().get("members").is_none(), "{}", slim.text());

    let remove = scim.patch(
        &path,
        json!([{"op": "Remove", "path": "members", "value": [{"value": u2}]}]),
    );
    expect_status(&remove, &[200, 204], "Entra legacy remove");
    assert!(member_ids(&scim.get(&path).json()).is_empty());

    let put = scim.put(
        &path,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Sales",
            "members": [{"value": u1}, {"value": u2}]
        }),
    );
    expect_status(&put, &[200], "PUT group");
    let mut both = vec![u1.clone(), u2.clone()];
    both.sort();
    assert_eq!(member_ids(&scim.get(&path).json()), both);

    let okta_group = scim.post(
        "/Groups",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Engineering", "members": []}),
    );
    expect_status(&okta_group, &[201], "Okta group push");
    assert_eq!(total(&scim.get("/Groups?startIndex=1&count=100")), 2);

    expect_status(&scim.delete(&path), &[204], "delete group");
    expect_status(&scim.get(&path), &[404], "get after delete");
}

/// One organization never sees another's resources, and a `userName` is unique per
/// organization only.
pub fn tenant_isolation(bin: &str) {
    let server = start_two_tenants(bin, false);
    let mut acme = Scim::new(&server, ACME_TOKEN);
    let mut globex = Scim::new(&server, GLOBEX_TOKEN);
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                      "userName": "shared@example.com"});
    let created = acme.post("/Users", &body);
    expect_status(&created, &[201], "acme create");
    let id = str_of(&created.json(), "id").to_owned();

    expect_status(
        &globex.get(&format!("/Users/{id}")),
        &[404],
        "other tenant's id",
    );
    assert_eq!(total(&globex.get("/Users")), 0);
    assert_eq!(
        total(&globex.get("/Users?filter=userName%20eq%20%22shared%40example.com%22")),
        0
    );
    expect_status(
        &globex.delete(&format!("/Users/{id}")),
        &[404],
        "delete across tenants",
    );
    expect_status(
        &globex.post("/Users", &body),
        &[201],
        "same userName, other tenant",
    );
    assert_eq!(total(&acme.get("/Users")), 1);
    assert_eq!(total(&globex.get("/Users")), 1);
}

/// Missing, unknown and malformed credentials are all 401 with a SCIM error body and a
/// `WWW-Authenticate` challenge, on resource and discovery endpoints alike.
pub fn unauthorized(bin: &str) {
    let server = start_two_tenants(bin, false);
    let mut client = server.client();
    let wrong = format!("Bearer {ACME_TOKEN}x");
    let credentials: [Option<&str>; 5] = [
        None,
        Some(wrong.as_str()),
        Some("non-token"),
        Some("Basic YWNtZTpzZWNyZXQ="),
        Some("Bearer "),
    ];
    for path in ["/scim/v2/Users", "/scim/v2/ServiceProviderConfig"] {
        for auth in credentials {
            let headers: Vec<(&str, &str)> =
                auth.map(|a| ("Authorization", a)).into_iter().collect();
            let r = client.request("GET", path, &headers, None).unwrap();
            assert_eq!(r.status, 401, "{path} with {auth:?}: {}", r.text());
            assert!(r.header("www-authenticate").is_some(), "{path} {auth:?}");
            let body = r.json();
            assert_eq!(body["status"], "401", "{body}");
            assert!(
                body["detail"].as_str().is_some_and(|d| !d.is_empty()),
                "{body}"
            );
            assert!(!r.text().contains(ACME_TOKEN), "token echoed");
        }
    }
    let ok = Scim::new(&server, GLOBEX_TOKEN).get("/ServiceProviderConfig");
    expect_status(&ok, &[200], "valid token");
}

/// A body over the SCIM service's limit (1 MiB by default) is refused by the host on its
/// `Content-Length`, before it is sent, with the service's own RFC 7644 §3.12 413
/// (`application/scim+json`): just over the limit and far over it, as the framework's
/// answer used to be plain text. Under `/admin` it is the admin API's JSON error.
pub fn body_over_limit(bin: &str) {
    const LIMIT: usize = 1024 * 1024;
    let server = start_two_tenants(bin, true);
    let head = |target: &str, token: &str, len: usize| {
        format!(
            "POST {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/scim+json\r\nContent-Length: {len}\r\n\r\n",
            server.addr()
        )
    };
    let wait = Duration::from_secs(15);
    for len in [64 * LIMIT, LIMIT + 1] {
        let what = format!("POST /Users with Content-Length {len}");
        let r = send_head(
            server.addr(),
            head("/scim/v2/Users", ACME_TOKEN, len).as_bytes(),
            wait,
        )
        .unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
        expect_status(&r, &[413], &what);
        assert_eq!(
            r.header("content-type"),
            Some("application/scim+json"),
            "{what}: {}",
            r.text()
        );
        let body = r.json();
        assert_eq!(
            body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
            "{what}: {}",
            r.text()
        );
        assert_eq!(body["status"], "413", "{what}: {body}");
        assert_eq!(
            body["detail"],
            format!("the request body is larger than {LIMIT} bytes"),
            "{what}: {body}"
        );
    }

    let admin = "/admin/tenants/acme/attributes";
    let r = send_head(
        server.addr(),
        head(admin, ADMIN_TOKEN, 64 * LIMIT).as_bytes(),
        wait,
    )
    .unwrap_or_else(|e| panic!("POST {admin}: no answer: {e}"));
    expect_status(&r, &[413], admin);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json()["status"], 413, "{}", r.text());

    // The server goes on answering.
    let mut scim = Scim::new(&server, ACME_TOKEN);
    assert_eq!(total(&scim.get("/Users")), 0);
}
