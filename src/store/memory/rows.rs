//! Row storage and hash indexes sized for a million resources per tenant.
//!
//! [`Rows`] keeps rows in creation order in chunks of at most [`CHUNK`] rows: a row costs
//! its own size (no per-row allocation or tree node), finding a row by sequence number
//! is two binary searches, the row at a list offset is found through the chunk start
//! offsets, and a delete moves at most one chunk's rows.
//!
//! [`HashIndex`] maps a keyed 64-bit hash of an indexed value to sequence numbers without
//! storing the value: callers verify each candidate against its row, so hash collisions
//! only cost an extra comparison, never a wrong answer.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// Rows per chunk.
const CHUNK: usize = 1024;

/// A row with its creation sequence number.
pub(super) trait Sequenced {
    /// The creation sequence number (unique and increasing in a table).
    fn seq(&self) -> u64;
}

/// Rows in creation (sequence) order.
#[derive(Debug)]
pub(super) struct Rows<R> {
    /// Non-empty chunks, each sorted by sequence number, all of a chunk's rows before
    /// the next chunk's.
    chunks: Vec<Vec<R>>,
    /// `starts[i]`: the number of rows in the chunks before chunk `i`.
    starts: Vec<usize>,
    len: usize,
}

impl<R> Default for Rows<R> {
    fn default() -> Self {
        Rows {
            chunks: Vec::new(),
            starts: Vec::new(),
            len: 0,
        }
    }
}

impl<R: Sequenced> Rows<R> {
    /// The number of rows.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Appends a row whose sequence number is above every stored one.
    pub(super) fn push(&mut self, row: R) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => last.push(row),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(row);
                self.chunks.push(chunk);
                self.starts.push(self.len);
            }
        }
        self.len += 1;
    }

    /// (chunk, position in chunk) of the row with sequence number `seq`.
    fn locate(&self, seq: u64) -> Option<(usize, usize)> {
        let after = self
            .chunks
            .partition_point(|c| c.first().is_some_and(|r| r.seq() <= seq));
        let ci = after.checked_sub(1)?;
        let i = self
            .chunks
            .get(ci)?
            .binary_search_by_key(&seq, R::seq)
            .ok()?;
        Some((ci, i))
    }

    /// The row with sequence number `seq`.
    pub(super) fn get(&self, seq: &u64) -> Option<&R> {
        let (ci, i) = self.locate(*seq)?;
        self.chunks.get(ci)?.get(i)
    }

    /// The row with sequence number `seq`, mutably.
    pub(super) fn get_mut(&mut self, seq: &u64) -> Option<&mut R> {
        let (ci, i) = self.locate(*seq)?;
        self.chunks.get_mut(ci)?.get_mut(i)
    }

    /// Removes and returns the row with sequence number `seq`.
    pub(super) fn remove(&mut self, seq: u64) -> Option<R> {
        let (ci, i) = self.locate(seq)?;
        let chunk = self.chunks.get_mut(ci)?;
        if i >= chunk.len() {
            return None;
        }
        let row = chunk.remove(i);
        let left = chunk.len();
        self.len -= 1;
        for s in self.starts.iter_mut().skip(ci + 1) {
            *s -= 1;
        }
        if left == 0 {
            self.remove_chunk(ci);
        } else {
            // Keep chunks reasonably full so that sparse tables stay compact.
            let next = self.chunks.get(ci + 1).map_or(usize::MAX, Vec::len);
            if left.saturating_add(next) <= CHUNK / 2 {
                self.merge_next(ci);
            } else if let Some(c) = self.chunks.get_mut(ci) {
                if c.capacity() > CHUNK / 4 && c.len() < c.capacity() / 4 {
                    c.shrink_to(c.len() * 2);
                }
            }
        }
        Some(row)
    }

    fn remove_chunk(&mut self, ci: usize) {
        if ci < self.chunks.len() {
            self.chunks.remove(ci);
            self.starts.remove(ci);
        }
    }

    /// Appends chunk `ci + 1` to chunk `ci`.
    fn merge_next(&mut self, ci: usize) {
        if ci + 1 >= self.chunks.len() {
            return;
        }
        let next = self.chunks.remove(ci + 1);
        self.starts.remove(ci + 1);
        if let Some(c) = self.chunks.get_mut(ci) {
            c.extend(next);
        }
    }

    /// Every row, in sequence order.
    pub(super) fn values(&self) -> impl Iterator<Item = &R> {
        self.chunks.iter().flatten()
    }

    /// The rows from list position `offset` (0-based) on, in sequence order; finding the
    /// first costs O(log chunks).
    pub(super) fn starting_at(&self, offset: usize) -> impl Iterator<Item = &R> {
        let ci = self
            .starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1);
        let skip = offset.saturating_sub(self.starts.get(ci).copied().unwrap_or(0));
        let first = self
            .chunks
            .get(ci)
            .and_then(|c| c.get(skip..))
            .unwrap_or_default();
        let rest = self.chunks.get(ci + 1..).unwrap_or_default();
        first.iter().chain(rest.iter().flatten())
    }
}

