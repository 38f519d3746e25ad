//! The `CurrentUser` extractor: verifies the bearer token, then finds the
//! caller's User row by `clerkId`, creating it on first sight.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::PgPool;
use uuid::Uuid;

use super::clerk::{AuthError, VerifiedClaims, bearer_token};
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// `User.id`.
    pub id: Uuid,
    /// `User.clerkId` (the token's `sub`).
    pub clerk_id: String,
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        if err.is_unavailable() {
            tracing::warn!(error = %err, "cannot verify tokens: signing keys unavailable");
            ApiError::Unavailable("cannot verify credentials right now; retry shortly".into())
        } else {
            ApiError::Unauthorized(err.to_string())
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("missing `Authorization: Bearer <token>` header".into()))?
            .to_str()
            .map_err(|_| ApiError::Unauthorized("the Authorization header is not valid text".into()))?;
        let token = bearer_token(header)?;
        let claims = state.verifier.verify(token).await?;
        let id = find_or_create_user(&state.pool, &claims).await?;
        Ok(CurrentUser { id, clerk_id: claims.sub })
    }
}

/// Race-free find-or-create by `clerkId`: concurrent first requests of one
/// user all end with the same row. The common case is one indexed SELECT.
pub async fn find_or_create_user(pool: &PgPool, claims: &VerifiedClaims) -> Result<Uuid, ApiError> {
    let existing =
        sqlx::query!(r#"SELECT id, email FROM "User" WHERE "clerkId" = $1"#, claims.sub).fetch_optional(pool).await?;
    if let Some(row) = existing {
        if let Some(email) = claims.email.as_deref().filter(|e| *e != row.email) {
            sqlx::query!(r#"UPDATE "User" SET email = $2 WHERE id = $1"#, row.id, email).execute(pool).await?;
        }
        return Ok(row.id);
    }
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO "User" (id, "clerkId", email) VALUES ($1, $2, $3)
           ON CONFLICT ("clerkId") DO NOTHING RETURNING id"#,
        Uuid::now_v7(),
        claims.sub,
        claims.email.as_deref().unwrap_or(""),
    )
    .fetch_optional(pool)
    .await?;
    if let Some(id) = inserted {
        tracing::info!(user.id = %id, "user created on first sight");
        return Ok(id);
    }
    // Lost the race: another request inserted the row and has committed
    // (ON CONFLICT waited for it); a new statement sees it.
    Ok(sqlx::query_scalar!(r#"SELECT id FROM "User" WHERE "clerkId" = $1"#, claims.sub).fetch_one(pool).await?)
}
