//! The text LaTeX would print, roughly: what the match score and the
//! faithfulness gate read, built on the one lexer and the one command table.
//!
//! Commands are stripped but their text arguments kept (`\textbf{Go}` →
//! `Go`; `\href{url}{text}` → url and text, the url read verbatim); escapes
//! read as their character (`\%` → `%`, `\&` → `&`); `$`, `~`, `\\`,
//! `\hfill` are separators; TeX's `^^` notation reads as the character it
//! stands for. Arguments that are never typeset (environment names,
//! `[options]` of `\begin` and `\\`, lengths, colours, labels, package
//! names, column specs: [`super::commands::TextRole::Drop`] and
//! [`super::commands::ENV_ARGS`]) are dropped, as are comments and the
//! `comment` environment. [`BREAK`] separates items: lines, cells, list
//! entries, and the arguments of unknown commands.

use super::commands::{TextRole, environment_arguments, text_role};
use super::lexer::{Lexer, TokenKind, find_closing_bracket, matching_brace, skip_blanks};

/// Separator emitted between items.
pub const BREAK: char = '\n';

/// The visible words of `latex`, approximately (see the module's documentation).
pub fn plain_text(latex: &str) -> String {
    visible_text(latex)
}

/// The text LaTeX would print, with [`BREAK`] between items.
pub fn visible_text(src: &str) -> String {
    read(src, false)
}

/// Every text of `src`, the arguments [`visible_text`] drops included: for
/// text that defines macros (`\renewcommand{\label}[1]{#1}\label{X}`
/// prints X), where what is typeset cannot be known without running TeX.
pub fn all_text(src: &str) -> String {
    read(src, true)
}

fn read(src: &str, keep_all: bool) -> String {
    let mut out = String::with_capacity(src.len());
    let mut lexer = Lexer::new(src);
    let mut after_close = false;
    while let Some(token) = lexer.next() {
        let was_close = std::mem::replace(&mut after_close, false);
        match token.kind {
            TokenKind::Text => push_text(&mut out, &src[token.start..token.end]),
            TokenKind::OpenBrace if was_close => out.push(BREAK),
            TokenKind::OpenBrace => {}
            TokenKind::CloseBrace => after_close = true,
            TokenKind::Comment | TokenKind::Dangling => {}
            TokenKind::Opaque { name: "comment", .. } => {}
            TokenKind::Opaque { name, .. } => {
                // Verbatim text is printed as it is.
                let content = &src[token.start..token.end];
                let inner = content.split_once('}').map_or("", |(_, rest)| rest);
                let inner = inner.strip_suffix(&format!("\\end{{{name}}}")).unwrap_or(inner);
                out.push(BREAK);
                out.push_str(inner);
                out.push(BREAK);
            }
            TokenKind::Verb { .. } => {
                let content = &src[token.start..token.end];
                let body = content.trim_start_matches("\\verb").trim_start_matches('*');
                let mut chars = body.chars();
                if let Some(delimiter) = chars.next() {
                    out.push_str(chars.as_str().trim_end_matches(delimiter));
                }
            }
            TokenKind::Caret => push_caret(&mut out, &src[token.start..token.end]),
            TokenKind::Special(c) => match c {
                '~' => out.push(' '),
                '$' if src[token.end..].starts_with(|d: char| d.is_ascii_digit()) => out.push('$'),
                '&' => out.push(BREAK),
                // `#1`: a macro parameter, not text.
                '#' if src[token.end..].starts_with(|d: char| d.is_ascii_digit()) => lexer.seek(token.end + 1),
                _ => {}
            },
            TokenKind::Symbol(c) => match c {
                '\\' => {
                    out.push(BREAK);
                    let mut k = token.end;
                    if src[k..].starts_with('*') {
                        k += 1;
                    }
                    if !keep_all {
                        lexer.seek(skip_arguments(src, k, 0));
                    }
                }
                '%' | '&' | '$' | '#' | '_' | '{' | '}' => out.push(c),
                ',' | ';' | ':' | '!' | ' ' | '>' | '\n' | '\t' => out.push(' '),
                '-' | '/' | '@' | '\'' | '"' | '^' | '`' | '~' | '=' | '.' => {}
                other => out.push(other),
            },
            TokenKind::Begin(env) => {
                out.push(BREAK);
                if !keep_all {
                    lexer.seek(skip_arguments(src, token.end, environment_arguments(env)));
                }
            }
            TokenKind::End(_) => out.push(BREAK),
            TokenKind::Command(name) => {
                let k = if src[token.end..].starts_with('*') { token.end + 1 } else { token.end };
                lexer.seek(k);
                match name {
                    "href" | "url" | "nolinkurl" => {
                        if let Some((url, after)) = group(src, k) {
                            out.push(' ');
                            out.push_str(&unescape_url(url));
                            out.push(' ');
                            lexer.seek(after);
                        }
                    }
                    _ => match text_role(name) {
                        Some(TextRole::Drop(n)) => {
                            out.push(' ');
                            if !keep_all {
                                lexer.seek(skip_arguments(src, k, n));
                            }
                        }
                        Some(TextRole::Symbol(symbol)) => out.push_str(symbol),
                        Some(TextRole::Inline) => out.push(' '),
                        // Accents and special letters: `\c{c}`, `\v{s}`.
                        None if name.len() == 1 => {}
                        None => out.push(BREAK),
                    },
                }
            }
        }
    }
    out
}

