//! Connecting to PostgreSQL and applying migrations.

use std::future::Future;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Where our own migration history lives. Not `public`: the spec's tables are
/// the only ones there. (apalis keeps its own history in `apalis`.)
pub const MIGRATIONS_SCHEMA: &str = "tailor";

/// Our migrations (`migrations/` at the workspace root), embedded at compile time.
pub fn migrator() -> Migrator {
    let mut m = sqlx::migrate!("../migrations");
    m.create_schema(MIGRATIONS_SCHEMA);
    m.dangerous_set_table_name(format!("{MIGRATIONS_SCHEMA}._sqlx_migrations"));
    m
}

/// Apply the queue's migrations (schema `apalis`) and ours. Safe to run from
/// several replicas at once: both migrators hold a PostgreSQL advisory lock.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    apalis_postgres::PostgresStorage::setup(pool).await.map_err(|e| MigrateError::Queue(e.to_string()))?;
    migrator().run(pool).await.map_err(MigrateError::Schema)?;
    Ok(())
}

/// Why migrations could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("queue (apalis) migrations failed: {0}")]
    Queue(String),
    #[error("schema migrations failed: {0}")]
    Schema(#[from] sqlx::migrate::MigrateError),
}

/// Pool settings both binaries share.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub min_connections: u32,
    /// How long a request waits for a connection before giving up (→ 503).
    pub acquire_timeout: Duration,
    /// Sessions plan with `enable_seqscan = off`: index scans wherever an
    /// index serves. For the worker, whose statements are all point lookups
    /// or short index ranges, and which shares its pool with apalis' fetch:
    /// a vacuum that finds the queue table momentarily empty leaves the
    /// planner believing it is, and every fetch and acknowledgement then
    /// reads the whole table (sorting it, in the fetch's case) instead of
    /// the few rows it needs.
    pub index_scans: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_connections: 16, min_connections: 0, acquire_timeout: Duration::from_secs(3), index_scans: false }
    }
}

/// A lazily-connecting pool: the process starts even while PostgreSQL is
/// down, and every query fails fast (acquire timeout) until it is back.
pub fn pool(url: &str, settings: &PoolSettings) -> Result<PgPool, sqlx::Error> {
    let mut options: PgConnectOptions = url.parse()?;
    if settings.index_scans {
        options = options.options([("enable_seqscan", "off")]);
    }
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire(false)
        .connect_lazy_with(options))
}

/// The queue's own migrations (apalis-postgres, schema `apalis`).
pub fn queue_migrator() -> Migrator {
    apalis_postgres::PostgresStorage::migrations()
}

/// Whether `err` means PostgreSQL is unreachable or overloaded for now
/// (retrying later may work), rather than that the query is wrong: pool
/// timeouts, I/O and TLS errors, and the SQLSTATEs 08xxx (connection
/// exceptions), 53300 (too many connections), 57P01-57P03 (shutting down,
/// starting up).
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some(c) if c.starts_with("08") || matches!(c, "53300" | "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

/// Run `op` again, with jittered exponential backoff, while PostgreSQL is
/// unavailable ([`is_unavailable`]), for at most `budget`; any other error,
/// or the budget spent, is returned. For the worker's guarded transitions,
/// which are safe to repeat: a job rides out a database restart instead of
/// burning its few queue attempts in a second.
pub async fn retry_while_unavailable<T, F, Fut>(budget: Duration, op: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let deadline = Instant::now() + budget;
    op.retry(
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_secs(2))
            .with_jitter()
            .without_max_times(),
    )
    .sleep(tokio::time::sleep)
    .when(|e: &sqlx::Error| is_unavailable(e) && Instant::now() < deadline)
    .notify(|e: &sqlx::Error, wait: Duration| {
        tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "database unavailable; retrying");
    })
    .await
}
