//! The caller's own User row.

use axum::Json;
use axum::extract::State;
use shared::model::User;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The caller's User (created on first sight from the token's `sub`).
#[utoipa::path(get, path = "/v1/me", tag = "users", responses(
    (status = 200, description = "The caller", body = User),
))]
async fn me(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<User>> {
    let row = sqlx::query_as!(
        User,
        r#"SELECT id, "clerkId" AS clerk_id, email, "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "User" WHERE id = $1"#,
        user.id
    )
    .fetch_one(&state.pool)
    .await?;
    Ok(Json(row))
}
