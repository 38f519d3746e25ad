//! `queue-bench`: baseline measurements of the bare apalis-postgres queue
//! (`drain`: throughput, `pickup`: push→handler latency) and of a bare
//! axum + sqlx route (`select-server`). See [`tools::queue_bench`].
//!
//! Each command prints one JSON object on stdout; logs go to stderr
//! (`RUST_LOG`, default `warn`).

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    tools::queue_bench::run(tools::queue_bench::Cli::parse()).await
}
