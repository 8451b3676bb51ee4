//! `ListQuery` from URL query strings and POST `.search` bodies (RFC 7644 §3.4.2, §3.4.3).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::list::{ListLimits, ListQuery, SEARCH_REQUEST_SCHEMA};
use scimitar::store::SortOrder;
use scimitar::{AttrPath, ErrorKind, Filter};
use serde_json::json;

fn query(s: &str) -> ListQuery {
    ListQuery::from_query(s, &ListLimits::default()).expect(s)
}

fn query_err(s: &str) -> scimitar::Error {
    ListQuery::from_query(s, &ListLimits::default()).expect_err(s)
}

fn search(body: serde_json::Value) -> Result<ListQuery, scimitar::Error> {
    ListQuery::from_search_body(&body, &ListLimits::default())
}

// --- paging edges (RFC 7644 §3.4.2.4) ---

#[test]
fn start_index_zero_is_one() {
    assert_eq!(query("startIndex=0").start_index, 1);
}

#[test]
fn start_index_negative_is_one() {
    assert_eq!(query("startIndex=-10").start_index, 1);
}

#[test]
fn negative_count_is_zero() {
    assert_eq!(query("count=-1").count, 0);
}

#[test]
fn count_zero_is_kept() {
    assert_eq!(query("count=0").count, 0);
}

#[test]
fn count_above_max_is_capped() {
    assert_eq!(query("count=5000").count, 1000);
}

#[test]
fn count_defaults_to_limit() {
    assert_eq!(query("").count, 1000);
    let limits = ListLimits::default()
        .with_default_count(50)
        .with_max_count(200);
    let q = ListQuery::from_query("", &limits).unwrap();
    assert_eq!(q.count, 50);
    let q = ListQuery::from_query("count=300", &limits).unwrap();
    assert_eq!(q.count, 200);
}

#[test]
fn non_integer_count_is_invalid_value() {
    for bad in [
        "count=ten",
        "count=1.5",
        "count=1e3",
        "count=-",
        "startIndex=abc",
    ] {
        let e = query_err(bad);
        assert_eq!(e.kind(), ErrorKind::InvalidValue, "{bad}");
        assert_eq!(e.status(), 400);
    }
    assert!(query_err("count=ten").detail().contains("count"));
    assert!(query_err("startIndex=x").detail().contains("startIndex"));
}

#[test]
fn page_is_zero_based_offset() {
    let q = query("startIndex=11&count=10");
    assert_eq!((q.page().offset, q.page().count), (10, 10));
}

// --- decoding ---

#[test]
fn plus_decodes_as_space_in_filter() {
    let q = query("filter=userName+eq+%22bjensen%22");
    let expected: Filter = r#"userName eq "bjensen""#.parse().unwrap();
    assert_eq!(q.filter, Some(expected));
}

#[test]
fn percent_twenty_and_encoded_quotes_decode() {
    let q = query("filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100");
    let expected: Filter = r#"userName eq "test.user@okta.local""#.parse().unwrap();
    assert_eq!(q.filter, Some(expected));
    assert_eq!((q.start_index, q.count), (1, 100));
}

#[test]
fn literal_plus_in_value_needs_percent_2b() {
    let q = query("filter=userName+eq+%22a%2Bb%40x.com%22");
    let expected: Filter = r#"userName eq "a+b@x.com""#.parse().unwrap();
    assert_eq!(q.filter, Some(expected));
}

#[test]
fn bad_filter_is_invalid_filter() {
    let e = query_err("filter=userName+eq");
    assert_eq!(e.kind(), ErrorKind::InvalidFilter);
    let e = query_err("filter=userName+regex+%22x%22");
    assert_eq!(e.kind(), ErrorKind::InvalidFilter);
}

#[test]
fn empty_values_count_as_absent() {
    let q = query("filter=&count=&sortBy=");
    assert_eq!(q, ListQuery::new(&ListLimits::default()));
}

#[test]
fn parameter_names_are_case_insensitive() {
    let q = query(
        "FILTER=userName+pr&SORTBY=name.familyName&SortOrder=Descending&STARTINDEX=2&COUNT=3",
    );
    assert!(q.filter.is_some());
    assert_eq!(
        q.sort_by,
        Some(AttrPath::new(None, "name", Some("familyName".into())))
    );
    assert_eq!(q.sort_order, SortOrder::Descending);
    assert_eq!((q.start_index, q.count), (2, 3));
}

