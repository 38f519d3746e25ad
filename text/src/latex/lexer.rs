//! The one LaTeX lexer: every reader of LaTeX in Tailor (validation, section
//! splitting, plain text, the preflight check, the diff, and the engine's
//! gates, applier and budget) is built on [`Lexer`].
//!
//! It reads TeX's input rules with the default category codes, as far as a
//! résumé needs them, without running TeX:
//!
//! * `%` starts a comment that runs to the end of the line, unless escaped as
//!   `\%`. `\\%` is a line break (`\\`) followed by a comment.
//! * `\` followed by letters is a control word (`\section`; with `@` as a
//!   letter between `\makeatletter` and `\makeatother`); `\` followed by any
//!   other character is a control symbol (`\{`, `\%`, `\\`); a `\` that ends
//!   the text is [`TokenKind::Dangling`]: whatever follows it in a larger
//!   text would join it.
//! * `{` and `}` group; `$ & # ^ _ ~` are [`TokenKind::Special`].
//! * `^^` followed by two lower-case hex digits or by one character of code
//!   below 128 is TeX's notation for another character ([`TokenKind::Caret`]):
//!   `^^5cinput` is read by TeX as `\input`. Readers never decode it; the
//!   gates refuse it in model output.
//! * The contents of the environments in [`OPAQUE_ENVIRONMENTS`] and of
//!   `\verb|...|` are opaque: nothing inside them is a brace, a comment or a
//!   command.
//! * Everything else is [`TokenKind::Text`], in runs.
//!
//! Commands that change how TeX reads characters (`\catcode`,
//! `\MakeShortVerb`, …) are listed in [`super::commands`]; a reader that meets
//! one refuses the text rather than guess what follows.

/// Environments whose contents are read verbatim (or thrown away) by LaTeX,
/// so braces, `%` and commands inside them mean nothing.
///
/// The contents run from `\begin{name}` to the first literal `\end{name}`.
/// `comment` is the environment of the `comment` package, which authors use
/// to hide whole sections.
pub const OPAQUE_ENVIRONMENTS: &[&str] =
    &["verbatim", "verbatim*", "Verbatim", "Verbatim*", "BVerbatim", "lstlisting", "minted", "comment"];

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind<'a> {
    /// A run of ordinary characters (letters, digits, punctuation, spaces,
    /// line breaks).
    Text,
    /// An unescaped `{`.
    OpenBrace,
    /// An unescaped `}`.
    CloseBrace,
    /// A control word (`\name`), other than the forms below.
    Command(&'a str),
    /// A control symbol: `\` and one non-letter character (`\%`, `\\`, `\ `).
    Symbol(char),
    /// `\begin{name}`, with white space allowed before the brace.
    Begin(&'a str),
    /// `\end{name}`.
    End(&'a str),
    /// An environment from [`OPAQUE_ENVIRONMENTS`], from its `\begin` to just
    /// after its `\end` (or to the end of the text when unterminated).
    Opaque {
        /// The environment's name.
        name: &'a str,
        /// Whether `\end{name}` was found.
        terminated: bool,
    },
    /// `\verb|...|` or `\verb*|...|`; unterminated ones run to the end of the
    /// line.
    Verb {
        /// Whether the closing delimiter was found.
        terminated: bool,
    },
    /// A comment, from `%` up to (not including) the line feed.
    Comment,
    /// An unescaped `$`, `&`, `#`, `^`, `_` or `~`.
    Special(char),
    /// TeX's `^^` notation for a character (`^^5c`, `^^M`).
    Caret,
    /// A `\` at the very end of the text.
    Dangling,
}

impl TokenKind<'_> {
    /// Braces, commands, environments, comments and verbatim: what the
    /// structure of a text is made of (not text, symbols or specials).
    pub fn is_structural(&self) -> bool {
        !matches!(self, TokenKind::Text | TokenKind::Symbol(_) | TokenKind::Special(_))
    }
}

/// A lexical item with its byte span `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind<'a>,
    pub start: usize,
    pub end: usize,
}

/// A single forward pass over LaTeX source. Linear in the input, except
/// that opaque environments search ahead for their end once.
pub struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Between `\makeatletter` and `\makeatother`, `@` is a letter.
    at_is_letter: bool,
}

impl<'a> Lexer<'a> {
    /// Lexes `text` from the start.
    pub fn new(text: &'a str) -> Self {
        Self::at(text, 0)
    }

