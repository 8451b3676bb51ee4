//! Property: no JSON body makes normalize, validate or render panic, and whatever
//! normalize accepts validates or fails with a 400, renders, and reads back (strictly) as
//! the same canonical map.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use scimitar::compat::{Compat, CompatReport};
use scimitar::resource::{normalize, render, validate};
use scimitar::schema::{Policy, SchemaSet};
use scimitar::store::Resource;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// Keys biased towards names the schemas know, in assorted cases.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("userName".to_string()),
        Just("NAME".to_string()),
        Just("givenName".to_string()),
        Just("emails".to_string()),
        Just("value".to_string()),
        Just("primary".to_string()),
        Just("type".to_string()),
        Just("active".to_string()),
        Just("members".to_string()),
        Just("$ref".to_string()),
        Just("displayName".to_string()),
        Just("x509Certificates".to_string()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_string()),
        Just("manager".to_string()),
        Just("schemas".to_string()),
        "[a-zA-Z:.$]{0,12}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![Just("True".to_string()), Just(String::new()), ".{0,8}"]
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn exercise(body: &Value, set: &SchemaSet, compat: &Compat) {
    let mut report = CompatReport::new();
    match normalize(body, set, compat, &mut report) {
        Ok(attrs) => {
            if let Err(e) = validate(&attrs, set, &Policy::default().max_length(5)) {
                assert_eq!(e.status(), 400);
            }
            let now = OffsetDateTime::UNIX_EPOCH;
            let mut stored = attrs.clone();
            stored.remove("password");
            let r = Resource {
                id: "x".into(),
                version: 1,
                created: now,
                last_modified: now,
                attributes: attrs,
            };
            let out = render(&r, set, Some("https://x"));
            assert!(out.contains_key("schemas"));
            // Canonical output reads back, strictly, as the same canonical map.
            let again = normalize(
                &Value::Object(out),
                set,
                &Compat::strict(),
                &mut CompatReport::new(),
            )
            .unwrap();
            assert_eq!(again, stored);
        }
        Err(e) => assert_eq!(e.status(), 400),
    }
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(body in json_value()) {
        for set in [SchemaSet::user(), SchemaSet::group()] {
            exercise(&body, &set, &Compat::default());
            exercise(&body, &set, &Compat::strict());
        }
    }
}
