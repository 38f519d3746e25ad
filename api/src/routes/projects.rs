//! Résumé projects: create, list (newest first, paginated), get, rename.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;
use shared::model::ResumeProject;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::pagination::{Cursor, Page, PageParams, page};
use crate::state::AppState;

/// Longest project name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_project, list_projects)).routes(routes!(get_project, rename_project))
}

/// Body of create and rename.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectInput {
    /// 1–200 characters, not only whitespace.
    pub name: String,
}

fn valid_name(name: &str) -> ApiResult<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid("name must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(format!("name must be at most {MAX_NAME_CHARS} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ApiError::invalid("name must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}

/// Ensure the project exists and is the caller's; 404 otherwise (same answer for both).
pub async fn ensure_owned(pool: &sqlx::PgPool, user: &CurrentUser, project_id: Uuid) -> ApiResult<()> {
    let found = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!" FROM "ResumeProject" WHERE id = $1 AND "userId" = $2"#,
        project_id,
        user.id
    )
    .fetch_optional(pool)
    .await?;
    found.map(|_| ()).ok_or(ApiError::NotFound("project"))
}

/// Create a project.
#[utoipa::path(post, path = "/v1/projects", tag = "projects", request_body = ProjectInput, responses(
    (status = 201, body = ResumeProject, headers(("Location" = String, description = "the new project's URL"))),
    (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem),
))]
async fn create_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(input): Json<ProjectInput>,
) -> ApiResult<(StatusCode, HeaderMap, axum::Json<ResumeProject>)> {
    let name = valid_name(&input.name)?;
    let project = sqlx::query_as!(
        ResumeProject,
        r#"INSERT INTO "ResumeProject" (id, "userId", name) VALUES ($1, $2, $3)
           RETURNING id, "userId" AS user_id, name, "createdAt" AS created_at, "updatedAt" AS updated_at"#,
        Uuid::now_v7(),
        user.id,
        name
    )
    .fetch_one(&state.pool)
    .await?;
    Ok((StatusCode::CREATED, location(&format!("/v1/projects/{}", project.id)), axum::Json(project)))
}

/// A `Location` header.
pub fn location(path: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(path) {
        headers.insert(header::LOCATION, value);
    }
    headers
}

/// The caller's projects, newest first.
#[utoipa::path(get, path = "/v1/projects", tag = "projects", params(PageParams), responses(
    (status = 200, body = Page<ResumeProject>),
    (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem),
))]
async fn list_projects(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<Page<ResumeProject>>> {
    let (limit, cursor) = params.resolve()?;
    let rows = sqlx::query_as!(
        ResumeProject,
        r#"SELECT id, "userId" AS user_id, name, "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "ResumeProject"
           WHERE "userId" = $1
             AND ($2::timestamptz IS NULL OR ("createdAt", id) < ($2, $3))
           ORDER BY "createdAt" DESC, id DESC
           LIMIT $4"#,
        user.id,
        cursor.map(|c| c.created_at),
        cursor.map(|c| c.id).unwrap_or_default(),
        limit + 1
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(page(rows, limit, |p| Cursor { created_at: p.created_at, id: p.id })))
}

/// One project.
#[utoipa::path(get, path = "/v1/projects/{projectId}", tag = "projects",
    params(("projectId" = Uuid, Path)),
    responses((status = 200, body = ResumeProject), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn get_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
) -> ApiResult<axum::Json<ResumeProject>> {
    sqlx::query_as!(
        ResumeProject,
        r#"SELECT id, "userId" AS user_id, name, "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "ResumeProject" WHERE id = $1 AND "userId" = $2"#,
        project_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .map(axum::Json)
    .ok_or(ApiError::NotFound("project"))
}

/// Rename a project.
#[utoipa::path(patch, path = "/v1/projects/{projectId}", tag = "projects", request_body = ProjectInput,
    params(("projectId" = Uuid, Path)),
    responses((status = 200, body = ResumeProject), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn rename_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Json(input): Json<ProjectInput>,
) -> ApiResult<axum::Json<ResumeProject>> {
    let name = valid_name(&input.name)?;
    sqlx::query_as!(
        ResumeProject,
        r#"UPDATE "ResumeProject" SET name = $3 WHERE id = $1 AND "userId" = $2
           RETURNING id, "userId" AS user_id, name, "createdAt" AS created_at, "updatedAt" AS updated_at"#,
        project_id,
        user.id,
        name
    )
    .fetch_optional(&state.pool)
    .await?
    .map(axum::Json)
    .ok_or(ApiError::NotFound("project"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(valid_name("  Backend résumé ").ok().as_deref(), Some("Backend résumé"));
        assert!(valid_name("   ").is_err());
        assert!(valid_name(&"é".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(valid_name(&"é".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(valid_name("a\u{0}b").is_err());
    }
}
