//! What every handler can reach.

use sqlx::PgPool;

use shared::crypto::KeyRing;
use shared::providers::ChatClient;

use crate::auth::ClerkVerifier;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub redis: redis::Client,
    pub verifier: ClerkVerifier,
    /// Seals and opens users' stored provider keys.
    pub keyring: KeyRing,
    /// Provider client for validating users' keys (short budget).
    pub providers: ChatClient,
    pub allow_insecure_azure: bool,
}
