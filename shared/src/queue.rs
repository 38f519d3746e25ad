//! The queue contract between `api` (producer) and `worker` (consumer).
//!
//! Two queues in apalis-postgres's `apalis.jobs` table: [`QUEUE_NAME`] for AI
//! jobs and [`COMPILE_QUEUE_NAME`] for compiles to PDF, so operators can run
//! compile workers (which need TeX) apart from tailoring workers. A task's
//! payload is only an id: PostgreSQL's rows (`AIJob`,
//! `tailor.version_compile`) are the system of record, the task is the
//! doorbell. [`submit_ai_jobs`] inserts AIJob rows and their tasks in one
//! statement: there is never a job without a task, nor a task without a job.
//! Every statement on apalis' tables is in this file.

use std::collections::HashMap;
use std::time::Duration;

use apalis_core::task::builder::TaskBuilder;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{AiJob, AiJobStatus, AiMode, AiModelProvider};

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
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A submitted AI job: who asks, for which project, base version and JD,
/// in which mode and with which provider.
#[derive(Debug, Clone)]
pub struct Submission {
    pub user_id: Uuid,
    pub project_id: Uuid,
    pub base_version_id: Uuid,
    pub jd_id: Uuid,
    pub mode: AiMode,
    pub provider: AiModelProvider,
}

/// A submission ready for the queue: its job's id and its task's payload,
/// which carries the trace context of the span it was prepared in.
#[derive(Debug, Clone)]
pub struct NewAiJob {
    pub submission: Submission,
    id: Uuid,
    payload: Vec<u8>,
}

impl Submission {
    /// Give the job its id (UUIDv7) and encode its task, which carries the
    /// trace context of this `enqueue` span (a child of the request's).
    #[tracing::instrument(name = "enqueue", skip_all, fields(
        otel.kind = "producer", messaging.system = "apalis-postgres", messaging.destination.name = QUEUE_NAME,
    ))]
    pub fn prepare(self) -> Result<NewAiJob, EnqueueError> {
        let id = Uuid::now_v7();
        let payload = serde_json::to_vec(&TailorTask {
            ai_job_id: id,
            provider: self.provider,
            trace: crate::telemetry::carrier(),
        })?;
        Ok(NewAiJob { submission: self, id, payload })
    }
}

/// Insert the AIJob (QUEUED) and its queue task on `conn`: [`submit_ai_jobs`]
/// of one.
pub async fn submit_ai_job(conn: &mut PgConnection, submission: &Submission) -> Result<Option<AiJob>, EnqueueError> {
    let job = submission.clone().prepare()?;
    Ok(submit_ai_jobs(conn, std::slice::from_ref(&job)).await?.pop().flatten())
}

