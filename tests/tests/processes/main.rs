//! End to end with the real binaries as separate processes (`api`,
//! `worker`s, `llm-sim` as the provider), driven through HTTP only: the job
//! lifecycle under crashes and stops, one trace per job across processes,
//! and the metrics a real Prometheus scrapes.

mod lifecycle;
mod metrics;
mod secrets;
mod traces;
