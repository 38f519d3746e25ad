//! The test harness shared by every test binary of this crate: fresh
//! databases, the real API on port 0, tokens, the provider simulator on
//! port 0 (the fake at the HTTP boundary), in-process workers, and the real
//! binaries as processes.

pub mod harness;
pub mod processes;

pub use harness::*;
