//! Turning the model's answer into a proposal, safely: every edit must quote
//! its section exactly, touch only an unlocked section, and leave the LaTeX
//! balanced; new text is escaped by our code. Refused edits are dropped with
//! their reason; the rest stand. The assembled document is checked again.

use serde::Serialize;
use text::enums::AiMode;
use text::latex::{check_balance, check_whole_document};

use super::protocol::{Edit, EditAnswer};
use super::{budget, gates, quotes};

/// Which check refused an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Gate {
    /// The edit names no section of the document.
    Section,
    /// The quoted original is empty, absent or ambiguous.
    Quote,
    /// The section is locked.
    Lock,
    /// The replacement states a fact the base résumé does not contain.
    Faithfulness,
    /// The edit changes commands or braces, not only text.
    Markup,
    /// The edit would add, remove or rename a section heading.
    Structure,
    /// The LaTeX would not balance.
    Balance,
    /// Over the mode's budget (share of bullets, kinds of edits).
    Budget,
    /// The proposal did not compile with this edit, where the base did
    /// (found by compiling, see the worker's `proposal_compile`).
    Compile,
}

/// An edit that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refusal {
    pub section: usize,
    pub gate: Gate,
    pub reason: String,
}

/// The result of applying an answer.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub latex: String,
    pub applied: Vec<Edit>,
    pub refused: Vec<Refusal>,
}

/// What the gates need besides the edits.
pub struct Context<'a> {
    pub mode: AiMode,
    /// The whole base LaTeX: the facts an edit may use.
    pub base_latex: &'a str,
    pub jd_skills: &'a [String],
    pub jd_keywords: &'a [String],
}

/// Apply `answer` to the sections (`contents[i]`, `locked[i]`) between
/// `preamble` and `closing`. Each edit passes, in order, the section, quote,
/// lock, faithfulness and balance gates; the survivors then go through the
/// mode's budget (lowest value refused first); the rest are applied.
pub fn apply_answer(
    preamble: &str,
    contents: &[String],
    locked: &[bool],
    closing: &str,
    answer: &EditAnswer,
    context: &Context<'_>,
) -> Result<Proposal, String> {
    apply_answer_with(preamble, contents, locked, closing, answer, context, &gates::facts_of(context.base_latex))
}

