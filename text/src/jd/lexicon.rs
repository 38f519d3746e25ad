//! The skills lexicon: loading `data/skills.json`, indexing its aliases, the
//! tokenizer shared by the whole JD module, and the skill matcher.
//!
//! The index maps the (lowercased) first token of every alias to the alias
//! patterns starting with it, longest first. Scanning a text is one hash
//! look-up per token plus a short comparison for the few candidates, so it is
//! linear in the text length.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::{RoleType, SkillKind};

/// The lexicon, embedded at compile time.
const SKILLS_JSON: &str = include_str!("../../data/skills.json");

/// The lexicon file format version this code understands.
const LEXICON_VERSION: u32 = 1;

// ---------------------------------------------------------------------------
// File format
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LexiconFile {
    version: u32,
    skills: Vec<SkillSpec>,
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SkillSpec {
    name: String,
    kind: SkillKind,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    list_only: bool,
    #[serde(default)]
    aliases: Vec<AliasSpec>,
    #[serde(default)]
    roles: Option<Vec<RoleType>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AliasSpec {
    Plain(String),
    Detailed(DetailedAlias),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DetailedAlias {
    alias: String,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    list_only: bool,
}

// ---------------------------------------------------------------------------
// Indexed lexicon
// ---------------------------------------------------------------------------

/// A canonical skill.
#[derive(Debug, Clone)]
pub(crate) struct Skill {
    /// Canonical name, e.g. "Kubernetes".
    pub(crate) name: String,
    /// Kind of the skill.
    pub(crate) kind: SkillKind,
    /// Lowercased canonical name, used as its keyword term.
    pub(crate) term: String,
    /// Role evidence overriding the kind's default (see `role.rs`).
    pub(crate) roles: Option<Vec<RoleType>>,
}

/// What a pattern produces when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A mention of the skill with this index.
    Skill(usize),
    /// A phrase that is consumed without producing a skill ("go live").
    Ignore,
}

/// One alias, tokenised.
#[derive(Debug, Clone)]
struct Pattern {
    /// Token texts: lowercased unless `case_sensitive` (punctuation is always
    /// stored normalised, see [`normalise_punct`]).
    tokens: Vec<Box<str>>,
    /// `glued[k]` is true when token `k + 1` directly follows token `k`
    /// without whitespace.
    glued: Vec<bool>,
    case_sensitive: bool,
    list_only: bool,
    target: Target,
}

/// A skill match: tokens `first..end` of a [`Tokens`] matched skill `skill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SkillMatch {
    pub(crate) first: usize,
    pub(crate) end: usize,
    pub(crate) skill: usize,
}

/// The indexed lexicon.
#[derive(Debug)]
pub(crate) struct Lexicon {
    skills: Vec<Skill>,
    /// Lowercased first token -> patterns starting with it, longest first.
    index: HashMap<Box<str>, Vec<Pattern>, FxBuild>,
    /// Data problems found while building (duplicates, empty aliases, …).
    /// Building keeps going (first definition wins); tests assert it is empty.
    #[cfg_attr(not(test), allow(dead_code))]
    problems: Vec<String>,
}

/// The process-wide lexicon, parsed and indexed on first use.
pub(crate) fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        // The lexicon is compiled into the binary; `tests::embedded_lexicon_parses`
        // proves this cannot fail at run time.
        let file: LexiconFile =
            serde_json::from_str(SKILLS_JSON).expect("embedded data/skills.json is valid (checked by unit test)");
        Lexicon::build(file)
    })
}

