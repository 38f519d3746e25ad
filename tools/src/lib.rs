//! Development and test tools: `token` (local Clerk-like JWTs for
//! `dev-token`, tests and load tests), `sim` (the `llm-sim` simulator) and
//! `eval` (the `tailor-eval` harness).
//! `loadgen` (the load generator for the AI-job API, and a wrk-like GET
//! hammer). `queue_bench` (the `queue-bench` baseline measurements of the
//! bare queue and a bare HTTP+SQL route).

pub mod eval;
pub mod fact_check;
pub mod loadgen;
pub mod queue_bench;
pub mod sim;
pub mod sim_style;
pub mod token;