/// Passes a `u64` key through unchanged (keys are already keyed hashes).
#[derive(Debug, Default)]
pub(super) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// An index from a keyed hash of a value to the sequence numbers of the rows holding it.
///
/// Only the hash is stored, so lookups return candidates that the caller checks against
/// the rows. The hash is SipHash with a random per-index key, so colliding values cannot
/// be chosen from outside; colliding or duplicate values share a hash and are all kept.
#[derive(Debug, Default)]
pub(super) struct HashIndex {
    keys: RandomState,
    /// The first row stored under each hash.
    first: HashMap<u64, u64, BuildHasherDefault<PassThrough>>,
    /// Further rows under the same hash (duplicate values or collisions), rare for
    /// unique attributes.
    more: HashMap<u64, Vec<u64>, BuildHasherDefault<PassThrough>>,
}

impl HashIndex {
    /// The hash of an exact (case-sensitive) value.
    pub(super) fn hash(&self, value: &str) -> u64 {
        self.keys.hash_one(value)
    }

    /// The hash of a value under the Unicode case fold (`str::to_lowercase`), without
    /// allocating for short ASCII values.
    pub(super) fn hash_folded(&self, value: &str) -> u64 {
        let mut buf = [0u8; 128];
        if value.is_ascii() {
            if let Some(dst) = buf.get_mut(..value.len()) {
                dst.copy_from_slice(value.as_bytes());
                dst.make_ascii_lowercase();
                if let Ok(folded) = std::str::from_utf8(dst) {
                    return self.keys.hash_one(folded);
                }
            }
        }
        self.keys.hash_one(value.to_lowercase().as_str())
    }

    /// Adds row `seq` under `hash`.
    pub(super) fn insert(&mut self, hash: u64, seq: u64) {
        match self.first.entry(hash) {
            Entry::Vacant(e) => {
                e.insert(seq);
            }
            Entry::Occupied(_) => self.more.entry(hash).or_default().push(seq),
        }
    }

    /// Removes row `seq` from under `hash`.
    pub(super) fn remove(&mut self, hash: u64, seq: u64) {
        if self.first.get(&hash) == Some(&seq) {
            let next = match self.more.get_mut(&hash) {
                Some(v) if !v.is_empty() => Some(v.remove(0)),
                _ => None,
            };
            if self.more.get(&hash).is_some_and(Vec::is_empty) {
                self.more.remove(&hash);
            }
            match next {
                Some(s) => {
                    self.first.insert(hash, s);
                }
                None => {
                    self.first.remove(&hash);
                }
            }
        } else if let Some(v) = self.more.get_mut(&hash) {
            v.retain(|s| *s != seq);
            if v.is_empty() {
                self.more.remove(&hash);
            }
        }
    }

    /// The rows stored under `hash` (candidates to verify).
    pub(super) fn candidates(&self, hash: u64) -> impl Iterator<Item = u64> + '_ {
        let more = self.more.get(&hash).map(Vec::as_slice).unwrap_or_default();
        self.first
            .get(&hash)
            .copied()
            .into_iter()
            .chain(more.iter().copied())
    }
}

