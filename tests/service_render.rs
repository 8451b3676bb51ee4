//! Response bodies written by the streaming renderer are byte for byte what the map path
//! (`render`, member `$ref`s, projection, `serde_json`) produces, for single resources and
//! ListResponse pages, with and without `attributes` / `excludedAttributes`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use scimitar::list::Projection;
use scimitar::path::AttrPath;
use scimitar::resource::render;
use scimitar::schema::SchemaSet;
use scimitar::store::{GroupStore, Resource, UserStore};
use scimitar::TenantId;
use serde_json::{json, Map, Value};
use service_support::*;

fn base() -> String {
    format!("http://{HOST}{BASE}")
}

fn tenant() -> TenantId {
    TenantId::new("tenant-a")
}

/// What the map path writes for one resource.
fn expected(res: &Resource, set: &SchemaSet, refs: bool, projection: Option<&Projection>) -> Value {
    let base = base();
    let mut doc = render(res, set, Some(&base));
    if refs {
        if let Some(Value::Array(members)) = doc.get_mut("members") {
            for m in members.iter_mut().filter_map(Value::as_object_mut) {
                if m.contains_key("$ref") {
                    continue;
                }
                let Some(id) = m.get("value").and_then(Value::as_str) else {
                    continue;
                };
                let kind = match m.get("type").and_then(Value::as_str) {
                    Some(t) if t.eq_ignore_ascii_case("Group") => "Groups",
                    _ => "Users",
                };
                let loc = format!("{base}/{kind}/{id}");
                m.insert("$ref".into(), Value::String(loc));
            }
        }
    }
    if let Some(p) = projection {
        p.apply(&mut doc);
    }
    Value::Object(doc)
}

/// Path, schemas, member `$ref`s, `attributes`, `excludedAttributes`.
type Case<'a> = (&'a str, &'a SchemaSet, bool, &'a [&'a str], &'a [&'a str]);

fn paths(list: &[&str]) -> Vec<AttrPath> {
    list.iter().map(|p| p.parse().unwrap()).collect()
}

async fn populated() -> (Harness, Vec<String>, Vec<String>) {
    let h = Harness::new().await;
    let mut users = Vec::new();
    for name in [
        "first@example.com",
        "ü\"quote\\back\u{1}slash",
        "😀 emoji\ttab",
    ] {
        users.push(h.create_user(name).await);
    }
    let mut rfc: Value =
        serde_json::from_str(include_str!("fixtures/rfc/8.3-enterprise-user.json")).unwrap();
    for k in ["id", "meta", "groups", "password"] {
        rfc.as_object_mut().unwrap().remove(k);
    }
    let r = h.post("/Users", rfc).await;
    assert_eq!(r.status, 201, "{}", r.body);
    users.push(r.id());
    let inner = h.create_group("Inner ✓", &[&users[0]]).await;
    let outer = h
        .create_group("Outer \"group\"", &[&users[1], &users[3]])
        .await;
    let r = h
        .patch(
            &format!("/Groups/{outer}"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": inner, "type": "Group"}]}])),
        )
        .await;
    assert!(r.status == 200 || r.status == 204, "{}", r.body);
    (h, users, vec![inner, outer])
}

async fn user(h: &Harness, id: &str) -> Resource {
    UserStore::get(&*h.store, &tenant(), id)
        .await
        .unwrap()
        .unwrap()
}

async fn group(h: &Harness, id: &str) -> Resource {
    GroupStore::get(&*h.store, &tenant(), id, true)
        .await
        .unwrap()
        .unwrap()
}

fn assert_bytes(raw: &[u8], want: &Value) {
    assert_eq!(
        std::str::from_utf8(raw).unwrap(),
        serde_json::to_string(want).unwrap()
    );
}

#[tokio::test]
async fn single_user_and_group_bodies() {
    let (h, users, groups) = populated().await;
    let set = SchemaSet::user();
    for id in &users {
        let r = h.get(&format!("/Users/{id}")).await;
        let mut res = user(&h, id).await;
        // The derived `groups` attribute, as the service attached it.
        if let Some(g) = r.body.get("groups") {
            res.attributes.insert("groups".into(), g.clone());
        }
        assert_bytes(&r.raw, &expected(&res, &set, false, None));
    }
    for id in &groups {
        let r = h.get(&format!("/Groups/{id}")).await;
        let res = group(&h, id).await;
        assert_bytes(&r.raw, &expected(&res, &SchemaSet::group(), true, None));
    }
}

#[tokio::test]
async fn list_pages_with_and_without_projection() {
    let (h, _, _) = populated().await;
    let user_set = SchemaSet::user();
    let group_set = SchemaSet::group();
    let cases: [Case<'_>; 5] = [
        ("/Users", &user_set, false, &[], &[]),
        ("/Users?attributes=userName,emails.value", &user_set, false, &["userName", "emails.value"], &[]),
        ("/Users?excludedAttributes=name,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", &user_set, false, &[], &["name", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"]),
        ("/Groups", &group_set, true, &[], &[]),
        ("/Groups?excludedAttributes=members", &group_set, true, &[], &["members"]),
    ];
    for (path, set, refs, attributes, excluded) in cases {
        let r = h.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let projection = (!attributes.is_empty() || !excluded.is_empty())
            .then(|| Projection::new(&paths(attributes), &paths(excluded), set));
        let mut items = Vec::new();
        for item in r.body["Resources"].as_array().unwrap() {
            let id = item["id"].as_str().unwrap();
            let res = if refs {
                group(&h, id).await
            } else {
                user(&h, id).await
            };
            items.push(expected(&res, set, refs, projection.as_ref()));
        }
        let mut want = Map::new();
        want.insert("schemas".into(), json!([LIST]));
        want.insert("totalResults".into(), json!(items.len()));
        want.insert("startIndex".into(), json!(1));
        want.insert("itemsPerPage".into(), json!(items.len()));
        want.insert("Resources".into(), Value::Array(items));
        assert_bytes(&r.raw, &Value::Object(want));
    }
}

#[tokio::test]
async fn search_all_spans_users_and_groups() {
    let (h, users, groups) = populated().await;
    let r = h
        .post("/.search", search(json!({"startIndex": 3, "count": 3})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<&str> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    let mut items = Vec::new();
    for id in &ids {
        if users.iter().any(|u| u == id) {
            items.push(expected(
                &user(&h, id).await,
                &SchemaSet::user(),
                false,
                None,
            ));
        } else {
            assert!(groups.iter().any(|g| g == id));
            items.push(expected(
                &group(&h, id).await,
                &SchemaSet::group(),
                true,
                None,
            ));
        }
    }
    let want = json!({
        "schemas": [LIST],
        "totalResults": users.len() + groups.len(),
        "startIndex": 3,
        "itemsPerPage": 3,
        "Resources": items,
    });
    assert_bytes(&r.raw, &want);
}
