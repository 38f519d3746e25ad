//! Structural checks on LaTeX source, read with the one lexer
//! ([`super::lexer`]). Nothing here runs TeX.
//!
//! [`check_whole_document`] decides whether a text is a whole document and
//! where its body lies; [`check_balance`] checks that braces and
//! environments nest, which is how output from the language model is vetted
//! before it is compiled.

use std::fmt;

use super::commands::{definition_groups, definition_shape};
use super::lexer::{
    Lexer, Token, TokenKind, find_closing_bracket, line_and_column, matching_brace, skip_blanks, skip_space,
};
pub use super::lexer::{OPAQUE_ENVIRONMENTS, strip_comments};

/// Where the body of a whole document lies, as byte offsets into it.
///
/// `doc[..body_start]` is the preamble including the `\begin{document}` line,
/// `doc[body_start..body_end]` is the body, and `doc[body_end..]` is the
/// closing `\end{document}` line with whatever follows it. Both offsets are on
/// character boundaries and `body_start <= body_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentLayout {
    /// Just after `\begin{document}`, or after the end of its line when only
    /// spaces or tabs follow it there.
    pub body_start: usize,
    /// The start of `\end{document}`, or the start of its line when only
    /// spaces or tabs precede it there.
    pub body_end: usize,
}

/// Why a text is not a whole LaTeX document. Line numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocumentError {
    /// The text is empty or only whitespace.
    Empty,
    /// The text contains a NUL byte at this byte offset.
    ContainsNul {
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// There is no `\documentclass` outside comments.
    MissingDocumentClass,
    /// `\documentclass` has no `{class}` argument.
    MalformedDocumentClass {
        /// Line of the `\documentclass`.
        line: usize,
    },
    /// `\documentclass` appears more than once.
    DuplicateDocumentClass {
        /// Line of the second `\documentclass`.
        line: usize,
    },
    /// `\documentclass` comes after `\begin{document}`.
    DocumentClassAfterBegin {
        /// Line of the `\documentclass`.
        line: usize,
    },
    /// There is no `\begin{document}` outside comments.
    MissingBeginDocument,
    /// `\begin{document}` appears more than once.
    DuplicateBeginDocument {
        /// Line of the second `\begin{document}`.
        line: usize,
    },
    /// There is no `\end{document}` outside comments.
    MissingEndDocument,
    /// `\end{document}` appears more than once.
    DuplicateEndDocument {
        /// Line of the second `\end{document}`.
        line: usize,
    },
    /// `\end{document}` comes before `\begin{document}`.
    EndBeforeBegin {
        /// Line of the `\end{document}`.
        line: usize,
    },
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LaTeX is not a whole document: ")?;
        match self {
            Self::Empty => f.write_str("the text is empty"),
            Self::ContainsNul { offset } => {
                write!(f, "it contains a NUL byte (at byte {offset})")
            }
            Self::MissingDocumentClass => f.write_str("no \\documentclass before \\begin{document}"),
            Self::MalformedDocumentClass { line } => {
                write!(f, "\\documentclass on line {line} has no {{class}} argument")
            }
            Self::DuplicateDocumentClass { line } => {
                write!(f, "a second \\documentclass on line {line}")
            }
            Self::DocumentClassAfterBegin { line } => write!(
                f,
                "no \\documentclass before \\begin{{document}} \
                 (the one on line {line} comes after it)"
            ),
            Self::MissingBeginDocument => f.write_str("no \\begin{document}"),
            Self::DuplicateBeginDocument { line } => {
                write!(f, "a second \\begin{{document}} on line {line}")
            }
            Self::MissingEndDocument => f.write_str("no \\end{document}"),
            Self::DuplicateEndDocument { line } => {
                write!(f, "a second \\end{{document}} on line {line}")
            }
            Self::EndBeforeBegin { line } => {
                write!(f, "\\end{{document}} on line {line} comes before \\begin{{document}}")
            }
        }
    }
}

impl std::error::Error for DocumentError {}

