//! From per-job records to the run report: counts, latency summaries, the
//! per-second timeline, and the JSON / Markdown / SVG files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde::{Deserialize, Serialize};

use super::stats::{LatencyRecorder, LatencySummary, nearest_rank, round3};

/// Most distinct error messages kept in `errorSamples`.
const MAX_ERROR_SAMPLES: usize = 20;

/// How a job ended, from the load generator's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Seen COMPLETED.
    Completed,
    /// Seen FAILED.
    Failed,
    /// Accepted (202) but not seen final before the timeout.
    Lost,
    /// Never accepted: a transport error or an answer other than 202/429.
    SubmitError,
}

/// What happened to one job; times are offsets from the start of the
/// measured phase.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// First submission attempt (for an open loop, when it was sent; the
    /// schedule lag is reported separately).
    pub t_submit: Duration,
    /// Start of the attempt that was accepted (after any 429 back-off).
    pub t_post: Option<Duration>,
    /// The 202 answer read.
    pub t_accepted: Option<Duration>,
    /// First observation of RUNNING or a later status.
    pub t_running: Option<Duration>,
    /// First observation of COMPLETED or FAILED.
    pub t_terminal: Option<Duration>,
    pub outcome: Outcome,
    /// Why the job failed, was lost or was not accepted.
    pub error: Option<String>,
}

impl JobRecord {
    /// A record for a job not (yet) accepted.
    pub fn submitted_at(t_submit: Duration) -> Self {
        Self {
            t_submit,
            t_post: None,
            t_accepted: None,
            t_running: None,
            t_terminal: None,
            outcome: Outcome::SubmitError,
            error: None,
        }
    }
}

/// Run-wide figures that are not per job.
#[derive(Debug, Clone, Default)]
pub struct RunTotals {
    /// Wall-clock start of the measured phase (RFC 3339).
    pub started_at: String,
    /// Time spent creating users, projects, versions and JDs.
    pub setup: Duration,
    /// Length of the measured phase (first submission to the end of the
    /// last follower, lost jobs included).
    pub wall: Duration,
    /// 429 answers to submissions (each retried).
    pub submit_retries: u64,
    /// Open loop: submissions delayed because `concurrency` jobs were in
    /// flight.
    pub in_flight_cap_hits: u64,
    /// Failed requests while following jobs (transport errors, unexpected
    /// statuses, unreadable bodies).
    pub follow_errors: u64,
    /// SSE streams that ended before a final status and were reopened.
    pub sse_reconnects: u64,
    /// Requests that got no HTTP answer.
    pub transport_errors: u64,
    /// Status code → count, over every request (setup included).
    pub http_statuses: BTreeMap<String, u64>,
    /// Open loop: actual minus scheduled submission time.
    pub schedule_lag: Option<LatencyRecorder>,
    /// SSE only: a status change's commit (`updatedAt`) to its event read.
    pub sse_delay: Option<LatencyRecorder>,
}

/// One second of the measured phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineBucket {
    /// Start of the second, from the first submission.
    pub t: u64,
    /// Jobs accepted (202 read) in this second.
    pub submitted: u64,
    /// Jobs seen COMPLETED in this second.
    pub completed: u64,
    /// Jobs seen FAILED in this second.
    pub failed: u64,
    /// Median end-to-end latency of the jobs completed in this second.
    pub e2e_p50_ms: Option<f64>,
    /// 99th percentile (nearest rank) of the same.
    pub e2e_p99_ms: Option<f64>,
}

/// The report of a `loadgen run`, written as `<report>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub started_at: String,
    /// Jobs the run tried to submit.
    pub jobs: u64,
    pub completed: u64,
    pub failed: u64,
    /// Accepted but not final before the timeout.
    pub lost: u64,
    /// Never accepted.
    pub submit_errors: u64,
    /// 429 answers to submissions, each retried after its Retry-After.
    pub submit_retries: u64,
    pub in_flight_cap_hits: u64,
    pub follow_errors: u64,
    pub sse_reconnects: u64,
    pub transport_errors: u64,
    pub setup_secs: f64,
    /// First submission to last final status.
    pub duration_secs: f64,
    /// First submission to the end of the run (lost jobs included).
    pub wall_secs: f64,
    /// (completed + failed) ÷ `durationSecs`.
    pub throughput_jobs_per_sec: f64,
    /// completed ÷ `durationSecs`.
    pub completed_per_sec: f64,
    /// Accepted POST → 202.
    pub enqueue_ms: LatencySummary,
    /// 202 → RUNNING (or later) observed.
    pub pickup_ms: LatencySummary,
    /// 202 → COMPLETED observed.
    pub e2e_ms: LatencySummary,
    /// Open loop only: how late submissions left against their schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_lag_ms: Option<LatencySummary>,
    /// SSE only: from a change's commit (the job's `updatedAt`, stamped at
    /// the start of the committing transaction, so slightly early) to the
    /// client reading its event; the first event of a stream (the state at
    /// connection) is not counted. Same machine, same clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_delay_ms: Option<LatencySummary>,
    /// Status code → count over every request made (setup included).
    pub http_statuses: BTreeMap<String, u64>,
    /// Distinct error messages (at most 20) → count.
    pub error_samples: BTreeMap<String, u64>,
    /// The command-line arguments.
    pub config: serde_json::Value,
    pub timeline: Vec<TimelineBucket>,
}

