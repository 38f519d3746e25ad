//! Keyword extraction: weighted unigrams, bigrams and trigrams of
//! non-stop-words, with skills kept as single terms.
//!
//! # Scoring
//!
//! The text is read line by line. Each line gets a weight:
//!
//! * section weight — a short heading line ("Requirements", "What you'll
//!   do", "Benefits", …) switches the section: requirements ×1.5,
//!   responsibilities ×1.25, boilerplate (benefits, about us, EEO, salary,
//!   how to apply) ×0.2, anything else ×1.0;
//! * ×1.2 for bullet lines (`-`, `*`, `•`, `1.`, …) and ×1.3 for lines with a
//!   requirement cue ("required", "must", "experience", "proficient",
//!   "knowledge", "strong", …), neither inside boilerplate.
//!
//! Words are lowercased; a skill match (any alias) becomes one word, its
//! lowercased canonical name ("k8s" → "kubernetes", "Postgres" →
//! "postgresql"). Stop words (`data/stopwords.txt`: English function words and
//! JD boilerplate such as "experience", "team", "years", "benefits",
//! "salary"), numbers, one-character words and dotted compounds (domains,
//! file names) are dropped and break phrases, as do punctuation and line
//! ends. Plain words are folded to a singular key ("APIs" and "API" count
//! together); the most frequent spelling is shown.
//!
//! Each occurrence adds the line weight to its unigram (×2 for skills), and
//! to the bigram and trigram ending at it (×1.5 and ×2, and ×1.25 more when
//! the phrase contains a skill). Phrases must occur at least twice and must
//! not consist only of skills, nor be part of a first line without a role
//! noun (the company name: "Acme Robotics"). A non-skill word or phrase that never occurs
//! outside a kept longer phrase is dropped in favour of the phrase. Scores
//! are normalised to the top one, rounded to 3 decimals (never below 0.001)
//! and sorted by weight descending, then term; the first
//! [`MAX_KEYWORDS`] are kept.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::Keyword;
use super::MAX_KEYWORDS;
use super::lexicon::{FxBuild, Lexicon, SkillMatch, Tokens};

/// Stop words and JD boilerplate, one per line (`#` comments).
const STOPWORDS_TXT: &str = include_str!("../../data/stopwords.txt");

const REQUIREMENTS_WEIGHT: f64 = 1.5;
const RESPONSIBILITIES_WEIGHT: f64 = 1.25;
const BOILERPLATE_WEIGHT: f64 = 0.2;
const BULLET_BOOST: f64 = 1.2;
const CUE_BOOST: f64 = 1.3;
const SKILL_BOOST: f64 = 2.0;
const BIGRAM_BOOST: f64 = 1.5;
const TRIGRAM_BOOST: f64 = 2.0;
const SKILL_PHRASE_BOOST: f64 = 1.25;
const MIN_PHRASE_COUNT: u32 = 2;
const MIN_WEIGHT: f64 = 0.001;
/// A line with more words is not a heading.
const MAX_HEADING_WORDS: usize = 8;
/// Longer "words" are URLs, hashes or garbage.
const MAX_WORD_CHARS: usize = 40;
/// Marks an absent slot in an n-gram key.
const NONE: u32 = u32::MAX;

