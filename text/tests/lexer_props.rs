//! The lexer on any text: it never panics, its tokens cover the text
//! exactly and in order, and the readers built on it never panic either.
//! (The fuzz target `lexer` in `fuzz/` checks the same, coverage-guided.)

use proptest::prelude::*;
use text::latex::{Lexer, check_balance, plain::visible_text, preflight, split};

/// LaTeX-ish text: the characters that mean something, often.
fn latexish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\\",
        "{",
        "}",
        "%",
        "$",
        "&",
        "#",
        "^",
        "^^",
        "_",
        "~",
        "\n",
        " ",
        "a",
        "é",
        "\u{0}",
        "\\begin{itemize}",
        "\\end{itemize}",
        "\\item ",
        "\\verb|",
        "|",
        "\\begin{verbatim}",
        "\\end{verbatim}",
        "\\section{X}",
        "\\makeatletter",
        "@",
        "[",
        "]",
        "\\\\",
        "\\%",
        "^^5c",
        "^^M",
        "\\documentclass{article}",
        "\\begin{document}",
        "\\end{document}",
        "5cinput",
        "\r",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn tokens_cover_any_text_exactly(text in latexish()) {
        let mut at = 0;
        for token in Lexer::new(&text) {
            prop_assert_eq!(token.start, at);
            prop_assert!(token.end > token.start);
            prop_assert!(text.is_char_boundary(token.end));
            at = token.end;
        }
        prop_assert_eq!(at, text.len());
        let _ = visible_text(&text);
        let _ = check_balance(&text);
        let _ = preflight::outside_reach(&text);
        let _ = preflight::engine_for(&text);
        if let Ok(doc) = split(&text) {
            prop_assert_eq!(doc.reassemble(), text.clone());
        }
    }

    #[test]
    fn any_unicode_never_panics(text in any::<String>()) {
        let covered: usize = Lexer::new(&text).map(|t| t.end - t.start).sum();
        prop_assert_eq!(covered, text.len());
        let _ = visible_text(&text);
    }
}

/// Inputs the fuzz targets once crashed on, kept as regression tests.
#[test]
fn former_fuzz_crashes_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        let covered: usize = Lexer::new(&text).map(|t| t.end - t.start).sum();
        assert_eq!(covered, text.len());
        let _ = visible_text(&text);
        let _ = check_balance(&text);
        let _ = preflight::outside_reach(&text);
    }
}
