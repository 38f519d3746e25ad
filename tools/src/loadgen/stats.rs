//! Pure helpers: latency summaries (HDR histogram), nearest-rank
//! percentiles, `Retry-After` parsing and the open-loop schedule.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Longest `Retry-After` honoured; longer ones are cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A latency distribution in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
    /// Number of samples; all figures are 0 when it is 0.
    pub count: u64,
}

/// Records durations with microsecond resolution and 3 significant digits
/// (so a percentile is within 0.1 % of the exact sample).
#[derive(Debug, Clone)]
pub struct LatencyRecorder {
    histogram: Histogram<u64>,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyRecorder {
    pub fn new() -> Self {
        // 3 significant digits is always a valid precision (1 to 5 are).
        Self { histogram: Histogram::new(3).expect("3 significant digits is a valid precision") }
    }

    pub fn record(&mut self, duration: Duration) {
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        // `record` grows the histogram as needed (`saturating_record` would
        // clamp to its current range instead); it fails only on absurd values.
        if self.histogram.record(micros).is_err() {
            self.histogram.saturating_record(micros);
        }
    }

    /// Adds another recorder's samples.
    pub fn merge(&mut self, other: &Self) {
        // Both histograms auto-resize, so adding cannot go out of range.
        if self.histogram.add(&other.histogram).is_err() {
            for value in other.histogram.iter_recorded() {
                self.histogram.saturating_record_n(value.value_iterated_to(), value.count_at_value());
            }
        }
    }

    pub fn len(&self) -> u64 {
        self.histogram.len()
    }

    pub fn is_empty(&self) -> bool {
        self.histogram.is_empty()
    }

    pub fn summary(&self) -> LatencySummary {
        let h = &self.histogram;
        if h.is_empty() {
            return LatencySummary::default();
        }
        let ms = |micros: u64| round3(micros as f64 / 1000.0);
        LatencySummary {
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
            mean: round3(h.mean() / 1000.0),
            count: h.len(),
        }
    }
}

/// Rounds to 3 decimals (microseconds when the unit is milliseconds).
pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Nearest-rank percentile of sorted samples: the smallest sample such that
/// at least `quantile` of all samples are less or equal. `None` when empty.
pub fn nearest_rank(sorted: &[u64], quantile: f64) -> Option<u64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = (quantile.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1).min(last)).copied()
}

/// Parses a `Retry-After` value: delay-seconds (`"3"`) or an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, relative to `now`; a past date means
/// no wait). Capped at [`MAX_RETRY_AFTER`]. `None` when not understood.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too large for u64 is still "a very long time".
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let date = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    let wait = (date - now).to_std().unwrap_or(Duration::ZERO);
    Some(wait.min(MAX_RETRY_AFTER))
}

/// When job `index` (from 0) is due in an open loop at `rate` jobs per
/// second, counted from the start of the run. Computed from the index, not
/// by adding intervals, so rounding never accumulates.
pub fn open_loop_offset(index: u64, rate: f64) -> Duration {
    if !(rate.is_finite() && rate > 0.0) {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(index as f64 / rate).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn summary_of_known_samples() {
        let mut recorder = LatencyRecorder::new();
        assert_eq!(recorder.summary(), LatencySummary::default());
        for ms in 1..=100u64 {
            recorder.record(Duration::from_millis(ms));
        }
        let s = recorder.summary();
        assert_eq!(s.count, 100);
        let close = |got: f64, want: f64| (got - want).abs() <= want * 0.002;
        assert!(close(s.p50, 50.0), "{s:?}");
        assert!(close(s.p90, 90.0), "{s:?}");
        assert!(close(s.p99, 99.0), "{s:?}");
        assert!(close(s.max, 100.0), "{s:?}");
        assert!(close(s.mean, 50.5), "{s:?}");
    }

    #[test]
    fn merging_recorders_adds_samples() {
        let mut a = LatencyRecorder::new();
        let mut b = LatencyRecorder::new();
        a.record(Duration::from_millis(1));
        b.record(Duration::from_secs(100));
        b.record(Duration::from_secs(100));
        a.merge(&b);
        assert_eq!(a.len(), 3);
        let s = a.summary();
        assert!((s.max - 100_000.0).abs() < 100.0, "{s:?}");
        assert!((s.p50 - 100_000.0).abs() < 100.0, "{s:?}");
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[7], 0.5), Some(7));
        assert_eq!(nearest_rank(&[7], 0.99), Some(7));
        let samples: Vec<u64> = (1..=10).collect();
        assert_eq!(nearest_rank(&samples, 0.5), Some(5));
        assert_eq!(nearest_rank(&samples, 0.9), Some(9));
        assert_eq!(nearest_rank(&samples, 0.99), Some(10));
        assert_eq!(nearest_rank(&samples, 0.0), Some(1));
        assert_eq!(nearest_rank(&samples, 1.0), Some(10));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0).single().expect("valid date");
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("3600", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn open_loop_schedule() {
        assert_eq!(open_loop_offset(0, 10.0), Duration::ZERO);
        assert_eq!(open_loop_offset(1, 10.0), Duration::from_millis(100));
        assert_eq!(open_loop_offset(25, 10.0), Duration::from_millis(2500));
        assert_eq!(open_loop_offset(3, 0.5), Duration::from_secs(6));
        // Exactly `rate` jobs fall in each second, without drift.
        let rate = 7.0;
        let in_second = |s: u64| (0..1000u64).filter(|&i| open_loop_offset(i, rate).as_secs() == s).count();
        assert_eq!(in_second(0), 7);
        assert_eq!(in_second(100), 7);
        assert_eq!(open_loop_offset(700, rate), Duration::from_secs(100));
        // Offsets never decrease.
        let offsets: Vec<Duration> = (0..1000).map(|i| open_loop_offset(i, 333.3)).collect();
        assert!(offsets.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(open_loop_offset(5, 0.0), Duration::ZERO);
        assert_eq!(open_loop_offset(5, f64::NAN), Duration::ZERO);
    }
}
