//! What every handler can reach.

use sqlx::PgPool;

use shared::crypto::KeyRing;
use shared::providers::ChatClient;
use shared::ratelimit::{Rate, RateLimiter};
use shared::redis_conn::RedisConn;

use crate::auth::ClerkVerifier;
use crate::auth::user::UserCache;
use crate::job_watch::JobWatcher;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// AI job submissions, grouped into shared statements under load.
    pub submitter: shared::queue::Submitter,
    pub redis: RedisConn,
    /// Wakes SSE streams and long-polls when a job's status changes.
    pub watcher: JobWatcher,
    pub limiter: RateLimiter,
    /// Per-user AI job submissions; `None`: unlimited.
    pub submission_rate: Option<Rate>,
    pub verifier: ClerkVerifier,
    /// `clerkId` → User id, so most requests skip that query.
    pub users: UserCache,
    /// Seals and opens users' stored provider keys.
    pub keyring: KeyRing,
    /// Provider client for validating users' keys (short budget).
    pub providers: ChatClient,
    pub allow_insecure_azure: bool,
    /// Where compiled PDFs and previews are stored.
    pub storage: shared::storage::Storage,
    /// How long a presigned download URL lives (S3 stores).
    pub presign_ttl: std::time::Duration,
    /// Requests handled at once, and each one's deadline.
    pub in_flight: crate::limits::InFlight,
    /// Open SSE streams and long-polls per user.
    pub waits: crate::limits::WaitSlots,
    /// `AI_JOBS_PER_DAY`: each user's AI jobs per UTC day; `None`: no quota.
    pub jobs_per_day: Option<u32>,
    /// Per user: stored-key writes and validations (each calls the provider).
    pub key_check_rate: Rate,
    /// The provider's recent verdicts on keys, and how long one is reused.
    pub key_checks: crate::routes::api_keys::KeyChecks,
    pub key_check_ttl: std::time::Duration,
}
