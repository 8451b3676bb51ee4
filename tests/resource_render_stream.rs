//! `resource::render_to` (the streaming renderer) writes exactly the bytes that
//! `serde_json::to_vec(&render(..))` writes: RFC 7643 §8 examples, stored and raw,
//! unicode and escapes, groups with members, and generated resources.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;

use proptest::prelude::*;
use scimitar::compat::{Compat, CompatReport};
use scimitar::resource::{normalize, render, render_to};
use scimitar::schema::{AttributeDef, AttributeType, SchemaSet};
use scimitar::store::Resource;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn fixture(name: &str) -> Value {
    let text = match name {
        "8.1" => include_str!("fixtures/rfc/8.1-minimal-user.json"),
        "8.2" => include_str!("fixtures/rfc/8.2-full-user.json"),
        "8.3" => include_str!("fixtures/rfc/8.3-enterprise-user.json"),
        "8.4" => include_str!("fixtures/rfc/8.4-group.json"),
        _ => unreachable!(),
    };
    serde_json::from_str(text).unwrap()
}

fn resource(attributes: Map<String, Value>) -> Resource {
    Resource {
        id: "2819c223-7f76-453a-919d-413861904646".into(),
        version: 42,
        created: OffsetDateTime::from_unix_timestamp(1_264_222_582).unwrap(),
        last_modified: OffsetDateTime::from_unix_timestamp(1_305_261_754).unwrap()
            + time::Duration::milliseconds(123),
        attributes,
    }
}