/// The parsed stop-word set, built once.
fn stopwords() -> &'static HashSet<&'static str, FxBuild> {
    static SET: OnceLock<HashSet<&'static str, FxBuild>> = OnceLock::new();
    SET.get_or_init(|| STOPWORDS_TXT.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// Section of a JD, switched by heading lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Neutral,
    Responsibilities,
    Requirements,
    Boilerplate,
}

impl Section {
    fn weight(self) -> f64 {
        match self {
            Section::Neutral => 1.0,
            Section::Responsibilities => RESPONSIBILITIES_WEIGHT,
            Section::Requirements => REQUIREMENTS_WEIGHT,
            Section::Boilerplate => BOILERPLATE_WEIGHT,
        }
    }
}

const BOILERPLATE_HEADINGS: &[&[&str]] = &[
    &["benefits"],
    &["perks"],
    &["compensation"],
    &["salary"],
    &["pay", "range"],
    &["about", "us"],
    &["who", "we", "are"],
    &["equal", "opportunity"],
    &["eeo"],
    &["how", "to", "apply"],
    &["what", "we", "offer"],
    &["why", "join"],
    &["why", "work"],
    &["our", "values"],
    &["life", "at"],
    &["location"],
    &["diversity"],
    &["accommodations"],
    &["privacy"],
    &["the", "company"],
    &["our", "company"],
];

const REQUIREMENT_HEADINGS: &[&[&str]] = &[
    &["requirements"],
    &["requirement"],
    &["qualifications"],
    &["qualification"],
    &["must", "have"],
    &["must", "haves"],
    &["nice", "to", "have"],
    &["nice", "to", "haves"],
    &["bonus", "points"],
    &["you", "bring"],
    &["you", "ll", "bring"],
    &["you", "have"],
    &["about", "you"],
    &["who", "you", "are"],
    &["looking", "for"],
    &["skills"],
    &["experience"],
    &["preferred"],
    &["ideal", "candidate"],
    &["stack"],
    &["technologies"],
];

const RESPONSIBILITY_HEADINGS: &[&[&str]] = &[
    &["responsibilities"],
    &["responsibility"],
    &["you", "ll", "do"],
    &["you", "will", "do"],
    &["you", "will"],
    &["the", "role"],
    &["duties"],
    &["day", "to", "day"],
    &["your", "impact"],
    &["in", "this", "role"],
    &["you", "ll", "work", "on"],
];

/// Words that make a line read like a requirement.
fn is_requirement_cue(word: &str) -> bool {
    matches!(
        word,
        "required"
            | "requires"
            | "must"
            | "proficiency"
            | "proficient"
            | "familiarity"
            | "familiar"
            | "knowledge"
            | "expertise"
            | "expert"
            | "experience"
            | "experienced"
            | "background"
            | "understanding"
            | "fluency"
            | "fluent"
            | "strong"
            | "solid"
            | "deep"
            | "years"
    )
}

/// Whether `needle` occurs as a contiguous run in `words`.
fn contains_run(words: &[&str], needle: &[&str]) -> bool {
    !needle.is_empty() && words.windows(needle.len()).any(|w| w == needle)
}

/// Whether a line starts with a bullet mark or a list number ("1.", "2)").
fn is_bullet(t: &Tokens<'_>, line: &std::ops::Range<usize>) -> bool {
    let first = line.start;
    match t.punct(first) {
        Some(
            '-' | '*' | '•' | '·' | '▪' | '◦' | '–' | '—' | '‣' | '○' | '●' | '■' | '►' | '✓' | '✔' | '→' | '+' | '>',
        ) => true,
        Some(_) => false,
        None => {
            let w = t.lower(first);
            w.len() <= 2
                && w.bytes().all(|b| b.is_ascii_digit())
                && matches!(t.punct(first + 1), Some('.' | ')'))
                && t.glued(first + 1)
                && first + 1 < line.end
        }
    }
}

/// The section a heading line switches to, or `None` for a non-heading.
fn heading_section(t: &Tokens<'_>, line: &std::ops::Range<usize>, bullet: bool) -> Option<Section> {
    if bullet || line.is_empty() || t.punct(line.end - 1) == Some('.') {
        return None;
    }
    // Headings are short: collect at most MAX_HEADING_WORDS + 1 words.
    let mut buf = [""; MAX_HEADING_WORDS + 1];
    let mut len = 0;
    for i in line.clone().filter(|&i| t.is_alnum(i)) {
        let slot = buf.get_mut(len)?;
        *slot = t.lower(i);
        len += 1;
    }
    let words = buf.get(..len).unwrap_or_default();
    if words.is_empty() || words.iter().any(|w| crate::vocabulary::is_role_word(w)) {
        return None;
    }
    let any = |list: &[&[&str]]| list.iter().any(|h| contains_run(words, h));
    if any(BOILERPLATE_HEADINGS) {
        Some(Section::Boilerplate)
    } else if any(REQUIREMENT_HEADINGS) {
        Some(Section::Requirements)
    } else if any(RESPONSIBILITY_HEADINGS) {
        Some(Section::Responsibilities)
    } else {
        None
    }
}

/// Plural folding for counting: "apis" → "api", "libraries" → "library".
fn fold(word: &str) -> Cow<'_, str> {
    if word.len() >= 5
        && let Some(stem) = word.strip_suffix("ies")
    {
        return Cow::Owned(format!("{stem}y"));
    }
    if word.len() >= 4
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("sis")
        && !word.ends_with("xis")
        && let Some(stem) = word.strip_suffix('s')
    {
        return Cow::Borrowed(stem);
    }
    Cow::Borrowed(word)
}