/// Builds the report from every job's record.
pub fn build_report(records: &[JobRecord], totals: RunTotals, config: serde_json::Value) -> Report {
    let count = |outcome: Outcome| records.iter().filter(|r| r.outcome == outcome).count() as u64;
    let (completed, failed) = (count(Outcome::Completed), count(Outcome::Failed));

    let mut enqueue = LatencyRecorder::new();
    let mut pickup = LatencyRecorder::new();
    let mut e2e = LatencyRecorder::new();
    for record in records {
        if let (Some(post), Some(accepted)) = (record.t_post, record.t_accepted) {
            enqueue.record(accepted.saturating_sub(post));
        }
        let Some(accepted) = record.t_accepted else { continue };
        if let Some(running) = record.t_running {
            pickup.record(running.saturating_sub(accepted));
        }
        if record.outcome == Outcome::Completed
            && let Some(terminal) = record.t_terminal
        {
            e2e.record(terminal.saturating_sub(accepted));
        }
    }

    let first_submit = records.iter().map(|r| r.t_submit).min().unwrap_or_default();
    let last_terminal = records.iter().filter_map(|r| r.t_terminal).max();
    let duration = last_terminal.map(|t| t.saturating_sub(first_submit)).unwrap_or_default();
    let per_sec = |n: u64| if duration.is_zero() { 0.0 } else { round3(n as f64 / duration.as_secs_f64()) };

    let mut error_samples = BTreeMap::new();
    for error in records.iter().filter_map(|r| r.error.as_deref()) {
        if error_samples.len() < MAX_ERROR_SAMPLES || error_samples.contains_key(error) {
            *error_samples.entry(error.to_owned()).or_insert(0) += 1;
        } else {
            *error_samples.entry("(other errors)".to_owned()).or_insert(0) += 1;
        }
    }

    Report {
        started_at: totals.started_at,
        jobs: records.len() as u64,
        completed,
        failed,
        lost: count(Outcome::Lost),
        submit_errors: count(Outcome::SubmitError),
        submit_retries: totals.submit_retries,
        in_flight_cap_hits: totals.in_flight_cap_hits,
        follow_errors: totals.follow_errors,
        sse_reconnects: totals.sse_reconnects,
        transport_errors: totals.transport_errors,
        setup_secs: round3(totals.setup.as_secs_f64()),
        duration_secs: round3(duration.as_secs_f64()),
        wall_secs: round3(totals.wall.as_secs_f64()),
        throughput_jobs_per_sec: per_sec(completed + failed),
        completed_per_sec: per_sec(completed),
        enqueue_ms: enqueue.summary(),
        pickup_ms: pickup.summary(),
        e2e_ms: e2e.summary(),
        schedule_lag_ms: totals.schedule_lag.map(|lag| lag.summary()),
        sse_delay_ms: totals.sse_delay.map(|d| d.summary()),
        http_statuses: totals.http_statuses,
        error_samples,
        config,
        timeline: timeline(records),
    }
}

