//! Deleting a project, a job description or a version: every row under it,
//! its queue tasks, and its stored PDFs and previews.
//!
//! Rows go in one transaction, in the order the schema's `RESTRICT` keys
//! require (AI jobs, then versions, then job descriptions and the project);
//! their queue tasks go in the same transaction ([`shared::queue::delete_tasks`]).
//! Stored files go after the commit (the database is the system of record:
//! a file whose deletion fails is logged, never served again, and never
//! blocks the delete). A worker running a deleted job or compile meanwhile
//! finds it gone and ends quietly; what it wrote to the store for it is
//! removed by the worker itself.
//!
//! What may be deleted:
//! - a project, always (everything under it);
//! - a job description unless a QUEUED or RUNNING job uses it (409); the
//!   finished jobs that used it go with it (the schema keeps no job without
//!   its JD), and so do their proposals; versions accepted from them stay;
//! - a version only if it is a leaf (no child version), not ACTIVE, and not
//!   the base of a QUEUED or RUNNING job (409); the finished jobs based on it
//!   go with it.

use axum::extract::State;
use axum::http::StatusCode;
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Path;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(delete_project)).routes(routes!(delete_jd)).routes(routes!(delete_version))
}

/// What a delete removed, for the stored files.
struct Removed {
    versions: Vec<Uuid>,
    jobs: Vec<Uuid>,
}

/// Delete a project and everything under it: versions and their sections,
/// PDFs and previews, job descriptions, AI jobs with their proposals,
/// traces and queue tasks, diffs.
#[utoipa::path(delete, path = "/v1/projects/{projectId}", tag = "projects",
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted, with everything under it"),
        (status = 404, body = Problem, description = "No such project, or not the caller's"),
    ))]
