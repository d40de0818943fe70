//! The decision caches: bounded LRU sets of trace ids (Go's
//! `cache.NewLRUDecisionCache`); size 0 is Go's no-op cache.

use std::collections::{HashMap, VecDeque};

/// An LRU set of trace ids. Recency is kept with stamps: a hit pushes a new
/// stamp and the stale one is skipped on eviction.
#[derive(Debug, Default)]
pub(crate) struct IdCache {
    cap: usize,
    stamps: HashMap<[u8; 16], u64>,
    order: VecDeque<([u8; 16], u64)>,
    next: u64,
}

impl IdCache {
    /// A cache of at most `cap` ids (0 = holds nothing).
    pub(crate) fn new(cap: usize) -> Self {
        IdCache {
            cap,
            ..Default::default()
        }
    }

    /// Whether `id` is cached; a hit makes it the most recent.
    pub(crate) fn get(&mut self, id: &[u8; 16]) -> bool {
        if self.cap == 0 {
            return false;
        }
        let stamp = self.next;
        match self.stamps.get_mut(id) {
            Some(s) => {
                *s = stamp;
                self.next += 1;
                self.order.push_back((*id, stamp));
                self.compact();
                true
            }
            None => false,
        }
    }

    /// Adds `id` (most recent), evicting the least recent when full.
    pub(crate) fn put(&mut self, id: [u8; 16]) {
        if self.cap == 0 {
            return;
        }
        let stamp = self.next;
        self.next += 1;
        if self.stamps.insert(id, stamp).is_none() {
            while self.stamps.len() > self.cap {
                let Some((old, s)) = self.order.pop_front() else {
                    break;
                };
                if self.stamps.get(&old) == Some(&s) {
                    self.stamps.remove(&old);
                }
            }
        }
        self.order.push_back((id, stamp));
        self.compact();
    }

    /// Drops stale stamps when they outnumber the live ones.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.cap + 16 {
            let stamps = &self.stamps;
            self.order.retain(|(id, s)| stamps.get(id) == Some(s));
        }
    }

    /// Ids held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.stamps.len()
    }
}

#[cfg(test)]
mod tests {
    use super::IdCache;

    fn id(n: u8) -> [u8; 16] {
        [n; 16]
    }

    #[test]
    fn zero_size_holds_nothing() {
        let mut c = IdCache::new(0);
        c.put(id(1));
        assert!(!c.get(&id(1)));
    }

    #[test]
    fn evicts_least_recently_used() {
        let mut c = IdCache::new(2);
        c.put(id(1));
        c.put(id(2));
        assert!(c.get(&id(1))); // 2 is now the least recent
        c.put(id(3));
        assert!(c.get(&id(1)));
        assert!(!c.get(&id(2)));
        assert!(c.get(&id(3)));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn stays_bounded_under_many_hits() {
        let mut c = IdCache::new(3);
        for i in 0..100u8 {
            c.put(id(i));
            for _ in 0..10 {
                c.get(&id(i));
            }
        }
        assert_eq!(c.len(), 3);
        assert!(c.order.len() <= 2 * 3 + 17);
        assert!(c.get(&id(99)) && c.get(&id(97)) && !c.get(&id(96)));
    }
}
