//! Custom attributes registered for one tenant: schema set, validation on write, round
//! trip through render; another tenant unaffected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::compat::{Compat, CompatReport};
use scimitar::resource::{normalize, render, validate};
use scimitar::schema::{
    AttributeDef, AttributeType, Policy, ResourceType, SchemaRegistry, SchemaSet,
};
use scimitar::store::Resource;
use scimitar::{Error, ScimType, TenantId};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

const ACME: &str = "urn:example:scim:schemas:extension:acme:2.0:User";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn registry() -> SchemaRegistry {
    let reg = SchemaRegistry::default();
    let a = TenantId::new("a");
    for attr in [
        AttributeDef::new("badgeNumber", AttributeType::String).max_length(8),
        AttributeDef::new("remote", AttributeType::Boolean),
        AttributeDef::new("skills", AttributeType::String).multi_valued(true),
        AttributeDef::new("level", AttributeType::String).canonical_values(["junior", "senior"]),
    ] {
        reg.add_user_attribute(&a, ACME, "Acme", attr).unwrap();
    }
    reg
}

fn write(body: &Value, set: &SchemaSet, policy: &Policy) -> Result<Map<String, Value>, Error> {
    let attrs = normalize(body, set, &Compat::default(), &mut CompatReport::new())?;
    validate(&attrs, set, policy)?;
    Ok(attrs)
}

fn body() -> Value {
    json!({
        "schemas": [USER, ACME],
        "userName": "bjensen",
        ACME: {"badgeNumber": "B-1234", "remote": "True", "skills": ["rust", "scim"], "level": "senior"}
    })
}

#[test]
fn custom_attributes_appear_in_the_tenants_schema_set() {
    let set = registry().user_schemas(&TenantId::new("a"));
    let ext = set.extension(ACME).unwrap();
    let names: Vec<&str> = ext
        .schema
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["badgeNumber", "remote", "skills", "level"]);
    let doc = ext.schema.to_json(None);
    assert_eq!(doc["attributes"][2]["multiValued"], json!(true));
    assert_eq!(
        doc["attributes"][3]["canonicalValues"],
        json!(["junior", "senior"])
    );
    let rt = ResourceType::from_schema_set(&set);
    assert!(rt
        .schema_extensions
        .iter()
        .any(|e| e.schema == ACME && !e.required));
}

#[test]
fn custom_attributes_validate_and_round_trip() {
    let set = registry().user_schemas(&TenantId::new("a"));
    let attrs = write(&body(), &set, &Policy::default()).unwrap();
    assert_eq!(
        attrs[ACME],
        json!({"badgeNumber": "B-1234", "remote": true, "skills": ["rust", "scim"], "level": "senior"})
    );
    let now = OffsetDateTime::now_utc();
    let resource = Resource {
        id: "u1".into(),
        version: 1,
        created: now,
        last_modified: now,
        attributes: attrs,
    };
    let out = render(&resource, &set, None);
    assert_eq!(out["schemas"], json!([USER, ACME]));
    assert_eq!(out[ACME]["remote"], json!(true));
    assert_eq!(out[ACME]["skills"], json!(["rust", "scim"]));
}

#[test]
fn custom_max_length_is_enforced() {
    let set = registry().user_schemas(&TenantId::new("a"));
    let mut b = body();
    b[ACME]["badgeNumber"] = json!("B-12345678");
    let e = write(&b, &set, &Policy::default()).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(
        e.detail()
            .contains(&format!("'{ACME}:badgeNumber' is longer than 8")),
        "{e}"
    );
}

#[test]
fn custom_types_are_checked() {
    let set = registry().user_schemas(&TenantId::new("a"));
    let mut b = body();
    b[ACME]["skills"] = json!("rust");
    let e = write(&b, &set, &Policy::default()).unwrap_err();
    assert!(
        e.detail()
            .contains(&format!("'{ACME}:skills' is multi-valued")),
        "{e}"
    );
    let mut b = body();
    b[ACME]["remote"] = json!("maybe");
    let e = write(&b, &set, &Policy::default()).unwrap_err();
    assert!(
        e.detail()
            .contains(&format!("'{ACME}:remote' must be a boolean")),
        "{e}"
    );
}

#[test]
fn custom_canonical_values_are_enforced_when_switched_on() {
    let set = registry().user_schemas(&TenantId::new("a"));
    let mut b = body();
    b[ACME]["level"] = json!("boss");
    write(&b, &set, &Policy::default()).unwrap();
    let e = write(&b, &set, &Policy::default().enforce_canonical_values(true)).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(
        e.detail()
            .contains(&format!("'{ACME}:level' must be one of: junior, senior")),
        "{e}"
    );
}

#[test]
fn required_custom_attribute_makes_the_extension_required() {
    let reg = registry();
    let a = TenantId::new("a");
    reg.add_user_attribute(
        &a,
        ACME,
        "Acme",
        AttributeDef::new("costCode", AttributeType::String).required(true),
    )
    .unwrap();
    let set = reg.user_schemas(&a);
    assert!(set.extension(ACME).unwrap().required);
    let e = write(&body(), &set, &Policy::default()).unwrap_err();
    assert!(
        e.detail()
            .contains(&format!("'{ACME}:costCode' is required")),
        "{e}"
    );
}

#[test]
fn another_tenant_is_unaffected() {
    let reg = registry();
    let set = reg.user_schemas(&TenantId::new("b"));
    assert!(set.extension(ACME).is_none());
    assert!(!set.knows_schema(ACME));
    // B's writes ignore data keyed by A's URN, and its schemas list stays standard.
    let attrs = write(&body(), &set, &Policy::default()).unwrap();
    assert_eq!(Value::Object(attrs), json!({"userName": "bjensen"}));
    let rt = ResourceType::from_schema_set(&set);
    assert_eq!(rt.schema_extensions.len(), 1);
}

#[test]
fn registry_policy_marks_custom_attributes_added_later() {
    let policy = Policy::default()
        .require(&format!("{ACME}:badgeNumber"))
        .unwrap()
        .max_length(255);
    let reg = SchemaRegistry::with_policy(policy);
    let a = TenantId::new("a");
    let base = reg.user_schemas(&a);
    assert_eq!(
        base.core().attribute("userName").unwrap().max_length,
        Some(255)
    );
    reg.add_user_attribute(
        &a,
        ACME,
        "Acme",
        AttributeDef::new("badgeNumber", AttributeType::String),
    )
    .unwrap();
    let set = reg.user_schemas(&a);
    let badge = set
        .extension(ACME)
        .unwrap()
        .schema
        .attribute("badgeNumber")
        .unwrap();
    assert!(badge.required);
    assert_eq!(badge.max_length, Some(255));
    let e = write(&json!({"userName": "b"}), &set, reg.policy()).unwrap_err();
    assert!(
        e.detail()
            .contains(&format!("'{ACME}:badgeNumber' is required")),
        "{e}"
    );
}
