//! Data in a `--database-url` database survives a restart.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// `--tenant` registers its token at every start and never revokes one, so with a database
/// a token from an earlier `--tenant` keeps working after the flag is changed. Changing the
/// flag must not pass for revoking the old token: the start-up message says that the
/// organization has another live token and how to revoke it.
pub fn tenant_flag_change_reports_old_tokens(bin: &str) {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("scim.db").display());
    let first = format!("acme={ACME_TOKEN}");
    let server = Server::start(bin, &["--database-url", &url, "--tenant", &first])
        .expect("example server starts");
    server
        .wait_for_line("SCIM is enabled for", Duration::from_secs(10))
        .unwrap();
    assert!(
        server
            .wait_for_line("other live token", Duration::from_millis(200))
            .is_err(),
        "nothing to report on a fresh database"
    );
    drop(server);

    let new_token = "acme-new-token-0123456789abcdef";
    let second = format!("acme={new_token}");
    let server = Server::start(bin, &["--database-url", &url, "--tenant", &second])
        .expect("example server restarts");
    let line = server
        .wait_for_line("other live token", Duration::from_secs(10))
        .expect("the start-up message reports the old token");
    assert!(line.contains("'acme'"), "{line}");
    assert!(
        !line.contains(ACME_TOKEN) && !line.contains(new_token),
        "{line}"
    );
    server
        .wait_for_line("revoke", Duration::from_secs(1))
        .expect("and says how to revoke it");
    // The behaviour it warns about: both tokens work until one is revoked.
    expect_status(&Scim::new(&server, ACME_TOKEN).get("/Users"), &[200], "old");
    expect_status(&Scim::new(&server, new_token).get("/Users"), &[200], "new");
}
