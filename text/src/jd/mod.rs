//! Deterministic job-description (JD) analysis: skills, keywords and role type.
//!
//! No LLM is involved. The same input always produces the same output
//! (byte-identical JSON), and the work is linear in the size of the text:
//! the text is tokenised once and every token is looked up in a hash index of
//! the skills lexicon that is built once per process ([`std::sync::OnceLock`]).
//!
//! # Entry points
//!
//! * [`analyze`] — full analysis of a JD: [`JdAnalysis`].
//! * [`find_skills`] — only the skill matcher, returning every mention with its
//!   byte span; meant for scanning résumé text with exactly the same rules
//!   (e.g. to compute a match score against a [`JdAnalysis`]).
//!
//! Both read at most the first [`MAX_INPUT_BYTES`] bytes of their input (cut
//! back to a UTF-8 character boundary); the rest is ignored. Empty or
//! whitespace-only text gives empty skills and keywords and
//! [`RoleType::Other`]. Nothing in this module panics on any input.
//!
//! # JSON shapes
//!
//! All types implement serde `Serialize`/`Deserialize`. Struct fields are
//! camelCase, enums are lowercase strings.
//!
//! [`JdAnalysis`] — the exact output for this JD (the snapshot test in
//! `tests/jd_analysis.rs`):
//!
//! ```text
//! Backend Engineer
//!
//! Requirements:
//! - Go and Postgres (PostgreSQL)
//! - k8s experience required
//! - Go services on Kubernetes
//! ```
//!
//! ```json
//! {
//!   "extractedSkills": {
//!     "database": [ { "name": "PostgreSQL", "mentions": 2 } ],
//!     "devops":   [ { "name": "Kubernetes", "mentions": 2 } ],
//!     "language": [ { "name": "Go", "mentions": 2 } ]
//!   },
//!   "keywords": [
//!     { "term": "kubernetes", "weight": 1.0 },
//!     { "term": "go", "weight": 0.87 },
//!     { "term": "postgresql", "weight": 0.87 },
//!     { "term": "services", "weight": 0.217 },
//!     { "term": "backend", "weight": 0.121 }
//!   ],
//!   "roleType": "backend"
//! }
//! ```
//!
//! * `extractedSkills` ([`ExtractedSkills`]) is an object keyed by
//!   [`SkillKind`]: `backend`, `cloud`, `data`, `database`, `devops`,
//!   `frontend`, `language`, `ml`, `mobile`, `practice`, `security`,
//!   `testing`, `tool` (frameworks are split into `frontend` and `backend`,
//!   which is what role detection needs). Kinds with no skill are omitted;
//!   keys appear in alphabetical order. Each value lists `{ "name", "mentions" }` objects in
//!   order of first mention; `name` is the canonical lexicon name (so "k8s"
//!   in the text reports `"Kubernetes"`), `mentions` counts every matched
//!   alias (≥ 1).
//! * `keywords` ([`Keyword`]) holds at most [`MAX_KEYWORDS`] lowercased terms
//!   (single words, skills, or 2–3 word phrases) sorted by `weight`
//!   descending then `term` ascending. `weight` is in (0, 1], relative to the
//!   top term (which has exactly `1.0`), rounded to 3 decimals.
//! * `roleType` ([`RoleType`]) is one of `backend`, `frontend`, `fullstack`,
//!   `data`, `ml`, `devops` (DevOps, SRE and platform), `mobile`, `security`,
//!   `management`, `other`.
//!
//! [`find_skills`] returns an array of [`SkillMention`]:
//! `{ "name": "Kubernetes", "kind": "devops", "start": 10, "end": 13 }` where
//! `start`/`end` are byte offsets of the matched text in the input.
//!
//! # The lexicon (`text/data/skills.json`)
//!
//! `{ "version": 1, "skills": [...], "ignore": [...] }`, embedded at compile
//! time. Each skill is `{ "name", "kind", "aliases", "caseSensitive"?,
//! "listOnly"?, "roles"? }`; an alias is a string (case-insensitive) or
//! `{ "alias", "caseSensitive"?, "listOnly"? }`. The canonical `name` is
//! matched too, with the skill-level flags. `roles` overrides the role
//! evidence the skill's kind gives (see the role scoring below). A multi-word
//! alias also matches hyphenated ("machine-learning"). No two skills may
//! share a canonical name or an alias (checked by tests). `ignore` lists
//! phrases that are consumed without producing a skill ("Go-to-market",
//! "go live", "R&D", "Series C", "TS/SCI", "C-level").
//!
//! # Matching rules
//!
//! * Text is split into alphanumeric runs and single punctuation characters;
//!   an alias matches a sequence of tokens whose spacing agrees with the
//!   alias: `Node.js` needs the dot glued on, `machine learning` needs
//!   whitespace, which may include line breaks. Alphanumeric runs are never
//!   split, so "Java" cannot match inside "JavaScript" nor "ts" inside
//!   "tests". At each position the longest alias wins ("C++" over "C",
//!   "React Native" over "React", "Spring Boot" over "Spring").
//! * Matching is case-insensitive unless the alias is `caseSensitive`. Words
//!   that are also common English are case-sensitive: `Go` (the verb "go" is
//!   never a skill; "golang" matches in any case, "GO" does not match),
//!   `React` ("react to incidents"), `REST` ("the rest"), `Swift`, `Spark`,
//!   `Node`, `Helm`, `Vault`, `ML`, …
//! * `listOnly` aliases — the one-letter languages `C` and `R`, and
//!   ambiguous names such as `Express`, `Ray`, `Gin`, `Bun` — also need a
//!   list context: right after `,` `/` `(` `[` `{` `;` `|` `:` or the words
//!   "and"/"or"/"in"/"with"/"using", or right before `,` `/` `)` `]` `}`
//!   `;` `|` or "and"/"or" ("C, C++ and R", "proficiency in R", "C/C++"). They are also
//!   rejected before a glued `-`, `&` or `'` ("C-level").
//! * A match must not be glued to the surrounding word: it is rejected after
//!   a glued `_ @ $ \ #`, after a `.` or `-` that is itself glued to a word
//!   ("example.net" is not .NET, "main.go" is not Go, "T-SQL" would not be
//!   SQL), before a glued `_ @ + # $ %`, and before a `.` glued to another
//!   word ("go.mod"). Separators such as `/`, `(`, `,` and a trailing `-`
//!   are fine ("Python/Go", "Go-based").
//! * A LaTeX escape `\#`, `\&`, `\%`, `\_`, `\$` reads as the bare character,
//!   so résumé sources spelling `C\#` match C#. Invisible characters (soft
//!   hyphen, zero-width space) are ignored.
//!
//! # Keywords
//!
//! Lowercased words, skills (as their canonical name: "k8s" → "kubernetes")
//! and repeated 2–3 word phrases of non-stop-words. Stop words
//! (`text/data/stopwords.txt`: English function words plus JD boilerplate
//! such as "experience", "team", "years", "benefits", "salary", "equal
//! opportunity") are dropped and break phrases, as do punctuation and line
//! ends. Each occurrence scores its line's weight: ×1.5 under a requirements
//! heading ("Requirements", "What you bring", "Nice to have", "Tech stack"),
//! ×1.25 under responsibilities, ×0.2 under boilerplate headings ("Benefits",
//! "About us", "Equal opportunity"), then ×1.2 for bullet lines and ×1.3 for
//! lines with a requirement cue ("required", "must", "experience", "strong",
//! …). Skills score ×2, bigrams ×1.5 and trigrams ×2 (×1.25 more when they
//! contain a skill). Plurals are folded ("APIs" = "API"); a word never seen
//! outside a kept phrase gives way to the phrase; the company name on a first
//! line without a job noun is not a phrase. Weights are normalised to the top
//! term and rounded to 3 decimals; ties are ordered by term.
//!
//! # Role type
//!
//! Title cues in the first three lines (or a `Title:`/`Position:` line) weigh
//! 10–14 ("Engineering Manager" 14, "Backend" 10, "Site Reliability" 10,
//! "Platform Engineer" 10, "Data Platform" 11, "iOS" 10, weak cues such as
//! "AI" 6); a line without a job noun ("engineer", "developer", "manager",
//! …) counts only if it is the first line, at ×0.4. Body evidence from the
//! skills found (by kind, or by the skill's `roles`) is capped at 8, so a
//! title cue always outweighs the body, which breaks ties and decides when
//! the title says nothing. Full-stack body evidence needs both front-end and
//! back-end skills. The best total below 3 gives [`RoleType::Other`].
//!
//! # Example
//!
//! ```
//! use text::jd::{RoleType, SkillKind, analyze, find_skills};
//!
//! let jd = "Senior Backend Engineer\n\nRequirements:\n- Go and Postgres\n- k8s in production\n";
//! let analysis = analyze(jd);
//! assert_eq!(analysis.role_type, RoleType::Backend);
//! assert!(analysis.extracted_skills.contains("Kubernetes"));
//! assert_eq!(analysis.extracted_skills.kind_of("PostgreSQL"), Some(SkillKind::Database));
//!
//! let json = serde_json::to_value(&analysis).map_err(|e| e.to_string())?;
//! assert_eq!(json["roleType"], "backend");
//! assert_eq!(json["extractedSkills"]["language"][0]["name"], "Go");
//!
//! let mentions = find_skills("Built services in Golang and C#.");
//! let names: Vec<&str> = mentions.iter().map(|m| m.name.as_str()).collect();
//! assert_eq!(names, ["Go", "C#"]);
//! # Ok::<(), String>(())
//! ```

