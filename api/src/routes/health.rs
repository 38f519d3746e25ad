//! Liveness and readiness.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", security(),
    responses((status = 200, description = "alive", content_type = "text/plain", body = String, example = "ok")))]
async fn healthz() -> &'static str {
    "ok"
}

/// What `/readyz` reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok` or `down`: PostgreSQL decides readiness.
    pub postgres: &'static str,
    /// `ok` or `down`: reported only; the API works, degraded, without Redis.
    pub redis: &'static str,
}

/// Ready when PostgreSQL answers; Redis is reported but not required.
#[utoipa::path(get, path = "/readyz", tag = "health", security(), responses(
    (status = 200, body = Readiness, description = "PostgreSQL reachable"),
    (status = 503, body = Readiness, description = "PostgreSQL unreachable"),
))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let pg = tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(&state.pool)).await;
    let postgres = matches!(pg, Ok(Ok(_)));
    let redis = state.redis.ping().await;
    let status = if postgres { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        Json(Readiness { postgres: if postgres { "ok" } else { "down" }, redis: if redis { "ok" } else { "down" } }),
    )
}
