//! The api's configuration, read once from the environment at start
//! (a `.env` file is honoured in development). Invalid values fail fast.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};

use shared::crypto::KeyRing;
use shared::env::{parse_or, var};

use crate::auth::ClerkConfig;

/// Everything the api reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL` (required).
    pub database_url: String,
    /// `REDIS_URL`, default `redis://127.0.0.1:6379`.
    pub redis_url: String,
    /// `API_ADDR`, default `127.0.0.1:8080`.
    pub addr: SocketAddr,
    /// `CLERK_JWT_KEY` / `CLERK_JWKS_URL` / `CLERK_ISSUER` / `CLERK_AUTHORIZED_PARTIES`.
    pub clerk: ClerkConfig,
    /// `DATABASE_MAX_CONNECTIONS`, default 16.
    pub db_max_connections: u32,
    /// `MAX_BODY_BYTES`, default 2 MiB: larger bodies answer 413.
    pub max_body_bytes: usize,
    /// `API_RUN_MIGRATIONS`, default true: apply pending migrations at start.
    pub run_migrations: bool,
    /// `API_KEY_ENCRYPTION_KEY` (+ `_ID`, `_OLD_KEYS`): seals users' provider keys.
    pub keyring: KeyRing,
    /// `AI_JOB_SUBMISSIONS_PER_MINUTE` (default 30; 0: unlimited) with a burst
    /// of `AI_JOB_SUBMISSION_BURST` (default 10): each user's AI job
    /// submissions, counted across every replica in Redis; beyond it, 429
    /// with `Retry-After`. While Redis is down submissions are not limited.
    pub submissions_per_minute: u32,
    pub submission_burst: u32,
    /// `AZURE_ALLOW_INSECURE_ENDPOINTS`: lets a user endpoint be plain http on
    /// any host (local fakes in tests). Off by default; never in production.
    pub allow_insecure_azure: bool,
    /// `STORAGE_URL` (and the `AWS_*` variables for S3): where PDFs and
    /// previews are stored, shared with the workers (`file://…`, default
    /// `file://.data/storage`, or `s3://bucket/prefix`).
    pub storage: shared::storage::Settings,
    /// `METRICS_ADDR` (default `127.0.0.1:9464`): the admin listener that
    /// serves Prometheus `/metrics`, never the public port (port 0: any).
    pub metrics_addr: SocketAddr,
    /// `STORAGE_PRESIGN_SECS` (default 300, at most 900): lifetime of the
    /// presigned URL a PDF request is redirected to when the store is S3.
    pub presign_ttl: Duration,
}

impl Config {
    /// Read the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let database_url = var("DATABASE_URL").context("DATABASE_URL is required")?;
        let jwt_key_pem = var("CLERK_JWT_KEY").map(|pem| pem.replace("\\n", "\n"));
        let jwks_url = var("CLERK_JWKS_URL");
        if jwt_key_pem.is_none() && jwks_url.is_none() {
            bail!("one of CLERK_JWT_KEY (PEM public key) or CLERK_JWKS_URL is required");
        }
        let clerk = ClerkConfig {
            jwt_key_pem,
            jwks_url,
            issuer: var("CLERK_ISSUER"),
            authorized_parties: var("CLERK_AUTHORIZED_PARTIES")
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
            leeway_secs: parse_or("CLERK_LEEWAY_SECS", 5)?,
            jwks_min_refresh_interval: Duration::from_secs(parse_or("CLERK_JWKS_MIN_REFRESH_SECS", 30)?),
            http_timeout: Duration::from_secs(5),
        };
        Ok(Self {
            database_url,
            redis_url: var("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into()),
            addr: parse_or("API_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            clerk,
            db_max_connections: parse_or("DATABASE_MAX_CONNECTIONS", 16)?,
            max_body_bytes: parse_or("MAX_BODY_BYTES", 2 * 1024 * 1024)?,
            run_migrations: parse_or("API_RUN_MIGRATIONS", true)?,
            keyring: KeyRing::from_env().context("API_KEY_ENCRYPTION_KEY")?,
            submissions_per_minute: parse_or("AI_JOB_SUBMISSIONS_PER_MINUTE", 30)?,
            submission_burst: parse_or("AI_JOB_SUBMISSION_BURST", 10)?,
            allow_insecure_azure: parse_or("AZURE_ALLOW_INSECURE_ENDPOINTS", false)?,
            storage: shared::storage::Settings::from_env(),
            metrics_addr: parse_or("METRICS_ADDR", SocketAddr::from(([127, 0, 0, 1], 9464)))?,
            presign_ttl: {
                let secs: u64 = parse_or("STORAGE_PRESIGN_SECS", 300)?;
                if !(1..=900).contains(&secs) {
                    bail!("STORAGE_PRESIGN_SECS must be between 1 and 900 (presigned URLs live at most 15 minutes)");
                }
                Duration::from_secs(secs)
            },
        })
    }
}
