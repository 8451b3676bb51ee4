//! `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`: derived from the configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use scimitar::schema::Policy;
use serde_json::{json, Value};
use service_support::*;

fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn service_provider_config_tells_the_truth() {
    let h = Harness::with(|b| {
        let mut limits = scimitar::Limits::default();
        limits.max_count = 200;
        b.limits(limits)
    })
    .await;
    let r = h.get("/ServiceProviderConfig").await;
    assert_eq!(r.status, 200);
    let b = &r.body;
    assert_eq!(
        b["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(b["patch"]["supported"], true);
    assert_eq!(b["bulk"]["supported"], false);
    assert_eq!(b["filter"]["supported"], true);
    assert_eq!(b["filter"]["maxResults"], 200);
    assert_eq!(b["changePassword"]["supported"], false);
    assert_eq!(b["sort"]["supported"], true);
    assert_eq!(b["etag"]["supported"], true);
    assert_eq!(b["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        b["meta"]["location"],
        json!(format!("http://{HOST}{BASE}/ServiceProviderConfig"))
    );
    // maxResults caps a page.
    for i in 0..3 {
        h.create_user(&format!("cap{i}@example.com")).await;
    }
    let mut limits = scimitar::Limits::default();
    limits.max_count = 2;
    let h2 = Harness::with(|b| b.limits(limits)).await;
    for i in 0..3 {
        h2.create_user(&format!("cap{i}@example.com")).await;
    }
    let r = h2.get("/Users?count=50").await;
    assert_eq!(r.body["itemsPerPage"], 2);
    assert_eq!(r.body["totalResults"], 3);
}

#[tokio::test]
async fn resource_types() {
    let h = Harness::new().await;
    let r = h.get("/ResourceTypes").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["schemas"], json!([LIST]));
    assert_eq!(r.body["totalResults"], 2);
    assert_eq!(ids(&r.body), ["User", "Group"]);
    let u = h.get("/ResourceTypes/User").await;
    assert_eq!(u.body["endpoint"], "/Users");
    assert_eq!(u.body["schema"], USER_SCHEMA);
    assert_eq!(u.body["schemaExtensions"][0]["schema"], ENTERPRISE);
    assert_eq!(u.body["schemaExtensions"][0]["required"], false);
    assert_eq!(
        u.body["meta"]["location"],
        json!(format!("http://{HOST}{BASE}/ResourceTypes/User"))
    );
    assert_eq!(
        h.get("/ResourceTypes/Group").await.body["endpoint"],
        "/Groups"
    );
    h.get("/ResourceTypes/Nope").await.assert_error(404, None);
}

#[tokio::test]
async fn schemas_list_and_by_urn() {
    let h = Harness::new().await;
    let r = h.get("/Schemas").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["schemas"], json!([LIST]));
    assert_eq!(ids(&r.body), [USER_SCHEMA, ENTERPRISE, GROUP_SCHEMA]);
    assert_eq!(r.body["totalResults"], 3);
    let s = h.get(&format!("/Schemas/{USER_SCHEMA}")).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.body["id"], USER_SCHEMA);
    assert_eq!(s.body["meta"]["resourceType"], "Schema");
    let encoded = USER_SCHEMA.replace(':', "%3A");
    assert_eq!(
        h.get(&format!("/Schemas/{encoded}")).await.body["id"],
        USER_SCHEMA
    );
    h.get("/Schemas/urn:nope").await.assert_error(404, None);
}

#[tokio::test]
async fn schemas_report_the_required_attribute_policy() {
    let policy = Policy::default()
        .require_list("externalId,name.givenName,name.familyName,emails")
        .unwrap()
        .max_length(255);
    let h = Harness::with(|b| b.policy(policy)).await;
    let s = h.get(&format!("/Schemas/{USER_SCHEMA}")).await;
    let attr = |name: &str| {
        s.body["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(attr("userName")["required"], true);
    assert_eq!(attr("emails")["required"], true);
    assert_eq!(attr("name")["required"], true);
    let given = attr("name")["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "givenName")
        .cloned()
        .unwrap();
    assert_eq!(given["required"], true);
    // The policy is enforced on writes.
    let r = h
        .post(
            "/Users",
            json!({"schemas": [USER_SCHEMA], "userName": "p@example.com"}),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    let mut ok = user("p@example.com");
    ok["externalId"] = json!("p");
    assert_eq!(h.post("/Users", ok.clone()).await.status, 201);
    let mut long = user("q@example.com");
    long["externalId"] = json!("x".repeat(256));
    h.post("/Users", long)
        .await
        .assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn group_schema_absent_without_group_store() {
    let h = Harness::new().await;
    let svc = scimitar::ScimService::builder()
        .users(h.store.clone())
        .tokens(h.tokens.clone())
        .build()
        .unwrap();
    let req = http::Request::get("/scim/v2/Schemas")
        .header("authorization", format!("Bearer {}", h.token_a))
        .body(bytes::Bytes::new())
        .unwrap();
    let body: Value = serde_json::from_slice(svc.handle(req).await.body()).unwrap();
    assert_eq!(ids(&body), [USER_SCHEMA, ENTERPRISE]);
}
