//! The edit applier on arbitrary edits against real résumés: whatever it
//! accepts leaves the document balanced, the preamble, the closing and the
//! locked sections byte-identical, and brings no control sequence (nor
//! `^^` notation) the base did not have.
#![no_main]

use std::collections::BTreeSet;

use engine::apply::{Context, apply_answer};
use engine::protocol::{Edit, EditAnswer};
use libfuzzer_sys::fuzz_target;
use text::enums::AiMode;
use text::latex::{Lexer, TokenKind, check_balance, split};

const RESUMES: &[&str] = &[
    include_str!("../../eval/resumes/jake.tex"),
    include_str!("../../eval/resumes/moderncv-classic.tex"),
    include_str!("../../eval/resumes/awesome-like.tex"),
];

fn commands(text: &str) -> BTreeSet<&str> {
    Lexer::new(text)
        .filter_map(|t| match t.kind {
            TokenKind::Command(name) => Some(name),
            _ => None,
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let [which, lock_mask, mode, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let latex = RESUMES[usize::from(*which) % RESUMES.len()];
    let doc = split(latex).expect("fixtures split");
    let contents: Vec<String> = doc.sections.iter().map(|s| s.content.to_owned()).collect();
    let locked: Vec<bool> = (0..contents.len()).map(|i| lock_mask & (1 << (i % 8)) != 0).collect();
    // Edits from the input: `section|quote line|replacement` per line; the
    // quote is a line of the section (so it matches), the replacement free.
    let edits: Vec<Edit> = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '|');
            let section = usize::from(parts.next()?.bytes().next()?) % contents.len();
            let lines: Vec<&str> = contents[section].lines().collect();
            let pick = usize::from(parts.next()?.bytes().next()?) % lines.len().max(1);
            let original = (*lines.get(pick)?).to_owned();
            let replacement = parts.next()?.replace("\\n", "\n");
            Some(Edit { section, original, replacement, reason: None })
        })
        .collect();
    let mode = AiMode::ALL[usize::from(*mode) % AiMode::ALL.len()];
    let context = Context { mode, base_latex: latex, jd_skills: &[], jd_keywords: &[] };
    let proposal = apply_answer(doc.preamble, &contents, &locked, doc.closing, &EditAnswer { edits }, &context)
        .expect("a balanced base always yields a proposal");
    assert!(proposal.latex.starts_with(doc.preamble) && proposal.latex.ends_with(doc.closing));
    assert!(check_balance(&proposal.latex).is_ok());
    let before = commands(latex);
    let after = commands(&proposal.latex);
    assert!(after.is_subset(&before), "new control sequences: {:?}", after.difference(&before).collect::<Vec<_>>());
    assert!(!proposal.latex.contains("^^") || latex.contains("^^"));
    let out = split(&proposal.latex).expect("the proposal splits");
    for (i, section) in out.sections.iter().enumerate() {
        if locked[i] {
            assert_eq!(section.content, contents[i], "locked section {i} changed");
        }
    }
});
