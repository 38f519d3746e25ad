//! `tailor-eval`: the tailoring engine over a set of résumés × JDs × modes,
//! with a table per pair and, as the last line, one JSON summary.

use std::path::PathBuf;

use secrecy::SecretString;
use shared::model::{AiMode, ResumeSectionType};
use shared::providers::{ChatClient, RetryPolicy, Target};
use tools::eval::{EvalConfig, run, summary, table};
use tools::sim::SimConfig;

const HELP: &str = "tailor-eval: run the tailoring engine over résumés × JDs and measure it

usage: tailor-eval --resumes DIR --jds DIR [options]
  --mode M[,M]        MINIMAL, BALANCED, AGGRESSIVE or all (default all)
  --lock TYPE[,TYPE]  lock every section of these types (e.g. EDUCATION,SKILLS)
  --base-url URL      an OpenAI-compatible provider (llm-sim, or Nebius with
                      NEBIUS_API_KEY); default: an in-process llm-sim
  --model ID          model id (default $DEEPSEEK_MODEL or deepseek-ai/DeepSeek-V3-0324)
  --bad-edits         (in-process llm-sim only) also propose edits the gates must refuse
  --style LIST        (in-process llm-sim only) shape answers like real models (llm-sim --help)
  --style-table       run the clean simulator, then each style, and print the edits applied
                      per style as a share of the clean run
  --max-output-tokens N   the model's output limit per call (default 8192)
  --out DIR           write each proposal as DIR/<resume>__<jd>__<mode>.tex
  --compile           compile each proposal with pdflatex (needs --out)
  --verbose           list every refused edit under its pair";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut resumes, mut jds, mut out, mut base_url) = (None, None, None, None);
    let mut modes = AiMode::ALL.to_vec();
    let mut lock = Vec::new();
    let mut model = std::env::var("DEEPSEEK_MODEL").unwrap_or_else(|_| "deepseek-ai/DeepSeek-V3-0324".into());
    let (mut bad_edits, mut compile, mut verbose, mut style_table) = (false, false, false, false);
    let mut styles: Vec<tools::sim_style::Style> = Vec::new();
    let mut max_output_tokens = 8192;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| anyhow::anyhow!("{name} needs a value\n\n{HELP}"));
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                return Ok(());
            }
            "--resumes" => resumes = Some(PathBuf::from(value("--resumes")?)),
            "--jds" => jds = Some(PathBuf::from(value("--jds")?)),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--base-url" => base_url = Some(value("--base-url")?),
            "--model" => model = value("--model")?,
            "--bad-edits" => bad_edits = true,
            "--style-table" => style_table = true,
            "--max-output-tokens" => max_output_tokens = value("--max-output-tokens")?.parse()?,
            "--style" => {
                styles = value("--style")?
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|e: String| anyhow::anyhow!(e)))
                    .collect::<anyhow::Result<_>>()?
            }
            "--compile" => compile = true,
            "--verbose" => verbose = true,
            "--mode" => {
                let v = value("--mode")?;
                modes = if v.eq_ignore_ascii_case("all") {
                    AiMode::ALL.to_vec()
                } else {
                    v.split(',').map(|m| m.trim().to_uppercase().parse()).collect::<Result<_, _>>()?
                };
            }
            "--lock" => {
                lock = value("--lock")?
                    .split(',')
                    .map(|t| t.trim().to_uppercase().parse::<ResumeSectionType>())
                    .collect::<Result<_, _>>()?;
            }
            other => anyhow::bail!("unknown option {other:?}\n\n{HELP}"),
        }
    }
    let config = EvalConfig {
        resumes: resumes.ok_or_else(|| anyhow::anyhow!("--resumes is required\n\n{HELP}"))?,
        jds: jds.ok_or_else(|| anyhow::anyhow!("--jds is required\n\n{HELP}"))?,
        modes,
        lock,
        compile: compile && out.is_some(),
        out,
        max_output_tokens,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let key = SecretString::from(std::env::var("NEBIUS_API_KEY").unwrap_or_else(|_| "sim-key".into()));
        let client = ChatClient::new(RetryPolicy::default())?;
        if style_table {
            return print_style_table(&config, &client, &model, &key).await;
        }
        let (base, _sim) = match base_url {
            Some(url) => (url, None),
            None => {
                let (url, server) = start_sim(SimConfig { bad_edits, styles, ..SimConfig::default() }).await?;
                (url, Some(server))
            }
        };
        let target = Target::deepseek(&base, key, &model)?;
        let results = run(&config, &client, &target).await?;
        print!("{}", table(&results));
        if verbose {
            for r in results.iter().filter(|r| !r.refusals.is_empty()) {
                println!("{} × {} × {}:", r.resume, r.jd, r.mode);
                for line in &r.refusals {
                    println!("    refused {line}");
                }
            }
        }
        println!("{}", summary(&results));
        anyhow::Ok(())
    })
}

/// An in-process llm-sim on a free port: its base URL and task.
async fn start_sim(config: SimConfig) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let (router, _) = tools::sim::router(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    eprintln!("tailor-eval: using the in-process LOCAL LLM SIMULATOR on {addr} (not a real model)");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((format!("http://{addr}/v1/"), server))
}

/// The clean run, then one run per style: edits applied as a share of the
/// clean run's, and jobs failed.
async fn print_style_table(
    config: &EvalConfig,
    client: &ChatClient,
    model: &str,
    key: &SecretString,
) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    let mut clean = 0;
    let styles: Vec<Option<tools::sim_style::Style>> =
        std::iter::once(None).chain(tools::sim_style::ALL.iter().copied().map(Some)).collect();
    for style in styles {
        let (url, server) =
            start_sim(SimConfig { styles: style.into_iter().collect(), ..SimConfig::default() }).await?;
        let target = Target::deepseek(&url, key.clone(), model)?;
        let results = run(config, client, &target).await?;
        server.abort();
        let s = summary(&results);
        let applied = s["editsApplied"].as_u64().unwrap_or(0);
        if style.is_none() {
            clean = applied;
        }
        rows.push((
            style.map_or("(clean)", |s| s.name()),
            applied,
            s["failed"].as_u64().unwrap_or(0),
            s["inventedFacts"].as_u64().unwrap_or(0),
        ));
    }
    println!("| style | edits applied | share of clean | failed jobs | invented facts |");
    println!("|---|---|---|---|---|");
    for (name, applied, failed, invented) in rows {
        let share = if clean == 0 { 0.0 } else { applied as f64 / clean as f64 };
        println!("| {name} | {applied} | {share:.3} | {failed} | {invented} |");
    }
    Ok(())
}
