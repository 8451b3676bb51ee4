//! The undo log of an in-place PATCH ([`PatchRequest::apply_in_place`]): before an
//! operation first changes a top-level member of the attributes map (a core or common
//! attribute, or a whole extension object), the member's prior value and original index are
//! saved; on error the saved members are put back, so the map is exactly as before,
//! member order included.
//!
//! Member order: changing a member's value keeps its index, a new member is appended, and
//! removing a member shifts the ones after it. So the members the request never touched
//! keep their relative order, and restoring needs only the original indices of the touched
//! members that were present before.
//!
//! [`PatchRequest::apply_in_place`]: super::PatchRequest::apply_in_place

use serde_json::{Map, Value};

/// One top-level member touched by the request.
#[derive(Clone)]
struct Saved {
    /// The member name (canonical: an attribute name or an extension URN).
    key: String,
    /// The value before the request; `None` when the member was absent.
    old: Option<Value>,
    /// The member's index in the original map (meaningful when `old` is `Some`).
    pos: usize,
    /// The member has been removed from the map since (it may be back, appended).
    moved: bool,
}

/// The saved members, in the order the request first touched them.
#[derive(Default, Clone)]
pub(crate) struct Undo {
    saved: Vec<Saved>,
}

impl Undo {
    /// Saves `key`'s current value before its first change.
    pub(crate) fn touch(&mut self, map: &Map<String, Value>, key: &str) {
        if self.saved.iter().any(|s| s.key == key) {
            return;
        }
        let found = map.iter().enumerate().find(|(_, (k, _))| k.as_str() == key);
        let (pos, old) = match found {
            Some((i, (_, v))) => (self.original_index(i), Some(v.clone())),
            None => (0, None),
        };
        self.saved.push(Saved {
            key: key.to_string(),
            old,
            pos,
            moved: false,
        });
    }

    /// Removes `key` from the map, saving its value (moved, not copied) if this is the
    /// first change to it.
    pub(crate) fn remove(&mut self, map: &mut Map<String, Value>, key: &str) {
        if let Some(s) = self.saved.iter_mut().find(|s| s.key == key) {
            if map.shift_remove(key).is_some() {
                s.moved = true;
            }
            return;
        }
        let index = map.keys().position(|k| k.as_str() == key);
        let (pos, old) = match index {
            Some(i) => (self.original_index(i), map.shift_remove(key)),
            None => (0, None),
        };
        self.saved.push(Saved {
            key: key.to_string(),
            moved: old.is_some(),
            old,
            pos,
        });
    }

    /// Notes, after a change to `key`, whether it was removed from the map. Called after
    /// each step that may remove `key` (a step never removes and re-adds the same member).
    pub(crate) fn after(&mut self, map: &Map<String, Value>, key: &str) {
        if map.contains_key(key) {
            return;
        }
        if let Some(s) = self.saved.iter_mut().find(|s| s.key == key) {
            s.moved = true;
        }
    }

    /// The original index of an untouched member now at index `current`. Members before it
    /// now are the originals before it, less the touched ones removed since (those
    /// re-added were appended after it): step over their original indices.
    fn original_index(&self, current: usize) -> usize {
        let mut removed: Vec<usize> = self
            .saved
            .iter()
            .filter(|s| s.moved && s.old.is_some())
            .map(|s| s.pos)
            .collect();
        removed.sort_unstable();
        let mut x = current;
        for p in removed {
            if p <= x {
                x += 1;
            }
        }
        x
    }

