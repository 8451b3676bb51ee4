//! Data in a `--database-url` database survives a restart.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::admin::admin;
use super::{expect_status, str_of, Scim, ACME_TOKEN, ADMIN_TOKEN};
use crate::harness::Server;

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("scimitar-restart-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// On SQLite: users, a group with both as members, a custom attribute and the `--tenant`
/// token are all there after the server is killed and started again, the resources
/// byte-for-byte the same JSON (ids, versions, memberships).
pub fn restart_keeps_data(bin: &str) {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("scim.db").display());
    let tenant = format!("acme={ACME_TOKEN}");
    // A fixed public URL: the port changes across restarts, meta.location must not.
    let args = [
        "--database-url",
        &url,
        "--tenant",
        &tenant,
        "--admin-token",
        ADMIN_TOKEN,
        "--public-url",
        "http://scim.test",
    ];

    let server = Server::start(bin, &args).expect("example server starts");
    let mut scim = Scim::new(&server, ACME_TOKEN);
    let mut ids = Vec::new();
    for name in ["alice@example.com", "bob@example.com"] {
        let r = scim.post(
            "/Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": name, "name": {"givenName": "A", "familyName": "B"}}),
        );
        expect_status(&r, &[201], "create user");
        ids.push(str_of(&r.json(), "id").to_owned());
    }
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    let g = scim.post(
        "/Groups",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Sales", "members": members}),
    );
    expect_status(&g, &[201], "create group");
    let gid = str_of(&g.json(), "id").to_owned();
    let added = admin(
        &mut server.client(),
        "POST",
        "/admin/tenants/acme/attributes",
        Some(&json!({"name": "badgeColour", "type": "string"})),
    );
    expect_status(&added, &[201], "add attribute");

    let paths: Vec<String> = ids
        .iter()
        .map(|id| format!("/Users/{id}"))
        .chain([format!("/Groups/{gid}")])
        .collect();
    let read = |scim: &mut Scim| -> Vec<Value> {
        paths
            .iter()
            .map(|p| {
                let r = scim.get(p);
                expect_status(&r, &[200], p);
                r.json()
            })
            .collect()
    };
    let before = read(&mut scim);
    let group = before.last().unwrap();
    assert_eq!(
        group["members"].as_array().map(Vec::len),
        Some(2),
        "{group}"
    );
    drop(scim);
    drop(server); // kills the child

    let server = Server::start(bin, &args).expect("example server restarts");
    let mut scim = Scim::new(&server, ACME_TOKEN);
    let after = read(&mut scim);
    assert_eq!(before, after, "resources changed across a restart");
    let schemas = scim.get("/Schemas");
    expect_status(&schemas, &[200], "/Schemas after restart");
    assert!(schemas.text().contains("badgeColour"), "{}", schemas.text());
    drop(scim);
    drop(server);
}
