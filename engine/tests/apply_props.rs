//! Property: whatever edits a model proposes, what the engine accepts leaves
//! locked sections and the preamble byte-identical, the document balanced,
//! and brings no control sequence (nor `^^` notation) the base did not have.
//! (The fuzz target `apply` in `fuzz/` checks the same on arbitrary edits.)

use engine::apply::{Context, apply_answer};
use engine::protocol::{Edit, EditAnswer};
use proptest::prelude::*;
use text::enums::AiMode;
use text::latex::{Lexer, TokenKind, check_balance, check_whole_document, split};

/// The control words of a text.
fn commands(text: &str) -> std::collections::BTreeSet<String> {
    Lexer::new(text)
        .filter_map(|t| match t.kind {
            TokenKind::Command(name) => Some(name.to_owned()),
            _ => None,
        })
        .collect()
}

const RESUMES: &[&str] = &[
    include_str!("../../eval/resumes/jake.tex"),
    include_str!("../../eval/resumes/moderncv-classic.tex"),
    include_str!("../../eval/resumes/altacv-like.tex"),
    include_str!("../../eval/resumes/awesome-like.tex"),
    include_str!("../../eval/resumes/plain-itemize.tex"),
];

/// Pieces a hostile model might write.
const NOISE: &[&str] = &[
    "}",
    "{",
    "\\end{itemize}",
    "\\begin{itemize}",
    "%",
    "&",
    "_",
    "$",
    "#",
    "\\\\",
    "at Google",
    "by 95%",
    "PhD",
    "Kubernetes",
    "\\textbf{",
    "led",
    "developed",
    " ",
    "x",
    "^^5cinput{/etc/hostname}",
    "\\",
    "\u{1}",
    "５０％",
    "at google",
    "\\def\\x{y}",
];

fn edits_strategy(sections: usize) -> impl Strategy<Value = Vec<(usize, usize, usize, usize, Vec<usize>)>> {
    // (section, start line, line count, keep-words, noise picks)
    prop::collection::vec(
        (0..sections, 0usize..40, 1usize..3, 0usize..8, prop::collection::vec(0..NOISE.len(), 0..4)),
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn accepted_edits_keep_locks_preamble_and_balance(
        which in 0..RESUMES.len(),
        lock_mask in any::<u16>(),
        mode in prop::sample::select(AiMode::ALL.to_vec()),
        raw in edits_strategy(16),
    ) {
        let latex = RESUMES[which];
        let doc = split(latex).expect("fixtures split");
        let contents: Vec<String> = doc.sections.iter().map(|s| s.content.to_owned()).collect();
        let locked: Vec<bool> = (0..contents.len()).map(|i| lock_mask & (1 << (i % 16)) != 0).collect();
        let edits: Vec<Edit> = raw
            .into_iter()
            .filter_map(|(section, start, count, keep, noise)| {
                let section = section % contents.len();
                let lines: Vec<&str> = contents[section].lines().collect();
                if lines.is_empty() {
                    return None;
                }
                let start = start % lines.len();
                let end = (start + count).min(lines.len());
                let original = lines[start..end].join("\n");
                let mut replacement: String =
                    original.split_whitespace().take(keep + 1).collect::<Vec<_>>().join(" ");
                for n in noise {
                    replacement.push(' ');
                    replacement.push_str(NOISE[n]);
                }
                Some(Edit { section, original, replacement, reason: None })
            })
            .collect();
        let context = Context { mode, base_latex: latex, jd_skills: &[], jd_keywords: &[] };
        let proposal = apply_answer(doc.preamble, &contents, &locked, doc.closing, &EditAnswer { edits }, &context)
            .expect("a balanced base always yields a proposal");
        prop_assert!(proposal.latex.starts_with(doc.preamble), "preamble byte-identical");
        prop_assert!(proposal.latex.ends_with(doc.closing), "closing byte-identical");
        prop_assert!(check_whole_document(&proposal.latex).is_ok());
        prop_assert!(check_balance(&proposal.latex).is_ok());
        let new: Vec<String> = commands(&proposal.latex).difference(&commands(latex)).cloned().collect();
        prop_assert!(new.is_empty(), "control sequences the base did not have: {:?}", new);
        prop_assert!(!proposal.latex.contains("^^") || latex.contains("^^"));
        let out = split(&proposal.latex).expect("proposal splits");
        prop_assert_eq!(out.sections.len(), contents.len());
        for (i, section) in out.sections.iter().enumerate() {
            if locked[i] {
                prop_assert_eq!(section.content, contents[i].as_str(), "locked section {} changed", i);
            }
        }
    }
}
