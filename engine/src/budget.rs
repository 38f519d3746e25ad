//! Mode budgets, measured rather than asked.
//!
//! The prompt tells the model how far each [`AiMode`] may go; this module
//! checks what it actually did. Every edit that survived the other gates
//! becomes a [`Candidate`]: what kind of edit it is ([`classify`]), how many
//! bullets it touches ([`bullets_touched`]) and how much closer to the job
//! description it brings the text ([`edit_value`]). [`enforce`] then keeps
//! the candidates that fit the mode's [`Budget`]:
//!
//! | mode         | changed bullets (share of all) | reorders |
//! |--------------|--------------------------------|----------|
//! | `MINIMAL`    | at most 25 %                   | never    |
//! | `BALANCED`   | at most 50 %                   | allowed  |
//! | `AGGRESSIVE` | up to 100 %                    | allowed  |
//!
//! Only rewords count towards the share: a reorder changes no wording. The
//! share is `sum(bullets_touched of accepted rewords) / total_bullets`; an
//! edit touching no bullet (a summary line, a heading) costs nothing, so with
//! `total_bullets == 0` exactly those are accepted and nothing is divided by
//! zero.
//!
//! Rewords are admitted highest value first while they fit; the ones left
//! over are refused, so when a model overshoots it is always its least
//! valuable edits that go. (One edit too large for the room left is skipped
//! without evicting smaller ones that still fit.) Ties in value go to the
//! edit touching fewer bullets, then to the earlier one.

use std::collections::HashSet;

use text::enums::AiMode;
use text::jd::find_skills;
use text::latex::{Lexer, TokenKind};

/// What an edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EditKind {
    /// Changes wording.
    Reword,
    /// Only changes the order of the original's items (a comma list, lines or
    /// bullets): the same items, in another order.
    Reorder,
}

/// How far a mode may go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Largest share (0–1) of the résumé's bullets that rewords may touch.
    pub max_changed_bullet_share: f64,
    /// Whether [`EditKind::Reorder`] edits are allowed at all.
    pub allow_reorder: bool,
}

/// One edit that passed the other gates, as [`enforce`] sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Position of the edit in the proposal's edit list.
    pub index: usize,
    /// From [`classify`].
    pub kind: EditKind,
    /// From [`bullets_touched`].
    pub bullets_touched: usize,
    /// From [`edit_value`]; higher is better.
    pub value: f64,
}

/// The budget of a mode (the table in the module documentation).
pub fn budget_for(mode: AiMode) -> Budget {
    match mode {
        AiMode::Minimal => Budget { max_changed_bullet_share: 0.25, allow_reorder: false },
        AiMode::Balanced => Budget { max_changed_bullet_share: 0.5, allow_reorder: true },
        AiMode::Aggressive => Budget { max_changed_bullet_share: 1.0, allow_reorder: true },
    }
}

/// Which candidates fit the mode's budget: the accepted indices (ascending)
/// and the refused ones with their reason (ascending by index). Reorders are
/// refused outright when the mode forbids them; rewords are admitted highest
/// value first while the changed-bullet share stays within the budget.
pub fn enforce(mode: AiMode, total_bullets: usize, candidates: &[Candidate]) -> (Vec<usize>, Vec<(usize, String)>) {
    let budget = budget_for(mode);
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    let mut rewords: Vec<&Candidate> = Vec::new();
    for candidate in candidates {
        match candidate.kind {
            EditKind::Reorder if !budget.allow_reorder => {
                refused.push((candidate.index, format!("{mode} never reorders")));
            }
            EditKind::Reorder => accepted.push(candidate.index),
            EditKind::Reword => rewords.push(candidate),
        }
    }
    // Highest value first (NaN ranks below everything), then fewer bullets,
    // then the earlier edit.
    let by_value = |a: f64, b: f64| match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => a.total_cmp(&b),
    };
    rewords.sort_by(|a, b| {
        by_value(b.value, a.value).then(a.bullets_touched.cmp(&b.bullets_touched)).then(a.index.cmp(&b.index))
    });
    // Bullets that may change; the share is compared as a product so that
    // nothing is divided (total_bullets may be 0).
    let room = budget.max_changed_bullet_share * total_bullets as f64;
    let percent = (budget.max_changed_bullet_share * 100.0).round();
    let mut used = 0usize;
    for candidate in rewords {
        let after = used.saturating_add(candidate.bullets_touched);
        if candidate.bullets_touched == 0 || after as f64 <= room + 1e-9 {
            used = after;
            accepted.push(candidate.index);
        } else {
            refused
                .push((candidate.index, format!("over the {mode} budget: at most {percent}% of bullets may change")));
        }
    }
    accepted.sort_unstable();
    refused.sort_by_key(|(index, _)| *index);
    (accepted, refused)
}

