//! Every leniency rule of `resource::normalize`, with the rule switched on (default) and,
//! for named compatibility rules, off.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::compat::{Compat, CompatReport, CompatRule};
use scimitar::path::AttrPath;
use scimitar::resource::{normalize, normalize_element, normalize_value};
use scimitar::schema::SchemaSet;
use scimitar::{Error, ScimType};
use serde_json::{json, Map, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn user(body: Value) -> (Map<String, Value>, CompatReport) {
    let mut report = CompatReport::new();
    let attrs = normalize(&body, &SchemaSet::user(), &Compat::default(), &mut report).unwrap();
    (attrs, report)
}

fn strict_user(body: Value, rule: CompatRule) -> Error {
    let compat = Compat::default().with(rule, false);
    normalize(&body, &SchemaSet::user(), &compat, &mut CompatReport::new()).unwrap_err()
}

fn assert_invalid_value(e: &Error, names: &str) {
    assert_eq!(e.status(), 400);
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(
        e.detail().contains(names),
        "detail {:?} should name {names}",
        e.detail()
    );
}

#[test]
fn names_and_urns_are_case_insensitive_and_output_in_schema_spelling() {
    let (attrs, report) = user(json!({
        "schemas": [USER.to_uppercase()],
        "USERNAME": "bjensen",
        "Name": {"GIVENNAME": "Barbara"},
        "emails": [{"VALUE": "b@example.com", "Type": "work"}],
        "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user": {"EmployeeNumber": "1"}
    }));
    assert_eq!(
        Value::Object(attrs),
        json!({
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "b@example.com", "type": "work"}],
            ENT: {"employeeNumber": "1"}
        })
    );
    assert!(report.is_empty());
}

#[test]
fn null_means_absent_and_empty_containers_are_not_stored() {
    let (attrs, _) = user(json!({
        "userName": "b", "displayName": null, "emails": [null], "name": {},
        "phoneNumbers": [], ENT: null
    }));
    assert_eq!(Value::Object(attrs), json!({"userName": "b"}));
}

#[test]
fn string_booleans_become_booleans() {
    let (attrs, report) = user(json!({
        "userName": "b", "active": "True",
        "emails": [{"value": "x@y", "primary": "fAlSe"}]
    }));
    assert_eq!(attrs["active"], json!(true));
    assert_eq!(attrs["emails"][0]["primary"], json!(false));
    assert!(report.fired(CompatRule::StringBoolean));
}

#[test]
fn string_booleans_are_refused_when_the_rule_is_off() {
    let e = strict_user(
        json!({"userName": "b", "active": "True"}),
        CompatRule::StringBoolean,
    );
    assert_invalid_value(&e, "'active' must be a boolean");
}

#[test]
fn client_id_meta_and_groups_are_ignored() {
    let (attrs, report) = user(json!({
        "id": "client-chosen", "userName": "b",
        "meta": {"resourceType": "User", "version": "W/\"x\""},
        "groups": [{"value": "g1", "display": "G"}]
    }));
    assert_eq!(Value::Object(attrs), json!({"userName": "b"}));
    assert!(report.is_empty());
}

#[test]
fn read_only_sub_attributes_are_ignored() {
    let (attrs, _) = user(json!({
        "userName": "b",
        ENT: {"manager": {"value": "m1", "displayName": "Boss"}}
    }));
    assert_eq!(attrs[ENT], json!({"manager": {"value": "m1"}}));
}

#[test]
fn unknown_schema_uri_without_data_is_tolerated() {
    // Entra ID's Group create lists its ADSCIM URI.
    let body = json!({
        "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],
        "displayName": "G"
    });
    let mut report = CompatReport::new();
    let attrs = normalize(&body, &SchemaSet::group(), &Compat::default(), &mut report).unwrap();
    assert_eq!(Value::Object(attrs), json!({"displayName": "G"}));
    assert!(report.fired(CompatRule::UnknownSchemaUri));
}

#[test]
fn unknown_schema_uri_is_refused_when_the_rule_is_off() {
    let body = json!({"schemas": [GROUP, "urn:example:unknown"], "displayName": "G"});
    let compat = Compat::default().with(CompatRule::UnknownSchemaUri, false);
    let e = normalize(
        &body,
        &SchemaSet::group(),
        &compat,
        &mut CompatReport::new(),
    )
    .unwrap_err();
    assert_invalid_value(&e, "urn:example:unknown");
}

#[test]
fn unknown_attributes_and_unknown_urn_data_are_ignored() {
    // Microsoft's validator PUTs misspelled attributes and expects 200.
    let (attrs, _) = user(json!({
        "userName": "b", "dispalyName": "typo", "name": {"givenNmae": "x"},
        "urn:example:unknown:2.0:User": {"costCenter": "1"},
        "urn:example:unknown:2.0:User:costCenter": "1"
    }));
    assert_eq!(Value::Object(attrs), json!({"userName": "b"}));
}