/// Text as printed: tabs, carriage returns and non-breaking spaces are
/// spaces; soft hyphens and zero-width spaces vanish.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\r' | '\t' | '\u{a0}' => out.push(' '),
            '\u{ad}' | '\u{200b}' => {}
            _ => out.push(c),
        }
    }
}

/// The character TeX's `^^` notation stands for.
fn push_caret(out: &mut String, caret: &str) {
    let code = match caret.as_bytes() {
        [b'^', b'^', a, b] => u8::from_str_radix(&format!("{}{}", char::from(*a), char::from(*b)), 16).ok(),
        [b'^', b'^', c] => Some(if *c < 64 { c + 64 } else { c - 64 }),
        _ => None,
    };
    if let Some(c) = code.map(char::from).filter(|c| !c.is_control()) {
        out.push(c);
    }
}

/// The content of the brace group at `k` (after blanks) and the offset
/// after its `}`.
fn group(src: &str, k: usize) -> Option<(&str, usize)> {
    let open = skip_blanks(src.as_bytes(), k);
    let close = matching_brace(src, open)?;
    Some((&src[open + 1..close], close + 1))
}

/// The offset after `[options]` (directly at `k`, or anywhere while groups
/// remain) and `n` brace groups; where an argument is never closed, nothing
/// more is skipped (text cannot hide in an unclosed group).
fn skip_arguments(src: &str, mut k: usize, mut n: usize) -> usize {
    loop {
        let at = skip_blanks(src.as_bytes(), k);
        let end = match src.as_bytes().get(at) {
            Some(b'[') if at == k || n > 0 => find_closing_bracket(src, at, 4096),
            Some(b'{') if n > 0 => {
                n -= 1;
                matching_brace(src, at)
            }
            _ => return k,
        };
        match end {
            Some(end) => k = end + 1,
            None => return k,
        }
    }
}

/// A URL as typed: `\%`, `\#`, `\_`, `\&`, `\~`, `\$` are their character.
fn unescape_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut chars = url.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && "%#_&~$".contains(n)
        {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_words_and_drops_markup() {
        let text = plain_text("\\resumeItem{Cut p99 by 35\\% with \\textbf{Go} \\& Rust} % secret\n\\section*{Skills}");
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, ["Cut", "p99", "by", "35%", "with", "Go", "&", "Rust", "Skills"]);
    }

    #[test]
    fn layout_arguments_comments_and_carets() {
        let text = visible_text(
            "\\begin{tabular*}{0.97\\textwidth}[t]{l@{}r}A & B\\\\[2pt]\\end{tabular*}\\vspace{-4pt}%x\n\\begin{comment}hidden\\end{comment}^^41da",
        );
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, ["A", "B", "Ada"]);
        assert!(visible_text("\\href{https://x.io/a\\_b}{site}").contains("https://x.io/a_b"));
        assert!(visible_text("\\verb|raw {text}|").contains("raw {text}"));
    }
}