    /// Lexes `text` from byte `pos`, which should not be inside a comment or
    /// a control sequence.
    pub fn at(text: &'a str, pos: usize) -> Self {
        Self { text, pos, at_is_letter: false }
    }

    /// Continue from byte `pos`, which must lie after the start of the last
    /// token read and on a token boundary (a reader that skipped arguments
    /// it read itself). Keeps the lexer's state (`@` as a letter).
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.text.len());
    }

    fn is_letter(&self, b: u8) -> bool {
        b.is_ascii_alphabetic() || (self.at_is_letter && b == b'@')
    }

    /// Reads the control sequence whose `\` is at `start`.
    fn control_sequence(&mut self, start: usize) -> Token<'a> {
        let text = self.text;
        let bytes = text.as_bytes();
        let name_start = start + 1;
        let token = |kind, end| Token { kind, start, end };
        let Some(first) = text.get(name_start..).and_then(|rest| rest.chars().next()) else {
            self.pos = text.len();
            return token(TokenKind::Dangling, text.len());
        };
        if !bytes.get(name_start).is_some_and(|&b| self.is_letter(b)) {
            self.pos = name_start + first.len_utf8();
            return token(TokenKind::Symbol(first), self.pos);
        }
        let mut name_end = name_start;
        while bytes.get(name_end).is_some_and(|&b| self.is_letter(b)) {
            name_end += 1;
        }
        let name = &text[name_start..name_end];
        self.pos = name_end;
        match name {
            "makeatletter" => self.at_is_letter = true,
            "makeatother" => self.at_is_letter = false,
            _ => {}
        }
        match name {
            "begin" | "end" => {
                let Some((env, end)) = environment_name(text, name_end) else {
                    return token(TokenKind::Command(name), name_end);
                };
                self.pos = end;
                if name == "end" {
                    return token(TokenKind::End(env), end);
                }
                if !OPAQUE_ENVIRONMENTS.contains(&env) {
                    return token(TokenKind::Begin(env), end);
                }
                let closing = format!("\\end{{{env}}}");
                let (stop, terminated) = match text[end..].find(&closing) {
                    Some(i) => (end + i + closing.len(), true),
                    None => (text.len(), false),
                };
                self.pos = stop;
                token(TokenKind::Opaque { name: env, terminated }, stop)
            }
            "verb" => {
                let mut pos = name_end;
                if bytes.get(pos) == Some(&b'*') {
                    pos += 1;
                }
                let delimiter = text[pos..].chars().next().filter(|c| !matches!(c, '\n' | '\r'));
                let (stop, terminated) = match delimiter {
                    None => (pos, false),
                    Some(d) => {
                        // Look for the delimiter and the line's end together,
                        // so the scan stops at whichever comes first.
                        let from = pos + d.len_utf8();
                        match text[from..].char_indices().find(|&(_, c)| c == d || c == '\n') {
                            Some((i, c)) if c == d => (from + i + d.len_utf8(), true),
                            Some((i, _)) => (from + i, false),
                            None => (text.len(), false),
                        }
                    }
                };
                self.pos = stop;
                token(TokenKind::Verb { terminated }, stop)
            }
            _ => token(TokenKind::Command(name), name_end),
        }
    }
}

/// The length of TeX's `^^` notation at the start of `rest` (which starts
/// with `^^`): 4 for `^^` and two lower-case hex digits, 3 for `^^` and one
/// character of code below 128, 0 when it is not the notation.
fn caret_length(rest: &[u8]) -> usize {
    let hex = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
    match rest.get(2) {
        Some(_) if hex(rest.get(2)) && hex(rest.get(3)) => 4,
        Some(&b) if b < 128 => 3,
        _ => 0,
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let &first = bytes.get(start)?;
        let single = |kind| Token { kind, start, end: start + 1 };
        let token = match first {
            b'{' => single(TokenKind::OpenBrace),
            b'}' => single(TokenKind::CloseBrace),
            b'%' => {
                let end = line_end(bytes, start);
                Token { kind: TokenKind::Comment, start, end }
            }
            b'\\' => return Some(self.control_sequence(start)),
            b'^' if bytes.get(start + 1) == Some(&b'^') && caret_length(&bytes[start..]) > 0 => {
                let len = caret_length(&bytes[start..]);
                Token { kind: TokenKind::Caret, start, end: start + len }
            }
            b'$' | b'&' | b'#' | b'^' | b'_' | b'~' => single(TokenKind::Special(char::from(first))),
            _ => {
                // A run of text up to the next byte that means something; every
                // such byte is ASCII, so the run ends on a character boundary.
                let run = bytes[start..]
                    .iter()
                    .position(|b| matches!(b, b'{' | b'}' | b'%' | b'\\' | b'$' | b'&' | b'#' | b'^' | b'_' | b'~'))
                    .unwrap_or(bytes.len() - start);
                Token { kind: TokenKind::Text, start, end: start + run }
            }
        };
        self.pos = token.end;
        Some(token)
    }
}