mod keywords;
mod lexicon;
mod role;
mod score;

pub use score::{MatchScore, ResumeTerms, match_score};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// At most this many bytes of input are analysed; the rest is ignored.
///
/// 200 KiB is far above any real JD or résumé (typically 2–10 KB) and keeps
/// the worst case well under a few milliseconds.
pub const MAX_INPUT_BYTES: usize = 200 * 1024;

/// At most this many keywords are returned by [`analyze`].
pub const MAX_KEYWORDS: usize = 30;

/// The result of [`analyze`]: skills by kind, weighted keywords and role type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JdAnalysis {
    /// Skills found in the text, grouped by kind.
    pub extracted_skills: ExtractedSkills,
    /// Weighted keywords, heaviest first (at most [`MAX_KEYWORDS`]).
    pub keywords: Vec<Keyword>,
    /// The kind of role the JD is for.
    pub role_type: RoleType,
}

/// Skills found in a text, keyed by [`SkillKind`] (serialised as a JSON
/// object; kinds without skills are absent). Each list is in order of first
/// mention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExtractedSkills(pub BTreeMap<SkillKind, Vec<SkillCount>>);

impl ExtractedSkills {
    /// `true` when no skill was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The skills of one kind (empty when none).
    pub fn of_kind(&self, kind: SkillKind) -> &[SkillCount] {
        self.0.get(&kind).map(Vec::as_slice).unwrap_or_default()
    }

