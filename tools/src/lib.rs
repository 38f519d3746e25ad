//! Development and test tools: `token` (local Clerk-like JWTs for
//! `dev-token`, tests and load tests), `sim` (the `llm-sim` simulator) and
//! `eval` (the `tailor-eval` harness).

pub mod eval;
pub mod sim;
pub mod token;
