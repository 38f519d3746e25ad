//! Development and test tools: `token` (local Clerk-like JWTs for
//! `dev-token`, tests and load tests) and `sim` (the `llm-sim` simulator).

pub mod sim;
pub mod token;
