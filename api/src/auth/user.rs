//! The `CurrentUser` extractor: verifies the bearer token, then finds the
//! caller's User row by `clerkId`, creating it on first sight.
//!
//! The `clerkId → (id, email)` mapping is cached in the process ([`UserCache`]):
//! a User row is never deleted and its id never changes, so a hit saves the
//! one query every authenticated request would otherwise start with. A token
//! whose e-mail differs from the cached one takes the database path, which
//! updates the row.

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

/// Users seen by this process, by `clerkId`.
#[derive(Clone)]
pub struct UserCache {
    users: crate::cache::Cache<String, (Uuid, String)>,
}

impl Default for UserCache {
    fn default() -> Self {
        Self { users: crate::cache::Cache::new(Self::CAPACITY) }
    }
}

impl UserCache {
    /// Most users remembered.
    pub const CAPACITY: usize = 100_000;
    /// How long an entry is trusted (a User is never deleted while the
    /// service runs, so this only bounds staleness of the e-mail).
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(3600);

    fn get(&self, claims: &VerifiedClaims) -> Option<Uuid> {
        let (id, email) = self.users.get(&claims.sub)?;
        claims.email.as_deref().is_none_or(|e| e == email).then_some(id)
    }

    fn put(&self, clerk_id: &str, id: Uuid, email: &str) {
        self.users.insert(clerk_id.to_owned(), (id, email.to_owned()), Self::TTL);
    }
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
        let id = match state.users.get(&claims) {
            Some(id) => id,
            None => {
                let (id, email) = find_or_create_user(&state.pool, &claims).await?;
                state.users.put(&claims.sub, id, &email);
                id
            }
        };
        Ok(CurrentUser { id, clerk_id: claims.sub })
    }
}

/// Race-free find-or-create by `clerkId`: concurrent first requests of one
/// user all end with the same row. The common case is one indexed SELECT.
/// Returns the user's id and stored e-mail.
pub async fn find_or_create_user(pool: &PgPool, claims: &VerifiedClaims) -> Result<(Uuid, String), ApiError> {
    let existing =
        sqlx::query!(r#"SELECT id, email FROM "User" WHERE "clerkId" = $1"#, claims.sub).fetch_optional(pool).await?;
    if let Some(row) = existing {
        if let Some(email) = claims.email.as_deref().filter(|e| *e != row.email) {
            sqlx::query!(r#"UPDATE "User" SET email = $2 WHERE id = $1"#, row.id, email).execute(pool).await?;
            return Ok((row.id, email.to_owned()));
        }
        return Ok((row.id, row.email));
    }
    let email = claims.email.clone().unwrap_or_default();
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO "User" (id, "clerkId", email) VALUES ($1, $2, $3)
           ON CONFLICT ("clerkId") DO NOTHING RETURNING id"#,
        Uuid::now_v7(),
        claims.sub,
        email,
    )
    .fetch_optional(pool)
    .await?;
    if let Some(id) = inserted {
        tracing::info!(user.id = %id, "user created on first sight");
        return Ok((id, email));
    }
    // Lost the race: another request inserted the row and has committed
    // (ON CONFLICT waited for it); a new statement sees it.
    let row = sqlx::query!(r#"SELECT id, email FROM "User" WHERE "clerkId" = $1"#, claims.sub).fetch_one(pool).await?;
    Ok((row.id, row.email))
}