// ---------------------------------------------------------------------------
// Classification

/// The text with the escapes `\%`, `\&`, `\#`, `\_`, `\$` read as their
/// character (the model may or may not have used them).
fn unescape(text: &str) -> String {
    Lexer::new(text)
        .map(|t| match t.kind {
            TokenKind::Symbol(c) if "%&#_$".contains(c) => &text[t.start + 1..t.end],
            _ => &text[t.start..t.end],
        })
        .collect()
}

/// The items of a list: the text split at line ends, `\\`, `\item`,
/// commas, semicolons, colons, `|` and the words "and", "or" and "&", each
/// trimmed of spaces, braces and a trailing full stop. Empty items are
/// dropped.
fn items(text: &str) -> Vec<String> {
    let text = unescape(text).replace("\\\\", "\n").replace("\\item", "\n");
    let mut out = Vec::new();
    for chunk in text.split(['\n', ',', ';', ':', '|']) {
        let mut item: Vec<&str> = Vec::new();
        let words = chunk.split_whitespace().chain(std::iter::once("&"));
        for word in words {
            if matches!(word, "and" | "or" | "&") {
                let joined = item.join(" ");
                let trimmed =
                    joined.trim_matches(|c: char| c.is_whitespace() || c == '{' || c == '}').trim_end_matches('.');
                if !trimmed.is_empty() {
                    out.push(trimmed.to_owned());
                }
                item.clear();
            } else {
                item.push(word);
            }
        }
    }
    out
}

/// [`EditKind::Reorder`] when the replacement holds exactly the original's
/// items (at least two) in another order; otherwise [`EditKind::Reword`].
/// Whitespace, `\\`, braces around items and escaping do not matter.
pub fn classify(original: &str, replacement: &str) -> EditKind {
    let before = items(original);
    let after = items(replacement);
    if before.len() < 2 || before == after {
        return EditKind::Reword;
    }
    let (mut a, mut b) = (before, after);
    a.sort_unstable();
    b.sort_unstable();
    if a == b { EditKind::Reorder } else { EditKind::Reword }
}

// ---------------------------------------------------------------------------
// Bullets

/// Commands that count as one bullet for the budget: the bullets of
/// [`text::latex::BULLET_COMMANDS`], and moderncv's `\cventry` (one entry).
pub fn is_bullet_command(name: &str) -> bool {
    text::latex::BULLET_COMMANDS.contains(&name) || name == "cventry"
}

/// Commands that end the bullet before them (a new heading, list or section).
const STRUCTURE_COMMANDS: &[&str] = &[
    "begin",
    "end",
    "section",
    "subsection",
    "cvsection",
    "cvsubsection",
    "resumeSubheading",
    "resumeSubHeading",
    "resumeProjectHeading",
    "resumeSubHeadingListStart",
    "resumeSubHeadingListEnd",
    "resumeItemListStart",
    "resumeItemListEnd",
    "par",
];

