//! Turning the model's answer into a proposal, safely: every edit must quote
//! its section exactly, touch only an unlocked section, and leave the LaTeX
//! balanced; new text is escaped by our code. Refused edits are dropped with
//! their reason; the rest stand. The assembled document is checked again.

use serde::Serialize;
use shared::latex::{check_balance, check_whole_document};

use super::protocol::{Edit, EditAnswer};

/// An edit that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refusal {
    pub section: usize,
    pub reason: String,
}

/// The result of applying an answer.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub latex: String,
    pub applied: Vec<Edit>,
    pub refused: Vec<Refusal>,
}

/// Parse the model's answer: one JSON object, possibly inside a code fence.
pub fn parse_answer(content: &str) -> Result<EditAnswer, String> {
    let start = content.find('{');
    let end = content.rfind('}');
    let json = match (start, end) {
        (Some(s), Some(e)) if e > s => &content[s..=e],
        _ => return Err("the answer contains no JSON object".into()),
    };
    serde_json::from_str(json).map_err(|e| format!("the answer is not the requested JSON ({e})"))
}

fn is_escaped(text: &str, byte_index: usize) -> bool {
    text[..byte_index].bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

fn has_unescaped(text: &str, c: char) -> bool {
    text.char_indices().any(|(i, ch)| ch == c && !is_escaped(text, i))
}

/// Escape LaTeX special characters in text the model wrote — except those
/// the quoted original already used unescaped (its own markup: `$|$`, a URL
/// with `_` inside `\href`, an `&` in a tabular).
pub fn escape_new_text(replacement: &str, original: &str) -> String {
    const SPECIAL: [char; 5] = ['%', '&', '#', '_', '$'];
    let keep: Vec<char> = SPECIAL.iter().copied().filter(|c| has_unescaped(original, *c)).collect();
    let mut out = String::with_capacity(replacement.len() + 8);
    for (i, ch) in replacement.char_indices() {
        if SPECIAL.contains(&ch) && !keep.contains(&ch) && !is_escaped(replacement, i) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Apply `answer` to the sections (`contents[i]`, `locked[i]`) between
/// `preamble` and `closing`.
pub fn apply_answer(
    preamble: &str,
    contents: &[String],
    locked: &[bool],
    closing: &str,
    answer: &EditAnswer,
) -> Result<Proposal, String> {
    let mut sections: Vec<String> = contents.to_vec();
    let mut applied = Vec::new();
    let mut refused = Vec::new();
    for edit in &answer.edits {
        let refuse = |reason: &str| Refusal { section: edit.section, reason: reason.to_owned() };
        let Some(current) = sections.get(edit.section) else {
            refused.push(refuse("no such section"));
            continue;
        };
        if locked.get(edit.section).copied().unwrap_or(true) {
            refused.push(refuse("the section is locked"));
            continue;
        }
        if edit.original.trim().is_empty() {
            refused.push(refuse("the quoted original is empty"));
            continue;
        }
        match current.matches(edit.original.as_str()).count() {
            0 => {
                refused.push(refuse("the quoted original does not match the section"));
                continue;
            }
            1 => {}
            _ => {
                refused.push(refuse("the quoted original is ambiguous (it occurs more than once)"));
                continue;
            }
        }
        let replacement = escape_new_text(&edit.replacement, &edit.original);
        if replacement == edit.original {
            continue;
        }
        let candidate = current.replacen(edit.original.as_str(), &replacement, 1);
        let mut trial = sections.clone();
        trial[edit.section] = candidate;
        if let Err(e) = check_balance(&trial.concat()) {
            refused.push(refuse(&format!("the edit would break the LaTeX ({e})")));
            continue;
        }
        sections = trial;
        applied.push(Edit { replacement, ..edit.clone() });
    }
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
                edit(1, "Built a Go service", "Built a Go payments service & API"),
                edit(2, "B.Sc. 2018", "PhD 2018"),
                edit(1, "Designed rockets", "x"),
                edit(1, "\\item Wrote docs", "\\item Wrote docs}"),
                edit(9, "a", "b"),
                edit(1, "", "b"),
            ],
        };
        let p = apply_answer(PRE, &sections(), &locked, END, &answer).expect("proposal");
        assert!(p.latex.contains("Built a Go payments service \\& API"), "{}", p.latex);
        assert!(p.latex.contains("B.Sc. 2018"), "locked section untouched");
        assert_eq!(p.applied.len(), 1);
        let reasons: Vec<&str> = p.refused.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].contains("locked"));
        assert!(reasons[1].contains("does not match"));
        assert!(reasons[2].contains("break the LaTeX"));
        assert!(reasons[3].contains("no such section"));
        assert!(reasons[4].contains("empty"));
    }

    #[test]
    fn escaping_keeps_the_originals_own_markup() {
        assert_eq!(escape_new_text("50% faster & cheaper #1", "fast"), "50\\% faster \\& cheaper \\#1");
        assert_eq!(escape_new_text("already \\% escaped", "x"), "already \\% escaped");
        assert_eq!(escape_new_text("a $|$ b", "x $|$ y"), "a $|$ b");
        assert_eq!(escape_new_text("snake_case", "x"), "snake\\_case");
    }

    #[test]
    fn parses_fenced_json_and_rejects_garbage() {
        let a =
            parse_answer("```json\n{\"edits\": [{\"section\": 1, \"original\": \"a\", \"replacement\": \"b\"}]}\n```")
                .expect("parse");
        assert_eq!(a.edits.len(), 1);
        assert!(parse_answer("I cannot help with that").is_err());
        assert!(parse_answer("{\"edits\": 5}").is_err());
        assert!(parse_answer("{\"edits\": [{\"section\": 1").is_err());
    }
}
