//! The match score: how well a résumé covers a job description — weighted
//! coverage of the JD's skills (with aliases: "k8s" in the résumé covers
//! Kubernetes) and keywords in the résumé's visible text. Computed on
//! demand, never stored (the schema has no column for it).
//!
//! `score = (Σ skill weight · covered + ½ Σ keyword weight · covered) /
//! (Σ skill weight + ½ Σ keyword weight)`, where a skill's weight is
//! `1 + ln(mentions)` and a keyword's is its analysis weight. Keywords that
//! are skills are counted once, as skills.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ExtractedSkills, Keyword, find_skills};
use crate::latex::plain_text;

/// How well one résumé covers one JD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MatchScore {
    /// 0..1, three decimals.
    pub score: f64,
    pub skills_covered: Vec<String>,
    pub skills_missing: Vec<String>,
    pub keywords_covered: Vec<String>,
    pub keywords_missing: Vec<String>,
}

fn contains_term(haystack_lower: &str, term: &str) -> bool {
    let term = term.trim();
    if term.is_empty() {
        return false;
    }
    haystack_lower.match_indices(term).any(|(i, _)| {
        let before = haystack_lower[..i].chars().next_back();
        let after = haystack_lower[i + term.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Score `resume_latex` against a JD's stored analysis.
pub fn match_score(skills: &ExtractedSkills, keywords: &[Keyword], resume_latex: &str) -> MatchScore {
    ResumeTerms::of(resume_latex).score(skills, keywords)
}

/// What the score reads from a résumé, whatever the JD: its visible text and
/// the skills it names. Read once, it scores against any number of JDs (a
/// worker keeps it with each base version's facts).
#[derive(Debug, Clone, Default)]
pub struct ResumeTerms {
    /// The visible text, lowercased.
    lower: String,
    /// The canonical names of the skills it names.
    present: BTreeSet<String>,
}

impl ResumeTerms {
    /// Read `resume_latex`.
    #[must_use]
    pub fn of(resume_latex: &str) -> Self {
        let text = plain_text(resume_latex);
        let present = find_skills(&text).into_iter().map(|m| m.name).collect();
        Self { lower: text.to_lowercase(), present }
    }

    /// This résumé's coverage of a JD's stored analysis.
    #[must_use]
    pub fn score(&self, skills: &ExtractedSkills, keywords: &[Keyword]) -> MatchScore {
        let skill_names: BTreeSet<String> = skills.iter().map(|(_, s)| s.name.to_lowercase()).collect();
        let (mut total, mut got) = (0.0f64, 0.0f64);
        let (mut skills_covered, mut skills_missing) = (Vec::new(), Vec::new());
        for (_, skill) in skills.iter() {
            let weight = 1.0 + f64::from(skill.mentions.max(1)).ln();
            total += weight;
            if self.present.contains(&skill.name) {
                got += weight;
                skills_covered.push(skill.name.clone());
            } else {
                skills_missing.push(skill.name.clone());
            }
        }
        let (mut keywords_covered, mut keywords_missing) = (Vec::new(), Vec::new());
        for kw in keywords.iter().filter(|k| !skill_names.contains(&k.term)) {
            let weight = 0.5 * kw.weight.clamp(0.0, 1.0);
            total += weight;
            if contains_term(&self.lower, &kw.term) {
                got += weight;
                keywords_covered.push(kw.term.clone());
            } else {
                keywords_missing.push(kw.term.clone());
            }
        }
        let score = if total > 0.0 { (got / total * 1000.0).round() / 1000.0 } else { 0.0 };
        MatchScore { score, skills_covered, skills_missing, keywords_covered, keywords_missing }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jd::analyze;

    #[test]
    fn coverage_counts_aliases_and_grows_with_jd_terms() {
        let jd = analyze("Backend Engineer\nRequirements: Go, Kubernetes, PostgreSQL, distributed systems, Kafka.");
        let base = "\\documentclass{article}\\begin{document}\\section{Skills} Go, k8s\\end{document}";
        let better = "\\documentclass{article}\\begin{document}\\section{Skills} Go, k8s, Postgres, distributed systems\\end{document}";
        let a = match_score(&jd.extracted_skills, &jd.keywords, base);
        let b = match_score(&jd.extracted_skills, &jd.keywords, better);
        assert!(a.skills_covered.contains(&"Kubernetes".to_owned()), "{a:?}");
        assert!(a.skills_missing.contains(&"PostgreSQL".to_owned()));
        assert!(b.score > a.score, "{} > {}", b.score, a.score);
        assert!((0.0..=1.0).contains(&b.score));
        let empty = match_score(&ExtractedSkills::default(), &[], base);
        assert_eq!(empty.score, 0.0);
    }

    #[test]
    fn one_reading_scores_against_any_jd_as_a_fresh_one() {
        let resume = "\\documentclass{article}\\begin{document}\\section{Skills} Go, k8s, Kafka\\end{document}";
        let terms = ResumeTerms::of(resume);
        for jd in ["Requirements: Go, Kubernetes, PostgreSQL.", "Data engineer: Kafka, Spark, Airflow, SQL."] {
            let jd = analyze(jd);
            let kept = terms.score(&jd.extracted_skills, &jd.keywords);
            assert_eq!(kept, match_score(&jd.extracted_skills, &jd.keywords, resume));
            assert!(kept.score > 0.0 && !kept.skills_missing.is_empty(), "{kept:?}");
        }
    }

    #[test]
    fn terms_match_on_word_boundaries() {
        assert!(contains_term("built go services", "go"));
        assert!(!contains_term("google cloud", "go"));
        assert!(contains_term("led distributed systems work", "distributed systems"));
    }
}
