//! The test harness shared by every test binary of this crate: fresh
//! databases, the real API on port 0, tokens, the provider simulator on
//! port 0 (the fake at the HTTP boundary), in-process workers, and the real
//! binaries as processes, and a local S3 server.

pub mod harness;
pub mod processes;
pub mod s3;

pub use harness::*;