/// Insert AIJobs (QUEUED) and their queue tasks in one statement on `conn`:
/// one round trip, and one commit when `conn` is not in a transaction (the
/// api groups the submissions that arrive together; a caller with more to
/// check, such as a quota, opens a transaction). Returns, for each input in
/// order, its job, or `None` when nothing was inserted for it: unless the
/// project is the user's and the version and JD are the project's.
///
/// A task is ranked behind its user's own unfinished jobs, not behind other
/// users': its priority is `1,000,000 − n`, where n counts the user's QUEUED
/// and RUNNING jobs, this one and the ones before it in `jobs` included.
/// Workers take the highest priority first, then the oldest, so a user's
/// n-th waiting job goes after every other user's first (round robin across
/// users, FIFO within one).
///
/// A task is written as apalis' own `push_tasks` writes one (the columns of
/// [`TASK_COLUMNS`], checked by the schema drift test): its id is
/// [`ai_task_id`], its idempotency key the job's id, so the queue refuses a
/// second task for the same job.
pub async fn submit_ai_jobs(conn: &mut PgConnection, jobs: &[NewAiJob]) -> Result<Vec<Option<AiJob>>, sqlx::Error> {
    let ids: Vec<Uuid> = jobs.iter().map(|j| j.id).collect();
    let projects: Vec<Uuid> = jobs.iter().map(|j| j.submission.project_id).collect();
    let versions: Vec<Uuid> = jobs.iter().map(|j| j.submission.base_version_id).collect();
    let jds: Vec<Uuid> = jobs.iter().map(|j| j.submission.jd_id).collect();
    let modes: Vec<&str> = jobs.iter().map(|j| j.submission.mode.as_str()).collect();
    let users: Vec<Uuid> = jobs.iter().map(|j| j.submission.user_id).collect();
    let task_ids: Vec<String> = jobs.iter().map(|j| ai_task_id(j.id)).collect();
    let payloads: Vec<&[u8]> = jobs.iter().map(|j| j.payload.as_slice()).collect();
    let inserted = sqlx::query_as!(
        AiJob,
        r#"WITH input AS (
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[],
                                  $7::text[], $8::bytea[]) WITH ORDINALITY
               AS i(id, project_id, version_id, jd_id, mode, user_id, task_id, payload, ord)
           ), job AS (
             INSERT INTO "AIJob" (id, "projectId", "baseVersionId", "jdId", mode, status)
             SELECT i.id, p.id, v.id, d.id, i.mode::"AIMode", 'QUEUED'
             FROM input i
             JOIN "ResumeProject" p ON p.id = i.project_id AND p."userId" = i.user_id
             JOIN "ResumeVersion" v ON v.id = i.version_id AND v."projectId" = p.id
             JOIN "JobDescription" d ON d.id = i.jd_id AND d."projectId" = p.id
             ORDER BY i.ord
             RETURNING *
           ), ranked AS (
             SELECT i.id, i.user_id, i.task_id, i.payload,
                    row_number() OVER (PARTITION BY i.user_id ORDER BY i.ord) AS k
             FROM job JOIN input i ON i.id = job.id
           ), ahead AS (
             SELECT u.user_id,
                    (SELECT count(*) FROM "AIJob"
                     WHERE "projectId" IN (SELECT id FROM "ResumeProject" WHERE "userId" = u.user_id)
                       AND status IN ('QUEUED', 'RUNNING')) AS n
             FROM (SELECT DISTINCT user_id FROM ranked) u
           ), task AS (
             INSERT INTO apalis.jobs (id, job_type, job, status, attempts, max_attempts, run_at, priority,
                                      metadata, idempotency_key)
             SELECT r.task_id, $9, r.payload, 'Pending', 0, $10, now(), 1000000 - least(a.n + r.k, 1000000),
                    ''::hstore, r.id::text
             FROM ranked r JOIN ahead a ON a.user_id = r.user_id
           )
           SELECT id AS "id!", "projectId" AS "project_id!", "baseVersionId" AS "base_version_id!",
                  "jdId" AS "jd_id!", mode AS "mode!: AiMode", status AS "status!: AiJobStatus",
                  "errorMessage" AS error_message, "createdAt" AS "created_at!", "updatedAt" AS "updated_at!"
           FROM job"#,
        &ids,
        &projects,
        &versions,
        &jds,
        &modes as &[&str],
        &users,
        &task_ids,
        &payloads as &[&[u8]],
        QUEUE_NAME,
        MAX_TASK_ATTEMPTS as i32,
    )
    .fetch_all(conn)
    .await?;
    let mut by_id: HashMap<Uuid, AiJob> = inserted.into_iter().map(|j| (j.id, j)).collect();
    Ok(ids.iter().map(|id| by_id.remove(id)).collect())
}

/// Submissions grouped ([`crate::group`]): those that arrive while the
/// previous statement runs go together in the next one ([`submit_ai_jobs`],
/// one statement and one commit); a lone one runs at once. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Submitter(crate::group::Group<NewAiJob, Option<AiJob>>);

/// Submissions in one statement, at most.
const SUBMIT_GROUP_MAX: usize = 64;

impl Submitter {
    /// Start the grouping (inside a Tokio runtime).
    pub fn start(pool: PgPool) -> Self {
        Self(crate::group::Group::start(SUBMIT_GROUP_MAX, move |jobs: Vec<NewAiJob>| {
            let pool = pool.clone();
            async move {
                let together = async { submit_ai_jobs(&mut *pool.acquire().await?, &jobs).await };
                match together.await {
                    Ok(inserted) => inserted.into_iter().map(Ok).collect(),
                    // One statement for all failed: each alone, with its own error.
                    Err(_) => {
                        crate::group::each_alone(jobs, |job| {
                            let pool = pool.clone();
                            async move {
                                let mut conn = pool.acquire().await?;
                                Ok(submit_ai_jobs(&mut conn, std::slice::from_ref(&job)).await?.pop().flatten())
                            }
                        })
                        .await
                    }
                }
            }
        }))
    }

