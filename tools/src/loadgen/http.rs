//! The shared HTTP client and lock-free status-code counters.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::stats::parse_retry_after;

/// Time allowed to open a TCP connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One HTTP/1.1 client for the whole run: `pool` idle connections kept per
/// host (at least the concurrency, so that followers and submitters reuse
/// connections instead of reconnecting), Nagle off.
pub(crate) fn client(pool: usize) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(pool)
        .pool_idle_timeout(Duration::from_secs(90))
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("tailor-loadgen/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("building the HTTP client")
}

/// Counts of HTTP status codes (100–599) and of requests that got no answer.
pub(crate) struct StatusCounter {
    counts: Vec<AtomicU64>,
    transport_errors: AtomicU64,
}

const FIRST_CODE: u16 = 100;
const LAST_CODE: u16 = 599;

impl StatusCounter {
    pub(crate) fn new() -> Self {
        Self {
            counts: (FIRST_CODE..=LAST_CODE).map(|_| AtomicU64::new(0)).collect(),
            transport_errors: AtomicU64::new(0),
        }
    }

    /// Counts one answer. Codes outside 100–599 count as transport errors.
    pub(crate) fn record(&self, code: u16) {
        match code.checked_sub(FIRST_CODE).and_then(|i| self.counts.get(usize::from(i))) {
            Some(slot) => slot.fetch_add(1, Ordering::Relaxed),
            None => self.transport_errors.fetch_add(1, Ordering::Relaxed),
        };
    }

    /// Counts a request that failed without a status (connect, timeout, I/O).
    pub(crate) fn record_error(&self) {
        self.transport_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn transport_errors(&self) -> u64 {
        self.transport_errors.load(Ordering::Relaxed)
    }

    /// Non-zero counts keyed by the code as text (three digits, so the map's
    /// order is numeric).
    pub(crate) fn snapshot(&self) -> BTreeMap<String, u64> {
        (FIRST_CODE..=LAST_CODE)
            .zip(&self.counts)
            .filter_map(|(code, count)| {
                let count = count.load(Ordering::Relaxed);
                (count > 0).then(|| (code.to_string(), count))
            })
            .collect()
    }
}

/// The `Retry-After` of an answer, if present and understood.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, chrono::Utc::now())
}

/// A body excerpt for error messages: at most `max` characters, one line.
pub(crate) fn excerpt(body: &str, max: usize) -> String {
    let mut out: String = body.chars().take(max).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if body.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_statuses_and_errors() {
        let counter = StatusCounter::new();
        counter.record(200);
        counter.record(200);
        counter.record(429);
        counter.record(99);
        counter.record(600);
        counter.record_error();
        let snapshot = counter.snapshot();
        assert_eq!(snapshot.len(), 2);
        assert_eq!(snapshot.get("200"), Some(&2));
        assert_eq!(snapshot.get("429"), Some(&1));
        assert_eq!(counter.transport_errors(), 3);
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(excerpt("abc", 10), "abc");
        assert_eq!(excerpt("a\nbcdef", 3), "a b…");
    }
}
