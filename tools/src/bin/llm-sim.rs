//! `llm-sim` — a LOCAL OpenAI-compatible LLM SIMULATOR for development,
//! demos, tests and load tests. Never a production provider.

use std::time::Duration;

use tools::sim::{Scripted, SimConfig};

const HELP: &str = "llm-sim: a local OpenAI-compatible LLM simulator (development and tests only)

usage: llm-sim [options]
  --addr HOST:PORT        listen address (default 127.0.0.1:8090)
  --latency-ms N          delay every chat answer by N ms
  --rate-429 P            answer 429 with probability P (0..1)
  --retry-after SECS      Retry-After sent with 429s (default 1)
  --rate-5xx P            answer --error-status with probability P
  --error-status CODE     status for injected errors (default 503)
  --rate-hang P           never answer with probability P
  --rpm N                 allow N chat requests per minute, 429 beyond
  --rpm-window-ms N       count --rpm over this sliding window instead of 60000 ms
  --require-key KEY       accept only this key (401 otherwise)
  --script LIST           first answers, e.g. 429,429,ok,503,hang,garbage,truncated,notjson
  --seed N                random seed (default 7)
  --bad-edits             also propose edits the gates must refuse (invented facts,
                          locked sections, wrong quotes, broken braces, over budget)
  --careless-edits        put an emoji pdfLaTeX cannot typeset into every third edit
                          (only compiling the proposal can catch it)
  --style LIST            shape answers like real models, e.g. think,nbsp: think, prose,
                          prose-after, fenced, strings, one-malformed, changes, bare-array,
                          null, nbsp, curly, unescaped, truncate, huge";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut addr: std::net::SocketAddr = "127.0.0.1:8090".parse()?;
    let mut config = SimConfig::default();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| anyhow::anyhow!("{name} needs a value\n\n{HELP}"));
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                return Ok(());
            }
            "--addr" => addr = value("--addr")?.parse()?,
            "--latency-ms" => config.latency = Duration::from_millis(value("--latency-ms")?.parse()?),
            "--rate-429" => config.rate_429 = value("--rate-429")?.parse()?,
            "--retry-after" => config.retry_after_secs = value("--retry-after")?.parse()?,
            "--rate-5xx" => config.rate_5xx = value("--rate-5xx")?.parse()?,
            "--error-status" => config.error_status = value("--error-status")?.parse()?,
            "--rate-hang" => config.rate_hang = value("--rate-hang")?.parse()?,
            "--rpm" => config.rpm = value("--rpm")?.parse()?,
            "--rpm-window-ms" => config.rpm_window = Duration::from_millis(value("--rpm-window-ms")?.parse()?),
            "--require-key" => config.require_key = Some(value("--require-key")?),
            "--seed" => config.seed = value("--seed")?.parse()?,
            "--bad-edits" => config.bad_edits = true,
            "--careless-edits" => config.careless_edits = true,
            "--style" => {
                config.styles = value("--style")?
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|e: String| anyhow::anyhow!("{e}\n\n{HELP}")))
                    .collect::<anyhow::Result<_>>()?
            }
            "--script" => {
                config.script = value("--script")?
                    .split(',')
                    .map(|s| match s.trim() {
                        "ok" => Ok(Scripted::Ok),
                        "hang" => Ok(Scripted::Hang),
                        "garbage" => Ok(Scripted::Garbage),
                        "truncated" => Ok(Scripted::Truncated),
                        "notjson" => Ok(Scripted::NotJson),
                        code => code
                            .parse()
                            .map(Scripted::Status)
                            .map_err(|_| anyhow::anyhow!("bad --script entry {code:?}")),
                    })
                    .collect::<anyhow::Result<_>>()?
            }
            other => anyhow::bail!("unknown option {other:?}\n\n{HELP}"),
        }
    }
    let _telemetry = shared::telemetry::init("info", "llm-sim");
    eprintln!("llm-sim: LOCAL LLM SIMULATOR on {addr} — deterministic stand-in answers, NOT a real model");
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(tools::sim::serve(addr, config))
}