/// Per-second buckets from 0 to the last acceptance or final status.
pub fn timeline(records: &[JobRecord]) -> Vec<TimelineBucket> {
    let last = records.iter().flat_map(|r| [r.t_accepted, r.t_terminal]).flatten().max();
    let Some(last) = last else { return Vec::new() };
    let len = usize::try_from(last.as_secs()).unwrap_or(usize::MAX - 1).saturating_add(1);
    let mut buckets: Vec<TimelineBucket> = (0..len as u64)
        .map(|t| TimelineBucket { t, submitted: 0, completed: 0, failed: 0, e2e_p50_ms: None, e2e_p99_ms: None })
        .collect();
    let mut e2e_micros: Vec<Vec<u64>> = vec![Vec::new(); len];
    let slot = |t: Duration| usize::try_from(t.as_secs()).ok().filter(|&i| i < len);
    for record in records {
        if let Some(i) = record.t_accepted.and_then(slot) {
            buckets[i].submitted += 1;
        }
        let Some(i) = record.t_terminal.and_then(slot) else { continue };
        match record.outcome {
            Outcome::Completed => {
                buckets[i].completed += 1;
                if let (Some(accepted), Some(terminal)) = (record.t_accepted, record.t_terminal) {
                    let micros = terminal.saturating_sub(accepted).as_micros();
                    e2e_micros[i].push(u64::try_from(micros).unwrap_or(u64::MAX));
                }
            }
            Outcome::Failed => buckets[i].failed += 1,
            Outcome::Lost | Outcome::SubmitError => {}
        }
    }
    for (bucket, mut samples) in buckets.iter_mut().zip(e2e_micros) {
        samples.sort_unstable();
        let ms = |q: f64| nearest_rank(&samples, q).map(|micros| round3(micros as f64 / 1000.0));
        bucket.e2e_p50_ms = ms(0.50);
        bucket.e2e_p99_ms = ms(0.99);
    }
    buckets
}

/// One line for the terminal.
pub fn summary_line(report: &Report) -> String {
    format!(
        "{} jobs: {} completed, {} failed, {} lost, {} not accepted ({} 429 retries) in {:.1} s: {:.2} jobs/s; \
         e2e p50 {:.0} ms p99 {:.0} ms; pickup p50 {:.0} ms p99 {:.0} ms; enqueue p50 {:.1} ms p99 {:.1} ms",
        report.jobs,
        report.completed,
        report.failed,
        report.lost,
        report.submit_errors,
        report.submit_retries,
        report.duration_secs,
        report.throughput_jobs_per_sec,
        report.e2e_ms.p50,
        report.e2e_ms.p99,
        report.pickup_ms.p50,
        report.pickup_ms.p99,
        report.enqueue_ms.p50,
        report.enqueue_ms.p99,
    )
}

/// The Markdown summary written beside the JSON report.
pub fn markdown(report: &Report) -> String {
    let config = &report.config;
    let text = |key: &str| match config.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => "-".to_owned(),
        Some(other) => other.to_string(),
    };
    let follow = text("follow");
    let mut md = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(md, "# loadgen run, {}\n", report.started_at);
    let loop_kind = match config.get("rate").and_then(serde_json::Value::as_f64) {
        Some(rate) => format!(
            "open loop at {rate} jobs/s, at most {} in flight (cap hit {} times)",
            text("concurrency"),
            report.in_flight_cap_hits
        ),
        None => format!("closed loop, {} in flight", text("concurrency")),
    };
    let _ = writeln!(
        md,
        "API `{}`: {} jobs over {} users, mode {}, follow `{}`, {loop_kind}, timeout {} s.\n",
        text("api"),
        report.jobs,
        text("users"),
        text("mode"),
        follow,
        text("timeoutSecs"),
    );
    md.push_str("| | |\n|---|---:|\n");
    for (name, value) in [
        ("jobs", report.jobs.to_string()),
        ("completed", report.completed.to_string()),
        ("failed", report.failed.to_string()),
        ("lost (accepted, not final by the timeout)", report.lost.to_string()),
        ("submit errors (never accepted)", report.submit_errors.to_string()),
        ("429 retries on submission", report.submit_retries.to_string()),
        ("follow errors", report.follow_errors.to_string()),
        ("SSE reconnects", report.sse_reconnects.to_string()),
        ("transport errors", report.transport_errors.to_string()),
        ("setup (s)", format!("{:.2}", report.setup_secs)),
        ("first submission → last final status (s)", format!("{:.2}", report.duration_secs)),
        ("throughput (final jobs/s)", format!("{:.3}", report.throughput_jobs_per_sec)),
        ("completed jobs/s", format!("{:.3}", report.completed_per_sec)),
    ] {
        let _ = writeln!(md, "| {name} | {value} |");
    }

    md.push_str("\n| latency (ms) | p50 | p90 | p99 | max | mean | count |\n|---|---:|---:|---:|---:|---:|---:|\n");
    let mut rows = vec![
        ("enqueue: POST → 202", report.enqueue_ms),
        ("pickup: 202 → RUNNING seen", report.pickup_ms),
        ("end to end: 202 → COMPLETED seen", report.e2e_ms),
    ];
    if let Some(lag) = report.schedule_lag_ms {
        rows.push(("open-loop schedule lag", lag));
    }
    for (name, s) in rows {
        let _ = writeln!(
            md,
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
            s.p50, s.p90, s.p99, s.max, s.mean, s.count
        );
    }

    md.push_str("\n| HTTP status | count |\n|---|---:|\n");
    for (code, count) in &report.http_statuses {
        let _ = writeln!(md, "| {code} | {count} |");
    }
    if !report.error_samples.is_empty() {
        md.push_str("\n| error | count |\n|---|---:|\n");
        for (error, count) in &report.error_samples {
            let _ = writeln!(md, "| {} | {count} |", error.replace('|', "\\|"));
        }
    }

    md.push_str("\nNotes:\n\n");
    if follow == "poll" {
        let _ = writeln!(
            md,
            "- Followed by polling every {} ms: a status change is seen up to one interval late, so pickup and \
             end-to-end latencies are overestimated by up to {} ms (by half of it on average). Use `--follow \
             long-poll` or `sse` for precise figures.",
            text("pollIntervalMs"),
            text("pollIntervalMs"),
        );
    } else {
        md.push_str(
            "- Followed with long-poll/SSE: a status change is seen as soon as the API reports it (one network hop \
             plus the API's own notification delay).\n",
        );
    }
    md.push_str(
        "- Pickup is the first time RUNNING *or a later status* was seen: a job that went QUEUED → COMPLETED \
         between two observations counts as picked up when seen COMPLETED.\n\
         - Enqueue covers the accepted attempt only; time spent waiting on 429 Retry-After is excluded.\n\
         - HTTP statuses count every request, setup included.\n",
    );
    md
}