/// [`apply_answer`] with the facts of `context.base_latex` already read
/// ([`gates::facts_of`]), for a caller that keeps them per base: reading
/// them is a large part of a job's own work, and a base never changes.
pub fn apply_answer_with(
    preamble: &str,
    contents: &[String],
    locked: &[bool],
    closing: &str,
    answer: &EditAnswer,
    context: &Context<'_>,
    facts: &gates::Facts,
) -> Result<Proposal, String> {
    let structure = gates::structure::Structure::of(contents, locked);
    let mut refused = Vec::new();
    // Survivors of the per-edit gates, with their escaped replacement, and
    // how many bullets each touches (for the budget).
    let mut survivors: Vec<Edit> = Vec::new();
    let mut touched: Vec<usize> = Vec::new();
    let mut trial_sections: Vec<String> = contents.to_vec();
    // The byte ranges of each section that earlier edits wrote.
    let mut edited: Vec<Vec<std::ops::Range<usize>>> = vec![Vec::new(); contents.len()];
    for edit in &answer.edits {
        let refuse = |gate: Gate, reason: String| Refusal { section: edit.section, gate, reason };
        let (Some(base), Some(current)) = (contents.get(edit.section), trial_sections.get(edit.section)) else {
            refused.push(refuse(Gate::Section, "no such section".into()));
            continue;
        };
        if edit.original.trim().is_empty() {
            refused.push(refuse(Gate::Quote, "the quoted original is empty".into()));
            continue;
        }
        if locked.get(edit.section).copied().unwrap_or(true) {
            refused.push(refuse(Gate::Lock, "the section is locked".into()));
            continue;
        }
        if let Some(why) = gates::markup::unreadable(&edit.replacement) {
            refused.push(refuse(Gate::Markup, why));
            continue;
        }
        // Every edit quotes the base résumé, once (found as a person would:
        // typography, spaces and escapes aside), and no earlier edit may
        // have touched that text: an edit cannot build on another's output
        // (and so launder a fact the first one slipped in).
        let original = match quotes::find(base, &edit.original) {
            Ok(span) => &base[span],
            Err(0) => {
                refused.push(refuse(Gate::Quote, "the quoted original does not match the section".into()));
                continue;
            }
            Err(_) => {
                refused.push(refuse(Gate::Quote, "the quoted original is ambiguous (it occurs more than once)".into()));
                continue;
            }
        };
        // Where it stands now, which must be untouched by earlier edits
        // (an earlier edit that extended this very text leaves it in place
        // as a prefix: the position tells, not the text).
        let mut found = current.match_indices(original);
        let at = match (found.next(), found.next()) {
            (Some((at, _)), None)
                if !edited[edit.section].iter().any(|r| at < r.end && r.start < at + original.len()) =>
            {
                at
            }
            _ => {
                refused.push(refuse(
                    Gate::Quote,
                    "the quoted original overlaps an earlier edit (every edit must quote the original résumé)".into(),
                ));
                continue;
            }
        };
        let replacement = gates::markup::escape_new_text(&edit.replacement, original);
        if replacement == original {
            continue;
        }
        let edited_section = format!("{}{replacement}{}", &current[..at], &current[at + original.len()..]);
        if let Some(why) = gates::markup::changes_markup(current, &edited_section) {
            refused.push(refuse(Gate::Markup, why.into()));
            continue;
        }
        if let Err(violation) = gates::check_faithful(facts, original, &replacement) {
            refused.push(refuse(Gate::Faithfulness, violation.to_string()));
            continue;
        }
        // The whole body with this edit, checked whole: its sections and
        // its balance. A refused edit puts the section back as it was.
        let bullets = budget::bullets_touched(current, original);
        let before = std::mem::replace(&mut trial_sections[edit.section], edited_section);
        let body = trial_sections.concat();
        let refusal = if !structure.keeps(&body) {
            Some(refuse(
                Gate::Structure,
                "the edit would add, remove or rename a section heading, or move a section boundary".into(),
            ))
        } else if let Err(e) = check_balance(&body) {
            Some(refuse(Gate::Balance, format!("the edit would break the LaTeX ({e})")))
        } else {
            None
        };
        if let Some(refusal) = refusal {
            trial_sections[edit.section] = before;
            refused.push(refusal);
            continue;
        }
        touched.push(bullets);
        // Later edits' positions in this section shift by the difference.
        let delta = replacement.len() as isize - original.len() as isize;
        for r in edited[edit.section].iter_mut().filter(|r| r.start >= at + original.len()) {
            *r = r.start.saturating_add_signed(delta)..r.end.saturating_add_signed(delta);
        }
        edited[edit.section].push(at..at + replacement.len());
        survivors.push(Edit { original: original.to_owned(), replacement, ..edit.clone() });
    }

    // The mode's budget, measured on the survivors.
    let total_bullets: usize = contents.iter().map(|c| budget::count_bullets(c)).sum();
    let jd_terms = budget::JdTerms::new(context.jd_skills.iter().chain(context.jd_keywords));
    let candidates: Vec<budget::Candidate> = survivors
        .iter()
        .enumerate()
        .map(|(index, e)| budget::Candidate {
            index,
            kind: budget::classify(&e.original, &e.replacement),
            bullets_touched: touched.get(index).copied().unwrap_or(0),
            value: budget::edit_value(&e.original, &e.replacement, &jd_terms),
        })
        .collect();
    let (accepted, over_budget) = budget::enforce(context.mode, total_bullets, &candidates);
    for (index, reason) in over_budget {
        if let Some(e) = survivors.get(index) {
            refused.push(Refusal { section: e.section, gate: Gate::Budget, reason });
        }
    }

    let (sections, applied) = if accepted.iter().copied().eq(0..survivors.len()) {
        // Every survivor, in order: the very documents the loop above built
        // and checked, edit by edit.
        (trial_sections, survivors)
    } else {
        apply_accepted(contents, &survivors, &accepted, &mut refused)
    };

    let latex = format!("{preamble}{}{closing}", sections.concat());
    check_whole_document(&latex).map_err(|e| format!("the proposal failed the final LaTeX check: {e}"))?;
    check_balance(&latex).map_err(|e| format!("the proposal failed the final LaTeX check: {e}"))?;
    for (i, is_locked) in locked.iter().enumerate() {
        if *is_locked && sections.get(i) != contents.get(i) {
            return Err("internal check failed: a locked section changed".into());
        }
    }
    Ok(Proposal { latex, applied, refused })
}

/// The sections with the survivors that the budget `accepted` applied in
/// order, each checked again for balance (a later edit may have relied on
/// one the budget dropped), and those applied.
fn apply_accepted(
    contents: &[String],
    survivors: &[Edit],
    accepted: &[usize],
    refused: &mut Vec<Refusal>,
) -> (Vec<String>, Vec<Edit>) {
    let mut sections: Vec<String> = contents.to_vec();
    let mut applied = Vec::new();
    for &index in accepted {
        let Some(edit) = survivors.get(index) else { continue };
        let mut trial = sections.clone();
        trial[edit.section] = trial[edit.section].replacen(edit.original.as_str(), &edit.replacement, 1);
        if let Err(e) = check_balance(&trial.concat()) {
            refused.push(Refusal {
                section: edit.section,
                gate: Gate::Balance,
                reason: format!("the edit would break the LaTeX ({e})"),
            });
            continue;
        }
        sections = trial;
        applied.push(edit.clone());
    }
    (sections, applied)
}

