//! Prometheus metrics: every name and label in one place, the process's
//! recorder (the `metrics` facade with `metrics-exporter-prometheus`), and
//! the queue gauges autoscaling reads. The admin listeners that serve
//! `/metrics` are the binaries' own (`shared` knows no HTTP server).
//!
//! `provider` is the schema's AIModelProvider (`DEEPSEEK`, `AZURE_OPENAI`).
//!
//! | name | labels | what |
//! |---|---|---|
//! | `tailor_queue_depth` | `queue`, `state` | tasks in the queue's table, by state |
//! | `tailor_queue_oldest_pending_seconds` | `queue` | age of the oldest task waiting to run |
//! | `tailor_jobs_total` | `outcome` | AI jobs ended: `completed`, `failed` |
//! | `tailor_job_duration_seconds` | `phase` | `pickup` (queued → running), `run`, `total` |
//! | `tailor_provider_requests_total` | `provider`, `status` | HTTP attempts: the status code, or `timeout`, `connection`, `no_turn` |
//! | `tailor_provider_request_duration_seconds` | `provider` | one attempt |
//! | `tailor_provider_retries_total` | `provider` | attempts that were retried |
//! | `tailor_provider_tokens_total` | `provider`, `kind` | `prompt`, `completion` tokens, from `usage` |
//! | `tailor_edits_total` | `result`, `gate` | edits `applied` (gate `none`) or `refused` by a gate |
//! | `tailor_compile_duration_seconds` | `engine`, `outcome` | compiles to PDF |
//! | `http_server_request_duration_seconds` | `method`, `route`, `status` | the api's requests |

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const QUEUE_DEPTH: &str = "tailor_queue_depth";
pub const QUEUE_OLDEST_PENDING: &str = "tailor_queue_oldest_pending_seconds";
pub const JOBS: &str = "tailor_jobs_total";
pub const JOB_DURATION: &str = "tailor_job_duration_seconds";
pub const PROVIDER_REQUESTS: &str = "tailor_provider_requests_total";
pub const PROVIDER_DURATION: &str = "tailor_provider_request_duration_seconds";
pub const PROVIDER_RETRIES: &str = "tailor_provider_retries_total";
pub const JOBS_DEFERRED: &str = "tailor_jobs_deferred_total";
pub const PROVIDER_TOKENS: &str = "tailor_provider_tokens_total";
pub const EDITS: &str = "tailor_edits_total";
pub const COMPILE_DURATION: &str = "tailor_compile_duration_seconds";
pub const HTTP_DURATION: &str = "http_server_request_duration_seconds";

/// The states a queue task can be in (apalis), each reported even at zero.
pub const TASK_STATES: &[&str] = &["Pending", "Queued", "Running", "Done", "Failed", "Killed"];

/// The process's recorder, installed once (several apps in one test
/// process share it). Histograms get buckets fit for their unit.
pub fn install() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let fast = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
            let slow = [0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &fast)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(PROVIDER_DURATION.into()), &slow))
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(JOB_DURATION.into()), &slow))
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(COMPILE_DURATION.into()), &slow));
            let recorder = match builder {
                Ok(b) => b.build_recorder(),
                Err(e) => {
                    tracing::warn!(error = %e, "metric buckets refused; using the defaults");
                    PrometheusBuilder::new().build_recorder()
                }
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            describe();
            // Histograms are summarised lazily; keep them drained.
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                })
                .ok();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_gauge!(QUEUE_DEPTH, "Tasks in the queue's table, by state");
    describe_gauge!(QUEUE_OLDEST_PENDING, Unit::Seconds, "Age of the oldest task waiting to run");
    describe_counter!(JOBS, "AI jobs ended, by outcome");
    describe_histogram!(JOB_DURATION, Unit::Seconds, "AI job phases: pickup, run, total");
    describe_counter!(PROVIDER_REQUESTS, "LLM provider HTTP attempts, by status");
    describe_histogram!(PROVIDER_DURATION, Unit::Seconds, "One LLM provider HTTP attempt");
    describe_counter!(PROVIDER_RETRIES, "LLM provider attempts that were retried");
    describe_counter!(JOBS_DEFERRED, "AI job tasks put back in the queue until the provider's shared rate has a turn");
    describe_counter!(PROVIDER_TOKENS, "LLM tokens used, from the provider's usage");
    describe_counter!(EDITS, "Proposed edits, applied or refused by a gate");
    describe_histogram!(COMPILE_DURATION, Unit::Seconds, "Compiles to PDF");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "HTTP requests served by the api");
}

/// Read the queue's depth by state and the age of its oldest task waiting
/// to run (pending, or failed with attempts left) into the gauges (every
/// queue, every state, zeros included).
pub async fn record_queue(pool: &sqlx::PgPool, queues: &[&str]) -> Result<(), sqlx::Error> {
    let (rows, oldest) = crate::queue::depth(pool, queues).await?;
    for queue in queues {
        for state in TASK_STATES {
            let n = rows.iter().find(|(q, s, _)| q == queue && s == state).map_or(0, |(_, _, n)| *n);
            metrics::gauge!(QUEUE_DEPTH, "queue" => queue.to_string(), "state" => *state).set(n as f64);
        }
        let age = oldest.iter().find(|(q, _)| q == queue).map_or(0.0, |(_, age)| age.max(0.0));
        metrics::gauge!(QUEUE_OLDEST_PENDING, "queue" => queue.to_string()).set(age);
    }
    Ok(())
}
