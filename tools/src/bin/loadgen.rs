//! `loadgen`: load generator for Tailor's AI-job API (`loadgen run`) and a
//! wrk-like GET hammer (`loadgen hammer`). See [`tools::loadgen`] for what is
//! measured and how.
//!
//! ```text
//! loadgen run --api http://127.0.0.1:8080 --jwt-private-key .dev/keys/dev-private.pem \
//!     --users 10 --jobs 200 --concurrency 20 [--rate 5] --follow sse --report out/run.json
//! loadgen hammer --url http://127.0.0.1:8080/v1/ai-jobs/ID --header "Authorization: Bearer $TOKEN" \
//!     --connections 32 --seconds 10 [--report out/hammer.json]
//! ```

use std::process::ExitCode;

use clap::Parser as _;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = tools::loadgen::Cli::parse();
    match tools::loadgen::main(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("loadgen: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
