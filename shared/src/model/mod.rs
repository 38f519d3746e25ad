//! Rust mirrors of `spec/database.md`: one type per enum and per table, with
//! serde in the schema's own spelling (camelCase fields, SCREAMING enum
//! values) and the enums mapped to their PostgreSQL types.
//!
//! [`schema`] declares the same schema as data; the drift test compares it with
//! the live catalog after migrations, and unit tests below compare it with
//! these types, so the three (migrations, declaration, types) cannot drift.

pub mod schema;
mod tables;

pub use tables::*;
pub use text::enums::*;
