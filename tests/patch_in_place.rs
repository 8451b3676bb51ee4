//! `PatchRequest::apply_in_place` against `PatchRequest::apply`: the same result (member
//! order included) or the same error, with the map restored exactly on error; and
//! `Revalidate::Touched` (incremental validation) against `Revalidate::Full` whenever the
//! starting resource is valid. Over the PATCH table, the fuzz seeds and random requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use scimitar::patch::{PatchLimits, PatchRequest, Revalidate};
use scimitar::resource::validate;
use scimitar::schema::{Policy, SchemaSet};
use scimitar::{Compat, CompatReport, ErrorKind};
use serde_json::{json, Map, Value};

const URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/patch/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn user() -> Map<String, Value> {
    fixture("user_full.json").as_object().cloned().unwrap()
}

fn keys(m: &Map<String, Value>) -> Vec<String> {
    m.keys().cloned().collect()
}

/// A strict policy, as the examples' `--require ... --max-length 255` plus canonical values.
fn strict_policy() -> Policy {
    Policy::default()
        .require_list("externalId,name.givenName,name.familyName,emails")
        .unwrap()
        .max_length_of("nickName", 10)
        .unwrap()
        .max_length_of("title", 20)
        .unwrap()
        .max_length_of("emails.value", 30)
        .unwrap()
        .enforce_canonical_values(true)
        .max_values(3)
}

#[test]
fn the_starting_user_is_valid_under_both_policies() {
    // So that `Revalidate::Touched` is compared on every request below.
    validate(&user(), &SchemaSet::user(), &Policy::default()).unwrap();
    validate(&user(), &SchemaSet::user(), &strict_policy()).unwrap();
}

type Outcome = Result<(Map<String, Value>, bool, String), (ErrorKind, u16, String)>;

/// Runs `req` on `start` by copy and in place (full and, when `start` is valid, touched
/// re-validation) and checks they agree.
fn compare(
    req: &PatchRequest,
    start: &Map<String, Value>,
    id: &str,
    schemas: &SchemaSet,
    policy: &Policy,
    compat: &Compat,
    what: &str,
) {
    let mut report = CompatReport::new();
    let by_copy: Outcome = match req.apply(start, id, schemas, policy, compat, &mut report) {
        Ok(out) => {
            let changed = out != *start;
            Ok((out, changed, report.to_string()))
        }
        Err(e) => Err((e.kind(), e.status().as_u16(), e.detail().to_string())),
    };
    let mut modes = vec![Revalidate::Full];
    if validate(start, schemas, policy).is_ok() {
        modes.push(Revalidate::Touched);
    }
    for mode in modes {
        let mut attrs = start.clone();
        let mut report = CompatReport::new();
        let got = req.apply_in_place(&mut attrs, id, schemas, policy, compat, &mut report, mode);
        match (&by_copy, got) {
            (Ok((out, changed, fired)), Ok(c)) => {
                assert_eq!(attrs, *out, "{what} ({mode:?}): result");
                assert_eq!(c, *changed, "{what} ({mode:?}): changed flag");
                assert_eq!(report.to_string(), *fired, "{what} ({mode:?}): fired rules");
                if c {
                    assert_eq!(keys(&attrs), keys(out), "{what} ({mode:?}): member order");
                } else {
                    assert_eq!(
                        keys(&attrs),
                        keys(start),
                        "{what} ({mode:?}): unchanged order"
                    );
                }
            }
            (Err((kind, status, detail)), Err(e)) => {
                assert_eq!(e.kind(), *kind, "{what} ({mode:?}): error kind");
                assert_eq!(e.status().as_u16(), *status, "{what} ({mode:?})");
                assert_eq!(e.detail(), detail, "{what} ({mode:?}): error detail");
                assert_eq!(attrs, *start, "{what} ({mode:?}): restored");
                assert_eq!(
                    keys(&attrs),
                    keys(start),
                    "{what} ({mode:?}): restored order"
                );
            }
            (want, got) => panic!("{what} ({mode:?}): apply gave {want:?}, in place {got:?}"),
        }
    }
}

fn parse(body: &Value, compat: &Compat) -> Option<PatchRequest> {
    let mut report = CompatReport::new();
    PatchRequest::from_json(body, compat, &mut report, &PatchLimits::default()).ok()
}

#[test]
fn in_place_matches_apply_on_the_table() {
    let cases = fixture("cases.json");
    let mut compared = 0;
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let start = match &case["start"] {
            Value::String(n) => fixture(&format!("{n}.json")),
            v => v.clone(),
        };
        let start = start.as_object().cloned().unwrap();
        let compat = match case["compat"].as_str() {
            Some("strict") => Compat::strict(),
            _ => Compat::default(),
        };
        let (schemas, default_id) = match case["kind"].as_str() {
            Some("group") => (SchemaSet::group(), "g-1"),
            _ => (SchemaSet::user(), "2819c223-7f76-453a-919d-413861904646"),
        };
        let id = case["id"].as_str().unwrap_or(default_id);
        let body = json!({"schemas": [URN], "Operations": case["ops"]});
        let Some(req) = parse(&body, &compat) else {
            continue;
        };
        for policy in [Policy::default(), strict_policy()] {
            compare(&req, &start, id, &schemas, &policy, &compat, name);
            compared += 1;
        }
    }
    assert!(compared >= 140, "only {compared} comparisons");
}

