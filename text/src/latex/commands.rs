//! The one command table: what each LaTeX command means to Tailor's
//! readers. What a command does to the visible text ([`text_role`]), which
//! commands define macros and how many groups their definition takes
//! ([`DEFINITION_COMMANDS`]), which change how TeX reads characters
//! ([`CATCODE_COMMANDS`]), and which environments take layout arguments
//! ([`ENV_ARGS`]). Section headings are in [`super::sections`], bullets in
//! [`crate::vocabulary`].

use super::lexer::{Lexer, TokenKind, line_and_column, skip_space};

/// What a control word does to the visible text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRole {
    /// Its first `n` mandatory arguments and its `[options]` are never
    /// typeset (lengths, colours, labels, package names).
    Drop(usize),
    /// Formats text in place: separates words, not items.
    Inline,
    /// Prints this text.
    Symbol(&'static str),
}

/// Known control words, sorted by name (bytewise) for binary search; any
/// other multi-letter command separates items.
pub const TEXT_COMMANDS: &[(&str, TextRole)] = &[
    ("Huge", TextRole::Inline),
    ("LARGE", TextRole::Inline),
    ("LaTeX", TextRole::Symbol("LaTeX")),
    ("Large", TextRole::Inline),
    ("MakeLowercase", TextRole::Inline),
    ("MakeUppercase", TextRole::Inline),
    ("RequirePackage", TextRole::Drop(1)),
    ("TeX", TextRole::Symbol("TeX")),
    ("addtocounter", TextRole::Drop(2)),
    ("addtolength", TextRole::Drop(2)),
    ("addvspace", TextRole::Drop(1)),
    ("bf", TextRole::Inline),
    ("bfseries", TextRole::Inline),
    ("centering", TextRole::Inline),
    ("cite", TextRole::Drop(1)),
    ("color", TextRole::Drop(1)),
    ("colorbox", TextRole::Drop(1)),
    ("definecolor", TextRole::Drop(3)),
    ("documentclass", TextRole::Drop(1)),
    ("dots", TextRole::Symbol("…")),
    ("em", TextRole::Inline),
    ("emph", TextRole::Inline),
    ("enlargethispage", TextRole::Drop(1)),
    ("enspace", TextRole::Inline),
    ("ensuremath", TextRole::Inline),
    ("eqref", TextRole::Drop(1)),
    ("euro", TextRole::Symbol("€")),
    ("faIcon", TextRole::Drop(1)),
    ("fcolorbox", TextRole::Drop(2)),
    ("fontsize", TextRole::Drop(2)),
    ("footnote", TextRole::Inline),
    ("footnotesize", TextRole::Inline),
    ("geometry", TextRole::Drop(1)),
    ("hbox", TextRole::Inline),
    ("hspace", TextRole::Drop(1)),
    ("huge", TextRole::Inline),
    ("hyperlink", TextRole::Drop(1)),
    ("hypersetup", TextRole::Drop(1)),
    ("hypertarget", TextRole::Drop(1)),
    ("include", TextRole::Drop(1)),
    ("includegraphics", TextRole::Drop(1)),
    ("input", TextRole::Drop(1)),
    ("it", TextRole::Inline),
    ("itshape", TextRole::Inline),
    ("kern", TextRole::Inline),
    ("label", TextRole::Drop(1)),
    ("large", TextRole::Inline),
    ("ldots", TextRole::Symbol("…")),
    ("linespread", TextRole::Drop(1)),
    ("lowercase", TextRole::Inline),
    ("makebox", TextRole::Drop(0)),
    ("mathbf", TextRole::Inline),
    ("mathrm", TextRole::Inline),
    ("mbox", TextRole::Inline),
    ("mdseries", TextRole::Inline),
    ("moderncvcolor", TextRole::Drop(1)),
    ("moderncvstyle", TextRole::Drop(1)),
    ("negthinspace", TextRole::Inline),
    ("newcommand", TextRole::Drop(1)),
    ("newenvironment", TextRole::Drop(1)),
    ("nobreakspace", TextRole::Inline),
    ("nocite", TextRole::Drop(1)),
    ("noindent", TextRole::Inline),
    ("normalfont", TextRole::Inline),
    ("normalsize", TextRole::Inline),
    ("pagecolor", TextRole::Drop(1)),
    ("pagenumbering", TextRole::Drop(1)),
    ("pageref", TextRole::Drop(1)),
    ("pagestyle", TextRole::Drop(1)),
    ("parbox", TextRole::Drop(1)),
    ("phantom", TextRole::Inline),
    ("photo", TextRole::Drop(1)),
    ("pounds", TextRole::Symbol("£")),
    ("providecommand", TextRole::Drop(1)),
    ("raggedleft", TextRole::Inline),
    ("raggedright", TextRole::Inline),
    ("raisebox", TextRole::Drop(1)),
    ("ref", TextRole::Drop(1)),
    ("renewcommand", TextRole::Drop(1)),
    ("resizebox", TextRole::Drop(2)),
    ("rm", TextRole::Inline),
    ("rmfamily", TextRole::Inline),
    ("rule", TextRole::Drop(2)),
    ("sc", TextRole::Inline),
    ("scalebox", TextRole::Drop(1)),
    ("scriptsize", TextRole::Inline),
    ("scshape", TextRole::Inline),
    ("selectfont", TextRole::Inline),
    ("setcounter", TextRole::Drop(2)),
    ("setlength", TextRole::Drop(2)),
    ("setlist", TextRole::Drop(1)),
    ("setmainfont", TextRole::Drop(1)),
    ("setsansfont", TextRole::Drop(1)),
    ("settowidth", TextRole::Drop(2)),
    ("sf", TextRole::Inline),
    ("sffamily", TextRole::Inline),
    ("sl", TextRole::Inline),
    ("slshape", TextRole::Inline),
    ("small", TextRole::Inline),
    ("space", TextRole::Inline),
    ("ss", TextRole::Symbol("ss")),
    ("strut", TextRole::Inline),
    ("text", TextRole::Inline),
    ("textampersand", TextRole::Symbol("&")),
    ("textasciitilde", TextRole::Symbol("~")),
    ("textbf", TextRole::Inline),
    ("textcolor", TextRole::Drop(1)),
    ("textdollar", TextRole::Symbol("$")),
    ("textellipsis", TextRole::Symbol("…")),
    ("textemdash", TextRole::Symbol("—")),
    ("textendash", TextRole::Symbol("–")),
    ("texteuro", TextRole::Symbol("€")),
    ("textit", TextRole::Inline),
    ("textmd", TextRole::Inline),
    ("textnormal", TextRole::Inline),
    ("textpercent", TextRole::Symbol("%")),
    ("textrm", TextRole::Inline),
    ("textsc", TextRole::Inline),
    ("textsf", TextRole::Inline),
    ("textsl", TextRole::Inline),
    ("textsterling", TextRole::Symbol("£")),
    ("textsubscript", TextRole::Inline),
    ("textsuperscript", TextRole::Inline),
    ("texttt", TextRole::Inline),
    ("textup", TextRole::Inline),
    ("textyen", TextRole::Symbol("¥")),
    ("thinspace", TextRole::Inline),
    ("thispagestyle", TextRole::Drop(1)),
    ("tiny", TextRole::Inline),
    ("titleformat", TextRole::Drop(5)),
    ("titlespacing", TextRole::Drop(4)),
    ("tt", TextRole::Inline),
    ("ttfamily", TextRole::Inline),
    ("uline", TextRole::Inline),
    ("underline", TextRole::Inline),
    ("uppercase", TextRole::Inline),
    ("upshape", TextRole::Inline),
    ("urlstyle", TextRole::Drop(1)),
    ("usepackage", TextRole::Drop(1)),
    ("usetikzlibrary", TextRole::Drop(1)),
    ("vspace", TextRole::Drop(1)),
];

