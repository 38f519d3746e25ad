//! Reviewing a proposal edit by edit: each applied edit has an id derived
//! from what it does (its section, quote and replacement: [`edit_id`]), so
//! ids are stable, the same for a trace written before ids existed, and an
//! id of another proposal's edit is unknown here unless it is the very same
//! change. A person may accept only some edits ([`accept`]), and the
//! proposal reads section by section, before and after, with the ids of the
//! edits in each ([`sections`]).
//!
//! Accepting a subset applies exactly those edits to the base with the
//! applier that built the proposal ([`apply_subset`]): every one of them
//! already passed every gate, so a subset is as safe as the whole, and the
//! result is checked again as a whole document. An edit whose section has
//! been locked since the proposal was made is refused, like an unknown id.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use text::enums::ResumeSectionType;
use text::latex::sections::split;
use text::latex::{check_balance, check_whole_document};

use super::apply::apply_subset;
use super::protocol::Edit;

/// An applied edit as the trace keeps it: its id and the edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedEdit {
    pub id: String,
    #[serde(flatten)]
    pub edit: Edit,
}

impl AppliedEdit {
    /// The applied edits in order, with their ids.
    pub fn identified(edits: &[Edit]) -> Vec<AppliedEdit> {
        let mut out: Vec<AppliedEdit> = Vec::with_capacity(edits.len());
        for edit in edits {
            let base = edit_id(edit);
            // The very same change twice in one proposal: the second is `-2`.
            let repeats = out.iter().filter(|a| a.id == base || a.id.starts_with(&format!("{base}-"))).count();
            let id = if repeats == 0 { base } else { format!("{base}-{}", repeats + 1) };
            out.push(AppliedEdit { id, edit: edit.clone() });
        }
        out
    }
}

/// An edit's id: `e` and 12 hex digits of the FNV-1a hash of its section,
/// quote and replacement (stable across builds and machines, unlike
/// `std`'s hasher; not a security boundary: ids only name edits of a
/// proposal the caller owns).
pub fn edit_id(edit: &Edit) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let section = edit.section.to_string();
    for part in [section.as_bytes(), &[0], edit.original.as_bytes(), &[0], edit.replacement.as_bytes()] {
        for byte in part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("e{:012x}", hash & 0xffff_ffff_ffff)
}

/// The applied edits of a stored trace (`applied`), with their ids (a trace
/// written before edits had ids gets the ids they would have been given).
pub fn applied_edits(trace: &Value) -> Vec<AppliedEdit> {
    let Some(applied) = trace.get("applied").and_then(Value::as_array) else { return Vec::new() };
    let edits: Vec<Edit> = applied.iter().filter_map(|entry| serde_json::from_value(entry.clone()).ok()).collect();
    AppliedEdit::identified(&edits)
}

/// Why a subset cannot be accepted. Safe to show to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAccepted {
    /// Ids that are not applied edits of this proposal (unknown, refused,
    /// or another job's).
    Unknown(Vec<String>),
    /// Ids of edits in sections locked since the proposal was made.
    Locked(Vec<String>),
    /// The base no longer splits, or the result is not a whole document
    /// (cannot happen for edits that passed the gates; checked anyway).
    Invalid(String),
}

impl std::fmt::Display for NotAccepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAccepted::Unknown(ids) => {
                write!(f, "not applied edits of this proposal: {} (see edits.applied for the ids)", ids.join(", "))
            }
            NotAccepted::Locked(ids) => write!(f, "edits in sections locked since the proposal: {}", ids.join(", ")),
            NotAccepted::Invalid(why) => write!(f, "the edits do not make a valid document: {why}"),
        }
    }
}

/// The base with only the edits named by `ids` applied (in the order they
/// were applied in the proposal). `locked[i]` is whether the base's
/// section `i` is locked now.
pub fn accept(
    base_latex: &str,
    locked: &[bool],
    applied: &[AppliedEdit],
    ids: &[String],
) -> Result<String, NotAccepted> {
    let unknown: Vec<String> = ids.iter().filter(|id| !applied.iter().any(|a| &a.id == *id)).cloned().collect();
    if !unknown.is_empty() {
        return Err(NotAccepted::Unknown(unknown));
    }
    let chosen: Vec<&AppliedEdit> = applied.iter().filter(|a| ids.contains(&a.id)).collect();
    let now_locked: Vec<String> =
        chosen.iter().filter(|a| locked.get(a.edit.section).copied().unwrap_or(true)).map(|a| a.id.clone()).collect();
    if !now_locked.is_empty() {
        return Err(NotAccepted::Locked(now_locked));
    }
    let doc = split(base_latex).map_err(|e| NotAccepted::Invalid(e.to_string()))?;
    let contents: Vec<String> = doc.sections.iter().map(|s| s.content.to_owned()).collect();
    let edits: Vec<&Edit> = chosen.iter().map(|a| &a.edit).collect();
    let (latex, _) = apply_subset(doc.preamble, &contents, doc.closing, &edits);
    check_whole_document(&latex).map_err(|e| NotAccepted::Invalid(e.to_string()))?;
    check_balance(&latex).map_err(|e| NotAccepted::Invalid(e.to_string()))?;
    Ok(latex)
}

