//! The faithfulness gate: a tailored résumé never claims anything the person
//! did not write.
//!
//! [`facts_of`] reads the whole base LaTeX once per job and collects every
//! fact it asserts ([`Facts`]); [`check_faithful`] then vets one edit: it
//! extracts the facts of the replacement and returns the first one that is
//! **new**, i.e. present neither anywhere in the base résumé nor in the quoted
//! `original`. Rewording, reordering and moving facts between bullets are
//! fine; inventing them is not. The gate is deliberately conservative: when
//! in doubt it refuses the edit (the original stays), it never lets a claim
//! through.
//!
//! # What is read
//!
//! Only visible text, as [`text::latex::plain::visible_text`] reads it with
//! the one lexer and command table, after Unicode NFKC normalisation (so
//! fullwidth `５０％` is `50%`). The replacement is read after our code has
//! escaped it, exactly as it will stand in the document; the markup gate
//! ([`markup`]) has already refused anything that could change how the
//! rest is read (new commands, `^^` notation, control characters).
//!
//! # The facts, in the order they are extracted
//!
//! 1. **E-mails and URLs** ([`FactKind::Email`], [`FactKind::Url`]): e-mail
//!    addresses, `http(s)://`/`www.` links and bare domains with a known
//!    top-level domain (`github.com/ada`). Compared lowercased without the
//!    scheme, `www.`, `mailto:` and a trailing `/`.
//! 2. **Skills** ([`FactKind::Skill`]): every canonical skill that
//!    [`text::jd::find_skills`] finds, so aliases are the same fact
//!    (base "k8s" allows "Kubernetes"). A JD skill the person does not show
//!    is therefore never added. Also allowed: a skill named inside a longer
//!    skill of the base (names of three or more characters: "GitHub Actions"
//!    shows GitHub, "C#" does not show C); a single-word practice skill whose
//!    stem is a base word ("Mentored" allows "mentoring"); a multi-word skill
//!    whose words all occur in the quote ("data ingestion pipelines" allows
//!    "data pipelines").
//! 3. **Numbers** ([`FactKind::Number`], [`FactKind::Percentage`],
//!    [`FactKind::Money`], [`FactKind::Date`]): every digit sequence, with
//!    thousands separators, decimals and multipliers normalised (`2,000` =
//!    `2000` = `2k`; `$1.2M` = `$1,200,000`; `40 %` = `40\%` = `40 percent`).
//!    A plain number is allowed when the base has the same value in any form
//!    (so dropping a qualifier is fine: base `40%` allows `40`). A qualified
//!    one must exist with its qualifier: a percentage, an amount of money
//!    (same currency), a multiplier (`10x`, "tenfold"). Spelled-out
//!    quantities count: "three" = 3, "a dozen" = 12, "doubled"/"twice" = 2x,
//!    "tripled" = 3x, "halved" = 0.5x; "hundreds"/"thousands"/"millions" need
//!    a base value of that magnitude. A plain 4-digit number in 1950–2099 is
//!    reported as a date. "one"/"single"/ordinals are not quantities.
//!    Digits inside a skill name (`k8s`, `EC2`) are part of the skill.
//! 4. **Dates** ([`FactKind::Date`]): years as above, and a month with a year
//!    (`Mar 2021`, `March, 2021`, `03/2021`, `2021-03`), which must exist as
//!    that pair — or be a reshuffle of a month and a year both in the quote.
//! 5. **Degrees** ([`FactKind::Degree`]): B.Sc./BSc/B.S./BA/B.Eng./Bachelor,
//!    M.Sc./MSc/M.S./M.Eng./Master's, MBA, PhD/Ph.D./DPhil/Doctorate. The
//!    level must exist; a specific field (science, arts, engineering, …)
//!    must match the base unless the base names only the level.
//! 6. **Titles, organisations, proper nouns** ([`FactKind::Title`],
//!    [`FactKind::Organisation`], [`FactKind::ProperNoun`]): capitalised
//!    words and acronyms (any word with an upper-case letter: `Google`,
//!    `GDPR`, `iOS`) that do not appear anywhere in the base or the quote,
//!    compared case-insensitively and with plurals/possessives folded. A new
//!    word is reported with its whole capitalised phrase ("Staff Engineer").
//!    Exempt: the [`RESUME_VERBS`] (and their -s/-ing/-ed forms) anywhere,
//!    capitalised or not — except title words ("Lead", "Head"), which are
//!    exempt only as the opening verb of a sentence not followed by another
//!    capitalised word ("Lead the migration", not "Lead Engineer"); the first word of
//!    the replacement, of a sentence, of a line or of an item when it is a
//!    [`COMMON_WORDS`] entry ("Successfully", "Our", "Scalable"); month and
//!    weekday names; single letters. A phrase with a title word (engineer,
//!    manager, senior, staff, lead, …) is a [`FactKind::Title`]; one with a
//!    company word (Inc, Labs, University, …) or after "at"/"for"/"joined"/
//!    "with"/"from"/"by" is an [`FactKind::Organisation`]; anything else is a
//!    [`FactKind::ProperNoun`]. Acronyms are proper nouns: a new "SLA" is
//!    refused. A multi-word title made only of known words must still occur
//!    as that phrase in the base (no "Senior" borrowed from another line), or
//!    be a reshuffle of words of the quote itself.
//!
//! Lower-case words are not facts (rewording is the point of tailoring),
//! with one exception: a lower-case title — a seniority word ("senior",
//! "staff", "principal", …) and, within three words, a job noun ("staff
//! engineer", "principal backend engineer") — must be stated like a
//! capitalised one. A name written in lower case ("at google") is not
//! detected unless it is a skill.
//!
//! When several facts are new, the one that starts first in the replacement
//! is reported.
//!
//! # Cost
//!
//! Both functions are linear scans over the text plus one
//! [`find_skills`] pass (whose lexicon is built once per process):
//! [`facts_of`] is called once per job, [`check_faithful`] once per edit.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use text::jd::{SkillKind, find_skills};
use text::latex::plain::BREAK;
use unicode_normalization::UnicodeNormalization;

