//! Sorting (RFC 7644 §3.4.2.3).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cmp::Ordering;

use scimitar::list::{compare, Sorter};
use scimitar::schema::{AttributeDef, AttributeType, Extension, Schema, SchemaSet};
use scimitar::store::{Resource, SortKey, SortOrder};
use scimitar::AttrPath;
use serde_json::{json, Value};
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const T0: OffsetDateTime = datetime!(2024-01-01 00:00 UTC);

fn user(id: &str, attrs: Value) -> Resource {
    let Value::Object(attributes) = attrs else {
        panic!("attributes must be an object")
    };
    Resource {
        id: id.into(),
        version: 1,
        created: T0,
        last_modified: T0,
        attributes,
    }
}

fn key(path: &str, order: SortOrder) -> SortKey {
    SortKey {
        path: path.parse::<AttrPath>().unwrap(),
        order,
    }
}

fn sorted_ids(
    mut rs: Vec<Resource>,
    path: &str,
    order: SortOrder,
    schemas: &SchemaSet,
) -> Vec<String> {
    Sorter::new(&key(path, order), schemas).sort(&mut rs);
    rs.into_iter().map(|r| r.id).collect()
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn missing_values_last_when_ascending() {
    let users = vec![
        user("none", json!({"userName": "n"})),
        user("b", json!({"userName": "b", "title": "Bravo"})),
        user("a", json!({"userName": "a", "title": "alpha"})),
        user("null", json!({"userName": "x", "title": null})),
    ];
    let got = sorted_ids(users, "title", SortOrder::Ascending, &SchemaSet::user());
    assert_eq!(got, ids(&["a", "b", "none", "null"]));
}

#[test]
fn missing_values_first_when_descending() {
    let users = vec![
        user("b", json!({"title": "Bravo"})),
        user("none", json!({})),
        user("a", json!({"title": "alpha"})),
        user("null", json!({"title": null})),
    ];
    let got = sorted_ids(users, "title", SortOrder::Descending, &SchemaSet::user());
    // Missing ones keep their input order among themselves.
    assert_eq!(got, ids(&["none", "null", "b", "a"]));
}

#[test]
fn case_insensitive_attribute_folds_case() {
    // userName is caseExact: false.
    let users = vec![
        user("B", json!({"userName": "Bob"})),
        user("a", json!({"userName": "alice"})),
        user("C", json!({"userName": "Carol"})),
    ];
    let got = sorted_ids(users, "userName", SortOrder::Ascending, &SchemaSet::user());
    assert_eq!(got, ids(&["a", "B", "C"]));
}

#[test]
fn case_exact_attribute_sorts_by_code_point() {
    // externalId is caseExact: true, so upper case sorts before lower case.
    let users = vec![
        user("a", json!({"externalId": "alice"})),
        user("B", json!({"externalId": "Bob"})),
        user("C", json!({"externalId": "Carol"})),
    ];
    let got = sorted_ids(
        users,
        "externalId",
        SortOrder::Ascending,
        &SchemaSet::user(),
    );
    assert_eq!(got, ids(&["B", "C", "a"]));
}

#[test]
fn equal_values_keep_store_order_both_directions() {
    let users = vec![
        user("1", json!({"userName": "same"})),
        user("2", json!({"userName": "SAME"})),
        user("3", json!({"userName": "Same"})),
    ];
    let schemas = SchemaSet::user();
    assert_eq!(
        sorted_ids(users.clone(), "userName", SortOrder::Ascending, &schemas),
        ids(&["1", "2", "3"])
    );
    assert_eq!(
        sorted_ids(users, "userName", SortOrder::Descending, &schemas),
        ids(&["1", "2", "3"])
    );
}

#[test]
fn multi_valued_sorts_by_primary_else_first() {
    let users = vec![
        // primary is "z...", though "a..." comes first
        user(
            "p",
            json!({"emails": [{"value": "a@x.com"}, {"value": "z@x.com", "primary": true}]}),
        ),
        user(
            "f",
            json!({"emails": [{"value": "m@x.com"}, {"value": "b@x.com"}]}),
        ),
        user("e", json!({"emails": []})),
    ];
    let got = sorted_ids(
        users.clone(),
        "emails.value",
        SortOrder::Ascending,
        &SchemaSet::user(),
    );
    assert_eq!(got, ids(&["f", "p", "e"]));
    // Without a sub-attribute, a complex multi-valued attribute sorts by `value`.
    let got = sorted_ids(users, "emails", SortOrder::Ascending, &SchemaSet::user());
    assert_eq!(got, ids(&["f", "p", "e"]));
}

#[test]
fn sub_attribute_path() {
    let users = vec![
        user("j", json!({"name": {"familyName": "Jensen"}})),
        user("a", json!({"name": {"familyName": "Andersen"}})),
        user("x", json!({"name": {"givenName": "X"}})),
    ];
    let got = sorted_ids(
        users,
        "NAME.FAMILYNAME",
        SortOrder::Ascending,
        &SchemaSet::user(),
    );
    assert_eq!(got, ids(&["a", "j", "x"]));
}

#[test]
fn urn_qualified_extension_path() {
    let users = vec![
        user("2", json!({ENTERPRISE: {"employeeNumber": "2"}})),
        user("none", json!({})),
        user("1", json!({ENTERPRISE: {"employeeNumber": "1"}})),
    ];
    let path = format!("{ENTERPRISE}:employeeNumber");
    let got = sorted_ids(users, &path, SortOrder::Ascending, &SchemaSet::user());
    assert_eq!(got, ids(&["1", "2", "none"]));
}

#[test]
fn core_urn_prefix_is_accepted() {
    let users = vec![
        user("b", json!({"userName": "b"})),
        user("a", json!({"userName": "a"})),
    ];
    let got = sorted_ids(
        users,
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        SortOrder::Ascending,
        &SchemaSet::user(),
    );
    assert_eq!(got, ids(&["a", "b"]));
}

#[test]
fn booleans_false_before_true() {
    let users = vec![
        user("t", json!({"active": true})),
        user("f", json!({"active": false})),
    ];
    let got = sorted_ids(users, "active", SortOrder::Ascending, &SchemaSet::user());
    assert_eq!(got, ids(&["f", "t"]));
}

/// A schema set with an extension carrying integer, decimal and dateTime attributes.
fn typed_schemas() -> SchemaSet {
    let mut set = SchemaSet::user();
    set.add_extension(Extension {
        schema: Arc::new(Schema {
            id: "urn:example:ext".into(),
            name: "Ext".into(),
            description: String::new(),
            attributes: vec![
                AttributeDef::new("level", AttributeType::Integer),
                AttributeDef::new("score", AttributeType::Decimal),
                AttributeDef::new("hired", AttributeType::DateTime),
            ],
        }),
        required: false,
    });
    set
}

fn ext(v: Value) -> Value {
    json!({ "urn:example:ext": v })
}

#[test]
fn integers_sort_numerically() {
    let users = vec![
        user("10", ext(json!({"level": 10}))),
        user("9", ext(json!({"level": 9}))),
        user("-1", ext(json!({"level": -1}))),
    ];
    let got = sorted_ids(
        users,
        "urn:example:ext:level",
        SortOrder::Ascending,
        &typed_schemas(),
    );
    assert_eq!(got, ids(&["-1", "9", "10"]));
}

#[test]
fn decimals_sort_numerically() {
    let users = vec![
        user("b", ext(json!({"score": 2.5}))),
        user("a", ext(json!({"score": 10}))),
        user("c", ext(json!({"score": -0.5}))),
    ];
    let got = sorted_ids(
        users,
        "urn:example:ext:score",
        SortOrder::Descending,
        &typed_schemas(),
    );
    assert_eq!(got, ids(&["a", "b", "c"]));
}

#[test]
fn date_times_sort_as_instants() {
    let users = vec![
        // 03:00Z
        user("late", ext(json!({"hired": "2011-05-13T05:00:00+02:00"}))),
        // 04:00Z, though its text sorts first
        user("later", ext(json!({"hired": "2011-05-13T04:00:00Z"}))),
        user("early", ext(json!({"hired": "2011-05-13T01:00:00Z"}))),
    ];
    let got = sorted_ids(
        users,
        "urn:example:ext:hired",
        SortOrder::Ascending,
        &typed_schemas(),
    );
    assert_eq!(got, ids(&["early", "late", "later"]));
}

#[test]
fn id_and_meta_dates_come_from_resource_fields() {
    let mut a = user("b-id", json!({}));
    a.created = T0 + Duration::hours(2);
    a.last_modified = T0;
    let mut b = user("a-id", json!({}));
    b.created = T0 + Duration::hours(1);
    b.last_modified = T0 + Duration::hours(5);
    let users = vec![a, b];
    let schemas = SchemaSet::user();
    assert_eq!(
        sorted_ids(users.clone(), "id", SortOrder::Ascending, &schemas),
        ids(&["a-id", "b-id"])
    );
    assert_eq!(
        sorted_ids(
            users.clone(),
            "meta.created",
            SortOrder::Ascending,
            &schemas
        ),
        ids(&["a-id", "b-id"])
    );
    assert_eq!(
        sorted_ids(users, "meta.lastModified", SortOrder::Ascending, &schemas),
        ids(&["b-id", "a-id"])
    );
}

#[test]
fn unknown_attribute_keeps_store_order() {
    let users = vec![user("2", json!({})), user("1", json!({}))];
    let got = sorted_ids(
        users,
        "noSuchThing",
        SortOrder::Ascending,
        &SchemaSet::user(),
    );
    assert_eq!(got, ids(&["2", "1"]));
}

#[test]
fn compare_function_agrees_with_sorter() {
    let a = user("a", json!({"userName": "a"}));
    let b = user("b", json!({"userName": "B"}));
    let none = user("n", json!({}));
    let schemas = SchemaSet::user();
    let asc = key("userName", SortOrder::Ascending);
    let desc = key("userName", SortOrder::Descending);
    assert_eq!(compare(&a, &b, &asc, &schemas), Ordering::Less);
    assert_eq!(compare(&a, &b, &desc, &schemas), Ordering::Greater);
    assert_eq!(compare(&a, &none, &asc, &schemas), Ordering::Less);
    assert_eq!(compare(&a, &none, &desc, &schemas), Ordering::Greater);
    let sorter = Sorter::new(&asc, &schemas);
    assert!(sorter.key(&a) < sorter.key(&b));
    assert!(sorter.key(&b) < sorter.key(&none));
}

#[test]
fn sort_by_sorts_wrapped_items() {
    let schemas = SchemaSet::user();
    let mut items: Vec<Arc<Resource>> = vec![
        Arc::new(user("b", json!({"userName": "b"}))),
        Arc::new(user("a", json!({"userName": "a"}))),
    ];
    Sorter::new(&key("userName", SortOrder::Ascending), &schemas).sort_by(&mut items, |r| r);
    assert_eq!(items[0].id, "a");
}

#[test]
fn empty_string_counts_as_no_data() {
    let users = vec![
        user("empty", json!({"title": ""})),
        user("a", json!({"title": "a"})),
    ];
    let got = sorted_ids(users, "title", SortOrder::Ascending, &SchemaSet::user());
    assert_eq!(got, ids(&["a", "empty"]));
}
