//! Apply every migration to `DATABASE_URL`. Used by `scripts/sqlx-prepare.sh`,
//! which needs a migrated database before our query macros can be checked
//! (so this must not depend on any crate that uses them).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is required")?;
    let pool = shared::db::pool(&url, &shared::db::PoolSettings::default())?;
    shared::db::migrate(&pool).await?;
    println!("migrations applied to {}", url.rsplit('/').next().unwrap_or("the database"));
    Ok(())
}
