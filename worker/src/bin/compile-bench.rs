//! `compile-bench`: what a compile costs, through the worker's own sandboxed
//! compiler (the same code a compile task runs, previews included):
//!
//! - latency per résumé style: each file compiled `--runs` times in turn,
//!   p50 and p95;
//! - throughput of one worker: `--concurrency` compiles at a time (a
//!   worker's `COMPILE_CONCURRENCY`, by default one per CPU) for
//!   `--seconds`, over every file round robin: compiles per minute.
//!
//! Prints a table on stderr and one JSON object on stdout.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use worker::compile::{Compiler, Limits, Sandbox};

#[derive(Parser)]
#[command(about = "Compile latency per résumé style and compiles per minute per worker")]
struct Cli {
    /// Directories of .tex files (one per style); repeat the flag for several.
    #[arg(long, default_values = ["eval/resumes", "tests/fixtures/compile"])]
    resumes: Vec<PathBuf>,
    /// Compiles of each file for the latency figures.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Compiles at a time in the throughput run (default: one per CPU, as a worker).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Length of the throughput run.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted_ms.len() as f64).ceil() as usize;
    sorted_ms[rank.clamp(1, sorted_ms.len()) - 1]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let compiler = Compiler::new(Sandbox::new(None, Limits::default()).await?).await?;
    let mut files: Vec<(String, String)> = Vec::new();
    for dir in &cli.resumes {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "tex") {
                let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                files.push((name, std::fs::read_to_string(&path)?));
            }
        }
    }
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no .tex files in {:?}", cli.resumes);
    eprintln!("sandbox: {:?}", compiler.isolation());

    let mut styles = serde_json::Map::new();
    eprintln!("{:<24} {:>8} {:>5} {:>9} {:>9}", "style", "engine", "pages", "p50 ms", "p95 ms");
    for (name, latex) in &files {
        let mut ms = Vec::with_capacity(cli.runs);
        let mut last = None;
        for _ in 0..cli.runs {
            let started = Instant::now();
            let compiled = compiler
                .compile(latex, true)
                .await?
                .map_err(|f| anyhow::anyhow!("{name} did not compile: {}", f.message))?;
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
            last = Some(compiled);
        }
        ms.sort_by(f64::total_cmp);
        let (p50, p95) = (percentile(&ms, 50.0), percentile(&ms, 95.0));
        let (engine, pages, runs) = last.map(|c| (c.engine.as_str(), c.pages, c.runs)).unwrap_or(("", 0, 0));
        eprintln!("{name:<24} {engine:>8} {pages:>5} {p50:>9.0} {p95:>9.0}");
        styles.insert(
            name.clone(),
            json!({"engine": engine, "pages": pages, "texRuns": runs, "p50Ms": p50.round(), "p95Ms": p95.round(), "samples": ms.len()}),
        );
    }

    let concurrency =
        cli.concurrency.unwrap_or_else(|| std::thread::available_parallelism().map(usize::from).unwrap_or(1)).max(1);
    let files = Arc::new(files);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(cli.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (compiler, files, done, failed, next) =
            (compiler.clone(), files.clone(), done.clone(), failed.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let (_, latex) = &files[next.fetch_add(1, Ordering::Relaxed) % files.len()];
                match compiler.compile(latex, true).await {
                    Ok(Ok(_)) => done.fetch_add(1, Ordering::Relaxed),
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let per_minute = done.load(Ordering::Relaxed) as f64 * 60.0 / elapsed;
    eprintln!(
        "one worker, {concurrency} compiles at a time: {per_minute:.0} compiles/min ({} in {elapsed:.1} s, {} failed)",
        done.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    println!(
        "{}",
        json!({
            "sandbox": format!("{:?}", compiler.isolation()),
            "latencyByStyle": styles,
            "throughput": {
                "concurrency": concurrency,
                "seconds": elapsed,
                "compiled": done.load(Ordering::Relaxed),
                "failed": failed.load(Ordering::Relaxed),
                "compilesPerMinutePerWorker": per_minute.round(),
            }
        })
    );
    Ok(())
}
