//! The tailoring engine, pure: one provider call per job (made by the
//! caller), whose answer is a list of edits against the unlocked sections;
//! our code applies them, so locked sections, the preamble and the closing
//! are copied byte for byte, and the result is checked before it is
//! proposed. No database, Redis, HTTP or queue here: the worker and
//! `tailor-eval` make the call and store the result.
//!
//! - [`protocol`]: the JSON the model reads and writes (also what `llm-sim` parses).
//! - [`prompt`]: the messages, with the mode's contract.
//! - [`apply`]: validating and applying edits, LaTeX escaping, final checks.
//! - [`gates`]: faithfulness (no fact the base résumé lacks); [`budget`]: the
//!   modes' measured limits.
//! - [`run`]: one run ([`prepare`], then [`Prepared::finish`] with the answer),
//!   shared by the worker and `tailor-eval`.

pub mod apply;
pub mod budget;
pub mod gates;
pub mod prompt;
pub mod protocol;
pub mod run;

pub use apply::{Context, Gate, Proposal, Refusal, apply_answer, apply_subset, parse_answer};
pub use prompt::{Message, build_input, messages};
pub use protocol::{Edit, EditAnswer, SectionInput, TailorInput};
pub use run::{EngineInput, EngineOutput, Prepared, ProposalCompile, Request, Trace, Unusable, prepare};