    /// Submit one job with whatever else is waiting: its job, or `None` when
    /// nothing was inserted (see [`submit_ai_jobs`]).
    pub async fn submit(&self, job: NewAiJob) -> Result<Option<AiJob>, sqlx::Error> {
        self.0.run(job).await
    }
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

/// The queue task id of an AI job: its UUIDv7 read as a ULID (both lead
/// with the millisecond time), so the task is found by primary key.
#[must_use]
pub fn ai_task_id(ai_job_id: Uuid) -> String {
    ulid::Ulid::from(ai_job_id.as_u128()).to_string()
}

/// How a RUNNING AI job ends.
#[derive(Debug)]
pub enum JobEnd {
    /// COMPLETED with its one proposal and the trace of its run (a JSON
    /// document, serialised once by the worker and stored as it is).
    Completed { latex: String, trace: String },
    /// FAILED with a message a user can act on.
    Failed { message: String },
}

/// One job's ending, as [`end_ai_jobs`] records it.
#[derive(Debug)]
pub struct JobEnding {
    pub job_id: Uuid,
    pub end: JobEnd,
}

/// End the RUNNING jobs among `endings` in one statement (one commit): each
/// COMPLETED with its proposal (replacing any earlier one) and trace, or
/// FAILED with its message, and their queue tasks removed, so the queue
/// table holds only work not yet done and every fetch walks a small table;
/// the outcomes and traces live in our own tables. Returns the jobs that
/// ended, as committed; a job no longer RUNNING is left alone, its task too.
///
/// Tasks are found by primary key ([`ai_task_id`]): a task written before
/// task ids were derived from jobs is not found here, and goes when it is
/// next fetched (its job is final: [`drop_ai_task`]).
pub async fn end_ai_jobs(pool: &PgPool, endings: &[JobEnding]) -> Result<Vec<AiJob>, sqlx::Error> {
    let n = endings.len();
    let (mut ids, mut task_ids, mut completed) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut messages, mut latexes, mut traces, mut proposal_ids) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for ending in endings {
        ids.push(ending.job_id);
        task_ids.push(ai_task_id(ending.job_id));
        proposal_ids.push(Uuid::now_v7());
        match &ending.end {
            JobEnd::Completed { latex, trace } => {
                completed.push(true);
                messages.push(None);
                latexes.push(latex.as_str());
                traces.push(Some(trace.as_str()));
            }
            JobEnd::Failed { message } => {
                completed.push(false);
                messages.push(Some(message.as_str()));
                latexes.push("");
                traces.push(None);
            }
        }
    }
    sqlx::query_as!(
        AiJob,
        r#"WITH input AS (
             SELECT * FROM unnest($1::uuid[], $2::bool[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[])
               AS i(job_id, completed, message, latex, trace, proposal_id, task_id)
           ), moved AS (
             UPDATE "AIJob" j
             SET status = CASE WHEN i.completed THEN 'COMPLETED'::"AIJobStatus" ELSE 'FAILED'::"AIJobStatus" END,
                 "errorMessage" = i.message
             FROM input i WHERE j.id = i.job_id AND j.status = 'RUNNING'
             RETURNING j.id, j."projectId", j."baseVersionId", j."jdId", j.mode, j.status, j."errorMessage",
                       j."createdAt", j."updatedAt", i.completed, i.latex, i.trace, i.proposal_id, i.task_id
           ), proposal AS (
             INSERT INTO "ProposedVersion" (id, "aiJobId", "proposedLatexContent")
             SELECT proposal_id, id, latex FROM moved WHERE completed
             ON CONFLICT ("aiJobId") DO UPDATE SET "proposedLatexContent" = EXCLUDED."proposedLatexContent"
           ), trace AS (
             INSERT INTO tailor.ai_job_trace (ai_job_id, trace) SELECT id, trace::jsonb FROM moved WHERE completed
             ON CONFLICT (ai_job_id) DO UPDATE SET trace = EXCLUDED.trace
           ), task AS (
             DELETE FROM apalis.jobs t USING moved m WHERE t.id = m.task_id
           )
           SELECT id AS "id!", "projectId" AS "project_id!", "baseVersionId" AS "base_version_id!",
                  "jdId" AS "jd_id!", mode AS "mode!: AiMode", status AS "status!: AiJobStatus",
                  "errorMessage" AS error_message, "createdAt" AS "created_at!", "updatedAt" AS "updated_at!"
           FROM moved"#,
        &ids,
        &completed,
        &messages as &[Option<&str>],
        &latexes as &[&str],
        &traces as &[Option<&str>],
        &proposal_ids,
        &task_ids,
    )
    .fetch_all(pool)
    .await
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

/// Remove the queue task of an AI job that was already final when its task
/// ran (a redelivery): nothing is left to do.
pub async fn drop_ai_task(pool: &PgPool, ai_job_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM apalis.jobs WHERE job_type = $1 AND idempotency_key = $2",
        QUEUE_NAME,
        ai_job_id.to_string()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Record a failed attempt of an AI job's task (the database or a store
/// failed it, not the job's own merits), as apalis records one: status
/// Failed, one attempt more, the error kept. The task is fetched again while
/// attempts remain; past them, the sweeper fails its job
/// ([`fail_abandoned_ai_jobs`]). False when the task is no longer held.
pub async fn fail_ai_task_attempt(pool: &PgPool, ai_job_id: Uuid, error: &str) -> Result<bool, sqlx::Error> {
    let failed = sqlx::query!(
        r#"UPDATE apalis.jobs
           SET status = 'Failed', attempts = attempts + 1, last_result = jsonb_build_object('Err', $3::text),
               done_at = now(), lock_by = NULL, lock_at = NULL
           WHERE job_type = $1 AND idempotency_key = $2 AND status IN ('Queued', 'Running')"#,
        QUEUE_NAME,
        ai_job_id.to_string(),
        error
    )
    .execute(pool)
    .await?;
    Ok(failed.rows_affected() > 0)
}

/// Put an AI job's task (held by a worker) back in the queue, to be fetched
/// again `back_in_secs` from now, ranked as before. False when the task is
/// no longer held (deleted with its job, or rescued meanwhile).
pub async fn defer_ai_task(pool: &PgPool, ai_job_id: Uuid, back_in_secs: f64) -> Result<bool, sqlx::Error> {
    let deferred = sqlx::query!(
        "UPDATE apalis.jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL,
                run_at = now() + make_interval(secs => $3)
         WHERE job_type = $1 AND idempotency_key = $2 AND status IN ('Queued', 'Running')",
        QUEUE_NAME,
        ai_job_id.to_string(),
        back_in_secs
    )
    .execute(pool)
    .await?;
    Ok(deferred.rows_affected() > 0)
}

/// After a worker stops: the tasks it still holds, on any queue (their lock
/// names all start with `worker_name`), go back to Pending so another
/// replica takes them at once rather than after the orphan timeout.
/// Returns how many.
pub async fn release_tasks(pool: &PgPool, worker_name: &str) -> Result<u64, sqlx::Error> {
    let released = sqlx::query!(
        "UPDATE apalis.jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL
         WHERE starts_with(lock_by, $1) AND status IN ('Queued', 'Running')",
        worker_name
    )
    .execute(pool)
    .await?;
    Ok(released.rows_affected())
}

/// Fail the unfinished AI jobs whose queue task has given up (every apalis
/// attempt failed, e.g. the database was unreachable each time), so no job
/// stays QUEUED or RUNNING forever. Returns the jobs failed.
pub async fn fail_abandoned_ai_jobs(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE "AIJob" j
           SET status = 'FAILED',
               "errorMessage" = 'the job could not be run after ' || t.attempts || ' attempts; submit it again'
           FROM apalis.jobs t
           WHERE j.status IN ('QUEUED', 'RUNNING')
             AND t.job_type = $1 AND t.idempotency_key = j.id::text
             AND t.status IN ('Failed', 'Killed') AND t.attempts >= t.max_attempts
           RETURNING j.id"#,
        QUEUE_NAME
    )
    .fetch_all(pool)
    .await
}

/// Fail the pending compiles whose queue task has given up (every apalis
/// attempt failed: storage or the database was down each time), so none
/// stays PENDING forever; their versions become ERROR (an ACTIVE one stays
/// ACTIVE). Returns how many.
pub async fn fail_abandoned_compiles(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let failed = sqlx::query!(
        r#"WITH gave_up AS (
             UPDATE tailor.version_compile c
             SET state = 'FAILED', finished_at = now(),
                 message = 'the compile could not be run after ' || t.attempts || ' attempts (storage or the database was unavailable); ask again'
             FROM apalis.jobs t
             WHERE c.state = 'PENDING'
               AND t.job_type = $1 AND t.idempotency_key = c.version_id::text || ':' || c.request_seq
               AND t.status IN ('Failed', 'Killed') AND t.attempts >= t.max_attempts
             RETURNING c.version_id
           )
           UPDATE "ResumeVersion" v
           SET status = CASE WHEN v.status = 'ACTIVE' THEN 'ACTIVE'::"ResumeVersionStatus" ELSE 'ERROR' END
           FROM gave_up WHERE v.id = gave_up.version_id"#,
        COMPILE_QUEUE_NAME
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(failed)
}

/// Delete the finished tasks of both queues older than `retention`, at
/// most `limit` per call (apalis never deletes them). Tasks that gave up
/// are kept until their job is FAILED ([`fail_abandoned_ai_jobs`]) or their
/// compile request is no longer PENDING. Replicas may prune at the same
/// time: rows another one holds are skipped. Returns how many went.
pub async fn prune_finished_tasks(pool: &PgPool, retention: Duration, limit: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        r#"DELETE FROM apalis.jobs WHERE id IN (
             SELECT t.id FROM apalis.jobs t
             WHERE t.job_type IN ($1, $2) AND t.done_at < now() - make_interval(secs => $3)
               AND (t.status = 'Done'
                    OR (t.status IN ('Failed', 'Killed') AND t.attempts >= t.max_attempts
                        AND NOT EXISTS (SELECT 1 FROM "AIJob" a
                                        WHERE t.job_type = $1 AND a.id::text = t.idempotency_key
                                          AND a.status IN ('QUEUED', 'RUNNING'))
                        AND NOT EXISTS (SELECT 1 FROM tailor.version_compile c
                                        WHERE t.job_type = $2 AND c.state = 'PENDING'
                                          AND c.version_id::text || ':' || c.request_seq = t.idempotency_key)))
             LIMIT $4 FOR UPDATE SKIP LOCKED)"#,
        QUEUE_NAME,
        COMPILE_QUEUE_NAME,
        retention.as_secs_f64(),
        limit
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(deleted)
}