impl Lexicon {
    fn build(file: LexiconFile) -> Self {
        let mut problems = Vec::new();
        if file.version != LEXICON_VERSION {
            problems.push(format!("lexicon version {} is not {LEXICON_VERSION}", file.version));
        }
        let mut skills = Vec::with_capacity(file.skills.len());
        let mut names = HashSet::new();
        // Lowercased pattern key -> owner (skill name or "ignore list").
        let mut owners: HashMap<String, String> = HashMap::new();
        let mut index: HashMap<Box<str>, Vec<Pattern>, FxBuild> = HashMap::default();

        let mut add = |text: &str,
                       case_sensitive: bool,
                       list_only: bool,
                       target: Target,
                       owner: &str,
                       explicit: bool,
                       problems: &mut Vec<String>| {
            let Some((pattern, first)) = Pattern::parse(text, case_sensitive, list_only, target) else {
                problems.push(format!("{owner}: alias {text:?} has no token"));
                return;
            };
            let key = pattern.key();
            match owners.get(&key) {
                Some(prev) if prev == owner => {
                    if explicit {
                        problems.push(format!("{owner}: alias {text:?} is listed twice"));
                    }
                    return;
                }
                Some(prev) => {
                    problems.push(format!("alias {text:?} maps to both {prev:?} and {owner:?}"));
                    return;
                }
                None => {}
            }
            owners.insert(key, owner.to_string());
            index.entry(first.into_boxed_str()).or_default().push(pattern);
        };

        for spec in file.skills {
            let id = skills.len();
            if !names.insert(spec.name.to_lowercase()) {
                problems.push(format!("duplicate canonical name {:?}", spec.name));
                continue;
            }
            let mut variants: Vec<(String, bool, bool, bool)> = Vec::new();
            variants.push((spec.name.clone(), spec.case_sensitive, spec.list_only, true));
            for alias in &spec.aliases {
                match alias {
                    AliasSpec::Plain(a) => variants.push((a.clone(), false, false, true)),
                    AliasSpec::Detailed(d) => {
                        variants.push((d.alias.clone(), d.case_sensitive, d.list_only, true));
                    }
                }
            }
            // Multi-word aliases also match hyphenated ("machine-learning").
            let hyphenated: Vec<_> = variants
                .iter()
                .filter_map(|(text, cs, lo, _)| hyphen_variant(text).map(|h| (h, *cs, *lo, false)))
                .collect();
            variants.extend(hyphenated);
            for (text, cs, lo, explicit) in &variants {
                add(text, *cs, *lo, Target::Skill(id), &spec.name, *explicit, &mut problems);
            }
            skills.push(Skill { term: spec.name.to_lowercase(), name: spec.name, kind: spec.kind, roles: spec.roles });
        }
        for phrase in &file.ignore {
            add(phrase, false, false, Target::Ignore, "ignore list", true, &mut problems);
        }
        for patterns in index.values_mut() {
            // Longest first; among equal lengths, skills before ignores, then
            // a fixed order so the result never depends on insertion order.
            patterns.sort_by(|a, b| {
                b.tokens
                    .len()
                    .cmp(&a.tokens.len())
                    .then_with(|| (a.target == Target::Ignore).cmp(&(b.target == Target::Ignore)))
                    .then_with(|| a.key().cmp(&b.key()))
                    .then_with(|| b.case_sensitive.cmp(&a.case_sensitive))
            });
        }
        Lexicon { skills, index, problems }
    }

    /// Number of canonical skills.
    pub(crate) fn len(&self) -> usize {
        self.skills.len()
    }

    /// The skill with index `id`.
    pub(crate) fn skill(&self, id: usize) -> Option<&Skill> {
        self.skills.get(id)
    }

    /// Every skill match in `tokens`, in text order, non-overlapping.
    ///
    /// Greedy left to right; at each token the longest acceptable pattern
    /// wins. Ignore-list phrases consume their tokens without output.
    pub(crate) fn scan(&self, tokens: &Tokens<'_>) -> Vec<SkillMatch> {
        let mut out = Vec::new();
        let n = tokens.len();
        let mut i = 0;
        while i < n {
            let mut step = 1;
            if let Some(candidates) = self.index.get(tokens.lower(i)) {
                for p in candidates {
                    let end = i + p.tokens.len();
                    if p.matches_at(tokens, i) && p.boundaries_ok(tokens, i, end) {
                        if let Target::Skill(skill) = p.target {
                            out.push(SkillMatch { first: i, end, skill });
                        }
                        step = p.tokens.len();
                        break;
                    }
                }
            }
            i += step;
        }
        out
    }
}