/// Vocabulary entry: one folded key and the spellings seen for it.
#[derive(Debug)]
struct WordInfo {
    key: String,
    /// Occurrences spelled exactly as the key.
    key_count: u32,
    /// Other spellings ("apis" for the key "api") with their counts.
    others: Vec<(String, u32)>,
    skill: bool,
}

impl WordInfo {
    /// Most frequent spelling; ties go to the lexicographically smallest.
    fn display(&self) -> &str {
        std::iter::once((self.key.as_str(), self.key_count))
            .chain(self.others.iter().map(|(s, n)| (s.as_str(), *n)))
            .filter(|(_, n)| *n > 0)
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
            .map_or(self.key.as_str(), |(s, _)| s)
    }
}

/// Interned words; ids are dense and assigned in order of first occurrence.
#[derive(Debug, Default)]
struct Vocab {
    ids: HashMap<String, u32>,
    words: Vec<WordInfo>,
}

impl Vocab {
    /// The id of `key`, counting one occurrence spelled `surface`; `None`
    /// once the vocabulary is full (cannot happen within the input cap).
    fn intern(&mut self, key: &str, surface: &str, skill: bool) -> Option<u32> {
        let id = match self.ids.get(key) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.words.len()).ok().filter(|&id| id < MAX_VOCAB)?;
                self.ids.insert(key.to_string(), id);
                self.words.push(WordInfo { key: key.to_string(), key_count: 0, others: Vec::new(), skill });
                id
            }
        };
        let info = self.words.get_mut(id as usize)?;
        info.skill |= skill;
        if surface == info.key {
            info.key_count += 1;
        } else {
            match info.others.iter_mut().find(|(s, _)| s == surface) {
                Some((_, n)) => *n += 1,
                None => info.others.push((surface.to_string(), 1)),
            }
        }
        Some(id)
    }

    fn is_skill(&self, id: u32) -> bool {
        self.words.get(id as usize).is_some_and(|w| w.skill)
    }

    fn display(&self, id: u32) -> &str {
        self.words.get(id as usize).map_or("", WordInfo::display)
    }
}

/// Bits per word id in a packed phrase key.
const ID_BITS: u32 = 21;
/// All-ones id field: an absent slot in a packed key.
const ID_MASK: u64 = (1 << ID_BITS) - 1;
/// Word ids stay below this so that they fit a packed key.
const MAX_VOCAB: u32 = (1 << ID_BITS) - 1;

/// Packs a [`Gram`] into one integer (cheaper to hash than three).
fn pack(g: &Gram) -> u64 {
    g.iter().enumerate().fold(0, |acc, (k, &id)| {
        let field = if id == NONE { ID_MASK } else { u64::from(id) & ID_MASK };
        acc | field << (ID_BITS as usize * k)
    })
}

/// Inverse of [`pack`].
fn unpack(key: u64) -> Gram {
    let mut g = [NONE; 3];
    for (k, slot) in g.iter_mut().enumerate() {
        let field = (key >> (ID_BITS as usize * k)) & ID_MASK;
        if field != ID_MASK {
            *slot = u32::try_from(field).unwrap_or(NONE);
        }
    }
    g
}

/// Score and raw occurrence count of one n-gram.
#[derive(Debug, Default, Clone, Copy)]
struct Stat {
    score: f64,
    raw: u32,
}

/// Word ids of an n-gram; unused trailing slots are [`NONE`].
type Gram = [u32; 3];

fn gram_len(g: &Gram) -> usize {
    g.iter().take_while(|&&x| x != NONE).count()
}

/// Accumulates n-gram statistics from the word stream.
#[derive(Debug)]
struct Counter {
    vocab: Vocab,
    /// Unigram statistics, indexed by word id.
    unigrams: Vec<Stat>,
    /// Bigram and trigram statistics, keyed by [`pack`].
    phrases: HashMap<u64, Stat>,
    /// The current phrase run: the last two word ids (most recent last).
    prev: [u32; 2],
    /// Word ids of a first line that looks like a company name; phrases made
    /// only of a run of these are not keywords.
    masthead: Vec<u32>,
}

