//! The worker's admin listener (`WORKER_ADMIN_ADDR`): what probes and
//! Prometheus read. Never exposed beyond the pod.
//!
//! - `/healthz`: the process is up and its runtime answers (liveness);
//! - `/readyz`: it can reach PostgreSQL and is not draining (readiness:
//!   a draining or cut-off replica drops out of the Service's endpoints);
//! - `/metrics`: Prometheus text, see [`shared::metrics`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;
use tokio::net::TcpListener;

/// What the admin routes read.
#[derive(Clone)]
pub struct Admin {
    pool: PgPool,
    metrics: PrometheusHandle,
    /// Set when the worker starts draining: no longer ready.
    draining: Arc<AtomicBool>,
}

impl Admin {
    pub fn new(pool: PgPool, metrics: PrometheusHandle) -> Self {
        Self { pool, metrics, draining: Arc::new(AtomicBool::new(false)) }
    }

    /// From now on `/readyz` answers 503.
    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Serve on `listener` until the task is aborted.
    pub fn serve(self, listener: TcpListener) -> tokio::task::JoinHandle<()> {
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(ready))
            .route("/metrics", get(|State(admin): State<Admin>| async move { admin.metrics.render() }))
            .with_state(self);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the admin listener stopped");
            }
        })
    }
}

async fn ready(State(admin): State<Admin>) -> (StatusCode, &'static str) {
    if admin.draining.load(Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining");
    }
    let ping = tokio::time::timeout(Duration::from_secs(2), sqlx::query("SELECT 1").execute(&admin.pool)).await;
    match ping {
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "the database is unreachable"),
    }
}
