//! Integration tests of the API over real PostgreSQL and Redis, all in one
//! binary (one link); the harness is this crate's lib (`tests/src`).

mod ai_jobs;
mod api_keys;
mod auth;
mod bad_input;
mod deletion;
mod job_descriptions;
mod limits;
mod ownership;
mod projects;
mod realtime;
mod schema;
mod versions;