/// The document with only `edits` applied (in order, each to the first
/// occurrence of its quote in its section, as [`apply_answer`] applied
/// them), and for each edit that applied, its index in `edits` and the byte
/// range its replacement covers in the document. The edits are ones
/// [`apply_answer`] already applied, so they passed every gate; a subset of
/// them is as safe as the whole.
pub fn apply_subset(
    preamble: &str,
    contents: &[String],
    closing: &str,
    edits: &[&Edit],
) -> (String, Vec<(usize, std::ops::Range<usize>)>) {
    let mut sections = contents.to_vec();
    // (edit index, section, range within the section), kept current as
    // later edits of the same section shift or overlap them.
    let mut spans: Vec<(usize, usize, std::ops::Range<usize>)> = Vec::new();
    for (i, edit) in edits.iter().enumerate() {
        let Some(section) = sections.get_mut(edit.section) else { continue };
        let Some(at) = section.find(edit.original.as_str()) else { continue };
        let old_end = at + edit.original.len();
        section.replace_range(at..old_end, &edit.replacement);
        let new_end = at + edit.replacement.len();
        for (_, _, range) in spans.iter_mut().filter(|(_, s, _)| *s == edit.section) {
            if range.start >= old_end {
                *range = range.start - old_end + new_end..range.end - old_end + new_end;
            } else if range.end > at {
                // The new edit rewrote part of an earlier one: both cover the union.
                *range = range.start.min(at)..(range.end.max(old_end) - old_end + new_end);
            }
        }
        spans.push((i, edit.section, at..new_end));
    }
    let mut starts = Vec::with_capacity(sections.len());
    let mut offset = preamble.len();
    for section in &sections {
        starts.push(offset);
        offset += section.len();
    }
    let placed = spans
        .into_iter()
        .filter_map(|(i, s, range)| starts.get(s).map(|start| (i, start + range.start..start + range.end)))
        .collect();
    (format!("{preamble}{}{closing}", sections.concat()), placed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(section: usize, original: &str, replacement: &str) -> Edit {
        Edit { section, original: original.into(), replacement: replacement.into(), reason: None }
    }

    const PRE: &str = "\\documentclass{article}\n\\begin{document}\n";
    const END: &str = "\\end{document}\n";

    fn sections() -> Vec<String> {
        vec![
            "Ada \\\\ ada@example.com\n".into(),
            "\\section{Experience}\n\\begin{itemize}\n\\item Built a Go service\n\\item Wrote docs\n\\end{itemize}\n"
                .into(),
            "\\section{Education}\nB.Sc. 2018\n".into(),
        ]
    }

    #[test]
    fn applies_good_edits_and_refuses_bad_ones_with_reasons() {
        let locked = [false, false, true];
        let answer = EditAnswer {
            edits: vec![
                edit(1, "Built a Go service", "Built and operated a Go service & docs"),
                edit(2, "B.Sc. 2018", "PhD 2018"),
                edit(1, "Designed rockets", "x"),
                edit(1, "\\item Wrote docs", "\\item Wrote docs}"),
                edit(9, "a", "b"),
                edit(1, "", "b"),
            ],
        };
        let base = format!("{PRE}{}{END}", sections().concat());
        let context = Context { mode: AiMode::Aggressive, base_latex: &base, jd_skills: &[], jd_keywords: &[] };
        let p = apply_answer(PRE, &sections(), &locked, END, &answer, &context).expect("proposal");
        assert!(p.latex.contains("Built and operated a Go service \\& docs"), "{}", p.latex);
        assert!(p.latex.contains("B.Sc. 2018"), "locked section untouched");
        assert_eq!(p.applied.len(), 1);
        let reasons: Vec<&str> = p.refused.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].contains("locked"));
        assert!(reasons[1].contains("does not match"));
        assert!(reasons[2].contains("markup"));
        assert!(reasons[3].contains("no such section"));
        assert!(reasons[4].contains("empty"));
    }

    #[test]
    fn a_subset_of_applied_edits_reassembles_the_document() {
        let a = edit(1, "Built a Go service", "Built a Go API");
        let b = edit(1, "Wrote docs", "Wrote runbooks");
        let (latex, applied) = apply_subset(PRE, &sections(), END, &[&b]);
        assert_eq!(applied.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![0]);
        assert!(latex.contains("Wrote runbooks") && latex.contains("Built a Go service"), "{latex}");
        let (all, applied) = apply_subset(PRE, &sections(), END, &[&a, &b, &edit(7, "x", "y")]);
        assert_eq!(applied.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![0, 1]);
        assert!(all.contains("Built a Go API") && all.contains("Wrote runbooks"));
        // Each span is where the replacement stands in the document, even
        // after a later, longer edit earlier in the same section.
        let c = edit(1, "\\item Built", "\\item Designed and built");
        let (doc, spans) = apply_subset(PRE, &sections(), END, &[&b, &c]);
        assert_eq!(&doc[spans[0].1.clone()], "Wrote runbooks");
        assert_eq!(&doc[spans[1].1.clone()], "\\item Designed and built");
        assert_eq!(apply_subset(PRE, &sections(), END, &[]).0, format!("{PRE}{}{END}", sections().concat()));
    }
}
