//! The tailoring engine: one provider call per job, whose answer is a list of
//! edits against the unlocked sections; our code applies them, so locked
//! sections, the preamble and the closing are copied byte for byte, and the
//! result is checked before it is proposed.
//!
//! - [`protocol`]: the JSON the model reads and writes (also what `llm-sim` parses).
//! - [`prompt`]: the messages, with the mode's contract.
//! - [`apply`]: validating and applying edits, LaTeX escaping, final checks.
//! - [`gates`]: faithfulness (no fact the base résumé lacks); [`budget`]: the
//!   modes' measured limits.
//! - [`engine`]: one run, shared by the worker and `tailor-eval`.

pub mod apply;
pub mod budget;
pub mod engine;
pub mod gates;
pub mod prompt;
pub mod protocol;

pub use apply::{Context, Gate, Proposal, Refusal, apply_answer, apply_subset, parse_answer};
pub use engine::{EngineError, EngineInput, EngineOutput, ProposalCompile, Trace, tailor};
pub use prompt::{build_input, messages, sections_of};
pub use protocol::{Edit, EditAnswer, SectionInput, TailorInput};
