//! What both binaries need that does I/O: the schema's types (its enums come
//! from the pure `text` crate), the database pool and migrations, the queue
//! contract, Redis (events, rate limits), the LLM provider client, the object
//! store, crypto and telemetry. The pure code (LaTeX, JD analysis, diffs)
//! lives in `text`, the tailoring engine in `engine`.
//!
//! Deliberately absent: any HTTP framework (only `api` speaks HTTP to users)
//! and the worker runtime (only `worker` runs apalis workers; this crate only
//! knows how a task is written into the queue's table).

pub mod compile;
pub mod crypto;
pub mod db;
pub mod env;
pub mod events;
pub mod group;
pub mod metrics;
pub mod model;
pub mod providers;
pub mod queue;
pub mod ratelimit;
pub mod redis_conn;
pub mod storage;
pub mod telemetry;
