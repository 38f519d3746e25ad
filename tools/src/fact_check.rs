//! `tailor-eval`'s own fact check, written apart from the engine's gates so
//! that a regression in them shows up as `inventedFacts > 0`. A different,
//! blunter method: the proposal's new text (what the diff says was added
//! or rewritten) is read as plain text, NFKC-normalised, and every claim in
//! it must occur in the base's plain text:
//!
//! - every run of digits (any script), separators removed;
//! - every word with a capital letter that does not open a line, an item or
//!   a sentence (names, acronyms, titles);
//! - every well-known organisation, whatever its case;
//! - every skill of the lexicon;
//! - every e-mail address and link.
//!
//! It does not know the gates' allowances (spelled-out numbers, reshuffled
//! dates, aliases across words), so it can only be stricter where they
//! differ, never blind where they are.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// What the base résumé states, for the check.
pub struct BaseClaims {
    words: HashSet<String>,
    numbers: HashSet<String>,
    skills: HashSet<String>,
    text: String,
}

impl BaseClaims {
    /// Read the whole base LaTeX.
    pub fn of(base_latex: &str) -> Self {
        let text = normalise(&text::latex::plain_text(base_latex));
        // Abbreviations count with and without their dots ("Ph.D." states PhD).
        let undotted = text.replace('.', "");
        Self {
            words: words(&text).chain(words(&undotted)).map(|(_, w)| fold(&w)).collect(),
            numbers: numbers(&text).collect(),
            skills: text::jd::find_skills(&text).into_iter().map(|m| m.name).collect(),
            text: text.to_lowercase(),
        }
    }

    /// The claims of `new_latex` (added or rewritten text of the proposal)
    /// that the base does not state.
    pub fn invented(&self, new_latex: &str) -> Vec<String> {
        let text = normalise(&text::latex::plain_text(new_latex));
        let mut out = Vec::new();
        for n in numbers(&text) {
            if !self.numbers.contains(&n) {
                out.push(n);
            }
        }
        for (initial, word) in words(&text) {
            let lower = fold(&word);
            let capitalised = word.chars().any(char::is_uppercase) && !initial;
            let organisation = text::vocabulary::KNOWN_ORGANISATIONS.contains(&lower.as_str());
            if (capitalised || organisation) && !self.words.contains(&lower) {
                out.push(word);
            }
        }
        for skill in text::jd::find_skills(&text) {
            if !self.skills.contains(&skill.name) {
                out.push(skill.name);
            }
        }
        for token in text.split_whitespace() {
            let token = token.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            let link = token.contains('@') || token.contains("://") || token.starts_with("www.");
            if link && !self.text.contains(&token) {
                out.push(token);
            }
        }
        out
    }
}

fn normalise(text: &str) -> String {
    text.nfkc().collect()
}

/// Lower case, without a plural or possessive `s`.
fn fold(word: &str) -> String {
    let lower = word.to_lowercase();
    let lower = lower.strip_suffix("'s").unwrap_or(&lower);
    lower.strip_suffix('s').filter(|w| w.len() > 2).unwrap_or(lower).to_owned()
}

/// Words (letters, with inner `-`, `.`, `'`), each with whether it opens a
/// line, an item or a sentence.
fn words(text: &str) -> impl Iterator<Item = (bool, String)> + '_ {
    let mut initial = true;
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_alphabetic() || (!word.is_empty() && matches!(c, '-' | '\'')) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            let w = word.trim_end_matches(['-', '\'']).to_owned();
            if w.chars().any(char::is_alphabetic) {
                out.push((initial, w));
            }
            word.clear();
            initial = false;
        }
        if matches!(c, '\n' | '.' | '!' | '?' | ':' | ';' | '•' | '|') {
            initial = true;
        }
    }
    out.into_iter()
}

/// Runs of digits of any script, with `,` and `.` between digits kept as one
/// number and separators removed ("2,000" → "2000").
fn numbers(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut out = Vec::new();
    let mut run = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits =
            matches!(c, ',' | '.') && !run.is_empty() && chars.get(i + 1).is_some_and(|n| n.is_numeric());
        if c.is_numeric() {
            run.push(c);
        } else if between_digits {
            if c == '.' {
                run.push('.');
            }
        } else if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "\\section{Experience}\n\\item Built a Go service at Acme handling 2,000 requests/s in 2021\n";

    #[test]
    fn rewording_is_fine_and_new_claims_are_caught() {
        let base = BaseClaims::of(BASE);
        assert!(base.invented("\\item Developed a Go service at Acme handling 2000 requests/s").is_empty());
        assert_eq!(base.invented("\\item Built a Go service at Google"), ["Google"]);
        assert_eq!(base.invented("\\item Built it, graduate of mit"), ["mit"]);
        assert_eq!(base.invented("\\item Handled ５０００ requests"), ["5000"]);
        assert_eq!(base.invented("\\item Handled ٥٠ requests"), ["٥٠"]);
        assert_eq!(base.invented("\\item Built a Kafka service"), ["Kafka", "Kafka"], "the word and the skill");
        assert_eq!(base.invented("\\item mail me at x@evil.io"), ["x@evil.io"]);
    }
}
