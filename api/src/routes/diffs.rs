//! Version diffs: what changed from one version of a project to another,
//! computed once (`text::diff`) and stored as a VersionDiff.

use axum::extract::State;
use serde::Deserialize;
use shared::model::VersionDiff;
use sqlx::PgConnection;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::versions::{load_owned_version, off_runtime};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_diff))
}

/// `?from=` of the diff route.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The version to diff from (same project).
    pub from: Uuid,
}

/// Store `diff` as the diff `from → to`, unless one is already stored;
/// return the stored row either way. Compute it first (`text::diff`, on the
/// blocking pool), before any transaction opens.
pub async fn store_diff(
    conn: &mut PgConnection,
    from_id: Uuid,
    to_id: Uuid,
    diff: &text::diff::DocumentDiff,
) -> ApiResult<VersionDiff> {
    if let Some(existing) = find(conn, from_id, to_id).await? {
        return Ok(existing);
    }
    let added = serde_json::to_value(&diff.added).map_err(ApiError::internal)?;
    let removed = serde_json::to_value(&diff.removed).map_err(ApiError::internal)?;
    let rewritten = serde_json::to_value(&diff.rewritten).map_err(ApiError::internal)?;
    sqlx::query!(
        r#"INSERT INTO "VersionDiff" (id, "fromVersionId", "toVersionId", added, removed, rewritten)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT ("fromVersionId", "toVersionId") DO NOTHING"#,
        Uuid::now_v7(),
        from_id,
        to_id,
        added,
        removed,
        rewritten
    )
    .execute(&mut *conn)
    .await?;
    find(conn, from_id, to_id).await?.ok_or_else(|| ApiError::internal(anyhow::anyhow!("diff vanished after insert")))
}

async fn find(conn: &mut PgConnection, from_id: Uuid, to_id: Uuid) -> ApiResult<Option<VersionDiff>> {
    Ok(sqlx::query_as!(
        VersionDiff,
        r#"SELECT id, "fromVersionId" AS from_version_id, "toVersionId" AS to_version_id,
                  added, removed, rewritten, "createdAt" AS created_at
           FROM "VersionDiff" WHERE "fromVersionId" = $1 AND "toVersionId" = $2"#,
        from_id,
        to_id
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// The diff from `from` to this version (computed once, then stored).
#[utoipa::path(get, path = "/v1/versions/{versionId}/diff", tag = "versions",
    params(("versionId" = Uuid, Path), DiffParams),
    responses(
        (status = 200, description = "What changed from `from` to this version", body = VersionDiff),
        (status = 404, body = Problem, description = "No such version, or not the caller's"),
        (status = 422, body = Problem, description = "`from` is this version or not a version of the same project"),
    ))]
async fn get_diff(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
    Query(params): Query<DiffParams>,
) -> ApiResult<axum::Json<VersionDiff>> {
    let to = load_owned_version(&state.pool, &user, version_id).await?;
    if params.from == version_id {
        return Err(ApiError::invalid("from must be another version"));
    }
    let from = sqlx::query!(
        r#"SELECT "latexContent" AS latex FROM "ResumeVersion" WHERE id = $1 AND "projectId" = $2"#,
        params.from,
        to.project_id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(|| ApiError::invalid("from does not name a version of the same project"))?;
    let mut conn = state.pool.acquire().await?;
    if let Some(existing) = find(&mut conn, params.from, version_id).await? {
        return Ok(axum::Json(existing));
    }
    drop(conn);
    let diff = off_runtime(move || text::diff::diff_documents(&from.latex, &to.latex_content)).await?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(store_diff(&mut conn, params.from, version_id, &diff).await?))
}
