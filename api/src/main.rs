//! `api` serves the HTTP API; `api migrate` applies pending migrations and exits.

/// mimalloc rather than the system allocator: under load the api spends a
/// sixth of its CPU in glibc malloc and free (`perf`, `bench.sh --queue`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = dotenvy::dotenv();
    let _telemetry = shared::telemetry::init("info,sqlx=warn,tower_http=info", "tailor-api");
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => {
            let config = api::Config::from_env()?;
            api::Application::build(config).await?.run_until(api::shutdown_signal()).await
        }
        Some("migrate") => {
            let url = std::env::var("DATABASE_URL").context("DATABASE_URL is required")?;
            let pool = shared::db::pool(&url, &shared::db::PoolSettings::default())?;
            shared::db::migrate(&pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Some("openapi") => {
            println!("{}", api::routes::openapi().to_pretty_json()?);
            Ok(())
        }
        Some(other) => {
            eprintln!("unknown command {other:?}\nusage: api [serve | migrate | openapi]");
            std::process::exit(2);
        }
    }
}
