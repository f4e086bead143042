//! The analysis's caches: maps with a fast hasher, and the lookup they share (filled once per
//! key, read from every thread).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

/// A map with [`IndexHasher`]: for keys that are addresses, small integers (or short lists of
/// them: the places of a hub's targets, how a caller's patterns match a target), principal and
/// group nodes, or the memo's question tags (a declared role's name, a principal kind with
/// tags). Tags can come from the input, but there are few of them (one per declared role and
/// per kind of acting principal), so even keys made to collide cost a scan of that few.
pub(crate) type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IndexHasher>>;

/// The hasher of [`FastMap`] (the multiply-rotate step of rustc's `FxHasher`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IndexHasher(u64);

impl IndexHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// The value for `key` in `cache`, made by `make` on a miss. Hits take the read lock only;
/// two threads missing the same key at once both make it (the values are equal) and one stays.
/// A poisoned lock only costs the caching.
pub(crate) fn cached<K: Hash + Eq, V: Clone>(
    cache: &RwLock<FastMap<K, V>>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
    if let Some(hit) = cache.read().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let made = make();
    if let Ok(mut c) = cache.write() {
        c.insert(key, made.clone());
    }
    made
}
