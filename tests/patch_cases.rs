//! The data-driven PATCH table: `tests/fixtures/patch/cases.json`.
//!
//! Each case has a starting resource (inline, or `"user_full"`: the RFC 7643 §8.3 user
//! without `id`/`meta`/`schemas`/`groups`), the `Operations`, and either the expected
//! resource (`expect`, or JSON-pointer checks `expect_at` / `expect_absent`) or the expected
//! error (`status`, `scimType`, a `detail_contains` fragment). `fired` lists the compat
//! rules the case must fire. Group cases also run through `apply_group` and must give the
//! same result once the member deltas are applied.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::patch::{PatchLimits, PatchRequest};
use scimitar::schema::{Policy, SchemaSet};
use scimitar::store::{Member, MemberChange};
use scimitar::{Compat, CompatReport};
use serde_json::{json, Map, Value};

const USER_ID: &str = "2819c223-7f76-453a-919d-413861904646";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/patch/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn body(ops: &Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

fn run(case: &Value) -> Result<(Map<String, Value>, CompatReport), scimitar::Error> {
    let start = start_of(case);
    let compat = compat_of(case);
    let schemas = schemas_of(case);
    let id = case["id"].as_str().unwrap_or(USER_ID);
    let mut report = CompatReport::new();
    let req = PatchRequest::from_json(
        &body(&case["ops"]),
        &compat,
        &mut report,
        &PatchLimits::default(),
    )?;
    let out = req.apply(
        &start,
        id,
        &schemas,
        &Policy::default(),
        &compat,
        &mut report,
    )?;
    Ok((out, report))
}

fn start_of(case: &Value) -> Map<String, Value> {
    match &case["start"] {
        Value::String(name) => fixture(&format!("{name}.json")),
        v => v.clone(),
    }
    .as_object()
    .unwrap()
    .clone()
}

fn compat_of(case: &Value) -> Compat {
    match case["compat"].as_str() {
        Some("strict") => Compat::strict(),
        _ => Compat::default(),
    }
}

fn schemas_of(case: &Value) -> SchemaSet {
    match case["kind"].as_str() {
        Some("group") => SchemaSet::group(),
        _ => SchemaSet::user(),
    }
}

fn member_json(m: &Member) -> Value {
    let mut o = Map::new();
    o.insert("value".into(), m.value.clone().into());
    if let Some(d) = &m.display {
        o.insert("display".into(), d.clone().into());
    }
    if let Some(t) = &m.kind {
        o.insert("type".into(), t.clone().into());
    }
    Value::Object(o)
}

/// The group case through `apply_group` and a simulated delta store.
fn run_group(case: &Value) -> Result<Map<String, Value>, scimitar::Error> {
    let mut start = start_of(case);
    let mut members: Vec<Value> = start
        .remove("members")
        .and_then(|m| m.as_array().cloned())
        .unwrap_or_default();
    let compat = compat_of(case);
    let mut report = CompatReport::new();
    let req = PatchRequest::from_json(
        &body(&case["ops"]),
        &compat,
        &mut report,
        &PatchLimits::default(),
    )?;
    let id = case["id"].as_str().unwrap_or("g-1");
    let gp = req.apply_group(
        &start,
        id,
        &SchemaSet::group(),
        &Policy::default(),
        &compat,
        &mut report,
    )?;
    if gp.needs_full_members {
        return run(case).map(|(m, _)| m);
    }
    assert_eq!(gp.attributes_changed, gp.attributes != start);
    for change in &gp.members {
        match change {
            MemberChange::Add(list) => {
                for m in list {
                    if !members.iter().any(|e| e["value"] == json!(m.value)) {
                        members.push(member_json(m));
                    }
                }
            }
            MemberChange::Remove(ids) => {
                members.retain(|e| !ids.iter().any(|id| e["value"] == json!(id)));
            }
            MemberChange::ReplaceAll(list) => members = list.iter().map(member_json).collect(),
            _ => unreachable!(),
        }
    }
    let mut out = gp.attributes;
    if !members.is_empty() {
        out.insert("members".into(), Value::Array(members));
    }
    Ok(out)
}

fn check(case: &Value, got: Result<Map<String, Value>, scimitar::Error>, name: &str) {
    if let Some(err) = case.get("error") {
        let e = match got {
            Ok(v) => panic!("{name}: expected an error, got {}", Value::Object(v)),
            Err(e) => e,
        };
        assert_eq!(
            e.status().as_u16() as u64,
            err["status"].as_u64().unwrap(),
            "{name}: {e}"
        );
        assert_eq!(
            e.scim_type().map(|t| t.as_str()),
            err["scimType"].as_str(),
            "{name}: {e}"
        );
        if let Some(frag) = err["detail_contains"].as_str() {
            assert!(e.detail().contains(frag), "{name}: detail {:?}", e.detail());
        }
        return;
    }
    let out = Value::Object(got.unwrap_or_else(|e| panic!("{name}: {e}")));
    if let Some(expect) = case.get("expect") {
        assert_eq!(&out, expect, "{name}");
    }
    if let Some(at) = case.get("expect_at").and_then(Value::as_object) {
        for (ptr, v) in at {
            assert_eq!(out.pointer(ptr), Some(v), "{name}: at {ptr} in {out}");
        }
    }
    if let Some(absent) = case.get("expect_absent").and_then(Value::as_array) {
        for ptr in absent {
            let ptr = ptr.as_str().unwrap();
            assert!(out.pointer(ptr).is_none(), "{name}: {ptr} present in {out}");
        }
    }
}

#[test]
fn table() {
    let cases = fixture("cases.json");
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 40);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let result = run(case);
        if let (Ok((_, report)), Some(fired)) = (&result, case.get("fired")) {
            let mut want: Vec<&str> = fired
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let mut got: Vec<&str> = report.rules().map(|r| r.name()).collect();
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{name}: fired rules");
        }
        check(case, result.map(|(m, _)| m), name);
        if case["kind"] == "group" {
            check(case, run_group(case), &format!("{name} (apply_group)"));
        }
    }
}