mod links;
pub mod markup;
mod names;
mod numbers;
pub mod structure;
#[cfg(test)]
mod tests;
mod words;

use links::*;
use names::*;
use numbers::*;
use words::*;
pub use words::{COMMON_WORDS, RESUME_VERBS};

/// The kind of fact an edit invented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FactKind {
    /// A quantity: `2,000`, `3.5`, `10x`, "three", "tripled".
    Number,
    /// A percentage: `40%`, "40 percent".
    Percentage,
    /// An amount of money: `$1.2M`, `€50k`.
    Money,
    /// A year or a month with a year.
    Date,
    /// A link or a bare domain.
    Url,
    /// An e-mail address.
    Email,
    /// A company, university or other organisation.
    Organisation,
    /// A job title.
    Title,
    /// An academic degree.
    Degree,
    /// A skill of the lexicon (`text/data/skills.json`).
    Skill,
    /// Any other capitalised name or acronym.
    ProperNoun,
}

impl FactKind {
    /// The kind with its article, as used in messages ("a number").
    pub fn describe(self) -> &'static str {
        match self {
            FactKind::Number => "a number",
            FactKind::Percentage => "a percentage",
            FactKind::Money => "an amount of money",
            FactKind::Date => "a date",
            FactKind::Url => "a URL",
            FactKind::Email => "an e-mail address",
            FactKind::Organisation => "an organisation",
            FactKind::Title => "a title",
            FactKind::Degree => "a degree",
            FactKind::Skill => "a skill",
            FactKind::ProperNoun => "a name",
        }
    }
}

/// A fact that an edit introduces and the base résumé does not contain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// What kind of fact it is.
    pub kind: FactKind,
    /// The fact as the replacement writes it (a skill by its canonical name).
    pub value: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "introduces {} ({}), which the base résumé does not contain", self.value, self.kind.describe())
    }
}

impl std::error::Error for Violation {}

type FxSet<T> = rustc_hash::FxHashSet<T>;

/// Everything the base résumé asserts that an edit must not invent.
///
/// Built by [`facts_of`]; opaque apart from a few read-only queries.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Normalised facts (numbers, urls, e-mails, dates, degrees, skills).
    keys: FxSet<Key>,
    /// Every numeric value, for "thousands of" and similar magnitudes.
    magnitudes: Vec<f64>,
    /// Months named anywhere (1–12).
    months: FxSet<u8>,
    /// Degree levels present, whatever their field.
    degree_levels: FxSet<DegreeLevel>,
    /// The base's skill mentions as written, lowercased and flattened, so a
    /// skill named inside a longer one counts ("GitHub Actions" → GitHub).
    skill_text: String,
    /// The visible text, lowercased, every non-alphanumeric run folded to one
    /// space, padded with spaces: the base's words and names, for word and
    /// phrase look-ups.
    flat: String,
}

