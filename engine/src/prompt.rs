//! The prompt: the mode's contract, the rules, the answer's schema, and the
//! input (JD analysis and sections) as JSON.

use serde_json::Value;
use text::enums::AiMode;

use super::protocol::{INPUT_BEGIN, INPUT_END, SectionInput, TailorInput};

/// Largest input we send in one call, in bytes of JSON. Larger résumés fail
/// clearly rather than being truncated.
pub const MAX_INPUT_BYTES: usize = 120_000;

/// Above this, locked sections are sent as their heading only (they are
/// context, never edited), so long résumés fit the model's context.
pub const COMPACT_ABOVE_BYTES: usize = 48_000;

fn mode_contract(mode: AiMode) -> &'static str {
    match mode {
        AiMode::Minimal => {
            "MINIMAL: make a few small, targeted wording changes (a word or phrase per bullet) so that terms the job description uses appear where the résumé already supports them. Change at most a quarter of the bullets. Do not reorder anything."
        }
        AiMode::Balanced => {
            "BALANCED: reframe bullets toward the job description: lead with the most relevant outcome, use the JD's vocabulary for things the person did. Change up to about half of the bullets. You may reorder items of a skills list."
        }
        AiMode::Aggressive => {
            "AGGRESSIVE: maximise relevance to the job description: rewrite any bullet toward it, and reorder items within a section (bullets, skills) so the most relevant come first. Never drop content."
        }
    }
}

const RULES: &str = "You tailor a LaTeX résumé to a job description by proposing edits.\n\
Rules, all mandatory:\n\
1. Never invent facts: no employer, title, degree, date, number, percentage, URL, e-mail, tool or skill that the résumé does not already contain. Rephrase what is there.\n\
2. Only edit sections with \"locked\": false. Locked sections are context only.\n\
3. Each edit replaces `original`, an exact, verbatim quote of text inside one section's content (copy it character for character, including LaTeX commands), with `replacement`.\n\
4. Keep LaTeX valid: keep the commands and braces of the original; escape special characters (\\%, \\&, \\_, \\#, \\$) in new text.\n\
5. Prefer short quotes: one bullet or one line per edit. To reorder bullets, quote the consecutive bullet lines and give the same lines in the new order; to reorder a skills list, quote the line and give the same items in the new order.\n\
6. Change words only: keep every LaTeX command, brace and line break of the quote where it is.\n\
Answer with one JSON object and nothing else:\n\
{\"edits\": [{\"section\": <index>, \"original\": \"<exact quote>\", \"replacement\": \"<new text>\", \"reason\": \"<why, short>\"}]}";

/// Flatten the stored JD analysis into the names and terms the prompt lists.
fn jd_lists(extracted_skills: &Value, keywords: &Value) -> (Vec<String>, Vec<String>) {
    let mut skills: Vec<(String, u64)> = Vec::new();
    if let Some(groups) = extracted_skills.as_object() {
        for list in groups.values() {
            for s in list.as_array().into_iter().flatten() {
                if let Some(name) = s.get("name").and_then(Value::as_str) {
                    skills.push((name.to_owned(), s.get("mentions").and_then(Value::as_u64).unwrap_or(1)));
                }
            }
        }
    }
    skills.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let terms = keywords
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k.get("term").and_then(Value::as_str).map(str::to_owned))
        .collect();
    (skills.into_iter().map(|s| s.0).collect(), terms)
}

/// The model's input for a job: the JD analysis flattened, and the sections.
pub fn build_input(
    mode: AiMode,
    role_type: &str,
    extracted_skills: &Value,
    keywords: &Value,
    sections: Vec<SectionInput>,
) -> TailorInput {
    let (jd_skills, jd_keywords) = jd_lists(extracted_skills, keywords);
    TailorInput { mode, role_type: role_type.to_owned(), jd_skills, jd_keywords, sections, max_edits: None }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `system` or `user`.
    pub role: &'static str,
    pub content: String,
}

/// The chat messages for `input`, or why it cannot be sent.
pub fn messages(input: &TailorInput) -> Result<Vec<Message>, String> {
    let mut json = serde_json::to_string_pretty(input).map_err(|e| format!("cannot encode the prompt: {e}"))?;
    if json.len() > COMPACT_ABOVE_BYTES {
        let mut compact = input.clone();
        for s in compact.sections.iter_mut().filter(|s| s.locked) {
            let heading = s.content.lines().find(|l| l.trim_start().starts_with('\\')).unwrap_or("").to_owned();
            s.content = format!("{heading}\n% (locked section: content omitted to save context)");
        }
        json = serde_json::to_string(&compact).map_err(|e| format!("cannot encode the prompt: {e}"))?;
    }
    if json.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "the résumé is too long to tailor in one request ({} KB of sections; the limit is {} KB)",
            json.len() / 1024,
            MAX_INPUT_BYTES / 1024
        ));
    }
    let system = format!("{RULES}\n\nMode: {}", mode_contract(input.mode));
    let limit = input
        .max_edits
        .map(|n| format!(" Propose at most {n} edits, to the sections with \"locked\": false only."))
        .unwrap_or_default();
    let user = format!(
        "Tailor this résumé toward the job description summarised below (role type, skills, keywords).{limit}\n{INPUT_BEGIN}\n{json}\n{INPUT_END}"
    );
    Ok(vec![Message { role: "system", content: system }, Message { role: "user", content: user }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use text::enums::ResumeSectionType;

    fn input(locked_size: usize, unlocked_size: usize) -> TailorInput {
        let section = |index, locked, size: usize| SectionInput {
            index,
            section_type: ResumeSectionType::Experience,
            locked,
            content: format!("\\section{{Experience}}\n{}", "\\item Built things\n".repeat(size / 18)),
        };
        TailorInput {
            mode: AiMode::Balanced,
            role_type: "backend".into(),
            jd_skills: vec!["Go".into()],
            jd_keywords: vec![],
            sections: vec![section(0, true, locked_size), section(1, false, unlocked_size)],
            max_edits: None,
        }
    }

    #[test]
    fn long_resumes_send_locked_sections_as_headings_and_never_truncate() {
        let small = messages(&input(1_000, 1_000)).expect("fits");
        assert!(!small[1].content.contains("content omitted"));
        let long = messages(&input(80_000, 10_000)).expect("compacted to fit");
        assert!(long[1].content.contains("content omitted"));
        assert!(long[1].content.contains("\\\\section{Experience}"), "the heading stays");
        assert!(long[1].content.matches("Built things").count() >= 10_000 / 18, "unlocked sections are whole");
        let too_long = messages(&input(1_000, 200_000)).expect_err("refused, not truncated");
        assert!(too_long.contains("too long"), "{too_long}");
    }
}
