//! Splitting a run into calls whose answers fit the model's output limit: a
//! long résumé rewritten whole needs more tokens than one answer may have
//! (DeepSeek-V3 answers at most 8K), and a cut answer loses its tail. The
//! unlocked sections are grouped in order, each group's full answer
//! estimated under three quarters of the limit, and each call told how many
//! edits it may make.

use super::protocol::SectionInput;

/// One call's share of the work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The sections (indices) it asks to edit.
    pub sections: Vec<usize>,
    /// The most edits its answer may hold.
    pub max_edits: usize,
}

/// Tokens of one edit of `line` in an answer: the quote and its
/// replacement (about four characters a token), the JSON around them and a
/// short reason.
fn edit_tokens(line: &str) -> usize {
    (2 * line.len()).div_ceil(4) + 40
}

/// The lines of a section an edit may rewrite.
fn editable_lines(content: &str) -> impl Iterator<Item = &str> {
    content.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('%'))
}

/// Group the unlocked `sections` for answers of at most `max_tokens`.
pub fn plan(sections: &[SectionInput], max_tokens: u32) -> Vec<Group> {
    let budget = (max_tokens as usize * 3 / 4).max(256);
    let mut groups: Vec<Group> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut used = 0;
    let mut lines = 0;
    let close = |groups: &mut Vec<Group>, current: &mut Vec<usize>, used: usize, lines: usize| {
        if current.is_empty() {
            return;
        }
        let per_edit = used.checked_div(lines).unwrap_or(1).max(1);
        groups.push(Group { sections: std::mem::take(current), max_edits: (budget / per_edit).clamp(1, lines.max(1)) });
    };
    for section in sections.iter().filter(|s| !s.locked) {
        let tokens: usize = editable_lines(&section.content).map(edit_tokens).sum();
        let count = editable_lines(&section.content).count();
        if !current.is_empty() && used + tokens > budget {
            close(&mut groups, &mut current, used, lines);
            used = 0;
            lines = 0;
        }
        current.push(section.index);
        used += tokens;
        lines += count;
    }
    close(&mut groups, &mut current, used, lines);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use text::enums::ResumeSectionType;

    fn section(index: usize, locked: bool, bullets: usize) -> SectionInput {
        let content =
            format!("\\section{{S{index}}}\n{}", "\\item Built and ran a service for many years\n".repeat(bullets));
        SectionInput { index, section_type: ResumeSectionType::Experience, locked, content }
    }

    #[test]
    fn a_short_resume_is_one_call() {
        let groups = plan(&[section(0, false, 3), section(1, true, 3), section(2, false, 4)], 8192);
        assert_eq!(groups, vec![Group { sections: vec![0, 2], max_edits: 9 }]);
    }

    #[test]
    fn a_long_resume_is_split_under_the_limit() {
        let sections: Vec<SectionInput> = (0..20).map(|i| section(i, i == 3, 30)).collect();
        let groups = plan(&sections, 8192);
        assert!(groups.len() > 1, "{groups:?}");
        let covered: Vec<usize> = groups.iter().flat_map(|g| g.sections.clone()).collect();
        assert_eq!(covered, (0..20).filter(|&i| i != 3).collect::<Vec<_>>(), "every unlocked section once, in order");
        for g in &groups {
            let tokens: usize =
                g.sections.iter().flat_map(|&i| editable_lines(&sections[i].content)).map(edit_tokens).sum();
            assert!(tokens <= 8192 * 3 / 4 || g.sections.len() == 1, "{g:?}: {tokens}");
        }
        assert!(plan(&[section(0, true, 3)], 8192).is_empty());
    }
}
