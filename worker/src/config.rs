//! The worker's configuration, read once from the environment.

use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;
use shared::crypto::KeyRing;
use shared::env::{parse_or, var};
use shared::providers::RetryPolicy;

/// Everything the worker reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL` (required).
    pub database_url: String,
    /// `WORKER_CONCURRENCY`: tasks run at once by this process (default 16).
    pub concurrency: usize,
    /// `WORKER_BATCH_SIZE`: tasks fetched per queue poll (default 32).
    pub batch_size: usize,
    /// `DATABASE_MAX_CONNECTIONS` (default 16): this process's PostgreSQL
    /// connections. A job holds one only for its few short statements, never
    /// during the provider call, so far fewer than `WORKER_CONCURRENCY` do;
    /// keep the sum over every replica and the api under PostgreSQL's
    /// `max_connections` (100 by default).
    pub db_max_connections: u32,
    /// `WORKER_HEARTBEAT_SECS` (default 5) × `WORKER_MISSED_HEARTBEATS`
    /// (default 4): after 20 s without a heartbeat a worker's tasks are
    /// rescued by another replica, so a SIGKILLed job finishes within 60 s.
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
    /// `WORKER_POLL_INTERVAL_MS`: fallback polling when LISTEN/NOTIFY misses (default 1000).
    pub poll_interval: Duration,
    /// `WORKER_DRAIN_TIMEOUT_SECS`: on SIGTERM, how long in-flight jobs may finish (default 30).
    pub drain_timeout: Duration,
    /// `WORKER_NAME`: base of the unique worker name (default: the host name).
    pub name_prefix: String,
    /// `NEBIUS_API_KEY`: the operator's key for DEEPSEEK jobs (unset: they fail clearly).
    pub nebius_api_key: Option<SecretString>,
    /// `NEBIUS_BASE_URL`, default `https://api.tokenfactory.nebius.com/v1/`.
    pub nebius_base_url: String,
    /// `DEEPSEEK_MODEL`, default `deepseek-ai/DeepSeek-V3-0324`.
    pub deepseek_model: String,
    /// `API_KEY_ENCRYPTION_KEY` (+ `_ID`, `_OLD_KEYS`): opens users' stored keys.
    pub keyring: KeyRing,
    /// `PROVIDER_RETRY_BUDGET_SECS` (default 120) and
    /// `PROVIDER_REQUEST_TIMEOUT_SECS` (default 300: a whole generation of
    /// a long résumé; a call that times out is not retried, it may be billed).
    pub retry: RetryPolicy,
    /// `PROVIDER_MAX_OUTPUT_TOKENS` (default 8192, DeepSeek-V3's limit): the
    /// most tokens one answer may have; a résumé whose edits need more is
    /// tailored in several calls, by groups of sections.
    pub max_output_tokens: u32,
    /// `REDIS_URL`, default `redis://127.0.0.1:6379`: status events and the
    /// shared provider rate limits. The worker runs (unpaced, without
    /// events) while Redis is down.
    pub redis_url: String,
    /// `DEEPSEEK_RPM` (default 60, Nebius's starting limit per key): requests
    /// per minute on the operator's key, shared by every replica. 0: no limit.
    pub deepseek_rpm: u32,
    /// `AZURE_OPENAI_RPM` (default 0, no limit of ours): requests per minute
    /// per user's Azure credential, shared by every replica.
    pub azure_rpm: u32,
    /// `PROVIDER_QUEUE_WAIT_SECS` (default 600): how long a job may wait for
    /// its turn under those limits before it fails asking to resubmit.
    pub provider_queue_wait: Duration,
    /// `PROVIDER_DEFER_OVER_SECS` (default 10): a DEEPSEEK job whose turn
    /// under the shared rate is further away goes back to the queue instead
    /// of waiting in a worker slot.
    pub provider_defer_over: Duration,
    /// `QUEUE_RETENTION_SECS` (default 600): finished queue tasks older than
    /// this are deleted (apalis never deletes them).
    pub queue_retention: Duration,
    /// `AZURE_ALLOW_INSECURE_ENDPOINTS`: lets a user endpoint be plain http on
    /// any host (local fakes in tests). Off by default; never in production.
    pub allow_insecure_azure: bool,
    /// `WORKER_QUEUES`: `ai-jobs`, `compile`, or both (the default), comma-separated.
    pub queues: Queues,
    /// `COMPILE_CONCURRENCY`: compiles run at once by this process (default:
    /// one per CPU; TeX is CPU-bound).
    pub compile_concurrency: usize,
    /// `COMPILE_TIMEOUT_SECS` (45), `COMPILE_CPU_SECS` (30), `COMPILE_MEMORY_MB`
    /// (2048), `COMPILE_MAX_OUTPUT_MB` (20), `COMPILE_MAX_PAGES` (20): what one
    /// compile may use.
    pub compile_limits: crate::compile::Limits,
    /// `COMPILE_SANDBOX`: `bwrap` (the default: compiles need bubblewrap's
    /// isolation, and a compile worker fails at start without it) or
    /// `rlimits` (OS limits and TeX's own restrictions only: development).
    pub compile_isolation: Option<crate::compile::Isolation>,
    /// `STORAGE_URL` (and the `AWS_*` variables for S3): where PDFs and
    /// previews are stored (`file://…` or `s3://bucket/prefix`; default
    /// `file://.data/storage`).
    pub storage: shared::storage::Settings,
    /// `WORKER_ADMIN_ADDR` (default `127.0.0.1:9465`; port 0 picks a free
    /// one and logs it): `/healthz`, `/readyz` and `/metrics`.
    pub admin_addr: std::net::SocketAddr,
}