/// Checks that `doc` is a whole LaTeX document and finds its body.
///
/// Outside comments (and opaque environments) the text must contain exactly
/// one `\documentclass[options]{class}` (options optional), then exactly one
/// `\begin{document}`, then exactly one `\end{document}`. Text after
/// `\end{document}` is allowed, as LaTeX ignores it.
///
/// # Errors
///
/// A [`DocumentError`] naming the first thing wrong, checked in this order:
/// NUL bytes, empty (or all white space) text, a missing `\documentclass`,
/// `\begin{document}` or `\end{document}`, duplicates, the order of the
/// three, and finally a `\documentclass` without its `{class}`.
pub fn check_whole_document(doc: &str) -> Result<DocumentLayout, DocumentError> {
    if let Some(offset) = doc.bytes().position(|b| b == 0) {
        return Err(DocumentError::ContainsNul { offset });
    }
    if doc.trim().is_empty() {
        return Err(DocumentError::Empty);
    }

    let mut classes: Vec<Token<'_>> = Vec::new();
    let mut begins: Vec<Token<'_>> = Vec::new();
    let mut ends: Vec<Token<'_>> = Vec::new();
    for token in Lexer::new(doc) {
        match token.kind {
            TokenKind::Command("documentclass") => classes.push(token),
            TokenKind::Begin("document") => begins.push(token),
            TokenKind::End("document") => ends.push(token),
            _ => {}
        }
    }
    let line = |token: &Token<'_>| line_and_column(doc, token.start).0;

    let (Some(class), Some(begin), Some(end)) = (classes.first(), begins.first(), ends.first()) else {
        return Err(if classes.is_empty() {
            DocumentError::MissingDocumentClass
        } else if begins.is_empty() {
            DocumentError::MissingBeginDocument
        } else {
            DocumentError::MissingEndDocument
        });
    };
    if let Some(second) = begins.get(1) {
        return Err(DocumentError::DuplicateBeginDocument { line: line(second) });
    }
    if let Some(second) = ends.get(1) {
        return Err(DocumentError::DuplicateEndDocument { line: line(second) });
    }
    if let Some(second) = classes.get(1) {
        return Err(DocumentError::DuplicateDocumentClass { line: line(second) });
    }
    if class.start > begin.start {
        return Err(DocumentError::DocumentClassAfterBegin { line: line(class) });
    }
    if end.start < begin.start {
        return Err(DocumentError::EndBeforeBegin { line: line(end) });
    }
    if !has_class_argument(doc, class.end) {
        return Err(DocumentError::MalformedDocumentClass { line: line(class) });
    }

    let bytes = doc.as_bytes();
    let after_begin = skip_blanks(bytes, begin.end);
    let body_start = match (bytes.get(after_begin), bytes.get(after_begin + 1)) {
        (Some(b'\n'), _) => after_begin + 1,
        (Some(b'\r'), Some(b'\n')) => after_begin + 2,
        _ => begin.end,
    };
    let mut line_start = end.start;
    while line_start > 0 && matches!(bytes.get(line_start - 1), Some(b' ' | b'\t')) {
        line_start -= 1;
    }
    let body_end = if line_start == 0 || bytes.get(line_start - 1) == Some(&b'\n') { line_start } else { end.start };
    Ok(DocumentLayout { body_start, body_end: body_end.max(body_start) })
}

/// Whether `\documentclass` (ending at `pos`) is followed by an optional
/// `[options]` and a non-empty `{class}`.
fn has_class_argument(doc: &str, pos: usize) -> bool {
    let bytes = doc.as_bytes();
    let mut pos = skip_space(bytes, pos);
    if bytes.get(pos) == Some(&b'[') {
        match find_closing_bracket(doc, pos, usize::MAX) {
            Some(close) => pos = skip_space(bytes, close + 1),
            None => return false,
        }
    }
    if bytes.get(pos) != Some(&b'{') {
        return false;
    }
    matching_brace(doc, pos).and_then(|close| doc.get(pos + 1..close)).is_some_and(|class| !class.trim().is_empty())
}

/// What is wrong with the nesting of braces or environments, and where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BalanceError {
    /// What the problem is.
    pub kind: BalanceErrorKind,
    /// Byte offset of the offending `{`, `}`, `\begin`, `\end` or `\verb`.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// 1-based column (in characters) of `offset`.
    pub column: usize,
}