/// The queue's depth: tasks per queue and status, and per queue the age in
/// seconds of its oldest task waiting to run (pending, or failed with
/// attempts left).
pub async fn depth(
    pool: &PgPool,
    queues: &[&str],
) -> Result<(Vec<(String, String, i64)>, Vec<(String, f64)>), sqlx::Error> {
    let queues: Vec<String> = queues.iter().map(|q| (*q).to_owned()).collect();
    let counts = sqlx::query!(
        r#"SELECT job_type AS "queue!", status AS "status!", count(*) AS "n!" FROM apalis.jobs
           WHERE job_type = ANY($1) GROUP BY 1, 2"#,
        &queues
    )
    .fetch_all(pool)
    .await?;
    let oldest = sqlx::query!(
        r#"SELECT job_type AS "queue!", EXTRACT(EPOCH FROM now() - min(run_at))::float8 AS "age!" FROM apalis.jobs
           WHERE job_type = ANY($1) AND run_at <= now()
             AND (status = 'Pending' OR (status = 'Failed' AND attempts < max_attempts))
           GROUP BY 1"#,
        &queues
    )
    .fetch_all(pool)
    .await?;
    Ok((
        counts.into_iter().map(|r| (r.queue, r.status, r.n)).collect(),
        oldest.into_iter().map(|r| (r.queue, r.age)).collect(),
    ))
}

