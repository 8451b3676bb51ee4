//! All-or-nothing: a failing operation leaves the resource as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::patch::{PatchLimits, PatchRequest};
use scimitar::schema::{Policy, SchemaSet};
use scimitar::{Compat, CompatReport, ErrorKind};
use serde_json::{json, Map, Value};

fn user() -> Map<String, Value> {
    let path = format!(
        "{}/tests/fixtures/patch/user_full.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn apply(ops: Value, start: &Map<String, Value>) -> Result<Map<String, Value>, scimitar::Error> {
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let mut report = CompatReport::new();
    let compat = Compat::default();
    let req = PatchRequest::from_json(&body, &compat, &mut report, &PatchLimits::default())?;
    req.apply(
        start,
        "u-1",
        &SchemaSet::user(),
        &Policy::default(),
        &compat,
        &mut report,
    )
}

#[test]
fn third_of_four_operations_fails_and_nothing_changes() {
    let start = user();
    let before = start.clone();
    let e = apply(
        json!([
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "remove", "path": "emails[type eq \"home\"]"},
            {"op": "replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "1"},
            {"op": "add", "path": "nickName", "value": "Never"}
        ]),
        &start,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoTarget);
    assert!(
        e.detail()
            .starts_with("operation 3 (replace 'phoneNumbers[type eq \"fax\"].value'):"),
        "{}",
        e.detail()
    );
    assert_eq!(start, before);
}

#[test]
fn failing_second_operation_changes_nothing() {
    let start = user();
    let before = start.clone();
    // The first operation succeeds; the second removes the required userName.
    let e = apply(
        json!([
            {"op": "add", "path": "emails", "value": [{"value": "n@x", "primary": true}]},
            {"op": "replace", "value": {"userName": null}}
        ]),
        &start,
    )
    .unwrap_err();
    assert_eq!(e.status().as_u16(), 400);
    assert_eq!(start, before);
}

#[test]
fn success_returns_a_new_map_and_leaves_the_input() {
    let start = user();
    let before = start.clone();
    let out = apply(
        json!([{"op": "replace", "path": "displayName", "value": "Changed"}]),
        &start,
    )
    .unwrap();
    assert_eq!(out["displayName"], "Changed");
    assert_eq!(start, before);
}