/// Control words of `text` outside comments and verbatim, with their byte
/// offsets; environments count as `begin` and `end`.
fn control_words(text: &str) -> Vec<(usize, &str)> {
    Lexer::new(text)
        .filter_map(|t| match t.kind {
            TokenKind::Command(name) => Some((t.start, name)),
            TokenKind::Begin(_) | TokenKind::Opaque { .. } => Some((t.start, "begin")),
            TokenKind::End(_) => Some((t.start, "end")),
            _ => None,
        })
        .collect()
}

/// The number of bullets in a section's LaTeX: occurrences of
/// bullet commands ([`is_bullet_command`]) outside comments.
pub fn count_bullets(section_content: &str) -> usize {
    control_words(section_content).iter().filter(|(_, name)| is_bullet_command(name)).count()
}

/// How many bullets an edit of `original` (an exact quote of
/// `section_content`) touches: the bullets it contains, or 1 when it lies
/// inside one bullet's text, or 0 for text outside any bullet (a heading, a
/// summary line, a skills line).
pub fn bullets_touched(section_content: &str, original: &str) -> usize {
    let inside = count_bullets(original);
    if inside > 0 {
        return inside;
    }
    let Some(at) = section_content.find(original).filter(|_| !original.is_empty()) else {
        return 0;
    };
    let last = control_words(&section_content[..at])
        .into_iter()
        .rev()
        .find(|(_, name)| is_bullet_command(name) || STRUCTURE_COMMANDS.contains(name));
    usize::from(last.is_some_and(|(_, name)| is_bullet_command(name)))
}

// ---------------------------------------------------------------------------
// Value

/// What a text covers: its lowercased, unescaped text and its skills.
struct Coverage {
    text: String,
    skills: HashSet<String>,
}

impl Coverage {
    fn of(text: &str) -> Coverage {
        let unescaped = unescape(text);
        let skills = find_skills(&unescaped).into_iter().map(|m| m.name.to_lowercase()).collect();
        Coverage { text: unescaped.to_lowercase(), skills }
    }

    /// Whether the text has `term` (lowercase): as a skill when the term is
    /// one, else as a whole word or phrase.
    fn has(&self, term: &str, term_skill: Option<&str>) -> bool {
        if let Some(skill) = term_skill {
            return self.skills.contains(skill);
        }
        let alnum_at = |s: &str, from_end: bool| {
            let c = if from_end { s.chars().next_back() } else { s.chars().next() };
            c.is_some_and(char::is_alphanumeric)
        };
        self.text.match_indices(term).any(|(i, _)| {
            let before_ok = !alnum_at(term, false) || !alnum_at(&self.text[..i], true);
            let after_ok = !alnum_at(term, true) || !alnum_at(&self.text[i + term.len()..], false);
            before_ok && after_ok
        })
    }
}

/// The job description's terms as [`edit_value`] reads them: lowercase,
/// each once, with the canonical skill (lowercased) a whole term names.
/// Built once per answer: naming a term's skill runs the skill lexicon.
#[derive(Debug, Clone, Default)]
pub struct JdTerms(Vec<(String, Option<String>)>);

impl JdTerms {
    pub fn new<S: AsRef<str>>(terms: impl IntoIterator<Item = S>) -> JdTerms {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for term in terms {
            let term = term.as_ref().trim();
            let key = term.to_lowercase();
            if key.is_empty() || !seen.insert(key.clone()) {
                continue;
            }
            out.push((key, skill_of(term)));
        }
        JdTerms(out)
    }
}

/// The canonical skill (lowercased) a whole term names, if it is one.
fn skill_of(term: &str) -> Option<String> {
    let mentions = find_skills(term);
    match mentions.as_slice() {
        [only] if only.start == 0 && only.end == term.len() => Some(only.name.to_lowercase()),
        _ => None,
    }
}

