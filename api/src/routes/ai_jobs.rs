//! AI tailoring jobs: create (the AIJob row and its queue task in ONE
//! transaction, answered 202 at once), poll, list.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use shared::model::{AiJob, AiJobStatus, AiMode, AiModelProvider};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::projects::{ensure_owned, location};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::{Cursor, Page, PageParams, page};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_job, list_jobs)).routes(routes!(get_job))
}

/// Body of `POST /v1/projects/{projectId}/ai-jobs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AiJobInput {
    /// The version to tailor; must belong to this project.
    pub base_version_id: Uuid,
    /// The job description to tailor toward; must belong to this project.
    pub jd_id: Uuid,
    pub mode: AiMode,
    /// Default DEEPSEEK (the operator's Nebius credentials). AZURE_OPENAI
    /// needs a valid key stored with `PUT /v1/api-keys/AZURE_OPENAI`.
    pub provider: Option<AiModelProvider>,
}

/// Record a QUEUED job and enqueue it, atomically.
#[utoipa::path(post, path = "/v1/projects/{projectId}/ai-jobs", tag = "ai-jobs", request_body = AiJobInput,
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 202, body = AiJob, headers(("Location" = String, description = "poll here"))),
        (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 503, body = Problem),
    ))]
async fn create_job(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Json(input): Json<AiJobInput>,
) -> ApiResult<(StatusCode, HeaderMap, axum::Json<AiJob>)> {
    ensure_owned(&state.pool, &user, project_id).await?;
    let provider = input.provider.unwrap_or(AiModelProvider::Deepseek);
    let refs = sqlx::query!(
        r#"SELECT
             EXISTS (SELECT 1 FROM "ResumeVersion" WHERE id = $1 AND "projectId" = $3) AS "version_ok!",
             EXISTS (SELECT 1 FROM "JobDescription" WHERE id = $2 AND "projectId" = $3) AS "jd_ok!""#,
        input.base_version_id,
        input.jd_id,
        project_id
    )
    .fetch_one(&state.pool)
    .await?;
    if !refs.version_ok {
        return Err(ApiError::invalid("baseVersionId does not name a version of this project"));
    }
    if !refs.jd_ok {
        return Err(ApiError::invalid("jdId does not name a job description of this project"));
    }
    if provider == AiModelProvider::AzureOpenai {
        ensure_valid_azure_key(&state.pool, &user).await?;
    }

    let mut tx = state.pool.begin().await?;
    let job = sqlx::query_as!(
        AiJob,
        r#"INSERT INTO "AIJob" (id, "projectId", "baseVersionId", "jdId", mode, status)
           VALUES ($1, $2, $3, $4, $5, 'QUEUED')
           RETURNING id, "projectId" AS project_id, "baseVersionId" AS base_version_id, "jdId" AS jd_id,
                     mode AS "mode: AiMode", status AS "status: AiJobStatus", "errorMessage" AS error_message,
                     "createdAt" AS created_at, "updatedAt" AS updated_at"#,
        Uuid::now_v7(),
        project_id,
        input.base_version_id,
        input.jd_id,
        input.mode as AiMode
    )
    .fetch_one(&mut *tx)
    .await?;
    // Any failure here drops `tx`, which rolls the AIJob insert back too.
    shared::queue::enqueue_ai_job(&mut tx, job.id, provider).await.map_err(ApiError::internal)?;
    tx.commit().await?;
    tracing::info!(ai_job.id = %job.id, %provider, mode = %job.mode, "ai job queued");
    let url = format!("/v1/ai-jobs/{}", job.id);
    Ok((StatusCode::ACCEPTED, location(&url), axum::Json(job)))
}

/// 422 unless the caller has an Azure OpenAI key that last validated.
async fn ensure_valid_azure_key(pool: &sqlx::PgPool, user: &CurrentUser) -> ApiResult<()> {
    let key = sqlx::query!(
        r#"SELECT "isValid" AS is_valid, "validationError" AS validation_error
           FROM "UserAPIKey" WHERE "userId" = $1 AND provider = 'AZURE_OPENAI'"#,
        user.id
    )
    .fetch_optional(pool)
    .await?;
    match key {
        None => Err(ApiError::invalid(
            "provider AZURE_OPENAI needs your Azure OpenAI key: store it with PUT /v1/api-keys/AZURE_OPENAI",
        )),
        Some(k) if !k.is_valid => Err(ApiError::invalid(format!(
            "your stored Azure OpenAI key is marked invalid ({}); store a new one or re-validate it",
            k.validation_error.as_deref().unwrap_or("no reason recorded")
        ))),
        Some(_) => Ok(()),
    }
}

/// Poll one job.
#[utoipa::path(get, path = "/v1/ai-jobs/{jobId}", tag = "ai-jobs",
    params(("jobId" = Uuid, Path)),
    responses((status = 200, body = AiJob), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn get_job(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<Uuid>,
) -> ApiResult<axum::Json<AiJob>> {
    sqlx::query_as!(
        AiJob,
        r#"SELECT j.id, j."projectId" AS project_id, j."baseVersionId" AS base_version_id, j."jdId" AS jd_id,
                  j.mode AS "mode: AiMode", j.status AS "status: AiJobStatus", j."errorMessage" AS error_message,
                  j."createdAt" AS created_at, j."updatedAt" AS updated_at
           FROM "AIJob" j JOIN "ResumeProject" p ON p.id = j."projectId"
           WHERE j.id = $1 AND p."userId" = $2"#,
        job_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .map(axum::Json)
    .ok_or(ApiError::NotFound("ai job"))
}

/// The project's jobs, newest first.
#[utoipa::path(get, path = "/v1/projects/{projectId}/ai-jobs", tag = "ai-jobs",
    params(("projectId" = Uuid, Path), PageParams),
    responses((status = 200, body = Page<AiJob>), (status = 404, body = Problem)))]
async fn list_jobs(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<Page<AiJob>>> {
    let (limit, cursor) = params.resolve()?;
    ensure_owned(&state.pool, &user, project_id).await?;
    let rows = sqlx::query_as!(
        AiJob,
        r#"SELECT id, "projectId" AS project_id, "baseVersionId" AS base_version_id, "jdId" AS jd_id,
                  mode AS "mode: AiMode", status AS "status: AiJobStatus", "errorMessage" AS error_message,
                  "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "AIJob"
           WHERE "projectId" = $1 AND ($2::timestamptz IS NULL OR ("createdAt", id) < ($2, $3))
           ORDER BY "createdAt" DESC, id DESC LIMIT $4"#,
        project_id,
        cursor.map(|c| c.created_at),
        cursor.map(|c| c.id).unwrap_or_default(),
        limit + 1
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(page(rows, limit, |j| Cursor { created_at: j.created_at, id: j.id })))
}