/// "machine learning" -> "machine-learning" for aliases of several
/// alphanumeric words separated by single spaces; `None` otherwise.
fn hyphen_variant(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split(' ').collect();
    if words.len() < 2 || words.iter().any(|w| w.is_empty() || !w.chars().all(char::is_alphanumeric)) {
        return None;
    }
    Some(words.join("-"))
}

impl Pattern {
    /// Tokenises an alias; also returns its lowercased first token (the
    /// index key, lowercased exactly as [`Tokens::lower`] does). `None` when
    /// the alias has no token.
    fn parse(text: &str, case_sensitive: bool, list_only: bool, target: Target) -> Option<(Self, String)> {
        let toks = tokenize(text);
        if toks.is_empty() {
            return None;
        }
        let first = toks.lower(0).to_string();
        let tokens =
            (0..toks.len()).map(|k| if case_sensitive { toks.cased(k).into() } else { toks.lower(k).into() }).collect();
        let glued = (1..toks.len()).map(|k| toks.glued(k)).collect();
        Some((Pattern { tokens, glued, case_sensitive, list_only, target }, first))
    }

    /// Lowercased tokens with their spacing: two aliases with the same key
    /// match the same texts (ignoring case).
    fn key(&self) -> String {
        let mut key = String::new();
        for (k, t) in self.tokens.iter().enumerate() {
            if k > 0 && !self.glued.get(k - 1).copied().unwrap_or(false) {
                key.push(' ');
            }
            key.push_str(&t.to_lowercase());
        }
        key
    }

    /// Whether the pattern's tokens (text and spacing) occur at token `i`.
    fn matches_at(&self, t: &Tokens<'_>, i: usize) -> bool {
        if i + self.tokens.len() > t.len() {
            return false;
        }
        self.tokens.iter().enumerate().all(|(k, want)| {
            let j = i + k;
            let text = if self.case_sensitive { t.cased(j) } else { t.lower(j) };
            text == want.as_ref() && (k == 0 || self.glued.get(k - 1).copied() == Some(t.glued(j)))
        })
    }

    /// Word-boundary and list-context rules for a match of tokens `i..end`.
    fn boundaries_ok(&self, t: &Tokens<'_>, i: usize, end: usize) -> bool {
        left_boundary_ok(t, i)
            && right_boundary_ok(t, end, self.list_only)
            && (!self.list_only || list_context(t, i, end))
    }
}

/// A match starting at token `i` must not be glued to a preceding word:
/// "example.net" is not .NET, "foo_go", "@go", "#go" and "T-SQL" are not Go or
/// SQL. Separators such as "/", "(" or "," are fine ("Python/Go").
fn left_boundary_ok(t: &Tokens<'_>, i: usize) -> bool {
    if i == 0 || !t.glued(i) {
        return true;
    }
    let prev = i - 1;
    if t.is_alnum(prev) {
        // Only possible when the pattern starts with punctuation (".net").
        return false;
    }
    match t.punct(prev) {
        Some('_' | '@' | '$' | '\\' | '#') => false,
        // Inside a dotted or hyphenated compound: "main.go", "t-sql".
        Some('.' | '-') => !(prev > 0 && t.glued(prev) && t.is_alnum(prev - 1)),
        _ => true,
    }
}

/// A match ending before token `end` must not run on into a word: "C" in
/// "C+", "Go" in "go.mod" or "go_thing". A glued hyphen is fine ("Go-based")
/// except for list-only patterns ("C-level").
fn right_boundary_ok(t: &Tokens<'_>, end: usize, list_only: bool) -> bool {
    if end >= t.len() || !t.glued(end) || t.is_alnum(end) {
        return true;
    }
    match t.punct(end) {
        Some('_' | '@' | '+' | '#' | '$' | '%') => false,
        Some('.') => !(end + 1 < t.len() && t.glued(end + 1) && t.is_alnum(end + 1)),
        Some('-' | '&' | '\'') => !list_only,
        _ => true,
    }
}

