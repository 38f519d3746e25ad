//! Model output that TeX reads differently from a naive reader, and facts
//! smuggled past a gate: each is refused with its gate and reason, through
//! the same `apply_answer` the worker runs.

use engine::apply::{Context, Gate, Proposal, apply_answer};
use engine::protocol::{Edit, EditAnswer};
use text::enums::AiMode;
use text::latex::split;

const BASE: &str = r"\documentclass{article}
\begin{document}
Ada Example \\ ada@example.com

\section{Experience}
\begin{itemize}
  \item Built a Go payments service on PostgreSQL % the first one
  \item Cut latency by 35\% with connection pooling
  \item Wrote runbooks for the on-call rotation
\end{itemize}

\section{Education}
B.Sc. Computer Science, Example University, 2018
\end{document}
";

fn edit(section: usize, original: &str, replacement: &str) -> Edit {
    Edit { section, original: original.into(), replacement: replacement.into(), reason: None }
}

fn apply(edits: Vec<Edit>) -> Proposal {
    let doc = split(BASE).expect("base splits");
    let contents: Vec<String> = doc.sections.iter().map(|s| s.content.to_owned()).collect();
    let locked = vec![false; contents.len()];
    let context = Context { mode: AiMode::Aggressive, base_latex: BASE, jd_skills: &[], jd_keywords: &[] };
    apply_answer(doc.preamble, &contents, &locked, doc.closing, &EditAnswer { edits }, &context).expect("assembles")
}

/// The edit is refused by `gate` with a reason containing `why`, and the
/// document is unchanged.
fn refused(e: Edit, gate: Gate, why: &str) {
    let p = apply(vec![e.clone()]);
    assert!(p.applied.is_empty(), "{e:?} was applied");
    let refusal = p.refused.first().unwrap_or_else(|| panic!("{e:?} neither applied nor refused"));
    assert_eq!(refusal.gate, gate, "{e:?}: {}", refusal.reason);
    assert!(refusal.reason.contains(why), "{e:?}: {}", refusal.reason);
    assert_eq!(p.latex, BASE);
}

#[test]
fn caret_notation_is_refused() {
    refused(edit(1, "Go payments service", "Go payments service ^^5cinput{/etc/hostname}"), Gate::Markup, "`^^`");
    // `^^` and a raw control character: TeX reads another character.
    refused(edit(1, "Go payments service", "Go payments service ^^\u{1}input"), Gate::Markup, "control character");
}

#[test]
fn a_trailing_backslash_cannot_join_the_text_after_it() {
    // `\` + ` % the first one` would make the comment text (`\%`).
    refused(edit(1, "PostgreSQL", "PostgreSQL\\"), Gate::Markup, "markup");
    // Letters glued to a command name make another command.
    refused(edit(1, "\\item Built", "\\itemBuilt"), Gate::Markup, "markup");
}

#[test]
fn control_characters_anywhere_are_refused() {
    for c in ['\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}'] {
        refused(edit(1, "Wrote runbooks", &format!("Wrote{c} runbooks")), Gate::Markup, "control character");
    }
}

#[test]
fn numbers_in_other_digits_are_numbers() {
    refused(edit(1, "by 35\\%", "by ５０％"), Gate::Faithfulness, "50%");
    refused(edit(1, "by 35\\%", "by ٥٠\\%"), Gate::Faithfulness, "٥٠");
    refused(edit(1, "Cut latency", "Cut latency ２x"), Gate::Faithfulness, "2");
}

#[test]
fn a_second_edit_cannot_launder_the_first_ones_output() {
    // The first edit is honest; the second quotes its output to add a name.
    let p = apply(vec![
        edit(1, "Built a Go payments service", "Developed a Go payments service"),
        edit(1, "Developed a Go payments service", "Developed a Go payments service at MIT"),
    ]);
    assert_eq!(p.applied.len(), 1);
    assert_eq!(p.refused[0].gate, Gate::Quote, "{:?}", p.refused);
    assert!(p.refused[0].reason.contains("does not match"), "{:?}", p.refused);
    // A lower-case fact slipped in first is refused, and so is the edit
    // that would capitalise it.
    let p = apply(vec![
        edit(2, "B.Sc. Computer Science", "B.Sc. Computer Science, graduate of mit"),
        edit(2, "graduate of mit", "graduate of MIT"),
    ]);
    assert!(p.applied.is_empty(), "{:?}", p.applied);
    assert_eq!(p.refused[0].gate, Gate::Faithfulness, "{:?}", p.refused);
    assert_eq!(p.refused[1].gate, Gate::Quote, "{:?}", p.refused);
    // Overlapping an earlier edit is refused even when the quote is in the base.
    let p = apply(vec![
        edit(1, "Wrote runbooks", "Authored runbooks"),
        edit(1, "Wrote runbooks for the on-call rotation", "Wrote runbooks for the pager rotation"),
    ]);
    assert_eq!(p.applied.len(), 1);
    assert!(p.refused[0].reason.contains("overlaps an earlier edit"), "{:?}", p.refused);
    // An earlier edit that extended the quoted text leaves it in place as a
    // prefix: still an overlap, known by position, not by text.
    let line = "Wrote runbooks for the on-call rotation";
    let p = apply(vec![
        edit(1, line, &format!("{line} with connection pooling")),
        edit(1, line, &format!("{line} as a PostgreSQL expert")),
    ]);
    assert_eq!(p.applied.len(), 1, "{:?}", p.refused);
    assert!(p.refused[0].reason.contains("overlaps an earlier edit"), "{:?}", p.refused);
}

#[test]
fn organisations_in_lower_case_are_refused() {
    refused(edit(2, "Example University", "Example University, graduate of mit"), Gate::Faithfulness, "mit");
    refused(edit(1, "Go payments service", "Go payments service at google"), Gate::Faithfulness, "google");
    refused(
        edit(1, "Go payments service", "Go payments service after I joined initech"),
        Gate::Faithfulness,
        "initech",
    );
    // Ordinary words after "at" are not names.
    let p = apply(vec![edit(1, "Go payments service", "Go payments service at scale")]);
    assert_eq!(p.applied.len(), 1, "{:?}", p.refused);
}

#[test]
fn a_document_that_changes_catcodes_is_not_edited() {
    let latex = BASE.replace("\\begin{document}", "\\catcode`\\|=0\n\\begin{document}");
    let skills = serde_json::json!({});
    let keywords = serde_json::json!([]);
    let sections = split(&latex)
        .expect("splits")
        .sections
        .iter()
        .enumerate()
        .map(|(index, s)| engine::SectionInput {
            index,
            section_type: s.section_type,
            locked: false,
            content: s.content.to_owned(),
        })
        .collect();
    let input = engine::EngineInput {
        mode: AiMode::Balanced,
        role_type: "backend",
        skills: &skills,
        keywords: &keywords,
        latex: &latex,
        sections,
        max_output_tokens: 8192,
    };
    let Err(refusal) = engine::prepare(input) else { panic!("a catcode change was accepted") };
    assert!(refusal.0.contains("\\catcode on line 2"), "{refusal}");
}
