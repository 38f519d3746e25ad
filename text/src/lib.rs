//! Pure text code, shared by every crate and doing no I/O: how Tailor reads
//! LaTeX (one lexer, one command table: [`latex`]), job descriptions and
//! match scores ([`jd`]), résumé diffs ([`diff`]), the schema's enums
//! ([`enums`]) and the words these readers share ([`vocabulary`]).
//!
//! Deliberately absent: databases, Redis, HTTP, queues, files. The enums'
//! PostgreSQL mappings exist behind the `sqlx` feature for `shared`'s
//! queries; nothing here connects to anything.

pub mod diff;
pub mod enums;
pub mod jd;
pub mod latex;
pub mod vocabulary;
