//! AIJob state transitions, each guarded in SQL so that a redelivered or
//! stale task can never move a finished job:
//!
//! QUEUED → RUNNING (or RUNNING → RUNNING when a rescued task re-runs a job
//! whose worker died), RUNNING → COMPLETED with its one ProposedVersion,
//! RUNNING → FAILED with an errorMessage. COMPLETED and FAILED are final.
//!
//! Every transition that commits is then published as a status event
//! ([`shared::events`]) for the API's watchers, and the queue's finished
//! rows are pruned here too.

use std::time::Duration;

use shared::events::EventPublisher;
use shared::model::{AiJobStatus, AiMode, ResumeSection};
use sqlx::PgPool;
use uuid::Uuid;

/// A job this worker has claimed, with everything its run reads: the base
/// version, its sections and the JD's analysis.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    /// When the job was submitted (its pickup time is measured from here).
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub project_id: Uuid,
    pub base_version_id: Uuid,
    pub jd_id: Uuid,
    pub mode: AiMode,
    pub user_id: Uuid,
    pub latex: String,
    pub sections: Vec<ResumeSection>,
    pub role_type: String,
    pub skills: serde_json::Value,
    pub keywords: serde_json::Value,
    /// The project's name (names the proposal's PDF).
    pub project_name: String,
    /// Whether the base version has compiled: then the proposal is compiled too.
    pub base_compiled: bool,
}

/// The AIJob rows, as the worker moves them.
#[derive(Clone, Debug)]
pub struct Jobs {
    pub pool: PgPool,
    events: EventPublisher,
}

impl Jobs {
    pub fn new(pool: PgPool, events: EventPublisher) -> Self {
        Self { pool, events }
    }