impl Counter {
    /// A counter sized for about `tokens` tokens.
    fn with_capacity(tokens: usize) -> Self {
        Counter {
            vocab: Vocab { ids: HashMap::with_capacity(tokens / 2), words: Vec::with_capacity(tokens / 2) },
            unigrams: Vec::with_capacity(tokens / 2),
            phrases: HashMap::with_capacity(tokens),
            prev: [NONE; 2],
            masthead: Vec::new(),
        }
    }

    fn brk(&mut self) {
        self.prev = [NONE; 2];
    }

    /// Counts one word occurrence; `None` (and a phrase break) when the
    /// vocabulary is full.
    fn word(&mut self, key: &str, surface: &str, skill: bool, weight: f64) -> Option<u32> {
        let Some(id) = self.vocab.intern(key, surface, skill) else {
            self.brk();
            return None;
        };
        let slot = id as usize;
        if self.unigrams.len() <= slot {
            self.unigrams.resize(slot + 1, Stat::default());
        }
        if let Some(s) = self.unigrams.get_mut(slot) {
            s.score += weight * if skill { SKILL_BOOST } else { 1.0 };
            s.raw += 1;
        }
        let [z, a] = self.prev;
        if a != NONE {
            let any_skill = skill || self.vocab.is_skill(a);
            let f = if any_skill { SKILL_PHRASE_BOOST } else { 1.0 };
            self.add([a, id, NONE], weight * BIGRAM_BOOST * f);
            if z != NONE {
                let f = if any_skill || self.vocab.is_skill(z) { SKILL_PHRASE_BOOST } else { 1.0 };
                self.add([z, a, id], weight * TRIGRAM_BOOST * f);
            }
        }
        self.prev = [a, id];
        Some(id)
    }

    fn add(&mut self, gram: Gram, score: f64) {
        let s = self.phrases.entry(pack(&gram)).or_default();
        s.score += score;
        s.raw += 1;
    }

    /// Raw count of a unigram or phrase (0 when unseen).
    fn raw(&self, gram: &Gram) -> u32 {
        if gram_len(gram) == 1 {
            self.unigrams.get(gram[0] as usize).map_or(0, |s| s.raw)
        } else {
            self.phrases.get(&pack(gram)).map_or(0, |s| s.raw)
        }
    }

    /// Whether a phrase can be a keyword: it repeats, is not made only of
    /// skills, and is not (part of) the company name.
    fn phrase_ok(&self, gram: &Gram, stat: &Stat) -> bool {
        let words = gram.get(..gram_len(gram)).unwrap_or_default();
        stat.raw >= MIN_PHRASE_COUNT
            && words.iter().any(|&id| !self.vocab.is_skill(id))
            && !self.masthead.windows(words.len()).any(|w| w == words)
    }
}