#[test]
fn in_place_matches_apply_on_the_fuzz_seeds() {
    let dir = format!("{}/fuzz/seeds/patch_apply", env!("CARGO_MANIFEST_DIR"));
    let group = json!({"displayName": "G", "members": [{"value": "u1"}, {"value": "u2"}]});
    let group = group.as_object().cloned().unwrap();
    let mut compared = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(body) = serde_json::from_slice::<Value>(&std::fs::read(&path).unwrap()) else {
            continue;
        };
        let what = path.display().to_string();
        for compat in [Compat::default(), Compat::strict()] {
            let Some(req) = parse(&body, &compat) else {
                continue;
            };
            for policy in [Policy::default(), strict_policy()] {
                compare(
                    &req,
                    &user(),
                    "u-1",
                    &SchemaSet::user(),
                    &policy,
                    &compat,
                    &what,
                );
                compare(
                    &req,
                    &group,
                    "g-1",
                    &SchemaSet::group(),
                    &policy,
                    &compat,
                    &what,
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 100, "only {compared} comparisons");
}

#[test]
fn failing_third_of_four_restores_the_map_exactly_in_place() {
    let start = user();
    let body = json!({"schemas": [URN], "Operations": [
        {"op": "remove", "path": "title"},
        {"op": "remove", "path": "emails[type eq \"home\"]"},
        {"op": "replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "1"},
        {"op": "add", "path": "nickName", "value": "Never"}
    ]});
    let compat = Compat::default();
    let req = parse(&body, &compat).unwrap();
    let mut attrs = start.clone();
    let mut report = CompatReport::new();
    let e = req
        .apply_in_place(
            &mut attrs,
            "u-1",
            &SchemaSet::user(),
            &Policy::default(),
            &compat,
            &mut report,
            Revalidate::Full,
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoTarget);
    assert!(e.detail().starts_with("operation 3 "), "{}", e.detail());
    assert_eq!(attrs, start);
    assert_eq!(keys(&attrs), keys(&start));
}

#[test]
fn failing_validation_after_removals_and_re_adds_restores_order() {
    let start = user();
    // Removes and re-adds members (moving them to the end), adds new ones, then fails
    // validation: the map must come back in its original order.
    let body = json!({"schemas": [URN], "Operations": [
        {"op": "remove", "path": "displayName"},
        {"op": "remove", "path": "ims"},
        {"op": "add", "path": "displayName", "value": "Back"},
        {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
        {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "D"},
        {"op": "remove", "path": "name"},
        {"op": "replace", "path": "title", "value": "x".repeat(300)}
    ]});
    let compat = Compat::default();
    let req = parse(&body, &compat).unwrap();
    let policy = Policy::default().max_length(255);
    for mode in [Revalidate::Full, Revalidate::Touched] {
        let mut attrs = start.clone();
        let mut report = CompatReport::new();
        let e = req
            .apply_in_place(
                &mut attrs,
                "u-1",
                &SchemaSet::user(),
                &policy,
                &compat,
                &mut report,
                mode,
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue, "{e}");
        assert!(e.detail().contains("title"), "{}", e.detail());
        assert_eq!(attrs, start);
        assert_eq!(keys(&attrs), keys(&start));
    }
}

#[test]
fn journaled_changes_are_undone_exactly() {
    // Each of these is logged member by member (no copy of the attribute): a sub-attribute
    // of matched elements, an element appended with `primary` cleared on the others, a
    // complex sub-attribute, an extension attribute, a new sub-attribute; then a failure.
    let start = user();
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    for failing in [
        json!({"op": "replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "1"}),
        json!({"op": "replace", "path": "title", "value": "t".repeat(300)}),
    ] {
        let body = json!({"schemas": [URN], "Operations": [
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@example.com"},
            {"op": "add", "path": "emails", "value": [{"value": "p@example.com", "primary": true}]},
            {"op": "replace", "path": "emails[type eq \"work\"].display", "value": "Work"},
            {"op": "replace", "path": "name.familyName", "value": "F"},
            {"op": "add", "path": "name.honorificSuffix", "value": "IV"},
            {"op": "replace", "path": format!("{ext}:department"), "value": "D"},
            {"op": "add", "path": format!("{ext}:costCenter"), "value": "C"},
            {"op": "add", "path": "addresses[type eq \"home\"].locality", "value": "L"},
            {"op": "add", "path": "phoneNumbers[type eq \"pager\"].value", "value": "9"},
            failing
        ]});
        let compat = Compat::default();
        let req = parse(&body, &compat).unwrap();
        let policy = Policy::default().max_length(255);
        for mode in [Revalidate::Full, Revalidate::Touched] {
            let mut attrs = start.clone();
            let mut report = CompatReport::new();
            req.apply_in_place(
                &mut attrs,
                "u-1",
                &SchemaSet::user(),
                &policy,
                &compat,
                &mut report,
                mode,
            )
            .unwrap_err();
            assert_eq!(attrs, start);
            assert_eq!(keys(&attrs), keys(&start));
            for (k, v) in &start {
                if let (Value::Object(a), Some(Value::Object(b))) = (v, attrs.get(k)) {
                    assert_eq!(keys(a), keys(b), "member order inside '{k}'");
                }
                if let (Value::Array(a), Some(Value::Array(b))) = (v, attrs.get(k)) {
                    for (x, y) in a.iter().zip(b) {
                        if let (Value::Object(x), Value::Object(y)) = (x, y) {
                            assert_eq!(keys(x), keys(y), "member order inside '{k}'");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn setting_journaled_members_back_is_unchanged() {
    let start = user();
    let work = start["emails"][0]["value"].clone();
    let family = start["name"]["familyName"].clone();
    let body = json!({"schemas": [URN], "Operations": [
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@example.com"},
        {"op": "replace", "path": "name.familyName", "value": "F"},
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": work},
        {"op": "replace", "path": "name.familyName", "value": family}
    ]});
    let compat = Compat::default();
    let req = parse(&body, &compat).unwrap();
    compare(
        &req,
        &start,
        "u-1",
        &SchemaSet::user(),
        &Policy::default(),
        &compat,
        "set back",
    );
    let mut attrs = start.clone();
    let mut report = CompatReport::new();
    let changed = req
        .apply_in_place(
            &mut attrs,
            "u-1",
            &SchemaSet::user(),
            &Policy::default(),
            &compat,
            &mut report,
            Revalidate::Full,
        )
        .unwrap();
    assert!(!changed);
}

#[test]
fn unchanged_result_is_reported_and_leaves_the_order() {
    let start = user();
    let body = json!({"schemas": [URN], "Operations": [
        {"op": "remove", "path": "nickName"},
        {"op": "add", "path": "nickName", "value": start["nickName"].clone()}
    ]});
    let compat = Compat::default();
    let req = parse(&body, &compat).unwrap();
    let mut attrs = start.clone();
    let mut report = CompatReport::new();
    let changed = req
        .apply_in_place(
            &mut attrs,
            "u-1",
            &SchemaSet::user(),
            &Policy::default(),
            &compat,
            &mut report,
            Revalidate::Full,
        )
        .unwrap();
    assert!(!changed);
    assert_eq!(keys(&attrs), keys(&start));
}

const PATHS: &[&str] = &[
    "",
    "nickName",
    "displayName",
    "title",
    "userName",
    "externalId",
    "active",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.type",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[primary eq true].primary",
    "emails[type eq \"work\"].type",
    "phoneNumbers",
    "phoneNumbers[type eq \"mobile\"]",
    "addresses[type eq \"home\"].locality",
    "addresses[type eq \"home\"]",
    "ims",
    "photos",
    "x509Certificates",
    "id",
    "groups",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "manager",
];

fn values() -> Vec<Value> {
    vec![
        json!("x"),
        json!("y".repeat(50)),
        json!("z".repeat(15)),
        json!("Work"),
        json!(true),
        json!("False"),
        Value::Null,
        json!([]),
        json!(5),
        json!([{"value": "a@example.com", "type": "work", "primary": true}]),
        json!([{"value": "c@example.com", "type": "home"}, {"value": "d@example.com"}]),
        json!({"value": "e@example.com", "type": "other", "primary": true}),
        json!({"givenName": "G", "familyName": "F"}),
        json!({"familyName": null}),
        json!({"value": "m-1"}),
        json!({"department": "D", "employeeNumber": "9"}),
        json!({"nickName": "n", "name.familyName": "q", "title": null}),
        json!({"emails": [{"value": "f@example.com", "primary": true}], "active": "true"}),
        json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter": "c"}),
    ]
}

fn op_strategy() -> impl Strategy<Value = Value> {
    let kinds = prop::sample::select(vec!["add", "remove", "replace", "Replace"]);
    let paths = prop::sample::select(PATHS.to_vec());
    let vals = prop::sample::select(values());
    (kinds, paths, vals, any::<bool>()).prop_map(|(op, path, value, with_value)| {
        let mut o = Map::new();
        o.insert("op".into(), json!(op));
        if !path.is_empty() {
            o.insert("path".into(), json!(path));
        }
        if with_value || op != "remove" {
            o.insert("value".into(), value);
        }
        Value::Object(o)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn in_place_matches_apply_on_random_requests(ops in prop::collection::vec(op_strategy(), 1..7)) {
        let body = json!({"schemas": [URN], "Operations": ops});
        for compat in [Compat::default(), Compat::strict()] {
            let Some(req) = parse(&body, &compat) else { continue };
            for policy in [Policy::default(), strict_policy()] {
                compare(&req, &user(), "u-1", &SchemaSet::user(), &policy, &compat, &body.to_string());
            }
        }
    }
}
