//! The queue contract between `api` (producer) and `worker` (consumer).
//!
//! Two queues in apalis-postgres's `apalis.jobs` table: [`QUEUE_NAME`] for AI
//! jobs and [`COMPILE_QUEUE_NAME`] for compiles to PDF, so operators can run
//! compile workers (which need TeX) apart from tailoring workers. A task's
//! payload is only an id: PostgreSQL's rows (`AIJob`,
//! `tailor.version_compile`) are the system of record, the task is the
//! doorbell. [`enqueue_ai_job`] writes the task on
//! the caller's connection, so the api inserts the AIJob row and its task in
//! one transaction: there is never a job without a task, nor a task without a
//! job.

use std::collections::HashMap;

use apalis_core::task::builder::TaskBuilder;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::AiModelProvider;

/// The one queue name, shared by producer and consumer (apalis would
/// otherwise default to a Rust type name, which a refactor could change).
pub const QUEUE_NAME: &str = "tailor.ai-jobs";

/// The queue of compiles to PDF.
pub const COMPILE_QUEUE_NAME: &str = "tailor.compile";

/// Database-level attempts for one task. Provider errors are retried with
/// backoff inside the handler; this only covers a worker crash or a lost
/// database connection, so the two retry layers do not multiply.
pub const MAX_TASK_ATTEMPTS: usize = 3;

/// The task payload: which AIJob to run, and with which provider (the
/// schema's AIJob has no provider column, so the choice travels here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TailorTask {
    pub ai_job_id: Uuid,
    pub provider: AiModelProvider,
    /// The W3C trace context of the request that queued it (`traceparent`,
    /// `tracestate`): the worker's span continues that trace.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub trace: HashMap<String, String>,
}

/// Errors writing a task.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("could not encode the task payload: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("could not write the task to the queue: {0}")]
    Queue(#[from] apalis_postgres::Error),
}

/// The queue priority of a user's task when `unfinished` of their AI jobs
/// (this one included) are QUEUED or RUNNING. Workers take the highest
/// priority first, then the oldest, so a user's n-th waiting job goes after
/// every other user's first: one user's backlog cannot delay another user's
/// job behind it (round robin across users, FIFO within one).
#[must_use]
pub fn fair_priority(unfinished: i64) -> usize {
    const TOP: i64 = 1_000_000;
    usize::try_from(TOP - unfinished.clamp(1, TOP)).unwrap_or(0)
}

/// Push the task for `ai_job_id` on `conn` with `priority` (see
/// [`fair_priority`]), normally inside the transaction that inserts the
/// AIJob row. The AIJob id is the task's idempotency key, so
/// the queue itself refuses a second task for the same job. The task carries
/// the trace context of this span (a producer span under the request's).
#[tracing::instrument(name = "enqueue", skip_all, fields(
    otel.kind = "producer", messaging.system = "apalis-postgres", messaging.destination.name = QUEUE_NAME,
    ai_job.id = %ai_job_id,
))]
pub async fn enqueue_ai_job(
    conn: &mut PgConnection,
    ai_job_id: Uuid,
    provider: AiModelProvider,
    priority: usize,
) -> Result<(), EnqueueError> {
    let payload = serde_json::to_vec(&TailorTask { ai_job_id, provider, trace: crate::telemetry::carrier() })?;
    let task = TaskBuilder::new(payload)
        .max_attempts(MAX_TASK_ATTEMPTS)
        .idempotency_key(ai_job_id.to_string())
        .priority(priority)
        .build();
    apalis_postgres::queries::push_tasks(conn, QUEUE_NAME, vec![task]).await?;
    Ok(())
}

/// The compile task's payload: which version, and which request of it
/// (`tailor.version_compile.request_seq`), so a stale task never records
/// over a newer request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompileTask {
    pub version_id: Uuid,
    pub request_seq: i32,
    /// The W3C trace context of the request that queued it.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub trace: HashMap<String, String>,
}

impl CompileTask {
    /// The task's idempotency key: one task per request of a version.
    pub fn key(&self) -> String {
        format!("{}:{}", self.version_id, self.request_seq)
    }
}

/// Push a compile task on `conn`, inside the transaction that records the
/// request in `tailor.version_compile`.
#[tracing::instrument(name = "enqueue", skip_all, fields(
    otel.kind = "producer", messaging.system = "apalis-postgres", messaging.destination.name = COMPILE_QUEUE_NAME,
    version.id = %version_id,
))]
pub async fn enqueue_compile(conn: &mut PgConnection, version_id: Uuid, request_seq: i32) -> Result<(), EnqueueError> {
    let task = CompileTask { version_id, request_seq, trace: crate::telemetry::carrier() };
    let payload = serde_json::to_vec(&task)?;
    let task = TaskBuilder::new(payload).max_attempts(MAX_TASK_ATTEMPTS).idempotency_key(task.key()).build();
    apalis_postgres::queries::push_tasks(conn, COMPILE_QUEUE_NAME, vec![task]).await?;
    Ok(())
}

/// Remove the queue tasks of these AI jobs and of these versions' compiles,
/// whatever their state, on `conn` (inside the transaction that deletes the
/// jobs and versions). A worker running one of them meanwhile finds its job
/// or version gone and ends the task quietly; its acknowledgement then
/// matches no row.
pub async fn delete_tasks(conn: &mut PgConnection, ai_jobs: &[Uuid], versions: &[Uuid]) -> Result<u64, sqlx::Error> {
    let jobs: Vec<String> = ai_jobs.iter().map(Uuid::to_string).collect();
    let versions: Vec<String> = versions.iter().map(Uuid::to_string).collect();
    let deleted = sqlx::query(
        "DELETE FROM apalis.jobs
         WHERE (job_type = $1 AND idempotency_key = ANY($2))
            OR (job_type = $3 AND split_part(idempotency_key, ':', 1) = ANY($4))",
    )
    .bind(QUEUE_NAME)
    .bind(&jobs)
    .bind(COMPILE_QUEUE_NAME)
    .bind(&versions)
    .execute(conn)
    .await?;
    Ok(deleted.rows_affected())
}

/// Remove the queue task of an AI job that has just ended (COMPLETED or
/// FAILED), on `conn`, inside the transaction that ends it. The queue table
/// then holds only work not yet done, so every fetch walks a small table;
/// the job's outcome and trace live in our own tables. apalis' own
/// acknowledgement afterwards matches no row and changes nothing.
pub async fn finish_ai_task(conn: &mut PgConnection, ai_job_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM apalis.jobs WHERE job_type = $1 AND idempotency_key = $2")
        .bind(QUEUE_NAME)
        .bind(ai_job_id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The columns of apalis' `apalis.jobs` that our own statements rely on, with
/// their types: checked against the live catalog by the schema drift test,
/// so an apalis upgrade that changes them fails there, not in production.
pub const TASK_COLUMNS: &[(&str, &str)] = &[
    ("id", "text"),
    ("job_type", "text"),
    ("status", "text"),
    ("attempts", "integer"),
    ("max_attempts", "integer"),
    ("run_at", "timestamp with time zone"),
    ("lock_at", "timestamp with time zone"),
    ("lock_by", "text"),
    ("done_at", "timestamp with time zone"),
    ("priority", "integer"),
    ("idempotency_key", "text"),
];
