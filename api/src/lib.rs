//! The Tailor HTTP API (axum): authenticates callers with Clerk session
//! tokens, stores projects, versions, sections and job descriptions, and
//! records AI jobs together with their queue task.
//!
//! `main.rs` is a thin shell over [`Application`], which tests start on
//! port 0 against their own database.

pub mod auth;
pub mod cache;
pub mod config;
pub mod error;
pub mod extract;
pub mod job_watch;
pub mod limits;
pub mod pagination;
pub mod routes;
pub mod server;
pub mod state;

use std::future::IntoFuture;
use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::Config;
pub use routes::router;
pub use state::AppState;

/// A bound, ready-to-serve API.
pub struct Application {
    listener: TcpListener,
    app: axum::Router,
    state: AppState,
    /// The admin listener (`/metrics`) and what it serves.
    admin: TcpListener,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
    header_read_timeout: std::time::Duration,
}

impl Application {
    /// Connect, migrate (unless disabled) and bind `config.addr`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let settings = shared::db::PoolSettings { max_connections: config.db_max_connections, ..Default::default() };
        let pool = shared::db::pool(&config.database_url, &settings).context("DATABASE_URL is invalid")?;
        if config.run_migrations {
            shared::db::migrate(&pool).await.context("applying migrations")?;
        }
        let redis = shared::redis_conn::RedisConn::new(&config.redis_url).context("REDIS_URL is invalid")?;
        let watcher = job_watch::JobWatcher::start(pool.clone(), redis.client().clone());
        let limiter = shared::ratelimit::RateLimiter::new(redis.clone());
        let verifier = auth::ClerkVerifier::new(config.clerk.clone()).context("Clerk configuration")?;
        let providers = shared::providers::ChatClient::new(shared::providers::RetryPolicy {
            budget: std::time::Duration::from_secs(20),
            request_timeout: std::time::Duration::from_secs(10),
            ..Default::default()
        })
        .context("building the provider client")?;
        let state = AppState {
            submitter: shared::queue::Submitter::start(pool.clone()),
            pool,
            redis,
            watcher,
            limiter,
            submission_rate: (config.submissions_per_minute > 0)
                .then(|| shared::ratelimit::Rate::per_minute(config.submissions_per_minute, config.submission_burst)),
            verifier,
            users: auth::user::UserCache::default(),
            keyring: config.keyring.clone(),
            providers,
            allow_insecure_azure: config.allow_insecure_azure,
            storage: shared::storage::Storage::open(&config.storage).context("STORAGE_URL")?,
            presign_ttl: config.presign_ttl,
            in_flight: limits::InFlight::new(config.max_in_flight, config.request_timeout),
            waits: limits::WaitSlots::new(config.max_waits_per_user),
            jobs_per_day: config.jobs_per_day,
            key_check_rate: shared::ratelimit::Rate::per_minute(
                config.key_checks_per_minute.max(1),
                config.key_checks_per_minute.clamp(1, 3),
            ),
            key_checks: cache::Cache::new(10_000),
            key_check_ttl: config.key_check_cache_ttl,
        };
        let app = router(state.clone(), config.max_body_bytes, &config.cors_allowed_origins);
        let listener = TcpListener::bind(config.addr).await.with_context(|| format!("binding {}", config.addr))?;
        let metrics = shared::metrics::install();
        let admin = TcpListener::bind(config.metrics_addr)
            .await
            .with_context(|| format!("binding METRICS_ADDR {}", config.metrics_addr))?;
        Ok(Self { listener, app, state, admin, metrics, header_read_timeout: config.header_read_timeout })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The admin listener's address (`/metrics`).
    pub fn metrics_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.admin.local_addr()?)
    }

    /// The state the handlers share (tests reach the pool through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` resolves; in-flight requests are finished.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(addr = %self.listener.local_addr()?, metrics = %self.admin.local_addr()?, "api listening");
        let metrics = self.metrics.clone();
        let admin_app =
            axum::Router::new().route("/metrics", axum::routing::get(move || std::future::ready(metrics.render())));
        let admin = tokio::spawn(axum::serve(self.admin, admin_app).into_future());
        server::serve(self.listener, self.app, self.header_read_timeout, shutdown).await?;
        admin.abort();
        self.state.pool.close().await;
        Ok(())
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received");
}