/// Whether two values are equal under the case fold used by [`HashIndex::hash_folded`].
pub(super) fn eq_folded(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct R(u64);

    impl Sequenced for R {
        fn seq(&self) -> u64 {
            self.0
        }
    }

    fn seqs<'a>(it: impl Iterator<Item = &'a R>) -> Vec<u64> {
        it.map(|r| r.0).collect()
    }

    #[test]
    fn rows_keep_order_offsets_and_lookups_through_deletes() {
        let mut rows = Rows::default();
        let mut model: Vec<u64> = Vec::new();
        for s in 0..5000u64 {
            rows.push(R(s * 2));
            model.push(s * 2);
        }
        // Delete a pattern that empties some chunks and thins out others.
        let mut k = 0u64;
        while k < 10_000 {
            if (k / 2048) % 2 == 0 || k % 6 == 0 {
                assert_eq!(rows.remove(k), Some(R(k)));
                model.retain(|m| *m != k);
            }
            k += 2;
        }
        assert_eq!(rows.remove(1), None);
        assert_eq!(rows.remove(0), None);
        assert_eq!(rows.len(), model.len());
        assert_eq!(seqs(rows.values()), model);
        for off in [
            0,
            1,
            5,
            511,
            512,
            1023,
            1024,
            1500,
            model.len() - 1,
            model.len(),
        ] {
            let want: Vec<u64> = model.iter().skip(off).take(7).copied().collect();
            assert_eq!(seqs(rows.starting_at(off).take(7)), want, "offset {off}");
        }
        assert_eq!(rows.starting_at(model.len() + 10).count(), 0);
        for m in &model {
            assert_eq!(rows.get(m), Some(&R(*m)));
        }
        assert_eq!(rows.get(&3), None);
        if let Some(r) = rows.get_mut(&model[3]) {
            r.0 = model[3];
        }
        for s in 10_000..10_100u64 {
            rows.push(R(s));
            model.push(s);
        }
        assert_eq!(seqs(rows.values()), model);
        for m in model.clone() {
            assert_eq!(rows.remove(m), Some(R(m)));
        }
        assert_eq!(rows.len(), 0);
        assert_eq!(rows.values().count(), 0);
        assert_eq!(rows.starting_at(0).count(), 0);
    }

    #[test]
    fn hash_index_keeps_every_row_under_a_shared_hash() {
        let mut ix = HashIndex::default();
        ix.insert(7, 1);
        ix.insert(7, 2);
        ix.insert(7, 3);
        ix.insert(8, 4);
        assert_eq!(ix.candidates(7).collect::<Vec<_>>(), vec![1, 2, 3]);
        ix.remove(7, 1);
        assert_eq!(ix.candidates(7).collect::<Vec<_>>(), vec![2, 3]);
        ix.remove(7, 3);
        assert_eq!(ix.candidates(7).collect::<Vec<_>>(), vec![2]);
        ix.remove(7, 2);
        assert_eq!(ix.candidates(7).count(), 0);
        assert_eq!(ix.candidates(8).collect::<Vec<_>>(), vec![4]);
        assert!(ix.more.is_empty());
    }

    #[test]
    fn folded_hash_matches_the_unicode_fold() {
        let ix = HashIndex::default();
        assert_eq!(
            ix.hash_folded("BJensen@X.com"),
            ix.hash_folded("bjensen@x.com")
        );
        assert_eq!(ix.hash_folded("ÉLODIE"), ix.hash_folded("élodie"));
        // The Kelvin sign folds to an ASCII `k`.
        assert_eq!(ix.hash_folded("\u{212A}im"), ix.hash_folded("kim"));
        assert!(eq_folded("\u{212A}im", "KIM"));
        let long = "A".repeat(300);
        assert_eq!(ix.hash_folded(&long), ix.hash_folded(&long.to_lowercase()));
        assert_ne!(ix.hash("Kim"), ix.hash("kim"));
    }
}
