//! The facts of base versions, kept between jobs. Reading what a base
//! résumé asserts ([`engine::gates::facts_of`]: every number, date, skill
//! and name an edit may not invent) took a tenth of a worker's CPU per job
//! (perf, `bench.sh --queue`), and a version is never overwritten: the jobs of
//! one base (a user tailoring toward several JDs, a re-run) read it once per
//! worker. An entry is used only for the very text it was read from (its
//! length and a keyed hash are checked), so even a version's LaTeX changed
//! behind our back would be read again, not trusted.

use std::hash::BuildHasher;
use std::sync::Arc;

use engine::gates::{Facts, facts_of};
use uuid::Uuid;

/// Base versions whose facts a worker keeps (a few tens of kB each).
pub const CAPACITY: usize = 128;

/// The kept facts, by base version.
pub struct BaseFacts {
    entries: quick_cache::sync::Cache<Uuid, Arc<Kept>>,
    /// Keyed per process: nobody can craft two texts that collide.
    hasher: std::collections::hash_map::RandomState,
}

/// One base's facts, with what they were read from (a length and a hash).
pub struct Kept {
    len: usize,
    hash: u64,
    facts: Facts,
}

impl std::ops::Deref for Kept {
    type Target = Facts;

    fn deref(&self) -> &Facts {
        &self.facts
    }
}

impl BaseFacts {
    /// At most `capacity` versions' facts.
    pub fn new(capacity: usize) -> Self {
        Self { entries: quick_cache::sync::Cache::new(capacity.max(1)), hasher: Default::default() }
    }

    /// The facts of `latex`, the LaTeX of the version `version_id`: those
    /// kept for it when they were read from this same text, else read now
    /// (and kept).
    pub fn of(&self, version_id: Uuid, latex: &str) -> Arc<Kept> {
        let hash = self.hasher.hash_one(latex);
        if let Some(entry) = self.entries.get(&version_id).filter(|e| e.len == latex.len() && e.hash == hash) {
            return entry;
        }
        let entry = Arc::new(Kept { len: latex.len(), hash, facts: facts_of(latex) });
        self.entries.insert(version_id, entry.clone());
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "\\section{Experience}\nLed 4 engineers at Initech from 2019 to 2023, on Kubernetes.";

    #[test]
    fn a_version_is_read_once_and_a_different_text_again() {
        let kept = BaseFacts::new(8);
        let version = Uuid::now_v7();
        let first = kept.of(version, BASE);
        assert!(first.has_skill("Kubernetes"));
        assert!(Arc::ptr_eq(&first, &kept.of(version, BASE)), "the same version and text: the kept facts");
        // Another text under the same id (never happens: versions are not
        // overwritten) is read again, not trusted.
        let changed = kept.of(version, "\\section{Experience}\nLed engineers at Initech, on Docker.");
        assert!(!Arc::ptr_eq(&first, &changed));
        assert!(!changed.has_skill("Kubernetes"));
        assert!(changed.has_skill("Docker"));
        // Another version with the first text has its own entry.
        assert!(!Arc::ptr_eq(&first, &kept.of(Uuid::now_v7(), BASE)));
    }
}
