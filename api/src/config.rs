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
    /// `CORS_ALLOWED_ORIGINS`: comma list of exact browser origins
    /// (`https://app.example.com`, `http://localhost:5173`) that may call the
    /// API. Empty (the default): no CORS headers at all.
    pub cors_allowed_origins: Vec<String>,
    /// `API_MAX_IN_FLIGHT` (default 512): requests handled at once; the next
    /// answers 503 with `Retry-After`.
    pub max_in_flight: usize,
    /// `API_REQUEST_TIMEOUT_SECS` (default 75, above the longest long-poll):
    /// a request without an answer by then answers 503.
    pub request_timeout: Duration,
    /// `API_HEADER_READ_TIMEOUT_SECS` (default 10): a client must send its
    /// request headers within this, or is disconnected.
    pub header_read_timeout: Duration,
    /// `MAX_WAITS_PER_USER` (default 10): open SSE streams and long-polls per
    /// user per api process; one more answers 429.
    pub max_waits_per_user: usize,
    /// `AI_JOBS_PER_DAY`: each user's AI jobs per UTC day; unset or 0: no quota.
    pub jobs_per_day: Option<u32>,
    /// `API_KEY_CHECKS_PER_MINUTE` (default 6): per user, `PUT` and
    /// `validate` of `/v1/api-keys` (each calls the provider).
    pub key_checks_per_minute: u32,
    /// `API_KEY_CHECK_CACHE_SECS` (default 15): how long the provider's
    /// verdict on a key is reused; 0: never.
    pub key_check_cache_ttl: Duration,
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
        let issuer = var("CLERK_ISSUER");
        if jwks_url.is_some() && issuer.is_none() {
            bail!(
                "CLERK_ISSUER is required with CLERK_JWKS_URL (the Frontend API URL, e.g. https://clerk.example.com): \
                 keys fetched from a URL must be tied to the issuer whose tokens they verify"
            );
        }
        let min_refresh: u64 = parse_or("CLERK_JWKS_MIN_REFRESH_SECS", 30)?;
        if min_refresh < 5 {
            bail!("CLERK_JWKS_MIN_REFRESH_SECS must be at least 5 (unknown key ids must not make us hammer Clerk)");
        }
        let clerk = ClerkConfig {
            jwt_key_pem,
            jwks_url,
            issuer,
            authorized_parties: var("CLERK_AUTHORIZED_PARTIES")
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
            leeway_secs: parse_or("CLERK_LEEWAY_SECS", 5)?,
            jwks_min_refresh_interval: Duration::from_secs(min_refresh),
            jwks_max_age: Duration::from_secs(parse_or("CLERK_JWKS_MAX_AGE_SECS", 300)?),
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
            cors_allowed_origins: parse_origins(&var("CORS_ALLOWED_ORIGINS").unwrap_or_default())
                .context("CORS_ALLOWED_ORIGINS")?,
            max_in_flight: parse_or("API_MAX_IN_FLIGHT", 512)?,
            request_timeout: Duration::from_secs(parse_or("API_REQUEST_TIMEOUT_SECS", 75)?),
            header_read_timeout: Duration::from_secs(parse_or("API_HEADER_READ_TIMEOUT_SECS", 10)?),
            max_waits_per_user: parse_or("MAX_WAITS_PER_USER", 10)?,
            jobs_per_day: Some(parse_or("AI_JOBS_PER_DAY", 0u32)?).filter(|n| *n > 0),
            key_checks_per_minute: parse_or("API_KEY_CHECKS_PER_MINUTE", 6)?,
            key_check_cache_ttl: Duration::from_secs(parse_or("API_KEY_CHECK_CACHE_SECS", 15)?),
        })
    }
}

/// A comma list of origins, each exactly `scheme://host[:port]` as a browser
/// sends it in `Origin` (no path, no trailing slash, no wildcard).
pub fn parse_origins(list: &str) -> anyhow::Result<Vec<String>> {
    let mut origins = Vec::new();
    for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let url =
            reqwest::Url::parse(raw).map_err(|_| anyhow::anyhow!("{raw:?} is not an origin (scheme://host[:port])"))?;
        let origin = url.origin().ascii_serialization();
        if !matches!(url.scheme(), "http" | "https") || origin != raw {
            bail!(
                "{raw:?} is not an origin: write it as the browser sends it, e.g. {origin:?} (scheme://host[:port], no path)"
            );
        }
        origins.push(origin);
    }
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::parse_origins;

    #[test]
    fn origins_are_exact() {
        assert_eq!(parse_origins("").ok(), Some(vec![]));
        assert_eq!(
            parse_origins(" https://app.example.com, http://localhost:5173 ,").ok(),
            Some(vec!["https://app.example.com".to_owned(), "http://localhost:5173".to_owned()])
        );
        for bad in ["*", "app.example.com", "https://app.example.com/", "https://app.example.com/x", "ftp://x.y"] {
            assert!(parse_origins(bad).is_err(), "{bad}");
        }
    }
}