    /// Move the job to RUNNING and read what its run needs, in one
    /// statement. `None` when it is already final (or gone): the task is
    /// then acknowledged without doing anything.
    pub async fn claim(&self, job_id: Uuid) -> Result<Option<ClaimedJob>, sqlx::Error> {
        // The sections come as JSON rows whose keys are the columns' names,
        // which are `ResumeSection`'s serde names.
        let row = sqlx::query!(
            r#"UPDATE "AIJob" j SET status = 'RUNNING', "errorMessage" = NULL
               FROM "ResumeVersion" v, "ResumeProject" p, "JobDescription" d
               WHERE j.id = $1 AND j.status IN ('QUEUED', 'RUNNING')
                 AND v.id = j."baseVersionId" AND p.id = v."projectId" AND d.id = j."jdId"
               RETURNING j.id, j."createdAt" AS created_at, j."projectId" AS project_id, j."baseVersionId" AS base_version_id,
                         j."jdId" AS jd_id, j.mode AS "mode: AiMode", p."userId" AS user_id,
                         v."latexContent" AS latex, d."roleType" AS role_type,
                         d."extractedSkills" AS skills, d.keywords, p.name AS project_name,
                         EXISTS (SELECT 1 FROM tailor.version_compile c
                                 WHERE c.version_id = j."baseVersionId" AND c.state = 'SUCCEEDED') AS "base_compiled!",
                         (SELECT coalesce(json_agg(s ORDER BY s."orderIndex"), '[]'::json)
                          FROM "ResumeSection" s WHERE s."versionId" = j."baseVersionId") AS "sections!""#,
            job_id
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let sections: Vec<ResumeSection> =
            serde_json::from_value(row.sections).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        self.events.publish(job_id, AiJobStatus::Running);
        Ok(Some(ClaimedJob {
            id: row.id,
            created_at: row.created_at,
            project_id: row.project_id,
            base_version_id: row.base_version_id,
            jd_id: row.jd_id,
            mode: row.mode,
            user_id: row.user_id,
            latex: row.latex,
            sections,
            role_type: row.role_type,
            skills: row.skills,
            keywords: row.keywords,
            project_name: row.project_name,
            base_compiled: row.base_compiled,
        }))
    }

    /// Write the job's one proposal (replacing any earlier one) and its
    /// trace, and complete it, in one statement, and remove its queue task
    /// in the same transaction (one commit; the queue table keeps only work
    /// not yet done). Returns false, writing nothing, if the job is no longer
    /// RUNNING.
    pub async fn complete(&self, job_id: Uuid, latex: &str, trace: &serde_json::Value) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query_scalar!(
            r#"WITH moved AS (
                 UPDATE "AIJob" SET status = 'COMPLETED' WHERE id = $1 AND status = 'RUNNING' RETURNING id
               ), proposal AS (
                 INSERT INTO "ProposedVersion" (id, "aiJobId", "proposedLatexContent")
                 SELECT $2, id, $3 FROM moved
                 ON CONFLICT ("aiJobId") DO UPDATE SET "proposedLatexContent" = EXCLUDED."proposedLatexContent"
               ), trace AS (
                 INSERT INTO tailor.ai_job_trace (ai_job_id, trace) SELECT id, $4 FROM moved
                 ON CONFLICT (ai_job_id) DO UPDATE SET trace = EXCLUDED.trace
               )
               SELECT count(*) AS "moved!" FROM moved"#,
            job_id,
            Uuid::now_v7(),
            latex,
            trace
        )
        .fetch_one(&mut *tx)
        .await?;
        if moved == 1 {
            shared::queue::finish_ai_task(&mut tx, job_id).await?;
        }
        tx.commit().await?;
        if moved == 1 {
            self.events.publish(job_id, AiJobStatus::Completed);
        }
        Ok(moved == 1)
    }

    /// Fail the job with a message a user can act on (never a secret), and
    /// remove its queue task in the same transaction.
    pub async fn fail(&self, job_id: Uuid, message: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query!(
            r#"UPDATE "AIJob" SET status = 'FAILED', "errorMessage" = $2 WHERE id = $1 AND status = 'RUNNING'"#,
            job_id,
            message
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 1 {
            shared::queue::finish_ai_task(&mut tx, job_id).await?;
        }
        tx.commit().await?;
        if moved == 1 {
            self.events.publish(job_id, AiJobStatus::Failed);
        }
        Ok(moved == 1)
    }

    /// Put a RUNNING job back to QUEUED (graceful stop before it finished).
    pub async fn requeue(&self, job_id: Uuid) -> Result<bool, sqlx::Error> {
        let moved =
            sqlx::query!(r#"UPDATE "AIJob" SET status = 'QUEUED' WHERE id = $1 AND status = 'RUNNING'"#, job_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        if moved == 1 {
            self.events.publish(job_id, AiJobStatus::Queued);
        }
        Ok(moved == 1)
    }

    /// The job's current status.
    pub async fn status(&self, job_id: Uuid) -> Result<Option<AiJobStatus>, sqlx::Error> {
        sqlx::query_scalar!(r#"SELECT status AS "status: AiJobStatus" FROM "AIJob" WHERE id = $1"#, job_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Fail the unfinished jobs whose queue task has given up (every apalis
    /// attempt failed, e.g. the database was unreachable each time), so no
    /// job stays QUEUED or RUNNING forever. Returns how many were failed.
    pub async fn fail_abandoned(&self) -> Result<u64, sqlx::Error> {
        let failed: Vec<Uuid> = sqlx::query_scalar(
            r#"UPDATE "AIJob" j
               SET status = 'FAILED',
                   "errorMessage" = 'the job could not be run after ' || t.attempts || ' attempts; submit it again'
               FROM apalis.jobs t
               WHERE j.status IN ('QUEUED', 'RUNNING')
                 AND t.job_type = $1 AND t.idempotency_key = j.id::text
                 AND t.status IN ('Failed', 'Killed') AND t.attempts >= t.max_attempts
               RETURNING j.id"#,
        )
        .bind(shared::queue::QUEUE_NAME)
        .fetch_all(&self.pool)
        .await?;
        for id in &failed {
            self.events.publish(*id, AiJobStatus::Failed);
        }
        Ok(failed.len() as u64)
    }

    /// Delete the finished tasks of both queues older than `retention`, at
    /// most `limit` per call: apalis never deletes them, and a table that
    /// only grows slows every fetch. Tasks that gave up are kept until their
    /// job is FAILED (see [`Jobs::fail_abandoned`]) or their compile request
    /// is no longer PENDING. Replicas may prune at the same time: rows
    /// another one holds are skipped. Returns how many went.
    pub async fn prune_finished_tasks(&self, retention: Duration, limit: i64) -> Result<u64, sqlx::Error> {
        let deleted = sqlx::query(
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
        )
        .bind(shared::queue::QUEUE_NAME)
        .bind(shared::queue::COMPILE_QUEUE_NAME)
        .bind(retention.as_secs_f64())
        .bind(limit)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(deleted)
    }
}

/// Whether the AIJob no longer exists (deleted with its project, JD or base).
pub async fn job_is_gone(pool: &sqlx::PgPool, job_id: Uuid) -> Result<bool, sqlx::Error> {
    let found =
        sqlx::query_scalar!(r#"SELECT 1 AS "one!" FROM "AIJob" WHERE id = $1"#, job_id).fetch_optional(pool).await?;
    Ok(found.is_none())
}

/// Whether the version no longer exists (deleted).
pub async fn version_is_gone(pool: &sqlx::PgPool, version_id: Uuid) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(r#"SELECT 1 AS "one!" FROM "ResumeVersion" WHERE id = $1"#, version_id)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_none())
}
