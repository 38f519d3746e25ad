//! LaTeX résumés: checking them and cutting them into sections.
//!
//! Tailor never compiles or rewrites a whole résumé at once. A document is
//! modelled as three consecutive slices of the original text:
//!
//! ```text
//! \documentclass{article}     ┐
//! \usepackage{…}              │ preamble: up to and including the
//! \begin{document}            ┘ \begin{document} line
//! Jane Doe — jane@example.com ┐ section 0: the header block (Other, no title)
//! %------ EXPERIENCE ------    ┐ section 1: a heading with the blank and
//! \section{Experience}        │ comment lines directly above it, up to
//! …                           ┘ the next section
//! \end{document}              ] closing: from the \end{document} line on
//! ```
//!
//! The sections cover the body exactly, so
//! [`SplitDocument::reassemble`] returns the input byte for byte and a
//! tailored résumé is the original with some section contents replaced.
//! [`classify`] names each section from its heading's title
//! ([`ResumeSectionType`](crate::enums::ResumeSectionType)).
//!
//! [`validate`] holds the structural checks: [`check_whole_document`] (is
//! this a whole document, and where is its body?) and [`check_balance`] (do
//! braces and environments nest?), used on uploads and on model output.
//! Everything is built on the one lexer ([`lexer`]) and the one command
//! table ([`commands`]); nothing runs TeX.

pub use crate::vocabulary::BULLET_COMMANDS;

pub mod commands;
pub mod lexer;
pub mod plain;
pub mod preflight;
pub mod sections;
pub mod validate;

pub use lexer::{Lexer, OPAQUE_ENVIRONMENTS, Token, TokenKind, strip_comments};
pub use plain::plain_text;
pub use sections::{
    ExtractedSection, HEADING_COMMANDS, HEADING_ENVIRONMENTS, SplitDocument, classify, normalize_title, split,
    split_body,
};
pub use validate::{
    BalanceError, BalanceErrorKind, DocumentError, DocumentLayout, check_balance, check_whole_document,
};