    /// All skills with their kind, kinds in key order, skills in mention order.
    pub fn iter(&self) -> impl Iterator<Item = (SkillKind, &SkillCount)> + '_ {
        self.0.iter().flat_map(|(kind, skills)| skills.iter().map(move |s| (*kind, s)))
    }

    /// Number of distinct skills.
    pub fn len(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }

    /// The entry for a canonical skill name (exact, case-sensitive).
    pub fn get(&self, name: &str) -> Option<&SkillCount> {
        self.iter().map(|(_, s)| s).find(|s| s.name == name)
    }

    /// Whether a canonical skill name (exact, case-sensitive) was found.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The kind under which a canonical skill name was reported.
    pub fn kind_of(&self, name: &str) -> Option<SkillKind> {
        self.iter().find(|(_, s)| s.name == name).map(|(k, _)| k)
    }
}

/// One distinct skill and how many times it was mentioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillCount {
    /// Canonical lexicon name, e.g. `"Kubernetes"` for "k8s".
    pub name: String,
    /// Number of matches of any alias (≥ 1).
    pub mentions: u32,
}

/// One skill mention found by [`find_skills`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillMention {
    /// Canonical lexicon name.
    pub name: String,
    /// Kind of the skill.
    pub kind: SkillKind,
    /// Byte offset of the first byte of the matched text.
    pub start: usize,
    /// Byte offset one past the last byte of the matched text.
    pub end: usize,
}