#[test]
fn unknown_parameters_are_ignored() {
    assert_eq!(query("foo=bar&x"), ListQuery::new(&ListLimits::default()));
}

#[test]
fn duplicate_parameter_is_rejected() {
    let e = query_err("filter=userName+pr&filter=title+pr");
    assert_eq!(e.kind(), ErrorKind::InvalidValue);
    assert!(e.detail().contains("filter"));
}

#[test]
fn sort_order_must_be_ascending_or_descending() {
    assert_eq!(
        query("sortOrder=ASCENDING").sort_order,
        SortOrder::Ascending
    );
    let e = query_err("sortOrder=up");
    assert_eq!(e.kind(), ErrorKind::InvalidValue);
    assert!(e.detail().contains("sortOrder"));
}

#[test]
fn attributes_are_comma_separated_paths() {
    let q = query(
        "attributes=userName,%20name.givenName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    );
    assert_eq!(q.attributes.len(), 3);
    assert_eq!(q.attributes[1].sub(), Some("givenName"));
    assert_eq!(
        q.attributes[2].urn(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
    );
    assert_eq!(q.attributes[2].name(), "employeeNumber");
}

#[test]
fn excluded_attributes_members() {
    let q = query("excludedAttributes=members");
    assert_eq!(q.excluded_attributes, vec![AttrPath::attr("members")]);
}

#[test]
fn malformed_attribute_path_is_invalid_value() {
    let e = query_err("attributes=emails[type%20eq%20%22work%22]");
    assert_eq!(e.kind(), ErrorKind::InvalidValue);
    assert!(e.detail().contains("attributes"), "{}", e.detail());
}

// --- POST .search ---

#[test]
fn search_body_rfc_example() {
    let q = search(json!({
        "schemas": [SEARCH_REQUEST_SCHEMA],
        "attributes": ["displayName", "userName"],
        "filter": "displayName sw \"smith\"",
        "startIndex": 1,
        "count": 10
    }))
    .unwrap();
    assert_eq!(
        q.attributes,
        vec![AttrPath::attr("displayName"), AttrPath::attr("userName")]
    );
    assert_eq!(q.filter, Some(r#"displayName sw "smith""#.parse().unwrap()));
    assert_eq!((q.start_index, q.count), (1, 10));
}

#[test]
fn search_body_normalizes_like_query() {
    let q = search(json!({
        "schemas": [SEARCH_REQUEST_SCHEMA],
        "startIndex": 0,
        "count": -5,
        "sortBy": "userName",
        "sortOrder": "descending",
        "excludedAttributes": ["members"]
    }))
    .unwrap();
    assert_eq!((q.start_index, q.count), (1, 0));
    assert_eq!(q.sort_order, SortOrder::Descending);
    assert_eq!(q.excluded_attributes, vec![AttrPath::attr("members")]);
}

#[test]
fn search_body_caps_count() {
    let q = search(json!({"schemas": [SEARCH_REQUEST_SCHEMA], "count": 100000})).unwrap();
    assert_eq!(q.count, 1000);
}

#[test]
fn search_body_without_schema_is_invalid_syntax() {
    let e = search(json!({"filter": "userName pr"})).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
    let e =
        search(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
    let e = search(json!([SEARCH_REQUEST_SCHEMA])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
}

#[test]
fn search_body_wrong_types_are_invalid_value() {
    for body in [
        json!({"schemas": [SEARCH_REQUEST_SCHEMA], "count": "10"}),
        json!({"schemas": [SEARCH_REQUEST_SCHEMA], "startIndex": 1.5}),
        json!({"schemas": [SEARCH_REQUEST_SCHEMA], "attributes": [1, 2]}),
        json!({"schemas": [SEARCH_REQUEST_SCHEMA], "filter": 3}),
    ] {
        let e = search(body.clone()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue, "{body}");
    }
}

#[test]
fn search_body_nulls_and_unknown_members_are_ignored() {
    let q = search(json!({
        "schemas": [SEARCH_REQUEST_SCHEMA],
        "filter": null,
        "count": null,
        "somethingElse": {"a": 1}
    }))
    .unwrap();
    assert_eq!(q, ListQuery::new(&ListLimits::default()));
}

#[test]
fn search_body_bad_filter_is_invalid_filter() {
    let e =
        search(json!({"schemas": [SEARCH_REQUEST_SCHEMA], "filter": "userName eq"})).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidFilter);
}
