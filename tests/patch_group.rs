//! Group PATCH as member deltas (`PatchRequest::apply_group`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::patch::{GroupPatch, PatchLimits, PatchRequest};
use scimitar::schema::{Policy, SchemaSet};
use scimitar::store::{Member, MemberChange};
use scimitar::{Compat, CompatReport, CompatRule, ErrorKind};
use serde_json::{json, Map, Value};

fn group() -> Map<String, Value> {
    json!({"displayName": "Tour Guides", "externalId": "tg"})
        .as_object()
        .unwrap()
        .clone()
}

fn patch_with(ops: Value, compat: &Compat) -> (Result<GroupPatch, scimitar::Error>, CompatReport) {
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let mut report = CompatReport::new();
    let req = PatchRequest::from_json(&body, compat, &mut report, &PatchLimits::default()).unwrap();
    let out = req.apply_group(
        &group(),
        "g-1",
        &SchemaSet::group(),
        &Policy::default(),
        compat,
        &mut report,
    );
    (out, report)
}

fn patch(ops: Value) -> GroupPatch {
    patch_with(ops, &Compat::default()).0.unwrap()
}

fn ids(list: &[&str]) -> Vec<Member> {
    list.iter().map(|v| Member::new(*v)).collect()
}

#[test]
fn add_members_is_an_add_delta() {
    let gp = patch(
        json!([{"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2", "type": "User"}]}]),
    );
    let mut u2 = Member::new("u2");
    u2.kind = Some("User".into());
    assert_eq!(gp.members, [MemberChange::Add(vec![Member::new("u1"), u2])]);
    assert!(!gp.attributes_changed);
    assert!(!gp.needs_full_members);
    assert_eq!(gp.attributes, group());
}

#[test]
fn remove_by_value_filter_is_a_remove_delta() {
    let gp = patch(json!([
        {"op": "remove", "path": "members[value eq \"u1\"]"},
        {"op": "remove", "path": "members[value eq \"u2\" or value eq \"u3\"]"}
    ]));
    assert_eq!(
        gp.members,
        [
            MemberChange::Remove(vec!["u1".into()]),
            MemberChange::Remove(vec!["u2".into(), "u3".into()])
        ]
    );
}

#[test]
fn entra_legacy_remove_with_value_list() {
    let (gp, report) = patch_with(
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}, {"value": "u2"}]}]),
        &Compat::default(),
    );
    assert_eq!(
        gp.unwrap().members,
        [MemberChange::Remove(vec!["u1".into(), "u2".into()])]
    );
    assert!(report.fired(CompatRule::MembersRemoveByValue));
}

#[test]
fn remove_with_value_list_under_strict_rules_removes_all() {
    let (gp, _) = patch_with(
        json!([{"op": "remove", "path": "members", "value": [{"value": "u1"}]}]),
        &Compat::strict(),
    );
    assert_eq!(gp.unwrap().members, [MemberChange::ReplaceAll(Vec::new())]);
}

#[test]
fn remove_all_and_replace_all() {
    let gp = patch(json!([
        {"op": "remove", "path": "members"},
        {"op": "replace", "path": "members", "value": [{"value": "u9"}]}
    ]));
    assert_eq!(
        gp.members,
        [
            MemberChange::ReplaceAll(Vec::new()),
            MemberChange::ReplaceAll(ids(&["u9"]))
        ]
    );
}

#[test]
fn okta_rename_and_membership_in_one_patch() {
    let (gp, report) = patch_with(
        json!([
            {"op": "replace", "value": {"id": "g-1", "displayName": "Guides"}},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "add", "path": "members", "value": [{"value": "u2", "display": "Two"}]}
        ]),
        &Compat::default(),
    );
    let gp = gp.unwrap();
    assert!(gp.attributes_changed);
    assert_eq!(gp.attributes["displayName"], "Guides");
    assert!(gp.attributes.get("id").is_none());
    let mut u2 = Member::new("u2");
    u2.display = Some("Two".into());
    assert_eq!(
        gp.members,
        [
            MemberChange::Remove(vec!["u1".into()]),
            MemberChange::Add(vec![u2])
        ]
    );
    assert!(report.fired(CompatRule::ReadOnlySameValue));
}

#[test]
fn path_less_members_key_becomes_a_delta() {
    let gp = patch(json!([
        {"op": "add", "value": {"members": [{"value": "u1"}]}},
        {"op": "replace", "value": {"displayName": "X", "members": [{"value": "u2"}]}}
    ]));
    assert_eq!(
        gp.members,
        [
            MemberChange::Add(ids(&["u1"])),
            MemberChange::ReplaceAll(ids(&["u2"]))
        ]
    );
    assert_eq!(gp.attributes["displayName"], "X");
}

#[test]
fn other_member_operations_need_the_full_list() {
    for op in [
        json!({"op": "remove", "path": "members[display eq \"Two\"]"}),
        json!({"op": "remove", "path": "members[value eq \"u1\"].type"}),
        json!({"op": "replace", "path": "members[value eq \"u1\"]", "value": {"value": "u1"}}),
        json!({"op": "remove", "path": "members.type"}),
        json!({"op": "remove", "path": "members[value sw \"u\"]"}),
    ] {
        let gp = patch(json!([{"op": "replace", "path": "displayName", "value": "Y"}, op.clone()]));
        assert!(gp.needs_full_members, "{op}");
        assert!(gp.members.is_empty());
    }
}

#[test]
fn member_values_must_be_non_empty_strings() {
    for bad in [
        json!([{"value": ""}]),
        json!([{"display": "x"}]),
        json!([{"value": 7}]),
        json!({"value": "u1"}),
        json!(["u1"]),
    ] {
        let (gp, _) = patch_with(
            json!([{"op": "add", "path": "members", "value": bad.clone()}]),
            &Compat::default(),
        );
        let e = gp.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue, "{bad}: {e}");
        assert!(
            e.detail().starts_with("operation 1 (add 'members')"),
            "{}",
            e.detail()
        );
    }
}

#[test]
fn attribute_errors_abort_the_whole_group_patch() {
    let (gp, _) = patch_with(
        json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}]},
            {"op": "remove", "path": "displayName"}
        ]),
        &Compat::default(),
    );
    assert_eq!(gp.unwrap_err().kind(), ErrorKind::Mutability);
}
