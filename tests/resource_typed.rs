//! Typed resources (User, Group) and discovery documents (ServiceProviderConfig,
//! ResourceType).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::compat::{Compat, CompatReport};
use scimitar::resource::{normalize, Group, Manager, User};
use scimitar::schema::{ResourceType, SchemaSet, ServiceProviderConfig};
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn user_reads_and_writes_the_canonical_map() {
    let doc = fixture(include_str!("fixtures/rfc/8.3-enterprise-user.json"));
    let set = SchemaSet::user();
    let attrs = normalize(&doc, &set, &Compat::default(), &mut CompatReport::new()).unwrap();
    let user = User::from_attributes(&attrs).unwrap();
    assert_eq!(user.user_name, "bjensen@example.com");
    assert_eq!(
        user.name.as_ref().unwrap().given_name.as_deref(),
        Some("Barbara")
    );
    assert_eq!(user.emails[0].kind.as_deref(), Some("work"));
    assert_eq!(user.addresses[0].primary, Some(true));
    assert_eq!(user.password.as_deref(), Some("t1meMa$heen"));
    let ent = user.enterprise.as_ref().unwrap();
    assert_eq!(
        ent.manager,
        Some(Manager {
            value: Some("26118915-6090-4610-87e4-49d8ca9f808d".into()),
            reference: Some("../Users/26118915-6090-4610-87e4-49d8ca9f808d".into()),
            display_name: None,
        })
    );
    assert_eq!(user.to_attributes(), attrs);
}

#[test]
fn user_never_serialises_password() {
    let user = User {
        user_name: "b".into(),
        password: Some("secret".into()),
        ..User::default()
    };
    let text = serde_json::to_string(&user).unwrap();
    assert!(
        !text.contains("secret") && !text.contains("password"),
        "{text}"
    );
    assert_eq!(
        user.to_json(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "b"
        })
    );
}

#[test]
fn user_deserialises_a_full_rfc_document() {
    let doc = fixture(include_str!("fixtures/rfc/8.2-full-user.json"));
    let user: User = serde_json::from_value(doc).unwrap();
    assert_eq!(user.groups.len(), 3);
    assert_eq!(
        user.meta.as_ref().unwrap().resource_type.as_deref(),
        Some("User")
    );
    assert_eq!(user.x509_certificates.len(), 1);
    assert!(user.extensions.is_empty());
    assert_eq!(user.schemas, ["urn:ietf:params:scim:schemas:core:2.0:User"]);
}

#[test]
fn user_carries_custom_extensions_by_urn() {
    let mut user = User {
        user_name: "b".into(),
        ..User::default()
    };
    user.extensions
        .insert("urn:example:acme:2.0:User".into(), json!({"badge": "1"}));
    user.enterprise = Some(Default::default());
    let attrs = user.to_attributes();
    assert_eq!(attrs["urn:example:acme:2.0:User"], json!({"badge": "1"}));
    assert!(
        !attrs.contains_key(ENT),
        "empty extension objects are not stored"
    );
    let back = User::from_attributes(&attrs).unwrap();
    assert_eq!(
        back.extensions["urn:example:acme:2.0:User"],
        json!({"badge": "1"})
    );
    let doc = user.to_json();
    assert_eq!(
        doc["schemas"],
        json!([
            "urn:ietf:params:scim:schemas:core:2.0:User",
            ENT,
            "urn:example:acme:2.0:User"
        ])
    );
}

#[test]
fn group_reads_and_writes_the_canonical_map() {
    let doc = fixture(include_str!("fixtures/rfc/8.4-group.json"));
    let attrs = normalize(
        &doc,
        &SchemaSet::group(),
        &Compat::default(),
        &mut CompatReport::new(),
    )
    .unwrap();
    let group = Group::from_attributes(&attrs).unwrap();
    assert_eq!(group.display_name, "Tour Guides");
    assert_eq!(group.members.len(), 2);
    assert_eq!(
        group.members[0].value.as_deref(),
        Some("2819c223-7f76-453a-919d-413861904646")
    );
    assert_eq!(group.to_attributes(), attrs);
    let full: Group = serde_json::from_value(doc).unwrap();
    assert_eq!(full.members[1].display.as_deref(), Some("Mandy Pepperidge"));
    assert_eq!(
        full.to_json()["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:Group"])
    );
}

#[test]
fn typed_from_attributes_reports_wrong_types() {
    let mut attrs = serde_json::Map::new();
    attrs.insert("userName".into(), json!(5));
    let e = User::from_attributes(&attrs).unwrap_err();
    assert_eq!(e.status(), 400);
}

#[test]
fn service_provider_config_round_trips_the_rfc_example() {
    let doc = fixture(include_str!(
        "fixtures/rfc/8.5-service-provider-config.json"
    ));
    let spc: ServiceProviderConfig = serde_json::from_value(doc.clone()).unwrap();
    assert!(spc.bulk.supported);
    assert_eq!(spc.filter.max_results, 200);
    assert_eq!(spc.authentication_schemes[0].kind, "oauthbearertoken");
    assert_eq!(spc.to_json(None), doc);
}

#[test]
fn default_service_provider_config_is_honest() {
    let doc =
        ServiceProviderConfig::default().to_json(Some("https://x/scim/v2/ServiceProviderConfig"));
    assert_eq!(
        doc["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(doc["bulk"]["supported"], json!(false));
    assert_eq!(doc["patch"]["supported"], json!(true));
    assert_eq!(doc["filter"]["maxResults"], json!(1000));
    assert_eq!(doc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        doc["meta"],
        json!({"resourceType": "ServiceProviderConfig", "location": "https://x/scim/v2/ServiceProviderConfig"})
    );
}

#[test]
fn resource_type_round_trips_the_rfc_example() {
    let doc = fixture(include_str!("fixtures/rfc/8.6-resource-type-user.json"));
    let rt: ResourceType = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(rt.to_json(None), doc);
}

#[test]
fn resource_types_from_schema_sets_match_the_rfc_examples() {
    let mut user = fixture(include_str!("fixtures/rfc/8.6-resource-type-user.json"));
    // The RFC's example makes the enterprise extension required; scimitar does not, since
    // most users carry no enterprise data.
    user["schemaExtensions"][0]["required"] = json!(false);
    let ours = ResourceType::from_schema_set(&SchemaSet::user())
        .to_json(Some("https://example.com/v2/ResourceTypes/User"));
    assert_eq!(ours, user);
    let group = fixture(include_str!("fixtures/rfc/8.6-resource-type-group.json"));
    let ours = ResourceType::from_schema_set(&SchemaSet::group())
        .to_json(Some("https://example.com/v2/ResourceTypes/Group"));
    assert_eq!(ours, group);
}
