//! Structural checks on LaTeX source, and the small lexer they share with
//! [`super::sections`].
//!
//! Nothing here runs TeX. The checks are a linear scan that understands just
//! enough of TeX's input rules to be trusted on real résumés:
//!
//! * `%` starts a comment that runs to the end of the line, unless it is
//!   escaped as `\%`. `\\%` is a line break (`\\`) followed by a comment.
//! * `\` followed by ASCII letters is a control word (`\section`); `\` followed
//!   by any other character is a control symbol (`\{`, `\}`, `\%`, `\&`, `\\`).
//!   Escaped braces therefore never count as grouping braces.
//! * The contents of the environments in [`OPAQUE_ENVIRONMENTS`] and of
//!   `\verb|...|` are opaque: nothing inside them is a brace, a comment or a
//!   command.
//!
//! [`check_whole_document`] decides whether a text is a whole document and
//! where its body lies; [`check_balance`] checks that braces and
//! environments nest, which is how output from the language model is vetted
//! before it is compiled.

use std::fmt;

/// Environments whose contents are read verbatim (or thrown away) by LaTeX,
/// so braces, `%` and commands inside them mean nothing.
///
/// The contents run from `\begin{name}` to the first literal `\end{name}`.
/// `comment` is the environment of the `comment` package, which authors use
/// to hide whole sections.
pub const OPAQUE_ENVIRONMENTS: &[&str] =
    &["verbatim", "verbatim*", "Verbatim", "Verbatim*", "BVerbatim", "lstlisting", "minted", "comment"];

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

/// How many brace groups a definition command takes, which decides how long
/// its body lasts (see [`check_balance`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefinitionShape {
    /// `\newcommand{\name}[n][default]{body}` or `\newcommand\name{body}`.
    Command,
    /// `\newenvironment{name}[n][default]{begin code}{end code}`.
    Environment,
    /// `\def\name#1#2{body}`.
    Primitive,
    /// `\NewDocumentCommand{\name}{spec}{body}` or with a bare `\name`.
    DocumentCommand,
    /// `\NewDocumentEnvironment{name}{spec}{begin code}{end code}`.
    DocumentEnvironment,
}

/// Commands that define macros or environments. Inside their bodies
/// `\begin`/`\end` are only text to be expanded later, so they are not
/// matched against each other.
const DEFINITION_COMMANDS: &[(&str, DefinitionShape)] = &[
    ("newcommand", DefinitionShape::Command),
    ("renewcommand", DefinitionShape::Command),
    ("providecommand", DefinitionShape::Command),
    ("DeclareRobustCommand", DefinitionShape::Command),
    ("newenvironment", DefinitionShape::Environment),
    ("renewenvironment", DefinitionShape::Environment),
    ("def", DefinitionShape::Primitive),
    ("gdef", DefinitionShape::Primitive),
    ("edef", DefinitionShape::Primitive),
    ("xdef", DefinitionShape::Primitive),
    ("NewDocumentCommand", DefinitionShape::DocumentCommand),
    ("RenewDocumentCommand", DefinitionShape::DocumentCommand),
    ("ProvideDocumentCommand", DefinitionShape::DocumentCommand),
    ("DeclareDocumentCommand", DefinitionShape::DocumentCommand),
    ("NewDocumentEnvironment", DefinitionShape::DocumentEnvironment),
    ("RenewDocumentEnvironment", DefinitionShape::DocumentEnvironment),
    ("DeclareDocumentEnvironment", DefinitionShape::DocumentEnvironment),
];

/// The number of brace groups a definition command starting its arguments at
/// `pos` takes.
fn definition_groups(text: &str, shape: DefinitionShape, pos: usize) -> usize {
    let bytes = text.as_bytes();
    let mut pos = skip_space(bytes, pos);
    if bytes.get(pos) == Some(&b'*') {
        pos = skip_space(bytes, pos + 1);
    }
    let braced_name = bytes.get(pos) == Some(&b'{');
    match shape {
        DefinitionShape::Command if braced_name => 2,
        DefinitionShape::Command | DefinitionShape::Primitive => 1,
        DefinitionShape::Environment => 3,
        DefinitionShape::DocumentCommand if braced_name => 3,
        DefinitionShape::DocumentCommand => 2,
        DefinitionShape::DocumentEnvironment => 4,
    }
}

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
                if let Some(&(_, shape)) = DEFINITION_COMMANDS.iter().find(|(n, _)| *n == name) {
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

/// Returns `line` without its comment: everything before the first `%` that
/// starts a comment (not `\%`, and not a `%` inside `\verb|...|`).
///
/// Meant for a single line; on longer text it cuts at the first comment.
///
/// ```
/// use text::latex::validate::strip_comments;
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
pub(crate) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
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
pub(crate) fn skip_blanks(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t')) {
        pos += 1;
    }
    pos
}

/// Skips the white space TeX allows between a command and its argument:
/// spaces and tabs with at most one line break (a second would be a
/// paragraph break).
pub(crate) fn skip_space(bytes: &[u8], pos: usize) -> usize {
    let pos = skip_blanks(bytes, pos);
    match (bytes.get(pos), bytes.get(pos + 1)) {
        (Some(b'\n'), _) => skip_blanks(bytes, pos + 1),
        (Some(b'\r'), Some(b'\n')) => skip_blanks(bytes, pos + 2),
        _ => pos,
    }
}

