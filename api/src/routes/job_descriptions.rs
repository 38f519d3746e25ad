//! Job descriptions: stored with their analysis (skills, keywords, role
//! type), computed once at creation by `text::jd::analyze`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use shared::model::JobDescription;
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

/// Longest accepted JD, in characters.
pub const MAX_JD_CHARS: usize = 100_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_jd, list_jds)).routes(routes!(get_jd))
}

/// Body of `POST /v1/projects/{projectId}/job-descriptions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(examples(json!({"rawText": "Senior Backend Engineer\n\nGo, PostgreSQL and Kubernetes; 5+ years building distributed systems."})))]
pub struct JdInput {
    /// The pasted job description: 1–100,000 characters, not only white
    /// space, without NUL characters.
    #[schema(min_length = 1, max_length = 100_000, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub raw_text: String,
}

/// Store a job description and its analysis.
#[utoipa::path(post, path = "/v1/projects/{projectId}/job-descriptions", tag = "job-descriptions", request_body = JdInput,
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 201, description = "The job description with its analysis", body = JobDescription,
            headers(("Location" = String, description = "the new job description's URL")),
            links(("GetJobDescription" = (operation_id = "get_jd", parameters(("jdId" = "$response.body#/id")))))),
        (status = 404, body = Problem, description = "No such project, or not the caller's"),
        (status = 422, body = Problem, description = "`rawText` is empty, only white space, longer than 100,000 characters or has NUL characters"),
    ))]
async fn create_jd(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Json(input): Json<JdInput>,
) -> ApiResult<(StatusCode, HeaderMap, axum::Json<JobDescription>)> {
    ensure_owned(&state.pool, &user, project_id).await?;
    if input.raw_text.trim().is_empty() {
        return Err(ApiError::invalid("rawText must not be empty"));
    }
    if input.raw_text.chars().count() > MAX_JD_CHARS {
        return Err(ApiError::invalid(format!("rawText must be at most {MAX_JD_CHARS} characters")));
    }
    if input.raw_text.contains('\0') {
        return Err(ApiError::invalid("rawText must not contain NUL characters"));
    }
    let analysis = text::jd::analyze(&input.raw_text);
    let skills = serde_json::to_value(&analysis.extracted_skills).map_err(ApiError::internal)?;
    let keywords = serde_json::to_value(&analysis.keywords).map_err(ApiError::internal)?;
    let role = serde_json::to_value(analysis.role_type).map_err(ApiError::internal)?;
    let role = role.as_str().unwrap_or("other").to_owned();
    let jd = sqlx::query_as!(
        JobDescription,
        r#"INSERT INTO "JobDescription" (id, "projectId", "rawText", "extractedSkills", keywords, "roleType")
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, "projectId" AS project_id, "rawText" AS raw_text, "extractedSkills" AS extracted_skills,
                     keywords, "roleType" AS role_type, "createdAt" AS created_at, "updatedAt" AS updated_at"#,
        Uuid::now_v7(),
        project_id,
        input.raw_text,
        skills,
        keywords,
        role
    )
    .fetch_one(&state.pool)
    .await?;
    let url = format!("/v1/job-descriptions/{}", jd.id);
    Ok((StatusCode::CREATED, location(&url), axum::Json(jd)))
}

/// The project's job descriptions, newest first.
#[utoipa::path(get, path = "/v1/projects/{projectId}/job-descriptions", tag = "job-descriptions",
    params(("projectId" = Uuid, Path), PageParams),
    responses(
        (status = 200, description = "One page of job descriptions", body = Page<JobDescription>),
        (status = 400, body = Problem, description = "`cursor` is not one this API issued, or a parameter is malformed"),
        (status = 404, body = Problem, description = "No such project, or not the caller's"),
        (status = 422, body = Problem, description = "`limit` is outside 1–100"),
    ))]
async fn list_jds(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<Page<JobDescription>>> {
    let (limit, cursor) = params.resolve()?;
    ensure_owned(&state.pool, &user, project_id).await?;
    let rows = sqlx::query_as!(
        JobDescription,
        r#"SELECT id, "projectId" AS project_id, "rawText" AS raw_text, "extractedSkills" AS extracted_skills,
                  keywords, "roleType" AS role_type, "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "JobDescription"
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

/// One job description with its analysis.
#[utoipa::path(get, path = "/v1/job-descriptions/{jdId}", tag = "job-descriptions",
    params(("jdId" = Uuid, Path)),
    responses((status = 200, description = "The job description", body = JobDescription), (status = 404, body = Problem)))]
async fn get_jd(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(jd_id): Path<Uuid>,
) -> ApiResult<axum::Json<JobDescription>> {
    sqlx::query_as!(
        JobDescription,
        r#"SELECT j.id, j."projectId" AS project_id, j."rawText" AS raw_text, j."extractedSkills" AS extracted_skills,
                  j.keywords, j."roleType" AS role_type, j."createdAt" AS created_at, j."updatedAt" AS updated_at
           FROM "JobDescription" j JOIN "ResumeProject" p ON p.id = j."projectId"
           WHERE j.id = $1 AND p."userId" = $2"#,
        jd_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .map(axum::Json)
    .ok_or(ApiError::NotFound("job description"))
}
