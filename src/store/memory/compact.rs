//! A compact, immutable JSON tree for stored attributes.
//!
//! `serde_json::Map` is a `BTreeMap` whose every node reserves room for eleven entries, so a
//! typical user (a dozen small objects) costs several KiB. Stored resources are never
//! mutated in place (every write replaces them), so exact-size boxed slices and interned
//! keys are enough and keep a user around 1 KiB.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Number, Value};

/// A stored JSON value.
#[derive(Debug, Clone)]
pub(crate) enum CVal {
    Null,
    Bool(bool),
    Num(Number),
    Str(Box<str>),
    Arr(Box<[CVal]>),
    Obj(CObj),
}

/// A stored JSON object: interned keys, in the order `serde_json::Map` iterates them.
#[derive(Debug, Clone, Default)]
pub(crate) struct CObj(Box<[(Arc<str>, CVal)]>);

/// Interns attribute names so that a million users share one copy of `"userName"`.
///
/// Keys come from schema-validated canonical attributes, so the set stays small.
#[derive(Debug, Default)]
pub(crate) struct Interner(HashSet<Arc<str>>);

impl Interner {
    fn intern(&mut self, key: &str) -> Arc<str> {
        if let Some(k) = self.0.get(key) {
            return Arc::clone(k);
        }
        let k: Arc<str> = Arc::from(key);
        self.0.insert(Arc::clone(&k));
        k
    }
}

impl CObj {
    /// Compacts a map (consuming it).
    pub(crate) fn from_map(map: Map<String, Value>, keys: &mut Interner) -> Self {
        let entries: Vec<(Arc<str>, CVal)> = map
            .into_iter()
            .map(|(k, v)| (keys.intern(&k), CVal::from_value(v, keys)))
            .collect();
        CObj(entries.into_boxed_slice())
    }

    /// Expands into a fresh map.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        self.0
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_value()))
            .collect()
    }

    /// The value of a top-level member (exact spelling).
    pub(crate) fn get(&self, key: &str) -> Option<&CVal> {
        self.0
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }
}

impl CVal {
    fn from_value(v: Value, keys: &mut Interner) -> Self {
        match v {
            Value::Null => CVal::Null,
            Value::Bool(b) => CVal::Bool(b),
            Value::Number(n) => CVal::Num(n),
            Value::String(s) => CVal::Str(s.into_boxed_str()),
            Value::Array(a) => CVal::Arr(
                a.into_iter()
                    .map(|v| CVal::from_value(v, keys))
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
            Value::Object(m) => CVal::Obj(CObj::from_map(m, keys)),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            CVal::Null => Value::Null,
            CVal::Bool(b) => Value::Bool(*b),
            CVal::Num(n) => Value::Number(n.clone()),
            CVal::Str(s) => Value::String(s.to_string()),
            CVal::Arr(a) => Value::Array(a.iter().map(CVal::to_value).collect()),
            CVal::Obj(o) => Value::Object(o.to_map()),
        }
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            CVal::Str(s) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips() {
        let v = json!({"userName": "a", "name": {"givenName": "B"}, "emails": [{"value": "x", "primary": true}], "n": 1.5, "z": null});
        let Value::Object(m) = v.clone() else {
            panic!()
        };
        let mut keys = Interner::default();
        let c = CObj::from_map(m, &mut keys);
        assert_eq!(Value::Object(c.to_map()), v);
        assert_eq!(c.get("userName").and_then(CVal::as_str), Some("a"));
    }
}