#[test]
fn urn_qualified_member_names_reach_their_schema() {
    let (attrs, _) = user(json!({
        "userName": "b",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops",
        "urn:ietf:params:scim:schemas:core:2.0:User:displayName": "Babs"
    }));
    assert_eq!(
        Value::Object(attrs),
        json!({"userName": "b", "displayName": "Babs", ENT: {"department": "Ops"}})
    );
}

#[test]
fn manager_string_becomes_complex() {
    let (attrs, report) = user(json!({"userName": "b", ENT: {"manager": "m-1"}}));
    assert_eq!(attrs[ENT]["manager"], json!({"value": "m-1"}));
    assert!(report.fired(CompatRule::ManagerString));
}

#[test]
fn empty_manager_string_means_no_manager() {
    let (attrs, _) = user(json!({"userName": "b", ENT: {"manager": ""}}));
    assert!(!attrs.contains_key(ENT));
}

#[test]
fn manager_string_is_refused_when_the_rule_is_off() {
    let e = strict_user(
        json!({"userName": "b", ENT: {"manager": "m-1"}}),
        CompatRule::ManagerString,
    );
    assert_invalid_value(&e, "manager' must be an object");
}

#[test]
fn one_element_array_for_single_valued_complex_is_unwrapped() {
    let (attrs, report) = user(json!({
        "userName": "b", "name": [{"givenName": "B"}], ENT: {"manager": [{"value": "m"}]}
    }));
    assert_eq!(attrs["name"], json!({"givenName": "B"}));
    assert_eq!(attrs[ENT]["manager"], json!({"value": "m"}));
    assert!(report.fired(CompatRule::SingleValueArray));
}

#[test]
fn one_element_array_is_refused_when_the_rule_is_off() {
    let e = strict_user(
        json!({"userName": "b", "name": [{"givenName": "B"}]}),
        CompatRule::SingleValueArray,
    );
    assert_invalid_value(&e, "'name'");
}

#[test]
fn null_sub_attributes_are_dropped() {
    let body =
        json!({"displayName": "G", "members": [{"value": "u1", "$ref": null, "type": null}]});
    let mut report = CompatReport::new();
    let attrs = normalize(&body, &SchemaSet::group(), &Compat::default(), &mut report).unwrap();
    assert_eq!(attrs["members"], json!([{"value": "u1"}]));
    assert!(report.fired(CompatRule::NullSubAttribute));
}

#[test]
fn null_sub_attributes_are_refused_when_the_rule_is_off() {
    let body = json!({"displayName": "G", "members": [{"value": "u1", "$ref": null}]});
    let compat = Compat::default().with(CompatRule::NullSubAttribute, false);
    let e = normalize(
        &body,
        &SchemaSet::group(),
        &compat,
        &mut CompatReport::new(),
    )
    .unwrap_err();
    assert_invalid_value(&e, "members[0].$ref");
}

#[test]
fn single_value_for_multi_valued_attribute_is_not_wrapped() {
    let e = normalize(
        &json!({"userName": "b", "emails": {"value": "x@y"}}),
        &SchemaSet::user(),
        &Compat::default(),
        &mut CompatReport::new(),
    )
    .unwrap_err();
    assert_invalid_value(&e, "'emails' is multi-valued");
}

#[test]
fn normalize_value_coerces_one_attribute_for_patch() {
    let set = SchemaSet::user();
    let mut report = CompatReport::new();
    let active = set.resolve(&AttrPath::attr("ACTIVE")).unwrap();
    let v = normalize_value(&json!("False"), &active, &Compat::default(), &mut report).unwrap();
    assert_eq!(v, Some(json!(false)));
    assert!(report.fired(CompatRule::StringBoolean));

    let manager = set
        .resolve(&AttrPath::new(Some(ENT.into()), "manager", None))
        .unwrap();
    let v = normalize_value(&json!("m-2"), &manager, &Compat::default(), &mut report).unwrap();
    assert_eq!(v, Some(json!({"value": "m-2"})));

    let given = set
        .resolve(&AttrPath::new(None, "name", Some("givenname".into())))
        .unwrap();
    assert_eq!(
        normalize_value(&json!(null), &given, &Compat::default(), &mut report).unwrap(),
        None
    );
    let e = normalize_value(&json!(3), &given, &Compat::default(), &mut report).unwrap_err();
    assert_invalid_value(&e, "'name.givenName' must be a string");
}

#[test]
fn normalize_element_reads_one_member() {
    let set = SchemaSet::group();
    let (_, members) = set.attribute(None, "members").unwrap();
    let mut report = CompatReport::new();
    let v = normalize_element(
        &json!({"VALUE": "u1", "$ref": null, "display": "Babs"}),
        members,
        &Compat::default(),
        &mut report,
    )
    .unwrap();
    assert_eq!(v, Some(json!({"value": "u1", "display": "Babs"})));
}