/// Which queues a worker takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queues {
    pub ai_jobs: bool,
    pub compile: bool,
}

impl Default for Queues {
    fn default() -> Self {
        Self { ai_jobs: true, compile: true }
    }
}

impl std::str::FromStr for Queues {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut queues = Queues { ai_jobs: false, compile: false };
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "ai-jobs" => queues.ai_jobs = true,
                "compile" => queues.compile = true,
                other => return Err(format!("unknown queue {other:?} (expected ai-jobs, compile)")),
            }
        }
        if !queues.ai_jobs && !queues.compile {
            return Err("name at least one queue".into());
        }
        Ok(queues)
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let concurrency: usize = parse_or("WORKER_CONCURRENCY", 16)?;
        let batch_size: usize = parse_or("WORKER_BATCH_SIZE", 32)?;
        anyhow::ensure!(concurrency > 0, "WORKER_CONCURRENCY must be at least 1");
        anyhow::ensure!(batch_size > 0, "WORKER_BATCH_SIZE must be at least 1");
        Ok(Self {
            database_url: var("DATABASE_URL").context("DATABASE_URL is required")?,
            concurrency,
            batch_size,
            db_max_connections: parse_or("DATABASE_MAX_CONNECTIONS", 16)?,
            heartbeat: Duration::from_secs(parse_or("WORKER_HEARTBEAT_SECS", 5)?),
            missed_heartbeats: parse_or("WORKER_MISSED_HEARTBEATS", 4)?,
            poll_interval: Duration::from_millis(parse_or("WORKER_POLL_INTERVAL_MS", 1000)?),
            drain_timeout: Duration::from_secs(parse_or("WORKER_DRAIN_TIMEOUT_SECS", 30)?),
            name_prefix: var("WORKER_NAME").or_else(|| var("HOSTNAME")).unwrap_or_else(|| "worker".into()),
            nebius_api_key: var("NEBIUS_API_KEY").map(SecretString::from),
            nebius_base_url: var("NEBIUS_BASE_URL").unwrap_or_else(|| "https://api.tokenfactory.nebius.com/v1/".into()),
            deepseek_model: var("DEEPSEEK_MODEL").unwrap_or_else(|| "deepseek-ai/DeepSeek-V3-0324".into()),
            keyring: KeyRing::from_env().context("API_KEY_ENCRYPTION_KEY")?,
            retry: RetryPolicy {
                budget: Duration::from_secs(parse_or("PROVIDER_RETRY_BUDGET_SECS", 120)?),
                request_timeout: Duration::from_secs(parse_or("PROVIDER_REQUEST_TIMEOUT_SECS", 300)?),
                ..RetryPolicy::default()
            },
            max_output_tokens: parse_or("PROVIDER_MAX_OUTPUT_TOKENS", 8192)?,
            redis_url: var("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into()),
            deepseek_rpm: parse_or("DEEPSEEK_RPM", 60)?,
            azure_rpm: parse_or("AZURE_OPENAI_RPM", 0)?,
            provider_queue_wait: Duration::from_secs(parse_or("PROVIDER_QUEUE_WAIT_SECS", 600)?),
            provider_defer_over: Duration::from_secs(parse_or("PROVIDER_DEFER_OVER_SECS", 10)?),
            queue_retention: Duration::from_secs(parse_or("QUEUE_RETENTION_SECS", 600)?),
            allow_insecure_azure: parse_or("AZURE_ALLOW_INSECURE_ENDPOINTS", false)?,
            queues: parse_or("WORKER_QUEUES", Queues::default())?,
            compile_concurrency: parse_or(
                "COMPILE_CONCURRENCY",
                std::thread::available_parallelism().map(usize::from).unwrap_or(1),
            )?
            .max(1),
            compile_limits: crate::compile::Limits {
                timeout: Duration::from_secs(parse_or("COMPILE_TIMEOUT_SECS", 45)?),
                cpu: Duration::from_secs(parse_or("COMPILE_CPU_SECS", 30)?),
                memory_bytes: parse_or::<u64>("COMPILE_MEMORY_MB", 2048)? * 1024 * 1024,
                max_output_bytes: parse_or::<u64>("COMPILE_MAX_OUTPUT_MB", 20)? * 1024 * 1024,
                max_pages: parse_or("COMPILE_MAX_PAGES", 20)?,
            },
            compile_isolation: match var("COMPILE_SANDBOX").as_deref() {
                None => None,
                Some(v) => Some(v.parse().map_err(|e: String| anyhow::anyhow!("COMPILE_SANDBOX: {e}"))?),
            },
            storage: shared::storage::Settings::from_env(),
            admin_addr: parse_or("WORKER_ADMIN_ADDR", std::net::SocketAddr::from(([127, 0, 0, 1], 9465)))?,
        })
    }

    /// A name unique to this process: a restarted process must not reuse its
    /// predecessor's name, or that one's dead tasks would never be rescued.
    pub fn unique_name(&self) -> String {
        format!("{}-{}-{}", self.name_prefix, std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_are_named_in_a_list() {
        assert_eq!("ai-jobs,compile".parse::<Queues>(), Ok(Queues { ai_jobs: true, compile: true }));
        assert_eq!(" compile ".parse::<Queues>(), Ok(Queues { ai_jobs: false, compile: true }));
        assert_eq!("ai-jobs".parse::<Queues>(), Ok(Queues { ai_jobs: true, compile: false }));
        assert!("ai-jobs,pdf".parse::<Queues>().is_err());
        assert!(",".parse::<Queues>().is_err());
    }
}
