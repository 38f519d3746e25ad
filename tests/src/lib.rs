//! The test harness shared by every test binary of this crate: fresh
//! databases, the real API on port 0, tokens, the provider simulator on
//! port 0 (the fake at the HTTP boundary), in-process workers, and the real
//! binaries as processes (one by one, or the whole [`system`]), a local S3
//! server, and an OTLP receiver that decodes what the binaries export.
//! [`client`] is the api as tests talk to it: typed answers, URLs in one
//! place, and the queue drained through the real worker on demand.

pub mod client;
pub mod harness;
pub mod otlp;
pub mod processes;
pub mod s3;
pub mod system;

pub use harness::*;
