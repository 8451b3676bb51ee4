//! Projection: `attributes`, `excludedAttributes` and `returned` (RFC 7644 §3.4.2.5, §3.9;
//! RFC 7643 §7).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;

use scimitar::list::Projection;
use scimitar::resource::render;
use scimitar::schema::{AttributeDef, AttributeType, Extension, Returned, Schema, SchemaSet};
use scimitar::store::Resource;
use scimitar::AttrPath;
use serde_json::{json, Map, Value};
use time::macros::datetime;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CUSTOM: &str = "urn:example:params:scim:schemas:extension:custom:2.0:User";

fn paths(list: &[&str]) -> Vec<AttrPath> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

/// The built-in User set plus an extension with one attribute of each `returned` kind.
fn schemas() -> SchemaSet {
    let mut set = SchemaSet::user();
    set.add_extension(Extension {
        schema: Arc::new(Schema {
            id: CUSTOM.into(),
            name: "Custom".into(),
            description: String::new(),
            attributes: vec![
                AttributeDef::new("badge", AttributeType::String).returned(Returned::Always),
                AttributeDef::new("secret", AttributeType::String).returned(Returned::Never),
                AttributeDef::new("onRequest", AttributeType::String).returned(Returned::Request),
                AttributeDef::new("plain", AttributeType::String),
            ],
        }),
        required: false,
    });
    set
}

/// A rendered user with core, enterprise and custom data.
fn doc(schemas: &SchemaSet) -> Map<String, Value> {
    let Value::Object(attributes) = json!({
        "userName": "bjensen",
        "externalId": "bj",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bj@example.com", "type": "work", "primary": true},
            {"value": "babs@example.org", "type": "home"}
        ],
        "active": true,
        ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"},
        CUSTOM: {"badge": "B-1", "onRequest": "r", "plain": "p"}
    }) else {
        unreachable!()
    };
    let r = Resource {
        id: "2819c223".into(),
        version: 3,
        created: datetime!(2011-08-01 18:29:49 UTC),
        last_modified: datetime!(2011-08-01 18:29:49 UTC),
        attributes,
    };
    let mut d = render(&r, schemas, Some("https://example.com/v2"));
    // A `returned: never` value that reached the document anyway must still go.
    d.insert("password".into(), json!("t1meMa$heen"));
    if let Some(Value::Object(c)) = d.get_mut(CUSTOM) {
        c.insert("secret".into(), json!("s"));
    }
    d
}

fn project(attrs: &[&str], excluded: &[&str]) -> Map<String, Value> {
    let set = schemas();
    let mut d = doc(&set);
    Projection::new(&paths(attrs), &paths(excluded), &set).apply(&mut d);
    d
}

fn keys(d: &Map<String, Value>) -> Vec<&str> {
    d.keys().map(String::as_str).collect()
}