impl Facts {
    /// Whether the base shows this canonical skill (e.g. `"Kubernetes"`).
    pub fn has_skill(&self, canonical_name: &str) -> bool {
        self.keys.contains(&Key::Skill(canonical_name.to_owned()))
    }

    /// Whether the base contains this word anywhere (case-insensitive).
    pub fn has_word(&self, word: &str) -> bool {
        known_word(self, &word.to_lowercase())
    }

    /// Whether nothing was found (an empty or command-only base).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.flat.trim().is_empty()
    }
}

/// Collects the facts of the whole base résumé (LaTeX source, preamble
/// included; comments ignored). Call once per job.
pub fn facts_of(base_resume_text: &str) -> Facts {
    let visible = readable(base_resume_text);
    let scan = scan(&visible);
    let mut facts = Facts { flat: flatten(&visible), skill_text: String::from(" "), ..Facts::default() };
    for found in scan.found {
        match &found.key {
            Key::Degree(level, _) => {
                facts.degree_levels.insert(*level);
            }
            Key::MonthYear(_, month) => {
                facts.months.insert(*month);
            }
            _ => {}
        }
        if found.kind == FactKind::Skill {
            facts.skill_text.push_str(flatten(&found.raw).trim_start());
            facts.skill_text.push_str("| ");
        }
        for value in &found.values {
            if let Ok(v) = value.parse::<f64>() {
                facts.magnitudes.push(v);
            }
            facts.keys.insert(Key::Value(value.clone()));
        }
        facts.keys.insert(found.key);
    }
    facts.months.extend(scan.months);
    facts
}

/// `Ok(())` when `replacement` asserts nothing that is neither in the base
/// résumé (`facts`) nor in the quoted `original`; otherwise the first new
/// fact (by position in the replacement).
pub fn check_faithful(facts: &Facts, original: &str, replacement: &str) -> Result<(), Violation> {
    let quoted = facts_of(original);
    // Read the replacement as it will stand: escaped by our code (a no-op
    // on text that is already escaped).
    let visible = readable(&markup::escape_new_text(replacement, original));
    let scan = scan(&visible);
    let mut violations: Vec<(usize, Violation)> = Vec::new();
    for found in &scan.found {
        if !allowed(facts, &quoted, found) {
            violations.push((found.start, Violation { kind: found.kind, value: found.surface.clone() }));
        }
    }
    violations.extend(proper_noun_violations(facts, &quoted, &scan));
    violations.extend(foreign_digits(facts, &quoted, &visible));
    violations.sort_by_key(|(start, v)| (*start, v.kind as u8));
    match violations.into_iter().next() {
        Some((_, v)) => Err(v),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Data

/// Digits other than ASCII that NFKC leaves as they are (Arabic-Indic
/// `٥٠`, Devanagari `५०`…): the number checks read ASCII digits, so a
/// number in another script must be one the base or the quote has as is.
fn foreign_digits(facts: &Facts, quoted: &Facts, visible: &str) -> Option<(usize, Violation)> {
    let (start, _) = visible.char_indices().find(|(_, c)| c.is_numeric() && !c.is_ascii_digit())?;
    let run: String = visible[start..].chars().take_while(|c| c.is_numeric() || matches!(c, '.' | ',')).collect();
    let known = |f: &Facts| f.flat.contains(&run.to_lowercase());
    (!known(facts) && !known(quoted)).then_some((start, Violation { kind: FactKind::Number, value: run }))
}

/// The visible text of `latex`, NFKC-normalised: compatibility forms
/// (fullwidth digits and letters, ligatures, superscripts) read as their
/// plain characters, so an edit cannot hide a number or a name in them. A
/// text that defines macros is read whole (nothing dropped), since what it
/// prints cannot be known without running TeX.
fn readable(latex: &str) -> String {
    let defines = text::latex::Lexer::new(latex)
        .any(|t| matches!(t.kind, text::latex::TokenKind::Command(name) if text::latex::commands::defines(name)));
    let visible = if defines { text::latex::plain::all_text(latex) } else { text::latex::plain::visible_text(latex) };
    visible.nfkc().collect()
}

/// Lowercase text with every non-alphanumeric run folded to one space, padded.
fn flatten(text: &str) -> String {
    // A plain byte loop: this runs over the whole résumé, and iterator
    // adaptors cost several times more in debug builds.
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + 2);
    out.push(b' ');
    let mut space = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            out.push(b.to_ascii_lowercase());
            space = false;
            i += 1;
            continue;
        }
        let c = if b.is_ascii() { char::from(b) } else { text[i..].chars().next().unwrap_or(' ') };
        if c.is_alphanumeric() {
            let mut buf = [0u8; 4];
            for lower in c.to_lowercase() {
                out.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
            }
            space = false;
        } else if !space {
            out.push(b' ');
            space = true;
        }
        i += c.len_utf8();
    }
    if !space {
        out.push(b' ');
    }
    String::from_utf8(out).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Extraction

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DegreeLevel {
    Bachelor,
    Master,
    Mba,
    Doctorate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Science,
    Arts,
    Engineering,
    Technology,
    Business,
    Philosophy,
}

