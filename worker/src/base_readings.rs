//! The readings of base versions, kept between jobs. Reading what a base
//! résumé asserts ([`engine::gates::facts_of`]: every number, date, skill
//! and name an edit may not invent) took a tenth of a worker's CPU per job
//! (perf, `bench.sh --queue`), its match-score terms another twentieth, and
//! a version is never overwritten: the jobs of
//! one base (a user tailoring toward several JDs, a re-run) read it once per
//! worker. An entry is used only for the very text it was read from (its
//! length and a keyed hash are checked), so even a version's LaTeX changed
//! behind our back would be read again, not trusted.

use std::hash::BuildHasher;
use std::sync::Arc;

use engine::BaseReading;
use uuid::Uuid;

/// Base versions whose readings a worker keeps (a few tens of kB each).
pub const CAPACITY: usize = 128;

/// The kept facts, by base version.
pub struct BaseReadings {
    entries: quick_cache::sync::Cache<Uuid, Arc<Kept>>,
    /// Keyed per process: nobody can craft two texts that collide.
    hasher: std::collections::hash_map::RandomState,
}

/// One base's reading, with what it was read from (a length and a hash).
pub struct Kept {
    len: usize,
    hash: u64,
    reading: BaseReading,
}

impl std::ops::Deref for Kept {
    type Target = BaseReading;

    fn deref(&self) -> &BaseReading {
        &self.reading
    }
}

impl BaseReadings {
    /// At most `capacity` versions' facts.
    pub fn new(capacity: usize) -> Self {
        Self { entries: quick_cache::sync::Cache::new(capacity.max(1)), hasher: Default::default() }
    }

    /// The reading of `latex`, the LaTeX of the version `version_id`: the
    /// one kept for it when it was read from this same text, else read now
    /// (and kept).
    pub fn of(&self, version_id: Uuid, latex: &str) -> Arc<Kept> {
        let hash = self.hasher.hash_one(latex);
        if let Some(entry) = self.entries.get(&version_id).filter(|e| e.len == latex.len() && e.hash == hash) {
            return entry;
        }
        let entry = Arc::new(Kept { len: latex.len(), hash, reading: BaseReading::of(latex) });
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
        let kept = BaseReadings::new(8);
        let jd = text::jd::analyze("Platform engineer: Kubernetes, Docker, Go.");
        let version = Uuid::now_v7();
        let first = kept.of(version, BASE);
        assert!(first.facts.has_skill("Kubernetes"));
        assert!(
            first.terms.score(&jd.extracted_skills, &jd.keywords).skills_covered.contains(&"Kubernetes".to_owned())
        );
        assert!(Arc::ptr_eq(&first, &kept.of(version, BASE)), "the same version and text: the kept facts");
        // Another text under the same id (never happens: versions are not
        // overwritten) is read again, not trusted.
        let changed = kept.of(version, "\\section{Experience}\nLed engineers at Initech, on Docker.");
        assert!(!Arc::ptr_eq(&first, &changed));
        assert!(!changed.facts.has_skill("Kubernetes"));
        assert!(changed.facts.has_skill("Docker"));
        assert!(
            changed.terms.score(&jd.extracted_skills, &jd.keywords).skills_missing.contains(&"Kubernetes".to_owned())
        );
        // Another version with the first text has its own entry.
        assert!(!Arc::ptr_eq(&first, &kept.of(Uuid::now_v7(), BASE)));
    }
}