/// Extracts the weighted keywords of a tokenised JD.
pub(crate) fn extract(lex: &Lexicon, t: &Tokens<'_>, matches: &[SkillMatch]) -> Vec<Keyword> {
    if t.is_empty() {
        return Vec::new();
    }
    let stop = stopwords();
    let mut counter = Counter::with_capacity(t.len());
    let mut section = Section::Neutral;
    let mut next_match = 0usize;
    let mut cursor = 0usize;
    let mut compound = String::new();

    for (n, line) in t.lines().enumerate() {
        let masthead = n == 0 && !line.clone().any(|i| t.is_alnum(i) && crate::vocabulary::is_role_word(t.lower(i)));
        let bullet = is_bullet(t, &line);
        if let Some(s) = heading_section(t, &line, bullet) {
            section = s;
        }
        let mut weight = section.weight();
        if section != Section::Boilerplate {
            if bullet {
                weight *= BULLET_BOOST;
            }
            if line.clone().any(|i| t.is_alnum(i) && is_requirement_cue(t.lower(i))) {
                weight *= CUE_BOOST;
            }
        }
        counter.brk();
        let mut i = cursor.max(line.start);
        while i < line.end {
            while matches.get(next_match).is_some_and(|m| m.first < i) {
                next_match += 1;
            }
            if let Some(m) = matches.get(next_match).filter(|m| m.first == i) {
                if let Some(skill) = lex.skill(m.skill) {
                    let _ = counter.word(&skill.term, &skill.term, true, weight);
                }
                i = m.end.max(i + 1);
                next_match += 1;
                continue;
            }
            if !t.is_alnum(i) {
                counter.brk();
                i += 1;
                continue;
            }
            // Join hyphen, apostrophe and dot compounds: "cross-functional",
            // "company's", "acme.com".
            compound.clear();
            compound.push_str(t.lower(i));
            let mut dotted = false;
            let mut j = i;
            while j + 2 < line.end
                && t.glued(j + 1)
                && t.glued(j + 2)
                && t.is_alnum(j + 2)
                && matches.get(next_match).is_none_or(|m| m.first > j + 2)
            {
                let Some(sep @ ('-' | '\'' | '.')) = t.punct(j + 1) else {
                    break;
                };
                dotted |= sep == '.';
                compound.push(sep);
                compound.push_str(t.lower(j + 2));
                j += 2;
            }
            i = j + 1;
            let surface = compound.strip_suffix("'s").unwrap_or(&compound);
            let key = fold(surface);
            let keep = !dotted
                && surface.chars().nth(1).is_some()
                && surface.chars().nth(MAX_WORD_CHARS).is_none()
                && !surface.starts_with(|c: char| c.is_numeric())
                && !stop.contains(surface)
                && (key == surface || !stop.contains(key.as_ref()));
            if keep {
                let id = counter.word(&key, surface, false, weight);
                if let Some(id) = id.filter(|_| masthead) {
                    counter.masthead.push(id);
                }
            } else {
                counter.brk();
            }
        }
        cursor = cursor.max(i);
    }
    rank(&counter)
}

/// Filters, normalises and sorts the n-gram statistics.
fn rank(counter: &Counter) -> Vec<Keyword> {
    let vocab = &counter.vocab;
    let unigrams = counter
        .unigrams
        .iter()
        .enumerate()
        .filter(|(_, s)| s.raw > 0)
        .filter_map(|(id, s)| Some(([u32::try_from(id).ok()?, NONE, NONE], *s)));
    let phrases = counter.phrases.iter().map(|(k, s)| (unpack(*k), *s)).filter(|(g, s)| counter.phrase_ok(g, s));
    let candidates: Vec<(Gram, Stat)> = unigrams.chain(phrases).collect();

    // Sub-terms that never occur outside a kept longer phrase. Skills stay.
    let mut covered: HashSet<Gram> = HashSet::new();
    for (g, s) in &candidates {
        let subs: &[Gram] = match gram_len(g) {
            2 => &[[g[0], NONE, NONE], [g[1], NONE, NONE]],
            3 => &[[g[0], g[1], NONE], [g[1], g[2], NONE], [g[0], NONE, NONE], [g[1], NONE, NONE], [g[2], NONE, NONE]],
            _ => &[],
        };
        for sub in subs {
            let skill_word = gram_len(sub) == 1 && vocab.is_skill(sub[0]);
            if !skill_word && counter.raw(sub) <= s.raw {
                covered.insert(*sub);
            }
        }
    }

    let max = candidates.iter().filter(|(g, _)| !covered.contains(g)).map(|(_, s)| s.score).fold(0.0_f64, f64::max);
    if max <= 0.0 || !max.is_finite() {
        return Vec::new();
    }
    // Rounded weights; ties are ordered by term, so keep every candidate that
    // ties with the last one that fits before building any strings.
    let mut weighted: Vec<(f64, Gram)> = candidates
        .iter()
        .filter(|(g, _)| !covered.contains(g))
        .map(|(g, s)| {
            let w = ((s.score / max) * 1000.0).round() / 1000.0;
            (w.clamp(MIN_WEIGHT, 1.0), *g)
        })
        .collect();
    weighted.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let cutoff = weighted.get(MAX_KEYWORDS.saturating_sub(1)).map_or(f64::NEG_INFINITY, |(w, _)| *w);
    let mut out: Vec<Keyword> = weighted
        .iter()
        .take_while(|(w, _)| *w >= cutoff)
        .map(|(w, g)| {
            let mut term = String::new();
            for (k, &id) in g.iter().take(gram_len(g)).enumerate() {
                if k > 0 {
                    term.push(' ');
                }
                term.push_str(vocab.display(id));
            }
            Keyword { term, weight: *w }
        })
        .collect();
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.term.cmp(&b.term)));
    let mut seen = HashSet::new();
    out.retain(|k| seen.insert(k.term.clone()));
    out.truncate(MAX_KEYWORDS);
    out
}

