//! What every handler can reach.

use sqlx::PgPool;

use crate::auth::ClerkVerifier;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub redis: redis::Client,
    pub verifier: ClerkVerifier,
}