/// A weighted keyword or key phrase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Keyword {
    /// Lowercased word or phrase (skills use their lowercased canonical name).
    pub term: String,
    /// Relative weight in (0, 1]; the top keyword has 1.0.
    pub weight: f64,
}

/// The kind of a skill. Serialised lowercase; variants are declared in
/// alphabetical order so map keys sort the same way as strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SkillKind {
    /// Server-side frameworks, runtimes, API styles and message brokers
    /// (Node.js, Django, Spring, gRPC, REST, Kafka).
    Backend,
    /// Cloud providers and managed cloud services (AWS, GCP, S3, Lambda).
    Cloud,
    /// Data engineering and analytics (Spark, Airflow, dbt, Snowflake).
    Data,
    /// Databases and data stores (PostgreSQL, Redis, MongoDB).
    Database,
    /// Infrastructure, delivery and operations (Kubernetes, Terraform, CI/CD).
    Devops,
    /// Browser UI technology (React, CSS, Webpack, accessibility).
    Frontend,
    /// Programming and query languages (Go, Python, SQL, C++).
    Language,
    /// Machine learning and AI (PyTorch, scikit-learn, LLMs).
    Ml,
    /// Mobile platforms and frameworks (iOS, Android, SwiftUI, Flutter).
    Mobile,
    /// Engineering practices and management (Agile, microservices, mentoring).
    Practice,
    /// Security tools, standards and disciplines (OWASP, SIEM, OAuth).
    Security,
    /// Testing frameworks and practices (Jest, pytest, TDD).
    Testing,
    /// General developer tools (Git, Jira, Figma).
    Tool,
}

/// The kind of role a JD is for. Serialised lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleType {
    /// Back-end / server-side engineering.
    Backend,
    /// Front-end / web UI engineering.
    Frontend,
    /// Full-stack engineering.
    Fullstack,
    /// Data engineering and analytics.
    Data,
    /// Machine learning / AI.
    Ml,
    /// DevOps, site reliability, platform and infrastructure engineering.
    Devops,
    /// Mobile (iOS, Android, cross-platform).
    Mobile,
    /// Security engineering.
    Security,
    /// Engineering management (and other manager/director titles).
    Management,
    /// Nothing convincing.
    Other,
}

impl RoleType {
    /// Every variant, in declaration order.
    pub const ALL: [RoleType; 10] = [
        RoleType::Backend,
        RoleType::Frontend,
        RoleType::Fullstack,
        RoleType::Data,
        RoleType::Ml,
        RoleType::Devops,
        RoleType::Mobile,
        RoleType::Security,
        RoleType::Management,
        RoleType::Other,
    ];
}