/// How much closer to the job description the replacement is: the number of
/// JD terms (skills and keywords, case-insensitive, each counted once) the
/// replacement has and the original lacks, minus those it loses. A term
/// that is a skill counts through its aliases ("Postgres" has
/// "PostgreSQL"); other terms match as whole words. Ties are broken by the
/// size of the change: a term `-d/(d+1000)` in (−1, 0], where `d` is the
/// change in length in characters, so a smaller edit of equal gain ranks
/// higher and never outranks a larger gain.
pub fn edit_value(original: &str, replacement: &str, jd_terms: &JdTerms) -> f64 {
    let before = Coverage::of(original);
    let after = Coverage::of(replacement);
    let net: i64 = jd_terms
        .0
        .iter()
        .map(|(key, skill)| i64::from(after.has(key, skill.as_deref())) - i64::from(before.has(key, skill.as_deref())))
        .sum();
    let change = original.chars().count().abs_diff(replacement.chars().count()) as f64;
    net as f64 - change / (change + 1000.0)
}

/// A [`Candidate`] for edit `index`, measured against the section it quotes.
pub fn candidate(
    index: usize,
    section_content: &str,
    original: &str,
    replacement: &str,
    jd_terms: &JdTerms,
) -> Candidate {
    Candidate {
        index,
        kind: classify(original, replacement),
        bullets_touched: bullets_touched(section_content, original),
        value: edit_value(original, replacement, jd_terms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reword(index: usize, bullets: usize, value: f64) -> Candidate {
        Candidate { index, kind: EditKind::Reword, bullets_touched: bullets, value }
    }

    fn reorder(index: usize, value: f64) -> Candidate {
        Candidate { index, kind: EditKind::Reorder, bullets_touched: 1, value }
    }

    fn terms(list: &[&str]) -> JdTerms {
        JdTerms::new(list)
    }

    // --- Budgets -------------------------------------------------------------

    #[test]
    fn the_budget_table() {
        assert_eq!(budget_for(AiMode::Minimal), Budget { max_changed_bullet_share: 0.25, allow_reorder: false });
        assert_eq!(budget_for(AiMode::Balanced), Budget { max_changed_bullet_share: 0.5, allow_reorder: true });
        assert_eq!(budget_for(AiMode::Aggressive), Budget { max_changed_bullet_share: 1.0, allow_reorder: true });
    }

    #[test]
    fn minimal_never_reorders() {
        let (accepted, refused) = enforce(AiMode::Minimal, 20, &[reorder(0, 9.0), reword(1, 1, 1.0)]);
        assert_eq!(accepted, [1]);
        assert_eq!(refused, [(0, "MINIMAL never reorders".to_owned())]);
        let (accepted, refused) = enforce(AiMode::Balanced, 20, &[reorder(0, 9.0)]);
        assert_eq!((accepted, refused.len()), (vec![0], 0));
        let (accepted, _) = enforce(AiMode::Aggressive, 0, &[reorder(0, -3.0)]);
        assert_eq!(accepted, [0]);
    }

    #[test]
    fn minimal_keeps_a_quarter_and_drops_the_lowest_values() {
        // 8 bullets: at most 2 may change.
        let candidates = [reword(0, 1, 0.5), reword(1, 1, 3.0), reword(2, 1, 1.0), reword(3, 1, 2.0)];
        let (accepted, refused) = enforce(AiMode::Minimal, 8, &candidates);
        assert_eq!(accepted, [1, 3]);
        let reason = "over the MINIMAL budget: at most 25% of bullets may change".to_owned();
        assert_eq!(refused, [(0, reason.clone()), (2, reason)]);
    }

    #[test]
    fn balanced_keeps_half_and_aggressive_everything() {
        let candidates: Vec<Candidate> = (0..10).map(|i| reword(i, 1, i as f64)).collect();
        let (accepted, refused) = enforce(AiMode::Balanced, 10, &candidates);
        assert_eq!(accepted, [5, 6, 7, 8, 9]);
        assert!(refused.iter().all(|(_, r)| r == "over the BALANCED budget: at most 50% of bullets may change"));
        assert_eq!(refused.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        let (accepted, refused) = enforce(AiMode::Aggressive, 10, &candidates);
        assert_eq!((accepted.len(), refused.len()), (10, 0));
        // Even AGGRESSIVE cannot change more bullets than exist.
        let (accepted, refused) = enforce(AiMode::Aggressive, 2, &[reword(0, 2, 1.0), reword(1, 1, 0.0)]);
        assert_eq!(accepted, [0]);
        assert_eq!(refused, [(1, "over the AGGRESSIVE budget: at most 100% of bullets may change".to_owned())]);
    }

    #[test]
    fn share_boundaries_are_inclusive() {
        // 4 bullets × 0.25 = exactly 1.
        let (accepted, _) = enforce(AiMode::Minimal, 4, &[reword(0, 1, 1.0), reword(1, 1, 0.5)]);
        assert_eq!(accepted, [0]);
        // 3 bullets × 0.25 = 0.75: no bullet may change, but zero-bullet edits may.
        let (accepted, refused) = enforce(AiMode::Minimal, 3, &[reword(0, 1, 5.0), reword(1, 0, 0.1)]);
        assert_eq!((accepted, refused.len()), (vec![1], 1));
    }

    #[test]
    fn zero_bullets_never_divides_by_zero() {
        let candidates = [reword(0, 0, 1.0), reword(1, 1, 9.0), reword(2, 0, -1.0)];
        let (accepted, refused) = enforce(AiMode::Minimal, 0, &candidates);
        assert_eq!(accepted, [0, 2]);
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].0, 1);
        let (accepted, refused) = enforce(AiMode::Balanced, 0, &[]);
        assert!(accepted.is_empty() && refused.is_empty());
    }

    #[test]
    fn a_large_edit_does_not_evict_smaller_ones_that_fit() {
        // 8 bullets, MINIMAL: room for 2. The 3-bullet edit is worth most but cannot fit.
        let candidates = [reword(0, 3, 10.0), reword(1, 1, 1.0), reword(2, 1, 0.5), reword(3, 1, 0.1)];
        let (accepted, refused) = enforce(AiMode::Minimal, 8, &candidates);
        assert_eq!(accepted, [1, 2]);
        assert_eq!(refused.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 3]);
    }

    #[test]
    fn ties_go_to_fewer_bullets_then_to_the_earlier_edit() {
        let (accepted, _) = enforce(AiMode::Minimal, 4, &[reword(0, 1, 1.0), reword(1, 1, 1.0)]);
        assert_eq!(accepted, [0]);
        let (accepted, _) = enforce(AiMode::Balanced, 4, &[reword(0, 2, 1.0), reword(1, 1, 1.0), reword(2, 1, 1.0)]);
        assert_eq!(accepted, [1, 2]);
    }

    #[test]
    fn nan_and_infinite_values_are_ranked_not_panicked_on() {
        let candidates = [reword(0, 1, f64::NAN), reword(1, 1, f64::NEG_INFINITY), reword(2, 1, f64::INFINITY)];
        let (accepted, _) = enforce(AiMode::Minimal, 4, &candidates);
        assert_eq!(accepted, [2]);
        let (accepted, _) = enforce(AiMode::Balanced, 4, &candidates);
        assert_eq!(accepted, [1, 2]);
    }

    #[test]
    fn odd_inputs_never_panic() {
        let odd = ["", "\\", "\\\\", "%", "\\item", "é\\", "{", "\\resumeItem{", "a,b", "\u{200b}", "🦀,🦀"];
        for a in odd {
            for b in odd {
                let _ = classify(a, b);
                let _ = count_bullets(a);
                let _ = bullets_touched(a, b);
                let _ = edit_value(a, b, &terms(&[a, b, "go", ""]));
            }
        }
    }

    // --- Classification ------------------------------------------------------

    #[test]
    fn reorders_of_comma_lists_are_detected_through_noise() {
        assert_eq!(classify("Go, Rust, Python, SQL", "SQL, Go, Python, Rust"), EditKind::Reorder);
        assert_eq!(classify("Go, Rust, Python, SQL \\\\", "Python,Go ,  SQL,Rust\\\\"), EditKind::Reorder);
        assert_eq!(classify("Go, Rust, Python, SQL \\\\", "Python, Go, SQL, Rust"), EditKind::Reorder);
        assert_eq!(classify("Go, Rust and Python", "Python, Go and Rust"), EditKind::Reorder);
        assert_eq!(
            classify(r"\textbf{Languages}{: Go, Python, Rust} \\", r"\textbf{Languages}{: Rust, Go, Python} \\"),
            EditKind::Reorder
        );
        assert_eq!(classify(r"C\#, Go", "Go, C#"), EditKind::Reorder);
    }

    #[test]
    fn reorders_of_lines_and_bullets_are_detected() {
        let original = "\\resumeItem{Built a ledger}\n  \\resumeItem{Cut latency by 35\\%}\n";
        let swapped = "\\resumeItem{Cut latency by 35\\%}\n\\resumeItem{Built a ledger}";
        assert_eq!(classify(original, swapped), EditKind::Reorder);
        assert_eq!(classify("\\item A\n\\item B\n\\item C", "\\item C \\item A\n\n\\item B"), EditKind::Reorder);
        assert_eq!(classify("Line one \\\\\nLine two", "Line two\\\\ Line one \\\\"), EditKind::Reorder);
    }

    #[test]
    fn anything_else_is_a_reword() {
        assert_eq!(classify("Go, Rust, Python", "Go, Rust, Python"), EditKind::Reword, "no change");
        assert_eq!(classify("Go, Rust", "Go, Rust, Kafka"), EditKind::Reword, "an item added");
        assert_eq!(classify("Go, Rust, Python", "Go, Python"), EditKind::Reword, "an item dropped");
        assert_eq!(classify("Go, Rust", "Rust, Golang"), EditKind::Reword, "an item renamed");
        assert_eq!(classify("Built a fast ledger", "Built a ledger, fast"), EditKind::Reword, "one item");
        assert_eq!(classify("Built X, cut Y", "Cut Y, built X"), EditKind::Reword, "case changed");
        assert_eq!(classify("", ""), EditKind::Reword);
    }

    // --- Bullets -------------------------------------------------------------

    #[test]
    fn counts_itemize_bullets() {
        let itemize = "\\begin{itemize}[leftmargin=*]\n  \\item One\n  \\item[--] Two\n  % \\item commented out\n  \\item Three \\itemsep 2pt\n\\end{itemize}\n";
        assert_eq!(count_bullets(itemize), 3);
        assert_eq!(count_bullets("\\begin{enumerate}\\item a \\item b\\end{enumerate}"), 2);
        assert_eq!(count_bullets("Plain text, 50\\% \\\\item not a bullet"), 0);
        assert_eq!(count_bullets(""), 0);
    }

    #[test]
    fn counts_jakes_resume_items() {
        let jake = r"\resumeSubHeadingListStart
  \resumeSubheading{Northwind}{2021 -- Present}{Engineer}{Remote}
  \resumeItemListStart
    \resumeItem{Built a payments ledger}
    \resumeItem{Cut p99 latency by 35\%}
    \resumeSubItem{Mentored two engineers}
  \resumeItemListEnd
\resumeSubHeadingListEnd
";
        assert_eq!(count_bullets(jake), 3);
    }

    #[test]
    fn counts_moderncv_entries() {
        let moderncv = r"\section{Experience}
\cventry{2019--2021}{Engineer}{Contoso}{Berlin}{}{Built pipelines}
\cvitem{Languages}{Go, Rust}
\cvitemwithcomment{German}{B2}{}
\cvlistitem{Open source maintainer}
\cvlistdoubleitem{Go}{Rust}
";
        assert_eq!(count_bullets(moderncv), 5);
    }

    #[test]
    fn bullets_touched_by_a_quote() {
        let section = "\\section{Experience}\n\\textbf{Engineer} \\hfill 2021\n\\begin{itemize}\n  \\item Built a ledger in Go\n  \\item Cut latency by 35\\%\n\\end{itemize}\nSummary line after.\n";
        assert_eq!(bullets_touched(section, "Built a ledger"), 1);
        assert_eq!(bullets_touched(section, "\\item Built a ledger in Go\n  \\item Cut"), 2);
        assert_eq!(bullets_touched(section, "\\textbf{Engineer}"), 0);
        assert_eq!(bullets_touched(section, "Summary line"), 0);
        assert_eq!(bullets_touched(section, "not in the section"), 0);
        assert_eq!(bullets_touched(section, ""), 0);
        let jake = "\\resumeItemListStart\n  \\resumeItem{Built a payments ledger}\n\\resumeItemListEnd\n";
        assert_eq!(bullets_touched(jake, "payments ledger"), 1);
    }

    // --- Value ---------------------------------------------------------------

    #[test]
    fn value_counts_terms_gained_minus_lost() {
        let jd = terms(&["Kubernetes", "PostgreSQL", "observability", "go"]);
        let gained = edit_value("Built a ledger", "Built a ledger on PostgreSQL with observability", &jd);
        assert!(gained > 1.9 && gained <= 2.0, "{gained}");
        let lost = edit_value("Built a ledger on PostgreSQL", "Built a ledger", &jd);
        assert!(lost > -1.1 && lost <= -1.0, "{lost}");
        let even = edit_value("Built a ledger on PostgreSQL", "Built a ledger with observability", &jd);
        assert!(even > -0.1 && even <= 0.0, "{even}");
    }

    #[test]
    fn value_uses_skill_aliases_and_ignores_case_and_duplicates() {
        let jd = terms(&["PostgreSQL", "postgresql", "KUBERNETES"]);
        let v = edit_value("Built a ledger", "Built a ledger on Postgres deployed to k8s", &jd);
        assert!(v > 1.9 && v <= 2.0, "{v}");
        // Already there under another name: no gain.
        let v = edit_value("Built a ledger on Postgres", "Built a ledger on PostgreSQL", &jd);
        assert!(v <= 0.0 && v > -0.1, "{v}");
    }

    #[test]
    fn value_matches_whole_words_only() {
        let jd = terms(&["go", "rest"]);
        assert!(edit_value("Built services", "Built services at Google with interest", &jd) <= 0.0);
        assert!(edit_value("Built services", "Built services in go", &jd) > 0.9);
        assert!(edit_value("Built services", r"Built \textbf{Go} services", &jd) > 0.9);
    }

    #[test]
    fn value_ties_prefer_the_smaller_change() {
        let jd = terms(&["Kafka"]);
        let small = edit_value("Built pipelines", "Built Kafka pipelines", &jd);
        let large =
            edit_value("Built pipelines", "Built and operated large, reliable Kafka pipelines for many teams", &jd);
        assert!(small > large, "{small} vs {large}");
        assert!(large > 0.0, "a gain always beats no gain: {large}");
        assert!(edit_value("a", "a", &JdTerms::default()) == 0.0);
    }

    #[test]
    fn candidate_measures_an_edit() {
        let section = "\\begin{itemize}\n\\item Built pipelines\n\\end{itemize}\n";
        let c = candidate(3, section, "Built pipelines", "Built Kafka pipelines", &terms(&["Kafka"]));
        assert_eq!((c.index, c.kind, c.bullets_touched), (3, EditKind::Reword, 1));
        assert!(c.value > 0.9);
    }
}
