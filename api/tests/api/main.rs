//! Integration tests of the API over real PostgreSQL and Redis, all in one
//! binary (one link); `api/common.rs` is the harness.

mod common;

mod ai_jobs;
mod auth;
mod bad_input;
mod job_descriptions;
mod ownership;
mod projects;
mod schema;
mod versions;
