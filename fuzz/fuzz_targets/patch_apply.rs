//! Arbitrary PATCH bodies over a fixed user and a fixed group never panic; each either
//! fails (leaving the resource unchanged) or yields a result that passes PUT validation.
//! `apply_in_place` (both re-validation modes) gives the same outcome as `apply`, and on
//! error restores the map exactly, member order included.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimitar::patch::{PatchLimits, PatchRequest, Revalidate};
use scimitar::resource::validate;
use scimitar::schema::{Policy, SchemaSet};
use scimitar::{Compat, CompatReport};
use serde_json::{json, Map, Value};

const USER: &str = include_str!("../../tests/fixtures/patch/user_full.json");
const URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Raw bytes that are not a JSON body still exercise the engine: they become the path of
/// each kind of operation.
fn body_of(data: &[u8]) -> Value {
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        if v.get("Operations").is_some() {
            return v;
        }
        return json!({"schemas": [URN], "Operations": [
            {"op": "add", "value": v.clone()},
            {"op": "replace", "value": v}
        ]});
    }
    let s = String::from_utf8_lossy(data);
    let (path, value) = s.split_once('\n').unwrap_or((&s, "\"x\""));
    let value: Value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
    json!({"schemas": [URN], "Operations": [
        {"op": "add", "path": path, "value": value.clone()},
        {"op": "replace", "path": path, "value": value},
        {"op": "remove", "path": path}
    ]})
}

fn check(req: &PatchRequest, start: &Map<String, Value>, schemas: &SchemaSet, compat: &Compat) {
    let before = start.clone();
    let policy = Policy::default();
    let mut report = CompatReport::new();
    let by_copy = req.apply(start, "id-1", schemas, &policy, compat, &mut report);
    match &by_copy {
        Ok(out) => {
            if let Err(e) = validate(out, schemas, &policy) {
                panic!(
                    "patched resource is invalid: {e}: {}",
                    Value::Object(out.clone())
                );
            }
        }
        Err(e) => {
            let _ = e.to_json();
            assert_eq!(*start, before);
        }
    }
    let keys = |m: &Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
    // The fixed user and group are valid, so `Touched` must agree with `Full` too.
    for mode in [Revalidate::Full, Revalidate::Touched] {
        let mut attrs = start.clone();
        let mut report = CompatReport::new();
        match (
            &by_copy,
            req.apply_in_place(
                &mut attrs,
                "id-1",
                schemas,
                &policy,
                compat,
                &mut report,
                mode,
            ),
        ) {
            (Ok(out), Ok(changed)) => {
                assert_eq!(attrs, *out);
                assert_eq!(changed, *out != *start);
                if changed {
                    assert_eq!(keys(&attrs), keys(out));
                } else {
                    assert_eq!(keys(&attrs), keys(start));
                }
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.detail(), b.detail());
                assert_eq!(attrs, *start);
                assert_eq!(keys(&attrs), keys(start));
            }
            (a, b) => panic!("apply gave {a:?}, apply_in_place ({mode:?}) gave {b:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let user: Map<String, Value> = serde_json::from_str(USER).unwrap_or_default();
    let group: Map<String, Value> =
        json!({"displayName": "G", "members": [{"value": "u1"}, {"value": "u2"}]})
            .as_object()
            .cloned()
            .unwrap_or_default();
    let body = body_of(data);
    for compat in [Compat::default(), Compat::strict()] {
        let mut report = CompatReport::new();
        let limits = PatchLimits::default().with_max_operations(64);
        let Ok(req) = PatchRequest::from_json(&body, &compat, &mut report, &limits) else {
            continue;
        };
        check(&req, &user, &SchemaSet::user(), &compat);
        check(&req, &group, &SchemaSet::group(), &compat);
        let mut without = group.clone();
        without.remove("members");
        let _ = req.apply_group(
            &without,
            "g-1",
            &SchemaSet::group(),
            &Policy::default(),
            &compat,
            &mut report,
        );
    }
});
