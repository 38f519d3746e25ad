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

use std::collections::HashMap;

use shared::events::EventPublisher;
use shared::model::{AiJob, AiJobStatus, AiMode, ResumeSection};
use shared::queue::{JobEnd, JobEnding, end_ai_jobs};
use sqlx::PgPool;
use uuid::Uuid;

use shared::group::{Group, each_alone};

/// A job this worker has claimed, with everything its run reads: the base
/// version, its sections and the JD's analysis.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    /// When the job was submitted (its pickup time is measured from here).
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was claimed (its row's `updatedAt`).
    pub updated_at: chrono::DateTime<chrono::Utc>,
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

impl ClaimedJob {
    /// The job as the API shows it, RUNNING.
    pub fn as_shown(&self) -> AiJob {
        AiJob {
            id: self.id,
            project_id: self.project_id,
            base_version_id: self.base_version_id,
            jd_id: self.jd_id,
            mode: self.mode,
            status: AiJobStatus::Running,
            error_message: None,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The AIJob rows, as the worker moves them. Claims and finishes are
/// grouped ([`crate::group`]): the jobs this worker claims or finishes at
/// about the same time share one statement and one commit.
#[derive(Clone, Debug)]
pub struct Jobs {
    pub pool: PgPool,
    events: EventPublisher,
    claims: Group<Uuid, Option<ClaimedJob>>,
    finishes: Group<JobEnding, bool>,
}

/// Jobs claimed or finished in one statement, at most.
const GROUP_MAX: usize = 64;

impl Jobs {
    pub fn new(pool: PgPool, events: EventPublisher) -> Self {
        let claims = {
            let (pool, events) = (pool.clone(), events.clone());
            Group::start(GROUP_MAX, move |ids: Vec<Uuid>| {
                let (pool, events) = (pool.clone(), events.clone());
                async move {
                    let results: Vec<Result<Option<ClaimedJob>, sqlx::Error>> = match claim_all(&pool, &ids).await {
                        Ok(mut claimed) => ids.iter().map(|id| Ok(claimed.remove(id))).collect(),
                        // One statement for all failed: each alone, with its own error.
                        Err(_) => {
                            each_alone(ids, |id| {
                                let pool = pool.clone();
                                async move { Ok(claim_all(&pool, &[id]).await?.remove(&id)) }
                            })
                            .await
                        }
                    };
                    for job in results.iter().filter_map(|r| r.as_ref().ok().and_then(Option::as_ref)) {
                        events.publish_job(job.as_shown());
                    }
                    results
                }
            })
        };
        let finishes = {
            let (pool, events) = (pool.clone(), events.clone());
            Group::start(GROUP_MAX, move |finishes: Vec<JobEnding>| {
                let (pool, events) = (pool.clone(), events.clone());
                async move {
                    let ids: Vec<Uuid> = finishes.iter().map(|f| f.job_id).collect();
                    let (results, ended) = match end_ai_jobs(&pool, &finishes).await {
                        Ok(ended) => (ids.iter().map(|id| Ok(ended.iter().any(|j| j.id == *id))).collect(), ended),
                        // One statement for all failed: each alone, with its own error.
                        Err(_) => {
                            let mut ended = Vec::new();
                            let mut results = Vec::with_capacity(finishes.len());
                            for finish in &finishes {
                                match end_ai_jobs(&pool, std::slice::from_ref(finish)).await {
                                    Ok(mut one) => {
                                        results.push(Ok(!one.is_empty()));
                                        ended.append(&mut one);
                                    }
                                    Err(e) => results.push(Err(e)),
                                }
                            }
                            (results, ended)
                        }
                    };
                    for job in ended {
                        events.publish_job(job);
                    }
                    results
                }
            })
        };
        Self { pool, events, claims, finishes }
    }

    /// Move the job to RUNNING and read what its run needs, in one
    /// statement (shared with the other jobs claimed meanwhile). `None`
    /// when it is already final (or gone): the task is then acknowledged
    /// without doing anything.
    pub async fn claim(&self, job_id: Uuid) -> Result<Option<ClaimedJob>, sqlx::Error> {
        self.claims.run(job_id).await
    }

    /// Write the job's one proposal (replacing any earlier one) and its
    /// trace, complete it, and remove its queue task, in one transaction
    /// (one commit, shared with the other jobs finishing meanwhile; the
    /// queue table keeps only work not yet done). Returns false, writing
    /// nothing, if the job is no longer RUNNING.
    pub async fn complete(&self, job_id: Uuid, latex: &str, trace: &str) -> Result<bool, sqlx::Error> {
        let end = JobEnd::Completed { latex: latex.to_owned(), trace: trace.to_owned() };
        self.finishes.run(JobEnding { job_id, end }).await
    }

    /// Fail the job with a message a user can act on (never a secret), and
    /// remove its queue task in the same transaction.
    pub async fn fail(&self, job_id: Uuid, message: &str) -> Result<bool, sqlx::Error> {
        self.finishes.run(JobEnding { job_id, end: JobEnd::Failed { message: message.to_owned() } }).await
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
        let failed = shared::queue::fail_abandoned_ai_jobs(&self.pool).await?;
        for id in &failed {
            self.events.publish(*id, AiJobStatus::Failed);
        }
        Ok(failed.len() as u64)
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

/// Claim the jobs `ids` (QUEUED, or RUNNING again for a rescued task) in
/// one statement, with what each run reads; the jobs already final or gone
/// are not in the answer.
async fn claim_all(pool: &PgPool, ids: &[Uuid]) -> Result<HashMap<Uuid, ClaimedJob>, sqlx::Error> {
    // The sections come as JSON rows whose keys are the columns' names,
    // which are `ResumeSection`'s serde names (decoded straight from the
    // bytes, with no `serde_json::Value` in between).
    let rows = sqlx::query!(
        r#"UPDATE "AIJob" j SET status = 'RUNNING', "errorMessage" = NULL
           FROM "ResumeVersion" v, "ResumeProject" p, "JobDescription" d
           WHERE j.id = ANY($1) AND j.status IN ('QUEUED', 'RUNNING')
             AND v.id = j."baseVersionId" AND p.id = v."projectId" AND d.id = j."jdId"
           RETURNING j.id, j."createdAt" AS created_at, j."updatedAt" AS updated_at, j."projectId" AS project_id,
                     j."baseVersionId" AS base_version_id, j."jdId" AS jd_id, j.mode AS "mode: AiMode",
                     p."userId" AS user_id, v."latexContent" AS latex, d."roleType" AS role_type,
                     d."extractedSkills" AS skills, d.keywords, p.name AS project_name,
                     EXISTS (SELECT 1 FROM tailor.version_compile c
                             WHERE c.version_id = j."baseVersionId" AND c.state = 'SUCCEEDED') AS "base_compiled!",
                     (SELECT coalesce(json_agg(s ORDER BY s."orderIndex"), '[]'::json)
                      FROM "ResumeSection" s WHERE s."versionId" = j."baseVersionId")
                       AS "sections!: sqlx::types::Json<Vec<ResumeSection>>""#,
        ids
    )
    .fetch_all(pool)
    .await?;
    let mut claimed = HashMap::with_capacity(rows.len());
    for row in rows {
        let job = ClaimedJob {
            id: row.id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            project_id: row.project_id,
            base_version_id: row.base_version_id,
            jd_id: row.jd_id,
            mode: row.mode,
            user_id: row.user_id,
            latex: row.latex,
            sections: row.sections.0,
            role_type: row.role_type,
            skills: row.skills,
            keywords: row.keywords,
            project_name: row.project_name,
            base_compiled: row.base_compiled,
        };
        claimed.insert(job.id, job);
    }
    Ok(claimed)
}
