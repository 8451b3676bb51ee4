//! Reading PatchOp bodies: schema URN, `Operations`, `op` spelling, paths, limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::patch::{PatchLimits, PatchOpKind, PatchRequest};
use scimitar::{Compat, CompatReport, CompatRule, ErrorKind, PatchPath};
use serde_json::{json, Value};

const URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn read(body: Value) -> Result<(PatchRequest, CompatReport), scimitar::Error> {
    let mut report = CompatReport::new();
    PatchRequest::from_json(
        &body,
        &Compat::default(),
        &mut report,
        &PatchLimits::default(),
    )
    .map(|r| (r, report))
}

fn ops(n: usize) -> Value {
    let ops: Vec<Value> = (0..n)
        .map(|i| json!({"op": "add", "path": "title", "value": format!("t{i}")}))
        .collect();
    json!({"schemas": [URN], "Operations": ops})
}

#[test]
fn reads_operations_in_order_with_parsed_paths() {
    let (req, report) = read(json!({
        "schemas": [URN],
        "Operations": [
            {"op": "add", "path": "emails[type eq \"work\"].value", "value": "a@x"},
            {"op": "remove", "path": "title"},
            {"op": "replace", "value": {"active": false}}
        ]
    }))
    .unwrap();
    assert!(report.is_empty());
    let o = req.operations();
    assert_eq!(o.len(), 3);
    assert_eq!(o[0].op(), PatchOpKind::Add);
    assert!(matches!(o[0].path(), Some(PatchPath::Value { sub: Some(s), .. }) if s == "value"));
    assert_eq!(o[0].raw_path(), Some("emails[type eq \"work\"].value"));
    assert_eq!(o[1].op(), PatchOpKind::Remove);
    assert!(o[1].value().is_none());
    assert_eq!(o[2].op(), PatchOpKind::Replace);
    assert!(o[2].path().is_none());
}

#[test]
fn schema_urn_and_member_names_are_case_insensitive() {
    let (req, _) = read(json!({
        "SCHEMAS": [URN.to_uppercase()],
        "operations": [{"OP": "add", "Path": "title", "Value": "x"}]
    }))
    .unwrap();
    assert_eq!(req.operations().len(), 1);
    assert_eq!(req.operations()[0].value(), Some(&json!("x")));
}

#[test]
fn missing_or_wrong_schema_is_invalid_syntax() {
    for body in [
        json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
               "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        json!({"schemas": URN, "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
    ] {
        assert_eq!(read(body).unwrap_err().kind(), ErrorKind::InvalidSyntax);
    }
}

#[test]
fn operations_must_be_a_non_empty_array() {
    for ops in [json!([]), json!({}), json!("add"), Value::Null] {
        let e = read(json!({"schemas": [URN], "Operations": ops})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSyntax, "{e}");
    }
    let e = read(json!([1, 2])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
}

#[test]
fn op_case_is_lenient_and_reported() {
    let (req, report) = read(json!({
        "schemas": [URN],
        "Operations": [{"op": "ADD", "path": "title", "value": "x"},
                       {"op": "Remove", "path": "title"},
                       {"op": "rEpLaCe", "path": "title", "value": "y"}]
    }))
    .unwrap();
    let kinds: Vec<_> = req.operations().iter().map(|o| o.op()).collect();
    assert_eq!(
        kinds,
        [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace]
    );
    assert!(report.fired(CompatRule::PatchOpCase));
}

#[test]
fn op_case_refused_when_rule_off() {
    let mut report = CompatReport::new();
    let compat = Compat::all().with(CompatRule::PatchOpCase, false);
    let e = PatchRequest::from_json(
        &json!({"schemas": [URN], "Operations": [{"op": "Add", "path": "title", "value": "x"}]}),
        &compat,
        &mut report,
        &PatchLimits::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSyntax);
    assert!(report.is_empty());
}

#[test]
fn bad_operations_name_their_index() {
    let cases = [
        (
            json!({"op": "copy", "path": "title"}),
            ErrorKind::InvalidSyntax,
        ),
        (json!({"path": "title"}), ErrorKind::InvalidSyntax),
        (json!("add"), ErrorKind::InvalidSyntax),
        (
            json!({"op": "add", "path": 3, "value": "x"}),
            ErrorKind::InvalidPath,
        ),
        (
            json!({"op": "add", "path": "emails[type eq]", "value": "x"}),
            ErrorKind::InvalidPath,
        ),
        (
            json!({"op": "add", "path": "", "value": "x"}),
            ErrorKind::InvalidPath,
        ),
        (json!({"op": "remove"}), ErrorKind::NoTarget),
        (json!({"op": "remove", "path": null}), ErrorKind::NoTarget),
        (
            json!({"op": "replace", "path": "title"}),
            ErrorKind::InvalidValue,
        ),
        (
            json!({"op": "add", "path": "title", "value": null}),
            ErrorKind::InvalidValue,
        ),
    ];
    for (op, kind) in cases {
        let body = json!({"schemas": [URN], "Operations": [
            {"op": "add", "path": "title", "value": "ok"}, op.clone()]});
        let e = read(body).unwrap_err();
        assert_eq!(e.kind(), kind, "{op}: {e}");
        assert!(
            e.detail().starts_with("operation 2"),
            "{op}: {}",
            e.detail()
        );
    }
}

#[test]
fn operation_count_is_limited() {
    assert!(read(ops(1000)).is_ok());
    let e = read(ops(1001)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooMany);
    assert_eq!(e.status().as_u16(), 400);
    assert!(e.detail().contains("1000"), "{}", e.detail());

    let limits = PatchLimits::default().with_max_operations(2);
    let mut report = CompatReport::new();
    let e = PatchRequest::from_json(&ops(3), &Compat::default(), &mut report, &limits).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooMany);
    assert!(PatchRequest::from_json(&ops(2), &Compat::default(), &mut report, &limits).is_ok());
}

#[test]
fn very_long_path_is_refused() {
    let path = format!("emails[value eq \"{}\"]", "x".repeat(20_000));
    let e = read(json!({"schemas": [URN], "Operations": [{"op": "remove", "path": path}]}))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidPath);
}
