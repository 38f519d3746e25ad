//! The markup gate: an edit may change words, never how TeX reads the
//! section. The section's markup skeleton (see [`skeleton`]) must be the
//! same after the edit as before, read in context, so a replacement cannot
//! add a command, a brace, a comment, a `^^` sequence or a special
//! character, nor join the text around it into one (a trailing `\` before
//! `%`, letters after a command name). Control characters are refused
//! outright, whatever TeX would make of them.

use text::latex::{Lexer, TokenKind};

/// The markup of a piece of LaTeX, in order: commands, environments,
/// braces, comments, verbatim, `^^` notation, the specials `$ & # ^ _`, and
/// control symbols other than the escaped characters (`\%`, `\&`, `\$`,
/// `\#`, `\_`, `\{`, `\}` are text). Text, spaces and `~` are not markup.
pub fn skeleton(text: &str) -> Vec<String> {
    Lexer::new(text)
        .filter_map(|token| match token.kind {
            TokenKind::Text | TokenKind::Special('~') => None,
            TokenKind::Symbol(c) if "%&$#_{}".contains(c) => None,
            TokenKind::Command(name) => Some(format!("\\{name}")),
            TokenKind::Begin(name) => Some(format!("\\begin{{{name}}}")),
            TokenKind::End(name) => Some(format!("\\end{{{name}}}")),
            TokenKind::Symbol(c) => Some(format!("\\{c}")),
            TokenKind::Special(c) => Some(c.to_string()),
            TokenKind::OpenBrace => Some("{".into()),
            TokenKind::CloseBrace => Some("}".into()),
            TokenKind::Comment => Some("%".into()),
            TokenKind::Caret => Some(text[token.start..token.end].to_owned()),
            TokenKind::Opaque { name, .. } => Some(format!("verbatim:{name}")),
            TokenKind::Verb { .. } => Some("\\verb".into()),
            TokenKind::Dangling => Some("\\".into()),
        })
        .collect()
}

/// Why the edit that turns `before` (a section) into `after` changes its
/// markup, if it does.
pub fn changes_markup(before: &str, after: &str) -> Option<&'static str> {
    (skeleton(before) != skeleton(after)).then_some(
        "the edit changes the LaTeX markup (commands, braces, comments or special characters), not only the text",
    )
}

/// Why `replacement` is refused before anything else reads it: a control
/// character (other than line breaks and tabs), or TeX's `^^` notation,
/// which TeX reads as another character (`^^5c` is `\`).
pub fn unreadable(replacement: &str) -> Option<String> {
    if let Some(c) = replacement.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\t')) {
        return Some(format!("the replacement contains a control character (U+{:04X})", u32::from(c)));
    }
    if replacement.contains("^^") {
        return Some("the replacement contains `^^`, which TeX reads as another character".into());
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skeleton_ignores_text_and_escapes() {
        assert_eq!(skeleton("\\textbf{Go}: a, b \\\\"), ["\\textbf", "{", "}", "\\\\"]);
        assert!(skeleton("50\\% \\& more~than \\_x").is_empty());
        assert_ne!(skeleton("\\textbf{Cloud:} AWS\\par"), skeleton("\\textbf{Cloud: AWS\\par}"));
    }

    #[test]
    fn joining_the_text_around_a_replacement_is_a_change() {
        // A trailing backslash turns the comment after it into text.
        assert!(changes_markup("Built it % note\n", "Built it \\% note\n").is_some());
        // Letters glued to a command name make another command.
        assert!(changes_markup("\\LaTeX\\ rocks", "\\LaTeXrocks").is_some());
        // `^^5c` is read by TeX as a backslash.
        assert!(changes_markup("service x", "service ^^5cinput{/etc/hostname}").is_some());
        assert!(changes_markup("Built a \\textbf{Go} API", "Designed a \\textbf{Go} service").is_none());
    }

    #[test]
    fn control_characters_and_carets_are_unreadable() {
        assert!(unreadable("a\u{0}b").is_some());
        assert!(unreadable("a\u{1b}[31mb").is_some());
        assert!(unreadable("x ^^5cinput").is_some());
        assert!(unreadable("two\nlines\tand tabs").is_none());
    }

    #[test]
    fn escaping_keeps_the_originals_own_markup() {
        assert_eq!(escape_new_text("50% faster & cheaper #1", "fast"), "50\\% faster \\& cheaper \\#1");
        assert_eq!(escape_new_text("already \\% escaped", "x"), "already \\% escaped");
        assert_eq!(escape_new_text("a $|$ b", "x $|$ y"), "a $|$ b");
        assert_eq!(escape_new_text("snake_case", "x"), "snake\\_case");
    }
}
