//! Benchmark of `text::jd::analyze` on the JD fixtures.
//!
//! Run with `cargo bench -p tailor-text --bench jd_analysis` (release) or
//! `cargo bench -p tailor-text --bench jd_analysis --profile dev` (debug).
//! `JD_BENCH_ITERS` sets the timed iterations per fixture (default 2000).
//! Prints, per fixture and overall, the mean and p99 microseconds per JD.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use text::jd::analyze;

const DEFAULT_ITERS: usize = 2_000;
const WARMUP_ITERS: usize = 50;

fn main() {
    if let Err(e) = run() {
        eprintln!("jd_analysis bench failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let iters = std::env::var("JD_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_ITERS);
    let fixtures = load_fixtures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jds"))?;
    if fixtures.is_empty() {
        return Err("no fixtures in tests/fixtures/jds".into());
    }
    // Builds the lexicon index once, outside the timings.
    black_box(analyze(black_box("warm up")));

    println!("jd_analysis: {iters} iterations per fixture");
    println!("{:<14} {:>7} {:>10} {:>10}", "fixture", "bytes", "mean µs", "p99 µs");
    let mut all = Vec::with_capacity(iters * fixtures.len());
    for (name, text) in &fixtures {
        for _ in 0..WARMUP_ITERS {
            black_box(analyze(black_box(text)));
        }
        let mut samples = Vec::with_capacity(iters);
        for _ in 0..iters {
            let start = Instant::now();
            black_box(analyze(black_box(text)));
            samples.push(start.elapsed().as_secs_f64() * 1e6);
        }
        let (mean, p99) = stats(&mut samples);
        println!("{name:<14} {:>7} {mean:>10.1} {p99:>10.1}", text.len());
        all.extend(samples);
    }
    let (mean, p99) = stats(&mut all);
    let avg_bytes = fixtures.iter().map(|(_, t)| t.len()).sum::<usize>() / fixtures.len();
    println!("{:<14} {avg_bytes:>7} {mean:>10.1} {p99:>10.1}", "ALL (avg)");
    Ok(())
}

fn load_fixtures(dir: &Path) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Ok((name, std::fs::read_to_string(&p)?))
        })
        .collect()
}

/// Mean and 99th percentile (nearest rank) of `samples`, which get sorted.
fn stats(samples: &mut [f64]) -> (f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    let rank = ((samples.len() as f64) * 0.99).ceil() as usize;
    let p99 = samples.get(rank.saturating_sub(1).min(samples.len() - 1)).copied().unwrap_or(0.0);
    (mean, p99)
}
