//! Résumé projects: create, list (newest first, paginated), get, rename.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
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

/// A project, with its ACTIVE version (the one the user sends out), if any.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    #[serde(flatten)]
    pub project: ResumeProject,
    /// The project's one ACTIVE version (`POST /v1/versions/{id}/activate`).
    pub active_version_id: Option<Uuid>,
}

/// A project row with its ACTIVE version, as the queries below select it.
struct ProjectRow {
    id: Uuid,
    user_id: Uuid,
    name: String,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    active_version_id: Option<Uuid>,
}

impl From<ProjectRow> for ProjectView {
    fn from(r: ProjectRow) -> Self {
        ProjectView {
            project: ResumeProject {
                id: r.id,
                user_id: r.user_id,
                name: r.name,
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            active_version_id: r.active_version_id,
        }
    }
}

/// Body of create and rename.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(examples(json!({"name": "Backend résumé"})))]
pub struct ProjectInput {
    /// 1–200 characters, not only white space, no control characters;
    /// stored without leading and trailing white space.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
}

/// Exactly what `ProjectInput`'s schema says: 1–200 characters, no control
/// characters, not only white space. Stored trimmed.
fn valid_name(name: &str) -> ApiResult<String> {
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(format!("name must be at most {MAX_NAME_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid("name must not contain control characters"));
    }
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid("name must not be empty"));
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
    (status = 201, description = "The project", body = ProjectView,
        headers(("Location" = String, description = "the new project's URL")),
        links(
            ("GetProject" = (operation_id = "get_project", parameters(("projectId" = "$response.body#/id")))),
            ("RenameProject" = (operation_id = "rename_project", parameters(("projectId" = "$response.body#/id")))),
            ("CreateVersion" = (operation_id = "create_version", parameters(("projectId" = "$response.body#/id")))),
            ("ListVersions" = (operation_id = "list_versions", parameters(("projectId" = "$response.body#/id")))),
            ("CreateJobDescription" = (operation_id = "create_jd", parameters(("projectId" = "$response.body#/id")))),
            ("ListJobDescriptions" = (operation_id = "list_jds", parameters(("projectId" = "$response.body#/id")))),
            ("ListAiJobs" = (operation_id = "list_jobs", parameters(("projectId" = "$response.body#/id")))),
        )),
    (status = 422, body = Problem, description = "`name` is empty, only white space, longer than 200 characters or has control characters"),
))]
async fn create_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(input): Json<ProjectInput>,
) -> ApiResult<(StatusCode, HeaderMap, axum::Json<ProjectView>)> {
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
    let url = format!("/v1/projects/{}", project.id);
    Ok((StatusCode::CREATED, location(&url), axum::Json(ProjectView { project, active_version_id: None })))
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
    (status = 200, description = "One page of projects", body = Page<ProjectView>),
    (status = 400, body = Problem, description = "`cursor` is not one this API issued, or a parameter is malformed"),
    (status = 422, body = Problem, description = "`limit` is outside 1–100"),
))]
async fn list_projects(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<Page<ProjectView>>> {
    let (limit, cursor) = params.resolve()?;
    let rows = sqlx::query_as!(
        ProjectRow,
        r#"SELECT id, "userId" AS user_id, name, "createdAt" AS created_at, "updatedAt" AS updated_at,
                  (SELECT v.id FROM "ResumeVersion" v WHERE v."projectId" = p.id AND v.status = 'ACTIVE') AS active_version_id
           FROM "ResumeProject" p
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
    let views: Vec<ProjectView> = rows.into_iter().map(ProjectView::from).collect();
    Ok(axum::Json(page(views, limit, |p| Cursor { created_at: p.project.created_at, id: p.project.id })))
}

/// One project, with its ACTIVE version.
#[utoipa::path(get, path = "/v1/projects/{projectId}", tag = "projects",
    params(("projectId" = Uuid, Path)),
    responses((status = 200, description = "The project", body = ProjectView), (status = 404, body = Problem)))]
async fn get_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
) -> ApiResult<axum::Json<ProjectView>> {
    sqlx::query_as!(
        ProjectRow,
        r#"SELECT id, "userId" AS user_id, name, "createdAt" AS created_at, "updatedAt" AS updated_at,
                  (SELECT v.id FROM "ResumeVersion" v WHERE v."projectId" = p.id AND v.status = 'ACTIVE') AS active_version_id
           FROM "ResumeProject" p WHERE id = $1 AND "userId" = $2"#,
        project_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .map(|row| axum::Json(row.into()))
    .ok_or(ApiError::NotFound("project"))
}

/// Rename a project.
#[utoipa::path(patch, path = "/v1/projects/{projectId}", tag = "projects", request_body = ProjectInput,
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 200, description = "The renamed project", body = ProjectView),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "`name` is empty, only white space, longer than 200 characters or has control characters"),
    ))]
async fn rename_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Json(input): Json<ProjectInput>,
) -> ApiResult<axum::Json<ProjectView>> {
    let name = valid_name(&input.name)?;
    sqlx::query_as!(
        ProjectRow,
        r#"UPDATE "ResumeProject" p SET name = $3 WHERE id = $1 AND "userId" = $2
           RETURNING id, "userId" AS user_id, name, "createdAt" AS created_at, "updatedAt" AS updated_at,
                     (SELECT v.id FROM "ResumeVersion" v WHERE v."projectId" = p.id AND v.status = 'ACTIVE') AS active_version_id"#,
        project_id,
        user.id,
        name
    )
    .fetch_optional(&state.pool)
    .await?
    .map(|row| axum::Json(row.into()))
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
        assert!(valid_name("\tname").is_err(), "control characters are refused wherever they are");
        assert!(valid_name(&format!(" {}", "é".repeat(MAX_NAME_CHARS))).is_err(), "the length counts every character");
    }
}
