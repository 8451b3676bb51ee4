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
//! Journal: the common small changes inside a large value are logged instead of copying
//! the value: setting one member of an object (`name.familyName`, an extension attribute,
//! `emails[type eq "work"].value` on the matched element, `primary` cleared on the others)
//! saves that member's prior value, and appending an element notes the append. Undoing
//! replays the journal backwards. Any other change to a journaled member first turns it
//! into a saved copy (the current value with the journal undone).
//!
//! [`PatchRequest::apply_in_place`]: super::PatchRequest::apply_in_place

use serde_json::{Map, Value};

/// One logged change inside a top-level member's value.
#[derive(Clone, Debug)]
pub(crate) enum Entry {
    /// An element was appended to the (array) value.
    Push,
    /// Member `name` of the value (`elem: None`, an object) or of its element `elem` was
    /// set; `old` is what it held before (`None`: absent, so it was appended).
    Sub {
        elem: Option<usize>,
        name: String,
        old: Option<Value>,
    },
}

/// One top-level member touched by the request.
#[derive(Clone)]
struct Saved {
    /// The member name (canonical: an attribute name or an extension URN).
    key: String,
    /// The value before the request; `None` when the member was absent. Unused while
    /// `journal` is `Some`.
    old: Option<Value>,
    /// The member is present, in place, and its changes are logged here instead.
    journal: Option<Vec<Entry>>,
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
        if let Some(s) = self.saved.iter_mut().find(|s| s.key == key) {
            if let Some(journal) = s.journal.take() {
                // A change the journal cannot express: save the original whole.
                let mut v = map.get(key).cloned().unwrap_or(Value::Null);
                undo_journal(&mut v, journal);
                s.old = Some(v);
            }
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
            journal: None,
            pos,
            moved: false,
        });
    }

    /// Prepares a change to `key` that is logged entry by entry, and returns the journal
    /// to log it in. `None` when the member must not (or need not) be journaled: it was
    /// absent (restoring removes it), it is already saved whole, or its value is not of
    /// the kind the change expects (`array` or object), so the change may replace it:
    /// then it is saved whole here.
    pub(crate) fn journal(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        array: bool,
    ) -> Option<&mut Vec<Entry>> {
        let fits = |v: &Value| if array { v.is_array() } else { v.is_object() };
        let index = match self.saved.iter().position(|s| s.key == key) {
            Some(i) => i,
            None => {
                let found = map.iter().enumerate().find(|(_, (k, _))| k.as_str() == key);
                match found {
                    Some((i, (_, v))) if fits(v) => {
                        let pos = self.original_index(i);
                        self.saved.push(Saved {
                            key: key.to_string(),
                            old: None,
                            journal: Some(Vec::new()),
                            pos,
                            moved: false,
                        });
                        self.saved.len() - 1
                    }
                    _ => {
                        self.touch(map, key);
                        return None;
                    }
                }
            }
        };
        let journaled = self.saved.get(index).is_some_and(|s| s.journal.is_some());
        if journaled && !map.get(key).is_some_and(fits) {
            self.touch(map, key);
            return None;
        }
        self.saved.get_mut(index).and_then(|s| s.journal.as_mut())
    }

    /// Removes `key` from the map, saving its value (moved, not copied) if this is the
    /// first change to it.
    pub(crate) fn remove(&mut self, map: &mut Map<String, Value>, key: &str) {
        if let Some(s) = self.saved.iter_mut().find(|s| s.key == key) {
            if let Some(mut v) = map.shift_remove(key) {
                if let Some(journal) = s.journal.take() {
                    undo_journal(&mut v, journal);
                    s.old = Some(v);
                }
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
            journal: None,
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
        self.saved.iter().any(|s| match &s.journal {
            None => map.get(&s.key) != s.old.as_ref(),
            Some(journal) => journal_changed(map.get(&s.key), journal),
        })
    }

    /// Puts every touched member back: the map is then exactly the original, in order.
    pub(crate) fn restore(mut self, map: &mut Map<String, Value>) {
        // Journaled members are present and in place: undo their changes there.
        self.saved.retain_mut(|s| match s.journal.take() {
            Some(journal) => {
                if let Some(v) = map.get_mut(&s.key) {
                    undo_journal(v, journal);
                }
                false
            }
            None => true,
        });
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

/// Undoes `journal` on `v`, last change first.
fn undo_journal(v: &mut Value, journal: Vec<Entry>) {
    for e in journal.into_iter().rev() {
        match e {
            Entry::Push => {
                if let Value::Array(items) = v {
                    items.pop();
                }
            }
            Entry::Sub { elem, name, old } => {
                let obj = match elem {
                    None => v.as_object_mut(),
                    Some(i) => v
                        .as_array_mut()
                        .and_then(|a| a.get_mut(i))
                        .and_then(Value::as_object_mut),
                };
                if let Some(obj) = obj {
                    match old {
                        // The member existed, so setting it kept its place.
                        Some(old) => {
                            obj.insert(name, old);
                        }
                        // It was appended: removing it restores the order.
                        None => {
                            obj.shift_remove(&name);
                        }
                    }
                }
            }
        }
    }
}

/// Whether a journaled value differs from its original. An append changes the length
/// (nothing in a journal removes); otherwise the value differs iff some logged member
/// differs from the value it held first.
fn journal_changed(v: Option<&Value>, journal: &[Entry]) -> bool {
    let Some(v) = v else { return true };
    for (i, e) in journal.iter().enumerate() {
        let Entry::Sub { elem, name, old } = e else {
            return true;
        };
        let first = !journal.iter().take(i).any(
            |p| matches!(p, Entry::Sub { elem: pe, name: pn, .. } if pe == elem && pn == name),
        );
        if !first {
            continue;
        }
        let obj = match elem {
            None => v.as_object(),
            Some(i) => v.get(*i).and_then(Value::as_object),
        };
        if obj.and_then(|o| o.get(name)) != old.as_ref() {
            return true;
        }
    }
    false
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