/// List context for `listOnly` patterns: a list separator or "and"/"or"
/// right before or after, or "in"/"with"/"using" right before.
fn list_context(t: &Tokens<'_>, i: usize, end: usize) -> bool {
    let before = i
        .checked_sub(1)
        .map(|p| {
            matches!(t.punct(p), Some(',' | '/' | '(' | ';' | '|' | ':' | '[' | '{'))
                || matches!(t.lower(p), "and" | "or" | "in" | "with" | "using")
        })
        .unwrap_or(false);
    let after = end < t.len()
        && (matches!(t.punct(end), Some(',' | '/' | ')' | ';' | '|' | ']' | '}'))
            || matches!(t.lower(end), "and" | "or"));
    before || after
}

// ---------------------------------------------------------------------------
// Static-table hashing
// ---------------------------------------------------------------------------

/// The hasher of tables whose keys are fixed at build time (the alias
/// index, the stop words): `rustc-hash`'s FxHash. Untrusted text only ever
/// *looks up* keys in them, so there is no hash-flooding exposure; maps
/// that *insert* text-derived keys keep std's randomised SipHash.
pub(crate) type FxBuild = rustc_hash::FxBuildHasher;

// ---------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------

/// Where a token's text form lives.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    /// In the original text (`true`) or in [`Tokens::side`].
    in_text: bool,
}

/// One token: a maximal run of alphanumeric characters, or one punctuation
/// character. Whitespace separates tokens and is not a token.
#[derive(Debug, Clone, Copy)]
struct Token {
    /// Byte range in the original text.
    start: usize,
    end: usize,
    /// Lowercased form.
    lower: Span,
    /// Case-preserving form, without invisible characters and with
    /// punctuation normalised.
    cased: Span,
    alnum: bool,
    /// No whitespace between this token and the previous one.
    glued: bool,
    /// 0-based line number.
    line: usize,
}

/// A tokenised text.
#[derive(Debug)]
pub(crate) struct Tokens<'a> {
    text: &'a str,
    toks: Vec<Token>,
    /// Token forms that are not plain slices of `text` (lowercased words,
    /// normalised punctuation), concatenated.
    side: String,
    /// Index of the first token of each non-empty line.
    line_starts: Vec<usize>,
}

/// Tokenises `text`. Line breaks count as whitespace but advance the line
/// number. A backslash before `# & % _ $` (a LaTeX escape) is dropped, so
/// `C\#` reads as `C#`. Invisible format characters (soft hyphen, zero-width
/// space/joiners, BOM) are skipped, also inside words.
pub(crate) fn tokenize(text: &str) -> Tokens<'_> {
    let mut toks: Vec<Token> = Vec::with_capacity(text.len() / 5 + 1);
    let mut side = String::new();
    let mut line_starts = Vec::new();
    let mut line = 0usize;
    let mut spaced = true;
    let mut chars = text.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        if c == '\n' {
            line += 1;
            spaced = true;
            continue;
        }
        if c.is_whitespace() {
            spaced = true;
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        let (lower, cased, end, alnum) = if c.is_alphanumeric() {
            let mut end = pos + c.len_utf8();
            let mut plain_ascii = c.is_ascii();
            let mut has_upper = c.is_uppercase();
            let mut invisible = false;
            while let Some(&(p, d)) = chars.peek() {
                if d.is_alphanumeric() {
                    plain_ascii &= d.is_ascii();
                    has_upper |= d.is_uppercase();
                } else if is_invisible(d) {
                    invisible = true;
                } else {
                    break;
                }
                end = p + d.len_utf8();
                chars.next();
            }
            let raw = text.get(pos..end).unwrap_or_default();
            let cased = if invisible {
                push_side(&mut side, raw.chars().filter(|c| !is_invisible(*c)))
            } else {
                Span { start: pos, end, in_text: true }
            };
            let lower = if !has_upper && !invisible {
                cased
            } else if plain_ascii && !invisible {
                let start = side.len();
                side.push_str(raw);
                if let Some(added) = side.get_mut(start..) {
                    added.make_ascii_lowercase();
                }
                Span { start, end: side.len(), in_text: false }
            } else {
                push_side(&mut side, raw.chars().filter(|c| !is_invisible(*c)).flat_map(char::to_lowercase))
            };
            (lower, cased, end, true)
        } else {
            if c == '\\' && chars.peek().is_some_and(|&(_, d)| matches!(d, '#' | '&' | '%' | '_' | '$')) {
                continue;
            }
            let end = pos + c.len_utf8();
            let p = normalise_punct(c);
            let span =
                if p == c { Span { start: pos, end, in_text: true } } else { push_side(&mut side, std::iter::once(p)) };
            (span, span, end, false)
        };
        if toks.last().is_none_or(|t| t.line != line) {
            line_starts.push(toks.len());
        }
        toks.push(Token { start: pos, end, lower, cased, alnum, glued: !spaced, line });
        spaced = false;
    }
    Tokens { text, toks, side, line_starts }
}