/// Reads the `{name}` after `\begin` or `\end` (ending at `pos`): the name
/// and the offset after its `}`.
fn environment_name(text: &str, pos: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let open = skip_space(bytes, pos);
    if bytes.get(open) != Some(&b'{') {
        return None;
    }
    let name_start = open + 1;
    let mut close = name_start;
    loop {
        match bytes.get(close)? {
            b'}' => break,
            b'{' | b'\\' | b'%' | b'\n' | b'\r' => return None,
            _ => close += 1,
        }
    }
    if close == name_start {
        return None;
    }
    Some((&text[name_start..close], close + 1))
}

/// Returns `line` without its comment: everything before the first `%` that
/// starts a comment (not `\%`, and not a `%` inside `\verb|...|`).
///
/// Meant for a single line; on longer text it cuts at the first comment.
///
/// ```
/// use text::latex::strip_comments;
/// assert_eq!(strip_comments(r"50\% faster % TODO"), r"50\% faster ");
/// assert_eq!(strip_comments(r"Jane Doe \\% phone"), r"Jane Doe \\");
/// ```
#[must_use]
pub fn strip_comments(line: &str) -> &str {
    Lexer::new(line)
        .find(|token| token.kind == TokenKind::Comment)
        .and_then(|token| line.get(..token.start))
        .unwrap_or(line)
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Skips spaces and tabs.
pub fn skip_blanks(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t')) {
        pos += 1;
    }
    pos
}

/// Skips the white space TeX allows between a command and its argument:
/// spaces and tabs with at most one line break (a second would be a
/// paragraph break).
pub fn skip_space(bytes: &[u8], pos: usize) -> usize {
    let pos = skip_blanks(bytes, pos);
    match (bytes.get(pos), bytes.get(pos + 1)) {
        (Some(b'\n'), _) => skip_blanks(bytes, pos + 1),
        (Some(b'\r'), Some(b'\n')) => skip_blanks(bytes, pos + 2),
        _ => pos,
    }
}

/// The offset of the `}` matching the `{` at `open`, skipping comments,
/// escaped braces and opaque content.
pub fn matching_brace(text: &str, open: usize) -> Option<usize> {
    if text.as_bytes().get(open) != Some(&b'{') {
        return None;
    }
    let mut depth = 0_usize;
    for token in Lexer::at(text, open) {
        match token.kind {
            TokenKind::OpenBrace => depth += 1,
            TokenKind::CloseBrace => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(token.start);
                }
            }
            _ => {}
        }
    }
    None
}

/// The offset of the `]` closing the optional argument opened by the `[` at
/// `open`. Brace groups inside it are skipped whole, so `[{a]b}]` works.
///
/// Gives up (`None`) at a `}` that would close an outer group, at a blank
/// line (optional arguments of `\documentclass` and headings cannot hold a
/// paragraph break), or after `max_len` bytes, which keeps repeated
/// unterminated `\section[` from making a scan quadratic.
pub fn find_closing_bracket(text: &str, open: usize, max_len: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let limit = open.saturating_add(max_len);
    let mut pos = open + 1;
    while let Some(&b) = bytes.get(pos) {
        if pos > limit {
            return None;
        }
        match b {
            b']' => return Some(pos),
            b'{' => pos = matching_brace(text, pos)? + 1,
            b'}' => return None,
            b'\\' => {
                pos += 1 + text.get(pos + 1..)?.chars().next().map_or(0, char::len_utf8);
            }
            b'%' => pos = line_end(bytes, pos),
            b'\n' => {
                let next = skip_blanks(bytes, pos + 1);
                let next = if bytes.get(next) == Some(&b'\r') { next + 1 } else { next };
                if bytes.get(next) == Some(&b'\n') {
                    return None;
                }
                pos += 1;
            }
            _ => pos += 1,
        }
    }
    None
}

