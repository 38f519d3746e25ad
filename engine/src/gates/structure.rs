//! The structure gate: an edit may not add, remove or rename a heading, nor
//! move a section boundary, so the proposal, split again when accepted,
//! has the same sections and keeps its locks.

use text::enums::ResumeSectionType;
use text::latex::split_body;

/// The original body's sections (read once per answer), against which each
/// edited body is checked.
pub struct Structure<'a> {
    headings: Vec<(ResumeSectionType, Option<String>)>,
    original: &'a [String],
    locked: &'a [bool],
}

impl<'a> Structure<'a> {
    /// The sections `original` (concatenated, the body) splits into, with
    /// their locks.
    pub fn of(original: &'a [String], locked: &'a [bool]) -> Structure<'a> {
        let headings = split_body(&original.concat()).into_iter().map(|s| (s.section_type, s.title)).collect();
        Structure { headings, original, locked }
    }

    /// Whether the edited body (the edited sections, concatenated) still
    /// splits into the same sections (same headings, same boundaries), with
    /// every locked section byte-identical.
    pub fn keeps(&self, body: &str) -> bool {
        let sections = split_body(body);
        sections.len() == self.original.len()
            && sections.iter().zip(&self.headings).all(|(a, b)| a.section_type == b.0 && a.title == b.1)
            && sections.iter().zip(self.original).zip(self.locked).all(|((s, o), l)| !*l || s.content == o.as_str())
    }
}