/// Paths of the Markdown and SVG files written beside `report` (its
/// extension replaced: `out.json` → `out.md`, `out.svg`).
pub fn sibling_paths(report: &Path) -> (PathBuf, PathBuf) {
    (report.with_extension("md"), report.with_extension("svg"))
}

/// Writes `path` (JSON), and its `.md` and `.svg` siblings.
pub fn write_files(report: &Report, path: &Path) -> Result<()> {
    let (md_path, svg_path) = sibling_paths(path);
    ensure!(
        md_path != path && svg_path != path,
        "the report path {} must not end in .md or .svg (those files are written beside it)",
        path.display()
    );
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(report).context("serialising the report")? + "\n";
    std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    std::fs::write(&md_path, markdown(report)).with_context(|| format!("writing {}", md_path.display()))?;
    let svg = super::chart::svg(report)?;
    std::fs::write(&svg_path, svg).with_context(|| format!("writing {}", svg_path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn job(submit: u64, accepted: u64, running: u64, terminal: u64, outcome: Outcome) -> JobRecord {
        JobRecord {
            t_submit: ms(submit),
            t_post: Some(ms(submit)),
            t_accepted: Some(ms(accepted)),
            t_running: Some(ms(running)),
            t_terminal: Some(ms(terminal)),
            outcome,
            error: None,
        }
    }

    fn records() -> Vec<JobRecord> {
        vec![
            job(0, 10, 110, 1_010, Outcome::Completed),
            job(0, 20, 220, 1_520, Outcome::Completed),
            job(500, 520, 620, 2_520, Outcome::Completed),
            JobRecord { error: Some("job FAILED: boom".to_owned()), ..job(600, 700, 800, 2_900, Outcome::Failed) },
            JobRecord {
                t_running: None,
                t_terminal: None,
                error: Some("not final after 5 s".to_owned()),
                ..job(900, 1_100, 0, 0, Outcome::Lost)
            },
            JobRecord { error: Some("POST: 500".to_owned()), ..JobRecord::submitted_at(ms(1_000)) },
        ]
    }

    #[test]
    fn counts_latencies_and_throughput() {
        let totals = RunTotals {
            started_at: "2026-01-01T00:00:00Z".to_owned(),
            setup: ms(1_500),
            wall: ms(6_000),
            submit_retries: 2,
            http_statuses: BTreeMap::from([("202".to_owned(), 5), ("429".to_owned(), 2)]),
            ..RunTotals::default()
        };
        let report = build_report(&records(), totals, json!({"follow": "poll", "pollIntervalMs": 200}));
        assert_eq!(report.jobs, 6);
        assert_eq!((report.completed, report.failed, report.lost, report.submit_errors), (3, 1, 1, 1));
        assert_eq!(report.submit_retries, 2);
        // First submission at 0, last final status at 2.9 s.
        assert_eq!(report.duration_secs, 2.9);
        assert_eq!(report.wall_secs, 6.0);
        assert_eq!(report.setup_secs, 1.5);
        assert_eq!(report.throughput_jobs_per_sec, round3(4.0 / 2.9));
        assert_eq!(report.completed_per_sec, round3(3.0 / 2.9));
        // Enqueue: 10, 20, 20, 100, 200 ms.
        assert_eq!(report.enqueue_ms.count, 5);
        assert!((report.enqueue_ms.max - 200.0).abs() < 0.5);
        // Pickup: 100, 200, 100, 100 (the lost job was never seen running).
        assert_eq!(report.pickup_ms.count, 4);
        assert!((report.pickup_ms.p50 - 100.0).abs() < 0.2);
        // End to end, completed jobs only: 1000, 1500, 2000 ms.
        assert_eq!(report.e2e_ms.count, 3);
        assert!((report.e2e_ms.p50 - 1_500.0).abs() < 2.0, "{:?}", report.e2e_ms);
        assert!((report.e2e_ms.max - 2_000.0).abs() < 2.0, "{:?}", report.e2e_ms);
        assert!((report.e2e_ms.mean - 1_500.0).abs() < 2.0, "{:?}", report.e2e_ms);
        assert_eq!(report.schedule_lag_ms, None);
        assert_eq!(report.error_samples.len(), 3);
        assert_eq!(report.error_samples.get("job FAILED: boom"), Some(&1));

        let value = serde_json::to_value(&report).expect("serialisable");
        for key in [
            "jobs",
            "completed",
            "failed",
            "lost",
            "submitErrors",
            "durationSecs",
            "throughputJobsPerSec",
            "enqueueMs",
            "pickupMs",
            "e2eMs",
            "httpStatuses",
            "config",
            "timeline",
        ] {
            assert!(value.get(key).is_some(), "missing {key}");
        }
        assert!(value["e2eMs"]["p99"].is_number());
        assert_eq!(value["httpStatuses"]["429"], 2);
        let back: Report = serde_json::from_value(value).expect("round trip");
        assert_eq!((back.jobs, back.completed, back.lost), (report.jobs, report.completed, report.lost));
        assert_eq!(back.timeline.len(), report.timeline.len());
    }

    #[test]
    fn timeline_buckets_per_second() {
        let buckets = timeline(&records());
        // Last event: the lost job accepted at 1.1 s, the failure at 2.9 s.
        assert_eq!(buckets.len(), 3);
        assert_eq!(buckets.iter().map(|b| b.t).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(buckets.iter().map(|b| b.submitted).collect::<Vec<_>>(), [4, 1, 0]);
        assert_eq!(buckets.iter().map(|b| b.completed).collect::<Vec<_>>(), [0, 2, 1]);
        assert_eq!(buckets.iter().map(|b| b.failed).collect::<Vec<_>>(), [0, 0, 1]);
        assert_eq!(buckets[0].e2e_p50_ms, None);
        // Second 1: e2e 1000 and 1500 ms; nearest rank p50 = 1000, p99 = 1500.
        assert_eq!(buckets[1].e2e_p50_ms, Some(1_000.0));
        assert_eq!(buckets[1].e2e_p99_ms, Some(1_500.0));
        assert_eq!(buckets[2].e2e_p50_ms, Some(2_000.0));
        assert!(timeline(&[]).is_empty());
        assert!(timeline(&[JobRecord::submitted_at(ms(5))]).is_empty());
    }

    #[test]
    fn markdown_mentions_poll_precision() {
        let config = json!({"api": "http://x", "follow": "poll", "pollIntervalMs": 200, "concurrency": 4});
        let report = build_report(&records(), RunTotals::default(), config);
        let md = markdown(&report);
        assert!(md.contains("| completed | 3 |"), "{md}");
        assert!(md.contains("every 200 ms"), "{md}");
        assert!(md.contains("closed loop, 4 in flight"), "{md}");
        let sse = build_report(&records(), RunTotals::default(), json!({"follow": "sse", "rate": 5.0}));
        let md = markdown(&sse);
        assert!(!md.contains("overestimated"), "{md}");
        assert!(md.contains("open loop at 5 jobs/s"), "{md}");
    }

    #[test]
    fn sibling_files_replace_the_extension() {
        let (md, svg) = sibling_paths(Path::new("out/run.json"));
        assert_eq!(md, Path::new("out/run.md"));
        assert_eq!(svg, Path::new("out/run.svg"));
        let (md, _) = sibling_paths(Path::new("run"));
        assert_eq!(md, Path::new("run.md"));
    }
}