/// The offset of the next `\n` at or after `pos`, or the end of the text.
pub fn line_end(bytes: &[u8], pos: usize) -> usize {
    bytes.get(pos..).and_then(|rest| rest.iter().position(|&b| b == b'\n')).map_or(bytes.len(), |i| pos + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind<'_>> {
        Lexer::new(text).map(|t| t.kind).collect()
    }

    fn structural(text: &str) -> Vec<TokenKind<'_>> {
        Lexer::new(text).map(|t| t.kind).filter(TokenKind::is_structural).collect()
    }

    #[test]
    fn escapes_comments_and_specials() {
        assert_eq!(
            structural(r"\{ a \} 50\% {b} \\% c {"),
            vec![TokenKind::OpenBrace, TokenKind::CloseBrace, TokenKind::Comment]
        );
        assert_eq!(
            kinds(r"50\% & x_1 ~ $y$"),
            vec![
                TokenKind::Text,
                TokenKind::Symbol('%'),
                TokenKind::Text,
                TokenKind::Special('&'),
                TokenKind::Text,
                TokenKind::Special('_'),
                TokenKind::Text,
                TokenKind::Special('~'),
                TokenKind::Text,
                TokenKind::Special('$'),
                TokenKind::Text,
                TokenKind::Special('$'),
            ]
        );
        assert_eq!(
            structural("\\section*{X}"),
            vec![TokenKind::Command("section"), TokenKind::OpenBrace, TokenKind::CloseBrace]
        );
    }

    #[test]
    fn environments_and_verbatim() {
        assert_eq!(
            structural("\\begin {itemize}\\end{itemize}"),
            vec![TokenKind::Begin("itemize"), TokenKind::End("itemize")]
        );
        assert_eq!(
            structural("\\begin{verbatim}\n{ % \\end{x}\n\\end{verbatim}{"),
            vec![TokenKind::Opaque { name: "verbatim", terminated: true }, TokenKind::OpenBrace]
        );
        assert_eq!(structural("\\verb|{%|}"), vec![TokenKind::Verb { terminated: true }, TokenKind::CloseBrace]);
        assert_eq!(
            structural("\\verb*+a+ \\verb|x\n}"),
            vec![TokenKind::Verb { terminated: true }, TokenKind::Verb { terminated: false }, TokenKind::CloseBrace]
        );
        assert_eq!(structural("\\verbatim \\"), vec![TokenKind::Command("verbatim"), TokenKind::Dangling]);
        assert_eq!(kinds("\\é{"), vec![TokenKind::Symbol('é'), TokenKind::OpenBrace]);
    }

    #[test]
    fn carets_and_a_dangling_backslash_are_their_own_tokens() {
        assert_eq!(kinds("a^^5cinput"), vec![TokenKind::Text, TokenKind::Caret, TokenKind::Text]);
        assert_eq!(kinds("^^M"), vec![TokenKind::Caret]);
        assert_eq!(kinds("x^2"), vec![TokenKind::Text, TokenKind::Special('^'), TokenKind::Text]);
        // `^^` before a character of code 128 or more is two superscripts.
        assert_eq!(kinds("^^é"), vec![TokenKind::Special('^'), TokenKind::Special('^'), TokenKind::Text]);
        assert_eq!(kinds("ends with \\"), vec![TokenKind::Text, TokenKind::Dangling]);
    }

    #[test]
    fn at_is_a_letter_only_between_makeatletter_and_makeatother() {
        assert_eq!(structural("\\a@b"), vec![TokenKind::Command("a")]);
        assert_eq!(
            structural("\\makeatletter\\a@b\\makeatother\\a@b"),
            vec![
                TokenKind::Command("makeatletter"),
                TokenKind::Command("a@b"),
                TokenKind::Command("makeatother"),
                TokenKind::Command("a"),
            ]
        );
    }

    #[test]
    fn tokens_cover_the_text_exactly() {
        let text = "\\section{A} 50\\% ^^5c x_1 % c\n\\verb|%| \\begin{verbatim}}\\end{verbatim}\\";
        let mut at = 0;
        for token in Lexer::new(text) {
            assert_eq!(token.start, at, "{token:?}");
            assert!(token.end > token.start, "{token:?}");
            at = token.end;
        }
        assert_eq!(at, text.len());
    }

    #[test]
    fn strip_comments_cases() {
        assert_eq!(strip_comments("plain"), "plain");
        assert_eq!(strip_comments("% all"), "");
        assert_eq!(strip_comments(r"a \% b % c"), r"a \% b ");
        assert_eq!(strip_comments(r"a \\% b"), r"a \\");
        assert_eq!(strip_comments(r"\verb|%| x % y"), r"\verb|%| x ");
    }
}
