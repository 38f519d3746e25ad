//! Section locking: a locked section is never changed by the AI.

use axum::extract::State;
use serde::Deserialize;
use shared::model::{ResumeSection, ResumeSectionType};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_lock))
}

/// Body of `PATCH /v1/sections/{sectionId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(examples(json!({"isLocked": true})))]
pub struct LockInput {
    /// A locked section is never changed by the AI.
    pub is_locked: bool,
}

/// Lock or unlock a section.
#[utoipa::path(patch, path = "/v1/sections/{sectionId}", tag = "versions", request_body = LockInput,
    params(("sectionId" = Uuid, Path)),
    responses((status = 200, description = "The section", body = ResumeSection), (status = 404, body = Problem)))]
async fn set_lock(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(section_id): Path<Uuid>,
    Json(input): Json<LockInput>,
) -> ApiResult<axum::Json<ResumeSection>> {
    sqlx::query_as!(
        ResumeSection,
        r#"UPDATE "ResumeSection" s SET "isLocked" = $3
           FROM "ResumeVersion" v JOIN "ResumeProject" p ON p.id = v."projectId"
           WHERE s.id = $1 AND s."versionId" = v.id AND p."userId" = $2
           RETURNING s.id, s."versionId" AS version_id, s."sectionType" AS "section_type: ResumeSectionType",
                     s.content, s."isLocked" AS is_locked, s."orderIndex" AS order_index,
                     s."createdAt" AS created_at, s."updatedAt" AS updated_at"#,
        section_id,
        user.id,
        input.is_locked
    )
    .fetch_optional(&state.pool)
    .await?
    .map(axum::Json)
    .ok_or(ApiError::NotFound("section"))
}