/// The kinds of [`BalanceError`]. Line numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BalanceErrorKind {
    /// A `{` is never closed.
    UnclosedBrace,
    /// A `}` has no `{` to close.
    UnmatchedCloseBrace,
    /// `\begin{name}` is never closed.
    UnclosedEnvironment {
        /// The environment's name.
        name: String,
    },
    /// `\end{name}` with no environment open.
    UnmatchedEnd {
        /// The environment's name.
        name: String,
    },
    /// `\end{found}` while `\begin{open}` is the innermost open environment.
    MismatchedEnd {
        /// The innermost open environment.
        open: String,
        /// The line of its `\begin`.
        open_line: usize,
        /// The environment `\end` names.
        found: String,
    },
    /// A `}` while an environment opened inside its group is still open.
    CloseBraceInsideEnvironment {
        /// The innermost open environment.
        open: String,
        /// The line of its `\begin`.
        open_line: usize,
    },
    /// `\end{found}` while a `{` opened inside the environment is still open.
    EndInsideGroup {
        /// The environment `\end` names.
        found: String,
        /// The line of the open `{`.
        brace_line: usize,
    },
    /// A verbatim-like environment (see [`OPAQUE_ENVIRONMENTS`]) is never
    /// closed, so everything after it is swallowed.
    UnterminatedVerbatim {
        /// The environment's name.
        name: String,
    },
    /// `\verb` whose delimiter does not reappear on the same line.
    UnterminatedVerb,
}

impl fmt::Display for BalanceErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnclosedBrace => f.write_str("`{` is never closed"),
            Self::UnmatchedCloseBrace => f.write_str("`}` has no matching `{`"),
            Self::UnclosedEnvironment { name } => {
                write!(f, "`\\begin{{{name}}}` is never closed by `\\end{{{name}}}`")
            }
            Self::UnmatchedEnd { name } => {
                write!(f, "`\\end{{{name}}}` has no matching `\\begin{{{name}}}`")
            }
            Self::MismatchedEnd { open, open_line, found } => {
                write!(f, "`\\end{{{found}}}` does not match `\\begin{{{open}}}` opened on line {open_line}")
            }
            Self::CloseBraceInsideEnvironment { open, open_line } => {
                write!(f, "`}}` closes a group while `\\begin{{{open}}}` from line {open_line} is still open")
            }
            Self::EndInsideGroup { found, brace_line } => {
                write!(f, "`\\end{{{found}}}` comes while a `{{` from line {brace_line} is still open")
            }
            Self::UnterminatedVerbatim { name } => write!(
                f,
                "`\\begin{{{name}}}` is never closed by `\\end{{{name}}}`, \
                 so the rest of the text is read verbatim"
            ),
            Self::UnterminatedVerb => f.write_str("`\\verb` is not closed by its delimiter on the same line"),
        }
    }
}

impl fmt::Display for BalanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unbalanced LaTeX at line {}, column {} (byte {}): {}",
            self.line, self.column, self.offset, self.kind
        )
    }
}

impl std::error::Error for BalanceError {}

