//! What both binaries need and nothing more: the schema's types, the queue
//! contract, the object store, and the pure logic that reads résumés and job
//! descriptions.
//!
//! Deliberately absent: any HTTP framework (only `api` speaks HTTP to users)
//! and the worker runtime (only `worker` runs apalis workers; this crate only
//! knows how a task is written into the queue's table).

pub mod compile;
pub mod crypto;
pub mod db;
pub mod diff;
pub mod env;
pub mod events;
pub mod jd;
pub mod latex;
pub mod model;
pub mod providers;
pub mod queue;
pub mod ratelimit;
pub mod redis_conn;
pub mod storage;
pub mod telemetry;