/// Extra non-text arguments after `\begin{env}` (column specs, widths).
pub const ENV_ARGS: &[(&str, usize)] = &[
    ("adjustbox", 1),
    ("array", 1),
    ("longtable", 1),
    ("minipage", 1),
    ("multicols", 1),
    ("multicols*", 1),
    ("tabular", 1),
    ("tabular*", 2),
    ("tabularx", 2),
    ("tabulary", 2),
    ("wrapfigure", 2),
];

/// How many brace groups a definition command takes, which decides how long
/// its body lasts (see [`check_balance`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionShape {
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

/// Commands that define macros or environments, with the shape of their
/// arguments. Inside their bodies `\begin`/`\end` are only text to be
/// expanded later, so they are not matched against each other; in model
/// output they are refused (a replacement may not redefine what prints).
pub const DEFINITION_COMMANDS: &[(&str, DefinitionShape)] = &[
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
pub fn definition_groups(text: &str, shape: DefinitionShape, pos: usize) -> usize {
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

/// Commands that change how TeX reads characters: category codes, short
/// verbatim, LaTeX3 syntax, re-reading text. After one of them Tailor
/// cannot be sure it reads a text as TeX does, so it does not edit it.
/// (`\makeatletter` is understood: the lexer reads `@` as a letter.)
pub const CATCODE_COMMANDS: &[&str] = &[
    "catcode",
    "lccode",
    "uccode",
    "sfcode",
    "mathcode",
    "delcode",
    "MakeShortVerb",
    "DeleteShortVerb",
    "lstMakeShortInline",
    "ExplSyntaxOn",
    "ExplSyntaxOff",
    "scantokens",
    "endlinechar",
    "escapechar",
    "newlinechar",
    "obeylines",
    "obeyspaces",
    "active",
];

/// What `name` does to the visible text, if the table knows it.
pub fn text_role(name: &str) -> Option<TextRole> {
    TEXT_COMMANDS.binary_search_by(|(cmd, _)| cmd.as_bytes().cmp(name.as_bytes())).ok().map(|i| TEXT_COMMANDS[i].1)
}

/// The definition shape of `name`, if it defines a macro or environment.
pub fn definition_shape(name: &str) -> Option<DefinitionShape> {
    DEFINITION_COMMANDS.iter().find(|(n, _)| *n == name).map(|(_, shape)| *shape)
}

/// Whether `name` defines or aliases a macro (`\def`, `\let`, `\newcommand`,
/// `\csname`, …): in model output, it could change what prints.
pub fn defines(name: &str) -> bool {
    definition_shape(name).is_some() || matches!(name, "let" | "futurelet" | "csname" | "expandafter" | "global")
}

/// Whether `name` changes how TeX reads characters.
pub fn changes_catcodes(name: &str) -> bool {
    CATCODE_COMMANDS.contains(&name)
}

/// The first command of `doc` (outside comments and verbatim) that changes
/// how TeX reads characters, with its 1-based line.
pub fn first_catcode_change(doc: &str) -> Option<(&str, usize)> {
    Lexer::new(doc).find_map(|t| match t.kind {
        TokenKind::Command(name) if changes_catcodes(name) => Some((name, line_and_column(doc, t.start).0)),
        _ => None,
    })
}

/// Extra layout arguments after `\begin{env}`.
pub fn environment_arguments(env: &str) -> usize {
    ENV_ARGS.iter().find(|(e, _)| *e == env).map_or(0, |(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_table_is_sorted_for_binary_search() {
        assert!(TEXT_COMMANDS.windows(2).all(|w| w[0].0.as_bytes() < w[1].0.as_bytes()));
        assert_eq!(text_role("textbf"), Some(TextRole::Inline));
        assert_eq!(text_role("vspace"), Some(TextRole::Drop(1)));
        assert_eq!(text_role("resumeItem"), None);
    }

    #[test]
    fn every_defining_command_is_known_once() {
        for name in ["def", "gdef", "newcommand", "NewDocumentCommand", "DeclareRobustCommand", "let", "csname"] {
            assert!(defines(name), "{name}");
        }
        assert!(!defines("textbf"));
        assert!(changes_catcodes("catcode") && changes_catcodes("MakeShortVerb") && !changes_catcodes("makeatletter"));
        assert_eq!(first_catcode_change("a\n% \\catcode\n\\catcode`\\|=0 x"), Some(("catcode", 3)));
        assert_eq!(first_catcode_change("\\makeatletter\\def\\x@y{}\\makeatother"), None);
    }
}