/// Checks that braces and environments in `text` nest correctly.
///
/// Works on whole documents and on fragments (a section, a snippet returned
/// by the model). Escaped braces (`\{`, `\}`), comments, `\verb` and the
/// contents of [`OPAQUE_ENVIRONMENTS`] are ignored. Braces and environments
/// share one stack, as in TeX, so `{\begin{itemize}}` is an error.
///
/// Inside the bodies of macro and environment definitions (`\newcommand`,
/// `\newenvironment`, `\def`, xparse's `\NewDocumentCommand`, …) only braces
/// are checked: a template such as Jake's defines
/// `\newcommand{\resumeItemListStart}{\begin{itemize}}` and closes the list in
/// another macro. Scanning stops after the `\end{document}` that closes
/// `\begin{document}`, as LaTeX does.
///
/// # Errors
///
/// A [`BalanceError`] for the first problem met in reading order; at the end
/// of the text, the innermost group or environment still open.
pub fn check_balance(text: &str) -> Result<(), BalanceError> {
    enum Open<'a> {
        Brace(usize),
        Environment(&'a str, usize),
    }
    /// A definition whose body is being read.
    struct Definition {
        /// Brace depth of the definition command itself.
        depth: usize,
        /// Brace groups still to be closed back to `depth`.
        remaining: usize,
    }

    let error = |kind: BalanceErrorKind, offset: usize| {
        let (line, column) = line_and_column(text, offset);
        BalanceError { kind, offset, line, column }
    };
    let line_of = |offset: usize| line_and_column(text, offset).0;

    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut braces = 0_usize;
    let mut definition: Option<Definition> = None;
    for token in Lexer::new(text) {
        let in_definition_body = definition.as_ref().is_some_and(|d| braces > d.depth);
        match token.kind {
            TokenKind::OpenBrace => {
                stack.push(Open::Brace(token.start));
                braces += 1;
            }
            TokenKind::CloseBrace => match stack.pop() {
                None => return Err(error(BalanceErrorKind::UnmatchedCloseBrace, token.start)),
                Some(Open::Brace(_)) => {
                    braces -= 1;
                    if let Some(d) = definition.as_mut()
                        && d.depth == braces
                    {
                        d.remaining = d.remaining.saturating_sub(1);
                        if d.remaining == 0 {
                            definition = None;
                        }
                    }
                }
                Some(Open::Environment(name, at)) => {
                    let kind =
                        BalanceErrorKind::CloseBraceInsideEnvironment { open: name.to_owned(), open_line: line_of(at) };
                    return Err(error(kind, token.start));
                }
            },
            TokenKind::Command(name) if !in_definition_body => {
                if let Some(shape) = definition_shape(name) {
                    definition =
                        Some(Definition { depth: braces, remaining: definition_groups(text, shape, token.end) });
                }
            }
            TokenKind::Begin(name) if !in_definition_body => {
                // An environment at the definition's own depth means the
                // definition's arguments are over (or were malformed).
                definition = None;
                stack.push(Open::Environment(name, token.start));
            }
            TokenKind::End(name) if !in_definition_body => {
                definition = None;
                match stack.last() {
                    None => {
                        let kind = BalanceErrorKind::UnmatchedEnd { name: name.to_owned() };
                        return Err(error(kind, token.start));
                    }
                    Some(&Open::Environment(open, _)) if open == name => {
                        stack.pop();
                        if name == "document" {
                            break;
                        }
                    }
                    Some(&Open::Environment(open, at)) => {
                        let kind = BalanceErrorKind::MismatchedEnd {
                            open: open.to_owned(),
                            open_line: line_of(at),
                            found: name.to_owned(),
                        };
                        return Err(error(kind, token.start));
                    }
                    Some(&Open::Brace(at)) => {
                        let kind = BalanceErrorKind::EndInsideGroup { found: name.to_owned(), brace_line: line_of(at) };
                        return Err(error(kind, token.start));
                    }
                }
            }
            TokenKind::Opaque { name, terminated: false } => {
                let kind = BalanceErrorKind::UnterminatedVerbatim { name: name.to_owned() };
                return Err(error(kind, token.start));
            }
            TokenKind::Verb { terminated: false } => {
                return Err(error(BalanceErrorKind::UnterminatedVerb, token.start));
            }
            _ => {}
        }
    }
    match stack.last() {
        None => Ok(()),
        Some(&Open::Brace(at)) => Err(error(BalanceErrorKind::UnclosedBrace, at)),
        Some(&Open::Environment(name, at)) => {
            let kind = BalanceErrorKind::UnclosedEnvironment { name: name.to_owned() };
            Err(error(kind, at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balance_kind(text: &str) -> Option<BalanceErrorKind> {
        check_balance(text).err().map(|e| e.kind)
    }

    #[test]
    fn whole_document_layout() -> Result<(), DocumentError> {
        let doc = "\\documentclass{article}\n\\begin{document}  \nHi\n  \\end{document}\n";
        let layout = check_whole_document(doc)?;
        assert_eq!(&doc[..layout.body_start], "\\documentclass{article}\n\\begin{document}  \n");
        assert_eq!(&doc[layout.body_start..layout.body_end], "Hi\n");
        assert_eq!(&doc[layout.body_end..], "  \\end{document}\n");

        let doc = "\\documentclass[a4]{article}\r\n\\begin{document}\r\nHi\r\n\\end{document}";
        let layout = check_whole_document(doc)?;
        assert_eq!(&doc[layout.body_start..layout.body_end], "Hi\r\n");

        let doc = "\\documentclass{article}\\begin{document}x\\end{document}";
        let layout = check_whole_document(doc)?;
        assert_eq!(&doc[layout.body_start..layout.body_end], "x");

        let doc = "\\documentclass{article}\\begin{document}\\end{document}";
        let layout = check_whole_document(doc)?;
        assert_eq!(layout.body_start, layout.body_end);

        let doc = "\\documentclass{article}\n\\begin{document} % c\nx\\end{document}";
        let layout = check_whole_document(doc)?;
        assert_eq!(&doc[layout.body_start..layout.body_end], " % c\nx");
        Ok(())
    }

    #[test]
    fn whole_document_errors() {
        let check = |doc: &str| check_whole_document(doc).err();
        assert_eq!(check(""), Some(DocumentError::Empty));
        assert_eq!(check(" \n\t"), Some(DocumentError::Empty));
        assert_eq!(check("a\0b"), Some(DocumentError::ContainsNul { offset: 1 }));
        assert_eq!(
            check("\\documentclass\n\\begin{document}\\end{document}"),
            Some(DocumentError::MalformedDocumentClass { line: 1 })
        );
        assert_eq!(
            check("\\documentclass[x]{ }\\begin{document}\\end{document}"),
            Some(DocumentError::MalformedDocumentClass { line: 1 })
        );
        assert_eq!(
            check("\\documentclass{a}\\documentclass{b}\n\\begin{document}\\end{document}"),
            Some(DocumentError::DuplicateDocumentClass { line: 1 })
        );
        assert_eq!(
            check("\\documentclass{a}\n\\end{document}\n\\begin{document}"),
            Some(DocumentError::EndBeforeBegin { line: 2 })
        );
        assert_eq!(
            check("\\documentclass{a}\n\\begin{verbatim}\\begin{document}\\end{verbatim}"),
            Some(DocumentError::MissingBeginDocument)
        );
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(
            DocumentError::MissingDocumentClass.to_string(),
            "LaTeX is not a whole document: no \\documentclass before \\begin{document}"
        );
        let err = check_balance("\\begin{enumerate}\n\\item x\n\\end{itemize}").err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some(
                "unbalanced LaTeX at line 3, column 1 (byte 26): `\\end{itemize}` does not \
                 match `\\begin{enumerate}` opened on line 1"
            )
        );
    }

    #[test]
    fn balance_successes() {
        for text in [
            "",
            "plain text",
            r"\{ unbalanced escaped \} \}",
            "% { comment\n{a} % }",
            "\\begin{itemize}\\item {x}\\end{itemize}",
            "\\verb|{| and \\begin{verbatim}\n\\end{itemize} {\n\\end{verbatim}",
            "\\newcommand{\\listStart}{\\begin{itemize}}\n\\newcommand{\\listEnd}{\\end{itemize}}",
            "\\newcommand\\x{\\end{a}}\\newenvironment{e}{\\begin{center}}{\\end{center}}",
            "\\def\\x#1{\\begin{a}#1}\\begin{b}\\end{b}",
            "\\NewDocumentCommand{\\x}{m}{\\end{a}}\\begin{b}\\end{b}",
            "\\begin{document}\\end{document} } trailing junk",
        ] {
            assert_eq!(check_balance(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn balance_failures() {
        assert_eq!(balance_kind("{a"), Some(BalanceErrorKind::UnclosedBrace));
        assert_eq!(balance_kind("a}"), Some(BalanceErrorKind::UnmatchedCloseBrace));
        assert_eq!(balance_kind(r"\{a}"), Some(BalanceErrorKind::UnmatchedCloseBrace));
        assert_eq!(
            balance_kind("{\\begin{itemize}}\\end{itemize}"),
            Some(BalanceErrorKind::CloseBraceInsideEnvironment { open: "itemize".into(), open_line: 1 })
        );
        assert_eq!(
            balance_kind("\\begin{itemize}\n{\\end{itemize}}"),
            Some(BalanceErrorKind::EndInsideGroup { found: "itemize".into(), brace_line: 2 })
        );
        assert_eq!(balance_kind("\\end{center}"), Some(BalanceErrorKind::UnmatchedEnd { name: "center".into() }));
        assert_eq!(
            balance_kind("\\begin{lstlisting}\nfoo"),
            Some(BalanceErrorKind::UnterminatedVerbatim { name: "lstlisting".into() })
        );
        assert_eq!(balance_kind("\\verb|abc\n|"), Some(BalanceErrorKind::UnterminatedVerb));
        // The definition's body ends with its last group: what follows counts.
        assert_eq!(
            balance_kind("\\newcommand{\\x}{y}\\end{itemize}"),
            Some(BalanceErrorKind::UnmatchedEnd { name: "itemize".into() })
        );
    }

    #[test]
    fn closing_bracket_limits() {
        assert_eq!(find_closing_bracket("[a{]}b]", 0, 100), Some(6));
        assert_eq!(find_closing_bracket("[a\\]b]", 0, 100), Some(5));
        assert_eq!(find_closing_bracket("[a % ]\n]", 0, 100), Some(7));
        assert_eq!(find_closing_bracket("[a\n b]", 0, 100), Some(5));
        assert_eq!(find_closing_bracket("[a\n \r\n b]", 0, 100), None);
        assert_eq!(find_closing_bracket("[a}]", 0, 100), None);
        assert_eq!(find_closing_bracket("[abcdef]", 0, 3), None);
    }

    #[test]
    fn line_and_column_counts_characters() {
        assert_eq!(line_and_column("ab\nçd}", 6), (2, 3));
        assert_eq!(line_and_column("ab", 99), (1, 3));
    }
}
