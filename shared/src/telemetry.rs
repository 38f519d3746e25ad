//! One tracing setup for both binaries: `RUST_LOG` filters (default `info`),
//! `LOG_FORMAT=json` switches to one JSON object per line for log shippers.

use tracing_subscriber::EnvFilter;

/// Install the global subscriber. Call once, first thing in `main`.
pub fn init(default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(true);
    let result = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
    if let Err(e) = result {
        eprintln!("tracing already initialised: {e}");
    }
}

/// For tests: log through the test harness's captured output, once.
pub fn init_for_tests() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}