fn push_side(side: &mut String, chars: impl Iterator<Item = char>) -> Span {
    let start = side.len();
    side.extend(chars);
    Span { start, end: side.len(), in_text: false }
}

/// Characters that are invisible in rendered text and must not split words.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Folds typographic variants of punctuation used in aliases.
fn normalise_punct(c: char) -> char {
    match c {
        '\u{2010}' | '\u{2011}' => '-',
        '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
        '\u{FF0B}' => '+',
        '\u{FF03}' => '#',
        _ => c,
    }
}

impl<'a> Tokens<'a> {
    /// Number of tokens.
    pub(crate) fn len(&self) -> usize {
        self.toks.len()
    }

    /// Whether there is no token (empty or whitespace-only text).
    pub(crate) fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    /// The original text.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    fn span(&self, span: Span) -> &str {
        let src = if span.in_text { self.text } else { self.side.as_str() };
        src.get(span.start..span.end).unwrap_or_default()
    }

    /// Lowercased text of token `i` ("" when out of range).
    pub(crate) fn lower(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| self.span(t.lower))
    }

    /// Case-preserving text of token `i` ("" when out of range).
    pub(crate) fn cased(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| self.span(t.cased))
    }

    /// Whether token `i` is an alphanumeric run.
    pub(crate) fn is_alnum(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.alnum)
    }

    /// The (normalised) character of punctuation token `i`.
    pub(crate) fn punct(&self, i: usize) -> Option<char> {
        let t = self.toks.get(i)?;
        if t.alnum {
            return None;
        }
        self.span(t.lower).chars().next()
    }

    /// Whether token `i` directly follows token `i - 1` without whitespace.
    pub(crate) fn glued(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.glued)
    }

    /// 0-based line number of token `i`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn line(&self, i: usize) -> usize {
        self.toks.get(i).map_or(0, |t| t.line)
    }

    /// Byte span in the original text covering tokens `first..end`.
    pub(crate) fn byte_span(&self, first: usize, end: usize) -> Option<(usize, usize)> {
        let a = self.toks.get(first)?;
        let b = self.toks.get(end.checked_sub(1)?)?;
        Some((a.start, b.end))
    }

    /// Token ranges of the non-empty lines, in order.
    pub(crate) fn lines(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let n = self.toks.len();
        self.line_starts.iter().enumerate().map(move |(k, &start)| {
            let end = self.line_starts.get(k + 1).copied().unwrap_or(n);
            start..end
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_embedded() -> Result<LexiconFile, serde_json::Error> {
        serde_json::from_str(SKILLS_JSON)
    }

    fn names(text: &str) -> Vec<String> {
        let lex = lexicon();
        let toks = tokenize(text);
        lex.scan(&toks).iter().filter_map(|m| lex.skill(m.skill).map(|s| s.name.clone())).collect()
    }

    #[test]
    fn embedded_lexicon_parses() {
        let file = parse_embedded();
        assert!(file.is_ok(), "skills.json does not parse: {file:?}");
    }

    #[test]
    fn lexicon_has_no_problems_and_enough_skills() {
        let lex = lexicon();
        assert!(lex.problems.is_empty(), "lexicon problems: {:#?}", lex.problems);
        assert!(lex.len() >= 250, "only {} skills", lex.len());
    }

    #[test]
    fn duplicates_are_reported() {
        let json = r#"{"version":1,"skills":[
            {"name":"Go","kind":"language","aliases":["golang"]},
            {"name":"go","kind":"language","aliases":[]},
            {"name":"Golang Tools","kind":"tool","aliases":["GoLang"]},
            {"name":"X","kind":"tool","aliases":["x", "   "]}
        ],"ignore":["golang"]}"#;
        let file: LexiconFile = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        let lex = Lexicon::build(file);
        let joined = lex.problems.join("\n");
        assert!(joined.contains("duplicate canonical name \"go\""), "{joined}");
        assert!(joined.contains("\"GoLang\" maps to both \"Go\" and \"Golang Tools\""), "{joined}");
        assert!(joined.contains("\"x\" is listed twice"), "{joined}");
        assert!(joined.contains("has no token"), "{joined}");
        assert!(joined.contains("\"golang\" maps to both \"Go\" and \"ignore list\""), "{joined}");
        assert_eq!(lex.len(), 3);
    }

    #[test]
    fn tokenizer_splits_words_and_punctuation() {
        let t = tokenize("Node.js, C++\n  machine\u{00AD}learning C\\# x");
        let texts: Vec<&str> = (0..t.len()).map(|i| t.cased(i)).collect();
        assert_eq!(texts, ["Node", ".", "js", ",", "C", "+", "+", "machinelearning", "C", "#", "x"]);
        assert!(t.glued(1) && t.glued(2) && !t.glued(4) && t.glued(9));
        assert_eq!(t.line(7), 1);
        assert_eq!(t.lines().collect::<Vec<_>>(), [0..7, 7..11]);
        assert_eq!(t.byte_span(0, 3), Some((0, 7)));
        assert_eq!(t.text().len(), 38);
    }

    #[test]
    fn tokenizer_handles_unicode_case() {
        let t = tokenize("ÉCOLE Straße İstanbul");
        assert_eq!(t.lower(0), "école");
        assert_eq!(t.lower(1), "straße");
        assert_eq!(t.len(), 3);
        assert!(tokenize(" \n\t ").is_empty());
    }

    #[test]
    fn longest_match_and_boundaries() {
        assert_eq!(names("C++ and C# on .NET"), ["C++", "C#", ".NET"]);
        assert_eq!(names("React Native, React"), ["React Native", "React"]);
        assert_eq!(names("see example.net or main.go"), Vec::<String>::new());
        assert_eq!(names("Python/Go/Rust"), ["Python", "Go", "Rust"]);
        assert_eq!(names("Go-based services"), ["Go"]);
        assert_eq!(names("C-level and Series C folks"), Vec::<String>::new());
        assert_eq!(names("ASP.NET Core and VB.NET"), ["ASP.NET", "Visual Basic"]);
        assert_eq!(names("C++17 and C++20"), ["C++", "C++"]);
    }

    #[test]
    fn list_only_needs_list_context() {
        assert_eq!(names("C, C++ and R"), ["C", "C++", "R"]);
        assert_eq!(names("fluent in R."), ["R"]);
        assert_eq!(names("Plan C is a Ray of hope"), Vec::<String>::new());
        assert_eq!(names("R&D budget"), Vec::<String>::new());
    }

    #[test]
    fn hyphen_variants() {
        assert_eq!(hyphen_variant("machine learning").as_deref(), Some("machine-learning"));
        assert_eq!(hyphen_variant("node.js"), None);
        assert_eq!(hyphen_variant("kubernetes"), None);
        assert_eq!(names("machine-learning"), ["Machine Learning"]);
    }
}