/// One section of a proposal, side by side with the base.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionReview {
    pub index: usize,
    pub section_type: ResumeSectionType,
    /// The heading's title as plain words (none before the first heading).
    pub title: Option<String>,
    pub before: String,
    pub after: String,
    /// The applied edits in this section.
    pub edits: Vec<String>,
}

/// The proposal section by section against its base (every section, so a
/// front end can show both documents side by side without diffing LaTeX).
/// Edits never add, remove or move a heading (the structure gate), so the
/// sections pair by position; if they ever did not, the proposal is one
/// section.
pub fn sections(base_latex: &str, proposal_latex: &str, applied: &[AppliedEdit]) -> Vec<SectionReview> {
    let ids_in = |index: usize| applied.iter().filter(|a| a.edit.section == index).map(|a| a.id.clone()).collect();
    match (split(base_latex), split(proposal_latex)) {
        (Ok(base), Ok(proposal)) if base.sections.len() == proposal.sections.len() => base
            .sections
            .iter()
            .zip(&proposal.sections)
            .enumerate()
            .map(|(index, (before, after))| SectionReview {
                index,
                section_type: before.section_type,
                title: before.title.clone(),
                before: before.content.to_owned(),
                after: after.content.to_owned(),
                edits: ids_in(index),
            })
            .collect(),
        _ => vec![SectionReview {
            index: 0,
            section_type: ResumeSectionType::Other,
            title: None,
            before: base_latex.to_owned(),
            after: proposal_latex.to_owned(),
            edits: applied.iter().map(|a| a.id.clone()).collect(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "\\documentclass{article}\n\\begin{document}\nAda\n\\section{Experience}\n\\begin{itemize}\n\\item Built a Go service\n\\item Wrote docs\n\\end{itemize}\n\\section{Skills}\nGo, SQL\n\\end{document}\n";

    fn applied() -> Vec<AppliedEdit> {
        AppliedEdit::identified(&[
            Edit {
                section: 1,
                original: "Built a Go service".into(),
                replacement: "Built and ran a Go service".into(),
                reason: None,
            },
            Edit { section: 1, original: "Wrote docs".into(), replacement: "Wrote the docs".into(), reason: None },
            Edit { section: 2, original: "Go, SQL".into(), replacement: "SQL, Go".into(), reason: None },
        ])
    }

    fn ids(which: &[usize]) -> Vec<String> {
        let applied = applied();
        which.iter().map(|&i| applied[i].id.clone()).collect()
    }

    #[test]
    fn a_subset_applies_exactly_those_edits() {
        let ids = ids(&[0, 2]);
        let latex = accept(BASE, &[false, false, false], &applied(), &ids).expect("accepted");
        assert!(latex.contains("Built and ran a Go service") && latex.contains("SQL, Go"));
        assert!(latex.contains("\\item Wrote docs"), "e2 was not accepted: {latex}");
        let all: Vec<String> = applied().iter().map(|a| a.id.clone()).collect();
        let whole = accept(BASE, &[false; 3], &applied(), &all).expect("all");
        assert!(whole.contains("Wrote the docs"));
        assert_eq!(accept(BASE, &[false; 3], &applied(), &[]).expect("none"), BASE);
    }

    #[test]
    fn unknown_ids_and_sections_locked_since_are_refused() {
        let mut asked = ids(&[0]);
        asked.extend(["e000000000000".to_owned(), "x".to_owned()]);
        let refused = accept(BASE, &[false; 3], &applied(), &asked);
        assert_eq!(refused, Err(NotAccepted::Unknown(vec!["e000000000000".into(), "x".into()])));
        let refused = accept(BASE, &[false, false, true], &applied(), &ids(&[0, 2]));
        assert_eq!(refused, Err(NotAccepted::Locked(ids(&[2]))));
    }

    #[test]
    fn ids_come_from_the_change_and_sections_pair_by_position() {
        // The same ids from a stored trace, with or without them written in.
        let stored = serde_json::to_value(serde_json::json!({"applied": applied()})).expect("json");
        let without = serde_json::json!({"applied": [
            {"section": 1, "original": "Built a Go service", "replacement": "Built and ran a Go service"},
            {"section": 1, "original": "Wrote docs", "replacement": "Wrote the docs"},
            {"section": 2, "original": "Go, SQL", "replacement": "SQL, Go"}]});
        assert_eq!(applied_edits(&stored), applied());
        assert_eq!(applied_edits(&without), applied());
        // Pinned (FNV-1a computed independently): an id must never change.
        assert_eq!(applied()[2].id, "ed4c6db7926d5");
        assert!(applied()[2].id.starts_with('e') && applied()[2].id.len() == 13);
        // The same change twice gets two ids.
        let twice = AppliedEdit::identified(&[applied()[0].edit.clone(), applied()[0].edit.clone()]);
        assert_eq!(twice[1].id, format!("{}-2", twice[0].id));
        let all: Vec<String> = applied().iter().map(|a| a.id.clone()).collect();
        let proposal = accept(BASE, &[false; 3], &applied(), &all).expect("accepted");
        let review = sections(BASE, &proposal, &applied());
        assert_eq!(review.len(), 3);
        assert_eq!(review[2].edits, ids(&[2]));
        assert_eq!(review[1].edits, ids(&[0, 1]));
        assert!(review[2].before.contains("Go, SQL") && review[2].after.contains("SQL, Go"));
        assert_eq!(review[0].before, review[0].after);
    }
}