    /// The top-level members the request touched (canonical names).
    pub(crate) fn touched(&self) -> impl Iterator<Item = &str> + '_ {
        self.saved.iter().map(|s| s.key.as_str())
    }

    /// Whether the map now differs from the original (as `==` on maps compares).
    pub(crate) fn changed(&self, map: &Map<String, Value>) -> bool {
        self.saved.iter().any(|s| map.get(&s.key) != s.old.as_ref())
    }

    /// Puts every touched member back: the map is then exactly the original, in order.
    pub(crate) fn restore(self, map: &mut Map<String, Value>) {
        let reorder = self
            .saved
            .iter()
            .any(|s| s.old.is_some() && (s.moved || !map.contains_key(&s.key)));
        if !reorder {
            // Every originally present member is still at its index: put the values back
            // and drop the members the request added (they were appended).
            for s in self.saved.into_iter().rev() {
                match s.old {
                    Some(v) => {
                        map.insert(s.key, v);
                    }
                    None => {
                        map.shift_remove(&s.key);
                    }
                }
            }
            return;
        }
        let mut touched: Vec<(usize, String, Value)> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        for s in self.saved {
            keys.push(s.key.clone());
            if let Some(v) = s.old {
                touched.push((s.pos, s.key, v));
            }
        }
        touched.sort_by_key(|(p, _, _)| *p);
        let mut untouched = std::mem::take(map)
            .into_iter()
            .filter(|(k, _)| !keys.contains(k));
        let mut touched = touched.into_iter().peekable();
        let mut i = 0;
        loop {
            let (k, v) = match touched.next_if(|(p, _, _)| *p <= i) {
                Some((_, k, v)) => (k, v),
                None => match untouched.next() {
                    Some(kv) => kv,
                    None => match touched.next() {
                        Some((_, k, v)) => (k, v),
                        None => break,
                    },
                },
            };
            map.insert(k, v);
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn keys(m: &Map<String, Value>) -> Vec<&str> {
        m.keys().map(String::as_str).collect()
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    /// Applies `steps` (key, Some(value) = set, None = remove) with the log, then restores.
    fn round_trip(start: &Map<String, Value>, steps: &[(&str, Option<Value>)]) {
        let mut m = start.clone();
        let mut undo = Undo::default();
        for (k, v) in steps {
            match v {
                Some(v) => {
                    undo.touch(&m, k);
                    m.insert((*k).to_string(), v.clone());
                    undo.after(&m, k);
                }
                // Alternate between the two ways a removal is logged.
                None if k.len() % 2 == 0 || m.len() % 2 == 0 => undo.remove(&mut m, k),
                None => {
                    undo.touch(&m, k);
                    m.shift_remove(*k);
                    undo.after(&m, k);
                }
            }
        }
        undo.restore(&mut m);
        assert_eq!(keys(&m), keys(start), "steps {steps:?}");
        assert_eq!(m, *start);
    }

    #[test]
    fn restores_values_and_order() {
        let start = map(json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}));
        let x = || Some(json!("x"));
        round_trip(&start, &[("b", x())]);
        round_trip(&start, &[("b", None), ("d", None)]);
        round_trip(&start, &[("d", None), ("b", None), ("e", x())]);
        round_trip(&start, &[("a", None), ("a", x()), ("c", None), ("z", x())]);
        round_trip(&start, &[("e", None), ("z", x()), ("a", None), ("d", None)]);
        round_trip(&start, &[("a", x()), ("c", None), ("a", None), ("b", None)]);
        round_trip(
            &start,
            &[
                ("c", None),
                ("a", None),
                ("e", None),
                ("b", None),
                ("d", None),
            ],
        );
        round_trip(
            &start,
            &[
                ("b", None),
                ("b", x()),
                ("d", None),
                ("c", None),
                ("e", x()),
            ],
        );
    }

    #[test]
    fn every_removal_order_of_four_restores() {
        let start = map(json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6}));
        let names = ["a", "b", "c", "d", "e", "f"];
        // All sequences of three distinct keys, each removed, re-added or replaced.
        for &x in &names {
            for &y in &names {
                for &z in &names {
                    if x == y || y == z || x == z {
                        continue;
                    }
                    for mask in 0..8u8 {
                        let op = |bit: u8| (mask >> bit) & 1 == 1;
                        let mut steps = vec![(x, None), (y, None), (z, None)];
                        if op(0) {
                            steps.push((x, Some(json!(0))));
                        }
                        if op(1) {
                            steps.insert(1, (y, Some(json!(9))));
                        }
                        if op(2) {
                            steps.push(("new", Some(json!(7))));
                        }
                        round_trip(&start, &steps);
                    }
                }
            }
        }
    }
}
