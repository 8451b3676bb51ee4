//! The built-in schemas against RFC 7643 §8.7.1, attribute by attribute.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::schema::{enterprise_user_schema, group_schema, user_schema, Schema};
use serde_json::{json, Value};

const CHARACTERISTICS: [&str; 9] = [
    "name",
    "type",
    "multiValued",
    "required",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
    "canonicalValues",
];

fn fixture() -> Vec<Value> {
    serde_json::from_str(include_str!("fixtures/rfc/rfc7643-schemas.json")).unwrap()
}

fn rfc_schema(id: &str) -> Value {
    fixture().into_iter().find(|s| s["id"] == id).unwrap()
}

/// Every (path, characteristic, rfc value, our value) that differs.
fn differences(rfc: &Value, ours: &Schema) -> Vec<(String, String, Value, Value)> {
    let ours = serde_json::to_value(ours).unwrap();
    assert_eq!(
        rfc["attributes"].as_array().unwrap().len(),
        ours["attributes"].as_array().unwrap().len()
    );
    let mut diffs = Vec::new();
    compare_attrs(
        "",
        rfc["attributes"].as_array().unwrap(),
        ours["attributes"].as_array().unwrap(),
        &mut diffs,
    );
    diffs
}

fn compare_attrs(
    prefix: &str,
    rfc: &[Value],
    ours: &[Value],
    diffs: &mut Vec<(String, String, Value, Value)>,
) {
    for r in rfc {
        let name = r["name"].as_str().unwrap();
        let path = format!("{prefix}{name}");
        let Some(o) = ours.iter().find(|o| o["name"] == name) else {
            diffs.push((path, "missing".into(), Value::Null, Value::Null));
            continue;
        };
        for c in CHARACTERISTICS {
            // RFC 7643 §2.2: an omitted characteristic takes its default.
            let rv = r.get(c).cloned().unwrap_or_else(|| default_of(c));
            let ov = o.get(c).cloned().unwrap_or(Value::Null);
            if rv != ov {
                diffs.push((path.clone(), c.into(), rv, ov));
            }
        }
        let rsubs = r.get("subAttributes").and_then(Value::as_array);
        let osubs = o.get("subAttributes").and_then(Value::as_array);
        if let (Some(rs), Some(os)) = (rsubs, osubs) {
            compare_attrs(&format!("{path}."), rs, os, diffs);
            for extra in os
                .iter()
                .filter(|o| !rs.iter().any(|r| r["name"] == o["name"]))
            {
                diffs.push((
                    format!("{path}.{}", extra["name"].as_str().unwrap()),
                    "added".into(),
                    Value::Null,
                    Value::Null,
                ));
            }
        }
    }
}

fn default_of(characteristic: &str) -> Value {
    match characteristic {
        "caseExact" | "required" | "multiValued" => json!(false),
        "uniqueness" => json!("none"),
        "mutability" => json!("readWrite"),
        "returned" => json!("default"),
        _ => Value::Null,
    }
}

#[test]
fn user_schema_matches_rfc_except_errata() {
    let rfc = rfc_schema("urn:ietf:params:scim:schemas:core:2.0:User");
    let diffs = differences(&rfc, user_schema());
    // Only deviation: addresses gains `primary`, which the RFC's own §8.2 example sets.
    assert_eq!(
        diffs,
        vec![(
            "addresses.primary".to_string(),
            "added".to_string(),
            Value::Null,
            Value::Null
        )]
    );
    let primary = user_schema()
        .attribute("addresses")
        .unwrap()
        .sub_attribute("primary")
        .unwrap();
    assert_eq!(primary.ty.as_str(), "boolean");
}

#[test]
fn user_groups_ref_references_groups_only_erratum_8471() {
    let rfc = rfc_schema("urn:ietf:params:scim:schemas:core:2.0:User");
    let groups = rfc["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "groups")
        .unwrap();
    assert_eq!(
        groups["subAttributes"][1]["referenceTypes"],
        json!(["User", "Group"])
    );
    let ours = user_schema()
        .attribute("groups")
        .unwrap()
        .sub_attribute("$ref")
        .unwrap();
    assert_eq!(ours.reference_types, Some(vec!["Group".to_string()]));
}

#[test]
fn group_schema_matches_rfc_except_errata() {
    let rfc = rfc_schema("urn:ietf:params:scim:schemas:core:2.0:Group");
    let diffs = differences(&rfc, group_schema());
    assert_eq!(
        diffs,
        vec![
            // erratum 5368: displayName is REQUIRED
            (
                "displayName".to_string(),
                "required".to_string(),
                json!(false),
                json!(true)
            ),
            // erratum 6011: members.display, used by the §8.4 example
            (
                "members.display".to_string(),
                "added".to_string(),
                Value::Null,
                Value::Null
            ),
        ]
    );
}

#[test]
fn enterprise_schema_matches_rfc_except_errata() {
    let rfc = rfc_schema("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    let diffs = differences(&rfc, enterprise_user_schema());
    assert_eq!(
        diffs,
        // erratum 8472: manager.value is caseExact
        vec![(
            "manager.value".to_string(),
            "caseExact".to_string(),
            json!(false),
            json!(true)
        )]
    );
}

#[test]
fn schema_documents_carry_schemas_meta_and_rfc_identity() {
    for (ours, name) in [
        (user_schema(), "User"),
        (group_schema(), "Group"),
        (enterprise_user_schema(), "EnterpriseUser"),
    ] {
        let doc = ours.to_json(Some("https://example.com/v2/Schemas/x"));
        assert_eq!(doc["name"], name);
        assert_eq!(
            doc["schemas"],
            json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"])
        );
        assert_eq!(doc["meta"]["resourceType"], "Schema");
        let rfc = rfc_schema(doc["id"].as_str().unwrap());
        assert_eq!(doc["description"], rfc["description"]);
    }
}

#[test]
fn embedded_schema_json_is_the_fixture() {
    let embedded: Value = serde_json::from_str(scimitar::schema::rfc_schemas_json()).unwrap();
    assert_eq!(embedded, Value::Array(fixture()));
}
