//! Every RFC 7643 §8 example resource parses (normalize) and re-renders to an equivalent
//! document. Differences are the ones the RFC itself asks for and are asserted one by one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::compat::{Compat, CompatReport};
use scimitar::resource::{check_schemas, normalize, render, validate};
use scimitar::schema::{Policy, SchemaSet};
use scimitar::store::Resource;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const BASE: &str = "https://example.com/v2";

fn load(name: &str) -> Value {
    let text = match name {
        "8.1" => include_str!("fixtures/rfc/8.1-minimal-user.json"),
        "8.2" => include_str!("fixtures/rfc/8.2-full-user.json"),
        "8.3" => include_str!("fixtures/rfc/8.3-enterprise-user.json"),
        "8.4" => include_str!("fixtures/rfc/8.4-group.json"),
        _ => unreachable!(),
    };
    serde_json::from_str(text).unwrap()
}

/// Reads the example as a POST body, stores it under its own id and timestamps with
/// version 7, and renders it.
fn round_trip(doc: &Value, set: &SchemaSet) -> Value {
    check_schemas(doc, set).unwrap();
    let mut report = CompatReport::new();
    let attrs = normalize(doc, set, &Compat::default(), &mut report).unwrap();
    assert!(report.is_empty(), "RFC examples need no leniency: {report}");
    validate(&attrs, set, &Policy::default()).unwrap();
    let ts = |k: &str| OffsetDateTime::parse(doc["meta"][k].as_str().unwrap(), &Rfc3339).unwrap();
    let resource = Resource {
        id: doc["id"].as_str().unwrap().to_string(),
        version: 7,
        created: ts("created"),
        last_modified: ts("lastModified"),
        attributes: attrs,
    };
    Value::Object(render(&resource, set, Some(BASE)))
}

/// The example as we expect it back: our ETag instead of the RFC's opaque one.
fn expected(mut doc: Value) -> Value {
    doc["meta"]["version"] = json!("W/\"7\"");
    doc
}

#[test]
fn minimal_user_8_1_round_trips_exactly() {
    let doc = load("8.1");
    assert_eq!(round_trip(&doc, &SchemaSet::user()), expected(doc));
}

#[test]
fn full_user_8_2_round_trips_without_password_and_groups() {
    let doc = load("8.2");
    let out = round_trip(&doc, &SchemaSet::user());
    let mut want = expected(doc);
    let obj = want.as_object_mut().unwrap();
    // password is writeOnly: stored, never returned.
    assert!(obj.remove("password").is_some());
    // groups is readOnly: client input is ignored (RFC 7644 §3.3); the server derives it.
    assert!(obj.remove("groups").is_some());
    assert_eq!(out, want);
    // addresses[].primary (not in the printed schema) survives.
    assert_eq!(out["addresses"][0]["primary"], json!(true));
}

#[test]
fn full_user_8_2_keeps_password_in_stored_attributes() {
    let doc = load("8.2");
    let attrs = normalize(
        &doc,
        &SchemaSet::user(),
        &Compat::default(),
        &mut CompatReport::new(),
    )
    .unwrap();
    assert_eq!(attrs["password"], "t1meMa$heen");
    assert!(!attrs.contains_key("groups"));
    assert!(!attrs.contains_key("id"));
    assert!(!attrs.contains_key("meta"));
    assert!(!attrs.contains_key("schemas"));
}

#[test]
fn enterprise_user_8_3_round_trips_without_read_only_parts() {
    let doc = load("8.3");
    let out = round_trip(&doc, &SchemaSet::user());
    let mut want = expected(doc);
    let obj = want.as_object_mut().unwrap();
    obj.remove("password");
    obj.remove("groups");
    // manager.displayName is readOnly (derived by the server from the manager's user).
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    assert!(want[ent]["manager"]
        .as_object_mut()
        .unwrap()
        .remove("displayName")
        .is_some());
    assert_eq!(out, want);
    assert_eq!(
        out["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User", ent])
    );
}

#[test]
fn group_8_4_round_trips_with_member_display() {
    let doc = load("8.4");
    let out = round_trip(&doc, &SchemaSet::group());
    let want = expected(doc);
    // members.display (erratum 6011) is kept: Okta and the RFC example send it.
    assert_eq!(out["members"][0]["display"], "Babs Jensen");
    assert_eq!(out, want);
}

#[test]
fn rendered_member_order_is_canonical() {
    let doc = load("8.3");
    let out = round_trip(&doc, &SchemaSet::user());
    let keys: Vec<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(&keys[..4], &["schemas", "id", "externalId", "userName"]);
    assert_eq!(keys.last(), Some(&"meta"));
    assert_eq!(
        keys[keys.len() - 2],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
}