/// A normalised fact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Url(String),
    Email(String),
    /// A plain number by canonical value ("2000", "3.5").
    Value(String),
    /// A qualified number: "40%", "$1200000", "10x", "v1.2.3".
    Marked(String),
    /// "thousands of": the lower bound.
    Magnitude(u64),
    MonthYear(u16, u8),
    Degree(DegreeLevel, Option<Field>),
    Skill(String),
}

/// One fact found in a text.
#[derive(Debug, Clone)]
struct Found {
    /// Byte offset in the visible text.
    start: usize,
    kind: FactKind,
    key: Key,
    surface: String,
    /// Plain values this fact also asserts (a number's mantissa and value).
    values: Vec<String>,
    /// For single-word practice skills: the stem of the matched word.
    stem: Option<String>,
    /// For skills: the matched text as written ("k8s" for Kubernetes).
    raw: String,
}

/// A word of the visible text.
#[derive(Debug, Clone)]
struct Token {
    /// Byte range in the scanned text.
    start: usize,
    end: usize,
    /// Has an upper-case letter.
    upper: bool,
    /// Has an ASCII digit.
    digit: bool,
    /// First word of the text, or after a sentence end, line break or item.
    initial: bool,
    /// Only spaces (or a lone `&`) separate it from the previous token.
    glued: bool,
    /// Consumed as a degree, a month or a spelled-out number.
    used: bool,
}

impl Token {
    fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or_default()
    }

    fn lower<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let word = self.text(text);
        if self.upper { Cow::Owned(word.to_lowercase()) } else { Cow::Borrowed(word) }
    }
}

/// What [`scan`] finds in a visible text.
struct Scan {
    /// The visible text with links, skills and numbers blanked out.
    text: String,
    found: Vec<Found>,
    /// Tokens of the text left after links, skills and numbers were removed.
    tokens: Vec<Token>,
    /// Months named anywhere.
    months: FxSet<u8>,
}

fn scan(visible: &str) -> Scan {
    let mut text = visible.to_owned();
    let mut found = Vec::new();
    let mut spans = Vec::new();
    for (start, end, kind, key) in find_links(&text) {
        found.push(simple(start, kind, key, &text[start..end]));
        spans.push((start, end));
    }
    blank_all(&mut text, &spans);
    spans.clear();
    for mention in find_skills(&text) {
        let surface = text.get(mention.start..mention.end).unwrap_or_default().to_owned();
        let stem = (mention.kind == SkillKind::Practice && surface.chars().all(char::is_alphabetic))
            .then(|| stem_of(&surface.to_lowercase()).to_owned());
        spans.push((mention.start, mention.end));
        found.push(Found {
            start: mention.start,
            kind: FactKind::Skill,
            key: Key::Skill(mention.name.clone()),
            surface: mention.name,
            values: Vec::new(),
            stem,
            raw: surface,
        });
    }
    blank_all(&mut text, &spans);
    scan_numbers(&mut text, &mut found);
    let mut tokens = tokenize(&text);
    let mut months = FxSet::default();
    scan_words(&text, &mut tokens, &mut found, &mut months);
    Scan { text, found, tokens, months }
}

fn simple(start: usize, kind: FactKind, key: Key, surface: &str) -> Found {
    Found { start, kind, key, surface: surface.trim().to_owned(), values: Vec::new(), stem: None, raw: String::new() }
}

/// Replaces each `text[start..end]` by spaces (same byte length, so offsets
/// hold). Spans come from `str` offsets, so they lie on character boundaries.
fn blank_all(text: &mut String, spans: &[(usize, usize)]) {
    if spans.is_empty() {
        return;
    }
    let mut bytes = std::mem::take(text).into_bytes();
    for &(start, end) in spans {
        if let Some(range) = bytes.get_mut(start..end) {
            range.fill(b' ');
        }
    }
    *text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}
