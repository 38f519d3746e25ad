//! The engine's share of one job in the worker, alone: `prepare` (the
//! prompt), reading llm-sim's answer, `finish_with` (every gate, the
//! budget, the final checks and both match scores, with the base's reading
//! kept as the worker keeps it) and the trace as stored, on
//! `examples/resume.tex` and `examples/jd.txt` in BALANCED mode (the load
//! tests' job).
//!
//! Run with `cargo bench -p tailor-tools --bench engine_job`.
//! `ENGINE_BENCH_ITERS` sets the timed iterations (default 3000). Prints the
//! mean and p99 microseconds per job and per step.

use std::hint::black_box;
use std::time::{Duration, Instant};

use engine::protocol::extract_input;
use engine::{BaseReading, EngineInput, ProviderAnswer, prepare};
use text::enums::AiMode;

const RESUME: &str = include_str!("../../examples/resume.tex");
const JD: &str = include_str!("../../examples/jd.txt");

fn main() {
    if let Err(e) = run() {
        eprintln!("engine_job bench failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let iters =
        std::env::var("ENGINE_BENCH_ITERS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(3000);
    let doc = text::latex::split(RESUME)?;
    let sections = tools::eval::section_inputs(&doc, &[]);
    let analysis = text::jd::analyze(JD);
    let skills = serde_json::to_value(&analysis.extracted_skills)?;
    let keywords = serde_json::to_value(&analysis.keywords)?;
    let role = serde_json::to_value(analysis.role_type)?;
    let role = role.as_str().unwrap_or("other");
    let input = || EngineInput {
        mode: AiMode::Balanced,
        role_type: role,
        skills: &skills,
        keywords: &keywords,
        latex: RESUME,
        sections: sections.clone(),
        max_output_tokens: 0,
    };
    // llm-sim's answer to each request, as the worker receives it.
    let answers: Vec<String> = prepare(input())
        .map_err(|e| e.0)?
        .requests
        .iter()
        .map(|r| {
            let user = r.messages.iter().rev().find(|m| m.role == "user").map(|m| m.content.as_str());
            let asked = user.and_then(extract_input).ok_or("the prompt carries no input")?;
            serde_json::to_string(&tools::sim::propose(&asked)).map_err(|e| e.to_string())
        })
        .collect::<Result<_, String>>()?;
    let base = BaseReading::of(RESUME);

    let mut steps: [(&str, Vec<f64>); 3] =
        [("prepare", Vec::new()), ("finish_with", Vec::new()), ("trace as stored", Vec::new())];
    let mut applied = 0;
    for i in 0..iters + iters / 10 {
        let mut times = [Duration::ZERO; 3];
        let start = Instant::now();
        let prepared = prepare(black_box(input())).map_err(|e| e.0)?;
        times[0] = start.elapsed();
        let replies = answers
            .iter()
            .map(|content| Ok(ProviderAnswer { content: content.clone(), attempts: 1, truncated: false, usage: None }))
            .collect();
        let start = Instant::now();
        let output = prepared.finish_with(replies, "llm-sim", &base).map_err(|e| e.0)?;
        times[1] = start.elapsed();
        let start = Instant::now();
        black_box(serde_json::to_string(&output.trace())?);
        times[2] = start.elapsed();
        applied = output.proposal.applied.len();
        // The first tenth warms up.
        if i >= iters / 10 {
            for (step, took) in steps.iter_mut().zip(times) {
                step.1.push(took.as_secs_f64() * 1e6);
            }
        }
    }
    println!("engine_job: {iters} jobs, {applied} edits applied per job");
    println!("{:<16} {:>10} {:>10}", "step", "mean µs", "p99 µs");
    let mut total = vec![0.0; iters];
    for (name, samples) in &mut steps {
        for (t, s) in total.iter_mut().zip(samples.iter()) {
            *t += s;
        }
        let (mean, p99) = stats(samples);
        println!("{name:<16} {mean:>10.1} {p99:>10.1}");
    }
    let (mean, p99) = stats(&mut total);
    println!("{:<16} {mean:>10.1} {p99:>10.1}", "job");
    Ok(())
}

/// Mean and 99th percentile.
fn stats(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    let p99 = samples.get(samples.len() * 99 / 100).copied().unwrap_or(mean);
    (mean, p99)
}