#[cfg(test)]
mod tests {
    use super::super::analyze;
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        analyze(text).keywords.into_iter().map(|k| k.term).collect()
    }

    #[test]
    fn stopwords_load() {
        let s = stopwords();
        assert!(s.contains("the") && s.contains("experience") && s.contains("salary"));
        assert!(!s.contains("# stop words for jd keyword extraction"));
        assert!(s.iter().all(|w| *w == w.to_lowercase() && !w.contains(' ')));
    }

    #[test]
    fn pack_round_trips() {
        for g in [[0, NONE, NONE], [1, 2, NONE], [7, 0, MAX_VOCAB - 1], [MAX_VOCAB - 1; 3]] {
            assert_eq!(unpack(pack(&g)), g);
        }
        assert_ne!(pack(&[1, 2, NONE]), pack(&[2, 1, NONE]));
    }

    #[test]
    fn folding() {
        assert_eq!(fold("apis"), "api");
        assert_eq!(fold("services"), "service");
        assert_eq!(fold("business"), "business");
        assert_eq!(fold("status"), "status");
        assert_eq!(fold("analysis"), "analysis");
        assert_eq!(fold("libraries"), "library");
        assert_eq!(fold("ties"), "tie");
        assert_eq!(fold("ios"), "ios");
    }

    #[test]
    fn skills_and_phrases_become_terms() {
        let text = "Backend Engineer\nWe build payment systems.\n- Payment systems in Go\n\
                    - k8s and Postgres\n- payment systems at scale\n";
        let t = terms(text);
        assert!(t.contains(&"payment systems".to_string()), "{t:?}");
        assert!(t.contains(&"kubernetes".to_string()), "{t:?}");
        assert!(t.contains(&"postgresql".to_string()), "{t:?}");
        // Covered by the phrase, never seen alone.
        assert!(!t.contains(&"payment".to_string()), "{t:?}");
    }

    #[test]
    fn company_name_on_first_line_is_not_a_phrase() {
        let text = "Acme Robotics\nRobotics Engineer\nAcme Robotics builds robots.\n\
                    Acme Robotics is an equal opportunity employer.";
        let t = terms(text);
        assert!(!t.contains(&"acme robotics".to_string()), "{t:?}");
        assert!(t.contains(&"robotics".to_string()), "{t:?}");
    }

    #[test]
    fn weights_are_normalised_and_sorted() {
        let a = analyze("Rust Rust Rust tokio\nlatency latency\nbenefits: dental vision");
        let k = &a.keywords;
        assert!(!k.is_empty());
        assert_eq!(k.first().map(|k| k.weight), Some(1.0));
        assert!(k.iter().all(|k| k.weight > 0.0 && k.weight <= 1.0));
        assert!(
            k.windows(2).all(|w| w[0].weight > w[1].weight || (w[0].weight == w[1].weight && w[0].term < w[1].term))
        );
    }

    #[test]
    fn boilerplate_sections_weigh_little() {
        let text = "Requirements:\n- Kafka streaming pipelines\n\nBenefits\nKafka pool table, \
                    pool table, pool table, pool table, pool table\n";
        let a = analyze(text);
        let w = |term: &str| a.keywords.iter().find(|k| k.term == term).map(|k| k.weight);
        assert_eq!(w("kafka"), Some(1.0));
        assert!(w("pool table").unwrap_or(0.0) < 0.5, "{:?}", a.keywords);
    }

    #[test]
    fn bullets_and_headings() {
        let t = super::super::lexicon::tokenize("- a\n1. b\n12) c\nRequirements:\nNice to have\nThe end.");
        let lines: Vec<_> = t.lines().collect();
        let bullets: Vec<bool> = lines.iter().map(|l| is_bullet(&t, l)).collect();
        assert_eq!(bullets, [true, true, true, false, false, false]);
        let heads: Vec<Option<Section>> = lines.iter().map(|l| heading_section(&t, l, false)).collect();
        assert_eq!(heads, [None, None, None, Some(Section::Requirements), Some(Section::Requirements), None]);
    }
}