fn schema_list(d: &Map<String, Value>) -> Vec<&str> {
    d["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn default_keeps_default_and_always_drops_never_and_request() {
    let d = project(&[], &[]);
    assert!(d.contains_key("userName") && d.contains_key("meta") && d.contains_key("id"));
    assert!(!d.contains_key("password"));
    let custom = d[CUSTOM].as_object().unwrap();
    assert_eq!(custom.get("badge"), Some(&json!("B-1")));
    assert_eq!(custom.get("plain"), Some(&json!("p")));
    assert!(!custom.contains_key("secret"), "never");
    assert!(
        !custom.contains_key("onRequest"),
        "request without attributes"
    );
}

#[test]
fn request_attribute_only_when_named() {
    let d = project(&[&format!("{CUSTOM}:onRequest")], &[]);
    let custom = d[CUSTOM].as_object().unwrap();
    assert_eq!(custom.get("onRequest"), Some(&json!("r")));
    assert_eq!(custom.get("badge"), Some(&json!("B-1")), "always stays");
    assert!(!custom.contains_key("plain"));
}

#[test]
fn attributes_keep_only_named_plus_always() {
    // RFC 7644 §3.4.2: attributes=userName returns id and userName.
    let d = project(&["userName"], &[]);
    assert_eq!(keys(&d), vec!["schemas", "id", "userName", CUSTOM]);
    assert_eq!(
        d[CUSTOM],
        json!({"badge": "B-1"}),
        "always attribute of an extension"
    );
    assert_eq!(schema_list(&d), vec![USER, CUSTOM]);
}

#[test]
fn never_is_removed_even_when_asked() {
    let d = project(&["password", "userName"], &[]);
    assert!(!d.contains_key("password"));
    let d = project(&[&format!("{CUSTOM}:secret")], &[]);
    assert!(!d[CUSTOM].as_object().unwrap().contains_key("secret"));
}

#[test]
fn names_are_case_insensitive() {
    let d = project(&["USERNAME", "Name.GivenName"], &[]);
    assert_eq!(d["userName"], json!("bjensen"));
    assert_eq!(d["name"], json!({"givenName": "Barbara"}));
}

#[test]
fn sub_attribute_of_single_complex() {
    let d = project(&["name.familyName"], &[]);
    assert_eq!(d["name"], json!({"familyName": "Jensen"}));
}

#[test]
fn sub_attribute_of_multi_valued() {
    let d = project(&["emails.value"], &[]);
    assert_eq!(
        d["emails"],
        json!([{"value": "bj@example.com"}, {"value": "babs@example.org"}])
    );
}

#[test]
fn parent_and_sub_together_keep_whole_parent() {
    let d = project(&["emails", "emails.value"], &[]);
    assert_eq!(d["emails"][0]["type"], json!("work"));
}

#[test]
fn urn_qualified_extension_attribute() {
    let d = project(&[&format!("{ENTERPRISE}:employeeNumber")], &[]);
    assert_eq!(d[ENTERPRISE], json!({"employeeNumber": "701984"}));
    assert!(schema_list(&d).contains(&ENTERPRISE));
}

#[test]
fn whole_extension_by_urn() {
    let d = project(&[ENTERPRISE], &[]);
    assert_eq!(
        d[ENTERPRISE],
        json!({"employeeNumber": "701984", "department": "Tour Operations"})
    );
    assert!(!d.contains_key("userName"));
}

#[test]
fn core_attribute_with_core_urn_prefix() {
    let d = project(&[&format!("{USER}:userName")], &[]);
    assert_eq!(d["userName"], json!("bjensen"));
}

#[test]
fn excluded_removes_attribute() {
    let d = project(&[], &["emails", "name.givenName"]);
    assert!(!d.contains_key("emails"));
    assert_eq!(d["name"], json!({"familyName": "Jensen"}));
    assert!(d.contains_key("userName"));
}

#[test]
fn excluded_sub_attribute_of_multi_valued() {
    let d = project(&[], &["emails.type", "emails.primary"]);
    assert_eq!(
        d["emails"],
        json!([{"value": "bj@example.com"}, {"value": "babs@example.org"}])
    );
}

#[test]
fn excluded_never_removes_always() {
    let d = project(&[], &["id", &format!("{CUSTOM}:badge")]);
    assert_eq!(d["id"], json!("2819c223"));
    assert_eq!(d[CUSTOM]["badge"], json!("B-1"));
}

#[test]
fn excluded_whole_extension_drops_its_schema_urn() {
    let d = project(&[], &[ENTERPRISE]);
    assert!(!d.contains_key(ENTERPRISE));
    assert_eq!(schema_list(&d), vec![USER, CUSTOM]);
}

#[test]
fn excluding_every_extension_attribute_drops_its_schema_urn() {
    let d = project(
        &[],
        &[
            &format!("{ENTERPRISE}:employeeNumber"),
            &format!("{ENTERPRISE}:department"),
        ],
    );
    assert!(!d.contains_key(ENTERPRISE));
    assert!(!schema_list(&d).contains(&ENTERPRISE));
}

#[test]
fn unknown_names_are_ignored() {
    let d = project(&[], &["noSuchAttr", "name.noSuchSub", "urn:x:y:z"]);
    assert_eq!(d, project(&[], &[]));
    let d = project(&["noSuchAttr"], &[]);
    assert_eq!(keys(&d), vec!["schemas", "id", CUSTOM]);
}

#[test]
fn excluded_members_is_not_needed() {
    let set = SchemaSet::group();
    let p = Projection::new(&[], &paths(&["members"]), &set);
    assert!(!p.needs(&AttrPath::attr("members")));
    assert!(p.needs(&AttrPath::attr("displayName")));
    let p = Projection::all(&set);
    assert!(p.needs(&AttrPath::attr("members")));
    let p = Projection::new(&paths(&["displayName"]), &[], &set);
    assert!(!p.needs(&AttrPath::attr("members")));
    let p = Projection::new(&paths(&["members.value"]), &[], &set);
    assert!(p.needs(&AttrPath::attr("members")));
}

#[test]
fn excluded_members_on_a_rendered_group() {
    let set = SchemaSet::group();
    let Value::Object(attributes) = json!({
        "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "type": "User"}]
    }) else {
        unreachable!()
    };
    let r = Resource {
        id: "e9e30dba".into(),
        version: 1,
        created: datetime!(2010-01-23 04:56:22 UTC),
        last_modified: datetime!(2011-05-13 04:42:34 UTC),
        attributes,
    };
    let mut d = render(&r, &set, None);
    Projection::new(&[], &paths(&["members"]), &set).apply(&mut d);
    assert!(!d.contains_key("members"));
    assert_eq!(d["displayName"], json!("Tour Guides"));
}

#[test]
fn user_groups_needed_by_default_not_when_excluded() {
    let set = schemas();
    assert!(Projection::all(&set).needs(&AttrPath::attr("groups")));
    assert!(!Projection::new(&[], &paths(&["groups"]), &set).needs(&AttrPath::attr("groups")));
}

#[test]
fn meta_sub_attributes() {
    let d = project(&["meta.created"], &[]);
    assert_eq!(d["meta"], json!({"created": "2011-08-01T18:29:49Z"}));
    let d = project(&[], &["meta"]);
    assert!(!d.contains_key("meta"));
}

#[test]
fn attributes_and_excluded_together() {
    let d = project(&["name", "userName"], &["name.givenName"]);
    assert_eq!(d["name"], json!({"familyName": "Jensen"}));
    assert_eq!(d["userName"], json!("bjensen"));
}

#[test]
fn whole_extension_does_not_name_its_request_attributes() {
    let d = project(&[CUSTOM], &[]);
    assert_eq!(d[CUSTOM], json!({"badge": "B-1", "plain": "p"}));
    let d = project(&[CUSTOM, &format!("{CUSTOM}:onRequest")], &[]);
    assert_eq!(d[CUSTOM]["onRequest"], json!("r"));
}
