//! `worker`: runs AI jobs from the queue until SIGTERM/Ctrl-C, then drains.

/// mimalloc rather than the system allocator: under load the worker spends a
/// sixth of its CPU in glibc malloc and free (`perf`, `bench.sh --queue`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = dotenvy::dotenv();
    let _telemetry = shared::telemetry::init("info,sqlx=warn,apalis=warn", "tailor-worker");
    let config = worker::Config::from_env()?;
    worker::run(config, shutdown_signal()).await
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutdown signal received");
}
