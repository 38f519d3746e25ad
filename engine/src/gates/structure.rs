//! The structure gate: an edit may not add, remove or rename a heading, nor
//! move a section boundary, so the proposal, split again when accepted,
//! has the same sections and keeps its locks.

use text::enums::ResumeSectionType;
use text::latex::split_body;

/// Whether the edited body (`trial`, the sections concatenated) still splits
/// into the same sections (same headings, same boundaries) as `original`,
/// with every locked section byte-identical.
pub fn same_structure(trial: &[String], original: &[String], locked: &[bool]) -> bool {
    let body = trial.concat();
    let sections = split_body(&body);
    let before: Vec<(ResumeSectionType, Option<String>)> =
        split_body(&original.concat()).into_iter().map(|s| (s.section_type, s.title)).collect();
    sections.len() == original.len()
        && sections.iter().zip(&before).all(|(a, b)| a.section_type == b.0 && a.title == b.1)
        && sections.iter().zip(original).zip(locked).all(|((s, o), l)| !*l || s.content == o.as_str())
}