/// Analyses a job description: skills, keywords and role type.
///
/// Only the first [`MAX_INPUT_BYTES`] bytes are read. Never panics.
pub fn analyze(raw_text: &str) -> JdAnalysis {
    let text = cap_input(raw_text);
    let lex = lexicon::lexicon();
    let tokens = lexicon::tokenize(text);
    let matches = lex.scan(&tokens);
    let extracted_skills = aggregate(lex, &matches);
    let keywords = keywords::extract(lex, &tokens, &matches);
    let role_type = role::classify(lex, &tokens, &matches);
    JdAnalysis { extracted_skills, keywords, role_type }
}

/// Finds every skill mention in `text` (a JD or a résumé), in text order.
///
/// Uses exactly the matcher of [`analyze`]. Offsets are byte offsets into
/// `text`; only the first [`MAX_INPUT_BYTES`] bytes are read.
pub fn find_skills(text: &str) -> Vec<SkillMention> {
    let text = cap_input(text);
    let lex = lexicon::lexicon();
    let tokens = lexicon::tokenize(text);
    lex.scan(&tokens)
        .into_iter()
        .filter_map(|m| {
            let skill = lex.skill(m.skill)?;
            let (start, end) = tokens.byte_span(m.first, m.end)?;
            Some(SkillMention { name: skill.name.clone(), kind: skill.kind, start, end })
        })
        .collect()
}

/// The longest prefix of `text` of at most [`MAX_INPUT_BYTES`] bytes that ends
/// on a character boundary.
fn cap_input(text: &str) -> &str {
    if text.len() <= MAX_INPUT_BYTES {
        return text;
    }
    let mut end = MAX_INPUT_BYTES;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// Groups matches into [`ExtractedSkills`], each kind in first-mention order.
fn aggregate(lex: &lexicon::Lexicon, matches: &[lexicon::SkillMatch]) -> ExtractedSkills {
    let mut out: BTreeMap<SkillKind, Vec<SkillCount>> = BTreeMap::new();
    // Skill index -> position in its kind's list (usize::MAX = not seen yet).
    let mut slot = vec![usize::MAX; lex.len()];
    for m in matches {
        let (Some(skill), Some(pos)) = (lex.skill(m.skill), slot.get_mut(m.skill)) else {
            continue;
        };
        let list = out.entry(skill.kind).or_default();
        if let Some(entry) = list.get_mut(*pos) {
            entry.mentions = entry.mentions.saturating_add(1);
        } else {
            *pos = list.len();
            list.push(SkillCount { name: skill.name.clone(), mentions: 1 });
        }
    }
    ExtractedSkills(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_input_respects_char_boundaries() {
        let text = "é".repeat(MAX_INPUT_BYTES); // 2 bytes per char
        let capped = cap_input(&text);
        assert!(capped.len() <= MAX_INPUT_BYTES);
        assert!(capped.len() >= MAX_INPUT_BYTES - 1);
        assert_eq!(cap_input("short"), "short");
    }

    #[test]
    fn skill_kind_order_matches_string_order() {
        let kinds = [
            SkillKind::Backend,
            SkillKind::Cloud,
            SkillKind::Data,
            SkillKind::Database,
            SkillKind::Devops,
            SkillKind::Frontend,
            SkillKind::Language,
            SkillKind::Ml,
            SkillKind::Mobile,
            SkillKind::Practice,
            SkillKind::Security,
            SkillKind::Testing,
            SkillKind::Tool,
        ];
        let names: Vec<String> = kinds.iter().map(|k| serde_json::to_string(k).unwrap_or_default()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(kinds.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn aggregate_counts_and_orders_by_first_mention() {
        let a = analyze("Kubernetes, Go, k8s, Terraform, kube, Go");
        let devops = a.extracted_skills.of_kind(SkillKind::Devops);
        assert_eq!(
            devops,
            [
                SkillCount { name: "Kubernetes".into(), mentions: 3 },
                SkillCount { name: "Terraform".into(), mentions: 1 }
            ]
        );
        assert_eq!(a.extracted_skills.get("Go").map(|s| s.mentions), Some(2));
        assert_eq!(a.extracted_skills.len(), 3);
    }
}
