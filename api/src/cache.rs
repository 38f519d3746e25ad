//! The api's one kind of in-process cache: bounded (at most `capacity`
//! entries; the least useful are evicted, S3-FIFO, by `quick_cache`), with
//! an expiry per entry. Used for verified tokens ([`crate::auth::clerk`]),
//! `clerkId → User` ([`crate::auth::user`]), the provider's answer to a
//! key validation ([`crate::routes::api_keys`]) and jobs' last known states
//! ([`crate::job_watch`]).

use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A bounded cache whose entries expire.
pub struct Cache<K, V> {
    entries: Arc<quick_cache::sync::Cache<K, (V, Instant)>>,
}

impl<K, V> Clone for Cache<K, V> {
    fn clone(&self) -> Self {
        Self { entries: self.entries.clone() }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    /// A cache of at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { entries: Arc::new(quick_cache::sync::Cache::new(capacity.max(1))) }
    }

    /// The value under `key`, unless it has expired (it is then dropped).
    pub fn get(&self, key: &K) -> Option<V> {
        let (value, until) = self.entries.get(key)?;
        if Instant::now() < until {
            return Some(value);
        }
        self.entries.remove_if(key, |(_, u)| *u == until);
        None
    }

    /// Keep `value` under `key` for `ttl` (a zero ttl keeps nothing, and
    /// drops what was there).
    pub fn insert(&self, key: K, value: V, ttl: Duration) {
        if ttl.is_zero() {
            self.entries.remove(&key);
            return;
        }
        self.entries.insert(key, (value, Instant::now() + ttl));
    }

    /// Forget `key`.
    pub fn remove(&self, key: &K) {
        self.entries.remove(key);
    }

    /// Forget everything.
    pub fn clear(&self) {
        self.entries.clear();
    }

    /// Entries held now, expired ones included until they are read or evicted.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_size_is_bounded() {
        let cache: Cache<u32, &str> = Cache::new(100);
        cache.insert(1, "one", Duration::from_millis(30));
        cache.insert(2, "two", Duration::from_secs(60));
        cache.insert(3, "zero", Duration::ZERO);
        assert_eq!(cache.get(&1), Some("one"));
        assert_eq!(cache.get(&3), None, "a zero ttl keeps nothing");
        cache.insert(2, "two", Duration::ZERO);
        assert_eq!(cache.get(&2), None, "and drops what was there");
        cache.insert(2, "two", Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&1), None, "expired");
        assert_eq!(cache.get(&2), Some("two"));
        for i in 10..10_000 {
            cache.insert(i, "many", Duration::from_secs(60));
        }
        // Capacity is split across shards, so a little over 100 may be held.
        assert!(cache.len() < 200, "bounded: {} of 9,990 inserted", cache.len());
        cache.remove(&2);
        assert_eq!(cache.get(&2), None);
    }
}