/// The session advisory lock that one vacuuming replica holds ("tailor.q"
/// in ASCII).
pub const VACUUM_LOCK: i64 = 0x7461_696c_6f72_2e71;

/// Dead rows in the queue table past which a worker vacuums it: at 500
/// jobs/s (three dead rows each), about every second and a half, and each
/// vacuum of a table this small takes milliseconds.
pub const VACUUM_AFTER_DEAD_ROWS: i64 = 2_000;

/// How often each worker checks the dead rows of the tables it keeps.
pub const VACUUM_CHECK_EVERY: Duration = Duration::from_secs(1);

/// A table the workers keep vacuumed, and when.
struct Upkeep {
    schema: &'static str,
    table: &'static str,
    /// The statement (VACUUM cannot be prepared, nor run in a transaction).
    vacuum: &'static str,
    /// Vacuum once dead rows exceed `fixed + share × live rows`.
    fixed: i64,
    share: f64,
}

/// `apalis.jobs`: every row is written three times within seconds, so its
/// indexes (the fetch's, the acknowledgement's) fill with dead entries that
/// every fetch walks; a fixed, low threshold. No ANALYZE: its statistics
/// would only describe a passing moment (the worker plans with index scans).
///
/// `AIJob`: two updates per job (RUNNING, then COMPLETED or FAILED), none of
/// them HOT (its partial indexes name the status), so each job leaves two
/// dead rows and twelve dead index entries that claims and completions
/// walk. Past autovacuum's own default threshold (a fifth of the table),
/// plus a margin, so that where autovacuum runs it does this first.
const UPKEEP: &[Upkeep] = &[
    Upkeep { schema: "apalis", table: "jobs", vacuum: "VACUUM apalis.jobs", fixed: VACUUM_AFTER_DEAD_ROWS, share: 0.0 },
    Upkeep { schema: "public", table: "AIJob", vacuum: r#"VACUUM (ANALYZE) "AIJob""#, fixed: 10_000, share: 0.2 },
];

/// Vacuum the hot tables whose dead rows are past their threshold (see
/// [`UPKEEP`]: the queue table, and `AIJob`), on one replica at a time (a
/// session advisory lock; the others skip). Autovacuum does this where it
/// runs, but its thresholds are the server's and it may be off; a fetch or
/// a claim that walks dead entries slows every job. Returns the tables
/// vacuumed.
pub async fn vacuum_if_bloated(pool: &PgPool) -> Result<Vec<&'static str>, sqlx::Error> {
    let schemas: Vec<String> = UPKEEP.iter().map(|u| u.schema.to_owned()).collect();
    let tables: Vec<String> = UPKEEP.iter().map(|u| u.table.to_owned()).collect();
    let stats = sqlx::query!(
        r#"SELECT s.schemaname AS "schema!", s.relname AS "table!", coalesce(s.n_live_tup, 0) AS "live!",
                  coalesce(s.n_dead_tup, 0) AS "dead!"
           FROM pg_stat_user_tables s JOIN unnest($1::text[], $2::text[]) AS u(schema, name)
             ON s.schemaname = u.schema AND s.relname = u.name"#,
        &schemas,
        &tables
    )
    .fetch_all(pool)
    .await?;
    let due: Vec<&Upkeep> = UPKEEP
        .iter()
        .filter(|u| {
            stats.iter().any(|s| {
                s.schema == u.schema && s.table == u.table && s.dead > u.fixed + (u.share * s.live as f64) as i64
            })
        })
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = pool.acquire().await?;
    if !sqlx::query_scalar!(r#"SELECT pg_try_advisory_lock($1) AS "locked!""#, VACUUM_LOCK)
        .fetch_one(&mut *conn)
        .await?
    {
        return Ok(Vec::new());
    }
    let mut vacuumed = Vec::with_capacity(due.len());
    let mut failed = None;
    for upkeep in due {
        match sqlx::raw_sql(upkeep.vacuum).execute(&mut *conn).await {
            Ok(_) => vacuumed.push(upkeep.table),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let unlocked =
        sqlx::query_scalar!(r#"SELECT pg_advisory_unlock($1) AS "unlocked!""#, VACUUM_LOCK).fetch_one(&mut *conn).await;
    if let Some(e) = failed {
        return Err(e);
    }
    unlocked?;
    Ok(vacuumed)
}
