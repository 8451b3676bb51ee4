//! Member look-up in small JSON objects, shared by rendering and validation.

use serde_json::{Map, Value};

/// Up to this many members, [`member`] scans instead of hashing: rendering and validation
/// look up every attribute a schema defines (about 25 for a User) in maps that hold a
/// handful, and with `serde_json`'s SipHash the hash alone costs more than comparing a few
/// dozen short keys (lengths first); a case-insensitive miss needed the scan anyway.
const SCAN_MAX: usize = 32;

/// The member `name` of `map`: the exact spelling, else the first member whose name
/// matches ASCII-case-insensitively.
pub(crate) fn member<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    if map.len() > SCAN_MAX {
        return map.get(name).or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        });
    }
    let mut folded = None;
    for (k, v) in map {
        if k.len() != name.len() {
            continue;
        }
        if k == name {
            return Some(v);
        }
        if folded.is_none() && k.eq_ignore_ascii_case(name) {
            folded = Some(v);
        }
    }
    folded
}

/// The member `name` of `map` by its exact spelling (as `Map::get`), scanning small maps
/// like [`member`].
pub(crate) fn exact_member<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    if map.len() > SCAN_MAX {
        return map.get(name);
    }
    map.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn exact_spelling_wins_over_an_earlier_case_variant() {
        for n in [3, 40] {
            let mut m = Map::new();
            m.insert("USERNAME".into(), json!(1));
            m.insert("userName".into(), json!(2));
            for i in 0..n {
                m.insert(format!("k{i}"), json!(i));
            }
            assert_eq!(member(&m, "userName"), Some(&json!(2)));
            assert_eq!(member(&m, "username"), Some(&json!(1)));
            assert_eq!(member(&m, "user"), None);
            assert_eq!(exact_member(&m, "username"), None);
            assert_eq!(exact_member(&m, "USERNAME"), Some(&json!(1)));
        }
    }
}