async fn delete_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = state.pool.begin().await?;
    sqlx::query_scalar!(
        r#"SELECT 1 AS "one!" FROM "ResumeProject" WHERE id = $1 AND "userId" = $2 FOR UPDATE"#,
        project_id,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("project"))?;
    let jobs =
        sqlx::query_scalar!(r#"SELECT id FROM "AIJob" WHERE "projectId" = $1"#, project_id).fetch_all(&mut *tx).await?;
    let versions = sqlx::query_scalar!(r#"SELECT id FROM "ResumeVersion" WHERE "projectId" = $1"#, project_id)
        .fetch_all(&mut *tx)
        .await?;
    remove_rows(&mut tx, &jobs, &versions).await?;
    sqlx::query!(r#"DELETE FROM "ResumeProject" WHERE id = $1"#, project_id).execute(&mut *tx).await?;
    tx.commit().await?;
    tracing::info!(project.id = %project_id, versions = versions.len(), jobs = jobs.len(), "project deleted");
    forget_files(&state, Removed { versions, jobs }).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a job description, with the finished jobs that used it.
#[utoipa::path(delete, path = "/v1/job-descriptions/{jdId}", tag = "job-descriptions",
    params(("jdId" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted, with the finished jobs that used it and their proposals"),
        (status = 404, body = Problem, description = "No such job description, or not the caller's"),
        (status = 409, body = Problem, description = "A QUEUED or RUNNING job uses it"),
    ))]
async fn delete_jd(State(state): State<AppState>, user: CurrentUser, Path(jd_id): Path<Uuid>) -> ApiResult<StatusCode> {
    let mut tx = state.pool.begin().await?;
    sqlx::query_scalar!(
        r#"SELECT 1 AS "one!" FROM "JobDescription" d JOIN "ResumeProject" p ON p.id = d."projectId"
           WHERE d.id = $1 AND p."userId" = $2 FOR UPDATE OF d"#,
        jd_id,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("job description"))?;
    let jobs = finished_jobs_using(&mut tx, Some(jd_id), None, "job description").await?;
    remove_rows(&mut tx, &jobs, &[]).await?;
    sqlx::query!(r#"DELETE FROM "JobDescription" WHERE id = $1"#, jd_id).execute(&mut *tx).await?;
    tx.commit().await?;
    tracing::info!(jd.id = %jd_id, jobs = jobs.len(), "job description deleted");
    forget_files(&state, Removed { versions: Vec::new(), jobs }).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a version: only a leaf that is not ACTIVE and not the base of a
/// QUEUED or RUNNING job.
#[utoipa::path(delete, path = "/v1/versions/{versionId}", tag = "versions",
    params(("versionId" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted, with its PDF, previews and the finished jobs based on it"),
        (status = 404, body = Problem, description = "No such version, or not the caller's"),
        (status = 409, body = Problem, description = "It has child versions, is ACTIVE, or a QUEUED or RUNNING job uses it"),
    ))]
async fn delete_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = state.pool.begin().await?;
    let version = sqlx::query!(
        r#"SELECT v.status::text AS "status!",
                  EXISTS (SELECT 1 FROM "ResumeVersion" c WHERE c."parentVersionId" = v.id) AS "has_children!"
           FROM "ResumeVersion" v JOIN "ResumeProject" p ON p.id = v."projectId"
           WHERE v.id = $1 AND p."userId" = $2 FOR UPDATE OF v"#,
        version_id,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("version"))?;
    if version.has_children {
        return Err(ApiError::Conflict(
            "the version has child versions: delete them first (only a leaf can go)".into(),
        ));
    }
    if version.status == "ACTIVE" {
        return Err(ApiError::Conflict("the version is ACTIVE: activate another one first".into()));
    }
    let jobs = finished_jobs_using(&mut tx, None, Some(version_id), "version").await?;
    remove_rows(&mut tx, &jobs, &[version_id]).await?;
    tx.commit().await?;
    tracing::info!(version.id = %version_id, jobs = jobs.len(), "version deleted");
    forget_files(&state, Removed { versions: vec![version_id], jobs }).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The jobs that use this JD or this base version (locked until the
/// commit), or 409 if one of them is still QUEUED or RUNNING.
async fn finished_jobs_using(
    tx: &mut PgConnection,
    jd: Option<Uuid>,
    base: Option<Uuid>,
    what: &str,
) -> ApiResult<Vec<Uuid>> {
    let jobs = sqlx::query!(
        r#"SELECT id, status::text AS "status!" FROM "AIJob" WHERE "jdId" = $1 OR "baseVersionId" = $2 FOR UPDATE"#,
        jd,
        base
    )
    .fetch_all(&mut *tx)
    .await?;
    if let Some(pending) = jobs.iter().find(|j| j.status == "QUEUED" || j.status == "RUNNING") {
        return Err(ApiError::Conflict(format!(
            "AI job {} ({}) uses this {what}: wait until it is COMPLETED or FAILED",
            pending.id, pending.status
        )));
    }
    Ok(jobs.into_iter().map(|j| j.id).collect())
}

/// Delete these jobs (with their proposals and traces) and these versions
/// (with their sections, diffs and compiles), and their queue tasks, in
/// that order.
async fn remove_rows(tx: &mut PgConnection, jobs: &[Uuid], versions: &[Uuid]) -> ApiResult<()> {
    shared::queue::delete_tasks(tx, jobs, versions).await?;
    sqlx::query!(r#"DELETE FROM "AIJob" WHERE id = ANY($1)"#, jobs).execute(&mut *tx).await?;
    sqlx::query!(r#"DELETE FROM "ResumeVersion" WHERE id = ANY($1)"#, versions).execute(&mut *tx).await?;
    Ok(())
}

/// Remove the stored files of deleted versions and jobs, and the jobs'
/// cached states (after the commit).
async fn forget_files(state: &AppState, removed: Removed) {
    state.watcher.forget(&removed.jobs);
    let prefixes = removed
        .versions
        .iter()
        .map(|id| shared::compile::version_prefix(*id))
        .chain(removed.jobs.iter().map(|id| shared::compile::proposal_prefix(*id)));
    for prefix in prefixes {
        if let Err(e) = state.storage.delete_prefix(&prefix).await {
            tracing::warn!(prefix, error = %e, "stored files of a deleted object could not be removed");
        }
    }
}