/// Streams `res` and compares with the map path, for several base locations.
fn assert_same(res: &Resource, set: &SchemaSet) {
    for base in [
        None,
        Some("https://example.com/v2"),
        Some("https://example.com/v2/"),
        Some("http://h\"x\\y/ü"),
    ] {
        let expected = serde_json::to_vec(&render(res, set, base)).unwrap();
        let mut out = Vec::new();
        render_to(res, set, base, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expected).unwrap(),
            "base {base:?}"
        );
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn normalized(doc: &Value, set: &SchemaSet) -> Map<String, Value> {
    normalize(doc, set, &Compat::default(), &mut CompatReport::new()).unwrap()
}

#[test]
fn rfc_examples_normalized() {
    for (name, set) in [
        ("8.1", SchemaSet::user()),
        ("8.2", SchemaSet::user()),
        ("8.3", SchemaSet::user()),
        ("8.4", SchemaSet::group()),
    ] {
        let attrs = normalized(&fixture(name), &set);
        assert_same(&resource(attrs), &set);
    }
}

#[test]
fn rfc_examples_as_stored_raw() {
    // The example documents themselves as attribute maps: `id`, `meta`, `schemas`, the
    // write-only `password` and read-only `groups` all present, as a store that keeps
    // whatever it was given would hand them back.
    for (name, set) in [
        ("8.1", SchemaSet::user()),
        ("8.2", SchemaSet::user()),
        ("8.3", SchemaSet::user()),
        ("8.4", SchemaSet::group()),
    ] {
        assert_same(&resource(object(fixture(name))), &set);
    }
}

#[test]
fn unicode_escapes_case_variants_nulls_and_empties() {
    let attrs = object(json!({
        "USERNAME": "b\"jensen\\\u{0}\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}",
        "userName": "ignored? no: exact match wins",
        "displayName": "Ωmega 😀 \u{2028} é",
        "nickName": null,
        "name": {"GivenName": "Bärbel", "familyName": null, "unknown": 1},
        "emails": [null, {"value": null}, {"VALUE": "x@example.com", "primary": true}, [], {}],
        "phoneNumbers": [],
        "addresses": [{"unknown": "only"}],
        "active": false,
        "password": "secret",
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
        "ims": "not an array",
        "photos": [{"value": 5, "type": ["nested"]}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915", "displayName": "John Smith", "$ref": "../Users/26118915"},
            "costCenter": null
        },
        "unknownTop": {"a": 1}
    }));
    assert_same(&resource(attrs), &SchemaSet::user());
}

#[test]
fn extension_without_renderable_members_is_left_out() {
    let attrs = object(json!({
        "userName": "a",
        ENTERPRISE: {"costCenter": null, "unknown": "x", "manager": {}}
    }));
    assert_same(&resource(attrs), &SchemaSet::user());
    let attrs = object(json!({"userName": "a", ENTERPRISE: "not an object"}));
    assert_same(&resource(attrs), &SchemaSet::user());
}

#[test]
fn groups_with_members() {
    let members: Vec<Value> = (0..50)
        .map(|i| match i % 4 {
            0 => json!({"value": format!("u{i}"), "display": format!("User ✓ {i}")}),
            1 => json!({"value": format!("g{i}"), "type": "Group"}),
            2 => json!({"value": format!("u{i}"), "$ref": "https://x/Users/u", "type": "User"}),
            _ => json!({"value": null, "display": "no value"}),
        })
        .collect();
    let attrs = object(json!({"displayName": "Tour \"Guides\"", "members": members}));
    assert_same(&resource(attrs), &SchemaSet::group());
}

#[test]
fn extreme_timestamps_and_versions() {
    let mut res = resource(object(json!({"userName": "a"})));
    res.version = u64::MAX;
    res.created = OffsetDateTime::from_unix_timestamp(-62_000_000_000).unwrap();
    assert_same(&res, &SchemaSet::user());
    res.version = 0;
    res.created = OffsetDateTime::from_unix_timestamp(0)
        .unwrap()
        .to_offset(time::UtcOffset::from_hms(5, 30, 0).unwrap());
    assert_same(&res, &SchemaSet::user());
}

#[test]
fn repeated_attribute_names_keep_map_semantics() {
    // A schema whose core repeats `id` and `userName`: a map replaces the earlier member
    // in place, and the streaming renderer must agree.
    let attrs = object(json!({"userName": "a", "id": "stored", "active": true}));
    let mut set = SchemaSet::user();
    // Render once first, so a cached answer about the schemas must be dropped on change.
    assert_same(&resource(attrs.clone()), &set);
    let core = set.core_mut();
    core.attributes
        .push(AttributeDef::new("id", AttributeType::String));
    core.attributes
        .push(AttributeDef::new("userName", AttributeType::Boolean));
    assert_same(&resource(attrs), &set);
}

#[test]
fn custom_extension_attributes() {
    let mut set = SchemaSet::user();
    let schema = scimitar::schema::Schema {
        id: "urn:example:custom".into(),
        name: "Custom".into(),
        description: String::new(),
        attributes: vec![
            AttributeDef::new("badge", AttributeType::String),
            AttributeDef::new("level", AttributeType::Integer),
            AttributeDef::new("score", AttributeType::Decimal),
        ],
    };
    set.add_extension(scimitar::schema::Extension {
        schema: Arc::new(schema),
        required: false,
    });
    let attrs = object(json!({
        "userName": "a",
        "urn:example:custom": {"badge": "B-7", "level": -3, "score": 0.25},
        ENTERPRISE: {"department": "R&D"}
    }));
    assert_same(&resource(attrs), &set);
}

const KEYS: &[&str] = &[
    "userName",
    "USERNAME",
    "name",
    "givenName",
    "familyName",
    "formatted",
    "displayName",
    "emails",
    "Emails",
    "value",
    "type",
    "primary",
    "display",
    "password",
    "groups",
    "members",
    "$ref",
    "active",
    "externalId",
    "id",
    "meta",
    "schemas",
    "phoneNumbers",
    "addresses",
    "locality",
    "x509Certificates",
    "employeeNumber",
    "manager",
    "unknown",
    ENTERPRISE,
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        "[a-z\"\\\\\u{0}-\u{1f}\u{7f}é😀 ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

fn attributes() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..28)
        .prop_map(|kv| kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn generated_users_match_the_map_path(attrs in attributes()) {
        assert_same(&resource(attrs), &SchemaSet::user());
    }

    #[test]
    fn generated_groups_match_the_map_path(attrs in attributes()) {
        assert_same(&resource(attrs), &SchemaSet::group());
    }
}
