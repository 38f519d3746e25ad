//! The lexer and the readers on it, on any input: no panic, and the tokens
//! cover the text exactly, in order, on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use text::latex::{Lexer, check_balance, plain::visible_text, preflight};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut at = 0;
    for token in Lexer::new(text) {
        assert_eq!(token.start, at, "{token:?}");
        assert!(token.end > token.start && text.is_char_boundary(token.end), "{token:?}");
        at = token.end;
    }
    assert_eq!(at, text.len());
    let _ = visible_text(text);
    let _ = check_balance(text);
    let _ = preflight::outside_reach(text);
    let _ = text::latex::commands::first_catcode_change(text);
});