/// The offset of the `}` matching the `{` at `open`, skipping comments,
/// escaped braces and opaque content.
pub(crate) fn matching_brace(text: &str, open: usize) -> Option<usize> {
    if text.as_bytes().get(open) != Some(&b'{') {
        return None;
    }
    let mut depth = 0_usize;
    for token in Lexer::at(text, open) {
        match token.kind {
            TokenKind::OpenBrace => depth += 1,
            TokenKind::CloseBrace => {
                depth -= 1;
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
pub(crate) fn find_closing_bracket(text: &str, open: usize, max_len: usize) -> Option<usize> {
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
pub(crate) fn line_end(bytes: &[u8], pos: usize) -> usize {
    bytes.get(pos..).and_then(|rest| rest.iter().position(|&b| b == b'\n')).map_or(bytes.len(), |i| pos + i)
}

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind<'a> {
    /// An unescaped `{`.
    OpenBrace,
    /// An unescaped `}`.
    CloseBrace,
    /// A control word (`\name`, letters only), other than the forms below.
    Command(&'a str),
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
}

/// A lexical item with its byte span `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub(crate) kind: TokenKind<'a>,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A single forward pass over LaTeX source that yields braces, control
/// words, environments, comments and verbatim spans. Plain text and control
/// symbols (`\%`, `\{`, `\\`, …) are skipped. Linear in the input, except
/// that opaque environments search ahead for their end once.
pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// Lexes `text` from the start.
    pub(crate) fn new(text: &'a str) -> Self {
        Self::at(text, 0)
    }

    /// Lexes `text` from byte `pos`, which should not be inside a comment or
    /// a control sequence.
    pub(crate) fn at(text: &'a str, pos: usize) -> Self {
        Self { text, pos }
    }

    /// Reads the control sequence whose `\` is at `start`; `None` for control
    /// symbols, which are skipped.
    fn control_sequence(&mut self, start: usize) -> Option<Token<'a>> {
        let text = self.text;
        let bytes = text.as_bytes();
        let name_start = start + 1;
        let Some(first) = text.get(name_start..).and_then(|rest| rest.chars().next()) else {
            self.pos = text.len();
            return None;
        };
        if !first.is_ascii_alphabetic() {
            self.pos = name_start + first.len_utf8();
            return None;
        }
        let mut name_end = name_start;
        while bytes.get(name_end).is_some_and(u8::is_ascii_alphabetic) {
            name_end += 1;
        }
        let name = &text[name_start..name_end];
        self.pos = name_end;
        let token = |kind, end| Some(Token { kind, start, end });
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

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.text.as_bytes();
        loop {
            let rest = bytes.get(self.pos..)?;
            let offset = rest.iter().position(|b| matches!(b, b'{' | b'}' | b'%' | b'\\'))?;
            let start = self.pos + offset;
            let single = |kind| Token { kind, start, end: start + 1 };
            match bytes.get(start) {
                Some(b'{') => {
                    self.pos = start + 1;
                    return Some(single(TokenKind::OpenBrace));
                }
                Some(b'}') => {
                    self.pos = start + 1;
                    return Some(single(TokenKind::CloseBrace));
                }
                Some(b'%') => {
                    let end = line_end(bytes, start);
                    self.pos = end;
                    return Some(Token { kind: TokenKind::Comment, start, end });
                }
                _ => {
                    if let Some(token) = self.control_sequence(start) {
                        return Some(token);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind<'_>> {
        Lexer::new(text).map(|t| t.kind).collect()
    }

    fn balance_kind(text: &str) -> Option<BalanceErrorKind> {
        check_balance(text).err().map(|e| e.kind)
    }

    #[test]
    fn lexer_handles_escapes_and_comments() {
        assert_eq!(
            kinds(r"\{ a \} 50\% {b} \\% c {"),
            vec![TokenKind::OpenBrace, TokenKind::CloseBrace, TokenKind::Comment]
        );
        assert_eq!(
            kinds("\\section*{X}"),
            vec![TokenKind::Command("section"), TokenKind::OpenBrace, TokenKind::CloseBrace]
        );
    }

    #[test]
    fn lexer_reads_environments_and_verbatim() {
        assert_eq!(
            kinds("\\begin {itemize}\\end{itemize}"),
            vec![TokenKind::Begin("itemize"), TokenKind::End("itemize")]
        );
        assert_eq!(
            kinds("\\begin{verbatim}\n{ % \\end{x}\n\\end{verbatim}{"),
            vec![TokenKind::Opaque { name: "verbatim", terminated: true }, TokenKind::OpenBrace]
        );
        assert_eq!(kinds("\\verb|{%|}"), vec![TokenKind::Verb { terminated: true }, TokenKind::CloseBrace]);
        assert_eq!(
            kinds("\\verb*+a+ \\verb|x\n}"),
            vec![TokenKind::Verb { terminated: true }, TokenKind::Verb { terminated: false }, TokenKind::CloseBrace]
        );
        assert_eq!(kinds("\\verbatim \\"), vec![TokenKind::Command("verbatim")]);
        assert_eq!(kinds("\\é{"), vec![TokenKind::OpenBrace]);
    }

    #[test]
    fn strip_comments_cases() {
        assert_eq!(strip_comments("plain"), "plain");
        assert_eq!(strip_comments("% all"), "");
        assert_eq!(strip_comments(r"a \% b % c"), r"a \% b ");
        assert_eq!(strip_comments(r"a \\% b"), r"a \\");
        assert_eq!(strip_comments(r"\verb|%| x % y"), r"\verb|%| x ");
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
