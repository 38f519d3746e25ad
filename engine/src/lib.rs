//! The tailoring engine, pure: one provider call per job (made by the
//! caller), whose answer is a list of edits against the unlocked sections;
//! our code applies them, so locked sections, the preamble and the closing
//! are copied byte for byte, and the result is checked before it is
//! proposed. No database, Redis, HTTP or queue here: the worker and
//! `tailor-eval` make the call and store the result.
//!
//! - [`protocol`]: the JSON the model reads and writes (also what `llm-sim` parses).
//! - [`prompt`]: the messages, with the mode's contract.
//! - [`answer`]: reading the model's answer leniently, edit by edit.
//! - [`groups`]: splitting long résumés into calls that fit the output limit.
//! - [`quotes`]: finding a quote as a person would (typography, escapes).
//! - [`apply`]: validating and applying edits, LaTeX escaping, final checks.
//! - [`gates`]: faithfulness (no fact the base résumé lacks); [`budget`]: the
//!   modes' measured limits.
//! - [`review`]: a proposal edit by edit: ids, accepting some, section by section.
//! - [`run`]: one run ([`prepare`], then [`Prepared::finish`] with the answer),
//!   shared by the worker and `tailor-eval`.

pub mod answer;
pub mod apply;
pub mod budget;
pub mod gates;
pub mod groups;
pub mod prompt;
pub mod protocol;
pub mod quotes;
pub mod review;
pub mod run;

pub use answer::read_answer;
pub use apply::{Context, Gate, Proposal, Refusal, apply_answer, apply_answer_with, apply_subset};
pub use prompt::{Message, build_input, messages};
pub use protocol::{Edit, EditAnswer, SectionInput, TailorInput};
pub use run::{
    BaseReading, CallTrace, EngineInput, EngineOutput, Prepared, ProposalCompile, ProviderAnswer, Request, Trace,
    Unusable, Usage, prepare,
};
