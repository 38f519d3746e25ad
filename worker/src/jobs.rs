//! AIJob state transitions, each guarded in SQL so that a redelivered or
//! stale task can never move a finished job:
//!
//! QUEUED → RUNNING (or RUNNING → RUNNING when a rescued task re-runs a job
//! whose worker died), RUNNING → COMPLETED with its one ProposedVersion,
//! RUNNING → FAILED with an errorMessage. COMPLETED and FAILED are final.

use shared::model::{AiJobStatus, AiMode};
use sqlx::PgPool;
use uuid::Uuid;

/// What the handler needs to know about a job it has claimed.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub project_id: Uuid,
    pub base_version_id: Uuid,
    pub jd_id: Uuid,
    pub mode: AiMode,
}

/// Move the job to RUNNING. `None` when it is already final (or gone): the
/// task is then acknowledged without doing anything.
pub async fn claim(pool: &PgPool, job_id: Uuid) -> Result<Option<ClaimedJob>, sqlx::Error> {
    sqlx::query_as!(
        ClaimedJob,
        r#"UPDATE "AIJob" SET status = 'RUNNING', "errorMessage" = NULL
           WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
           RETURNING id, "projectId" AS project_id, "baseVersionId" AS base_version_id, "jdId" AS jd_id,
                     mode AS "mode: AiMode""#,
        job_id
    )
    .fetch_optional(pool)
    .await
}

/// Write the job's one proposal (replacing any earlier one) and complete it,
/// atomically, together with its trace in the queue task's result (the
/// value apalis itself stores when the handler returns; written here too so
/// the trace is visible the moment the job is COMPLETED). Returns false,
/// writing nothing, if the job is no longer RUNNING.
pub async fn complete(
    pool: &PgPool,
    job_id: Uuid,
    latex: &str,
    trace: &serde_json::Value,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let moved = sqlx::query!(r#"UPDATE "AIJob" SET status = 'COMPLETED' WHERE id = $1 AND status = 'RUNNING'"#, job_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if moved == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query!(
        r#"INSERT INTO "ProposedVersion" (id, "aiJobId", "proposedLatexContent") VALUES ($1, $2, $3)
           ON CONFLICT ("aiJobId") DO UPDATE SET "proposedLatexContent" = EXCLUDED."proposedLatexContent""#,
        Uuid::now_v7(),
        job_id,
        latex
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE apalis.jobs SET last_result = $3 WHERE job_type = $1 AND idempotency_key = $2")
        .bind(shared::queue::QUEUE_NAME)
        .bind(job_id.to_string())
        .bind(serde_json::json!({ "Ok": trace }))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Fail the job with a message a user can act on (never a secret).
pub async fn fail(pool: &PgPool, job_id: Uuid, message: &str) -> Result<bool, sqlx::Error> {
    let moved = sqlx::query!(
        r#"UPDATE "AIJob" SET status = 'FAILED', "errorMessage" = $2 WHERE id = $1 AND status = 'RUNNING'"#,
        job_id,
        message
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(moved == 1)
}

/// Put a RUNNING job back to QUEUED (graceful stop before it finished).
pub async fn requeue(pool: &PgPool, job_id: Uuid) -> Result<bool, sqlx::Error> {
    let moved = sqlx::query!(r#"UPDATE "AIJob" SET status = 'QUEUED' WHERE id = $1 AND status = 'RUNNING'"#, job_id)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(moved == 1)
}

/// The job's current status.
pub async fn status(pool: &PgPool, job_id: Uuid) -> Result<Option<AiJobStatus>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT status AS "status: AiJobStatus" FROM "AIJob" WHERE id = $1"#, job_id)
        .fetch_optional(pool)
        .await
}

/// Fail the unfinished jobs whose queue task has given up (every apalis
/// attempt failed, e.g. the database was unreachable each time), so no job
/// stays QUEUED or RUNNING forever. Returns how many were failed.
pub async fn fail_abandoned(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let failed = sqlx::query(
        r#"UPDATE "AIJob" j
           SET status = 'FAILED',
               "errorMessage" = 'the job could not be run after ' || t.attempts || ' attempts; submit it again'
           FROM apalis.jobs t
           WHERE j.status IN ('QUEUED', 'RUNNING')
             AND t.job_type = $1 AND t.idempotency_key = j.id::text
             AND t.status IN ('Failed', 'Killed') AND t.attempts >= t.max_attempts"#,
    )
    .bind(shared::queue::QUEUE_NAME)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(failed)
}
