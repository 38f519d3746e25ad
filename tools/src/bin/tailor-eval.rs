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
  --out DIR           write each proposal as DIR/<resume>__<jd>__<mode>.tex
  --compile           compile each proposal with pdflatex (needs --out)
  --verbose           list every refused edit under its pair";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut resumes, mut jds, mut out, mut base_url) = (None, None, None, None);
    let mut modes = AiMode::ALL.to_vec();
    let mut lock = Vec::new();
    let mut model = std::env::var("DEEPSEEK_MODEL").unwrap_or_else(|_| "deepseek-ai/DeepSeek-V3-0324".into());
    let (mut bad_edits, mut compile, mut verbose) = (false, false, false);
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
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let (base, _sim) = match base_url {
            Some(url) => (url, None),
            None => {
                let (router, _) = tools::sim::router(SimConfig { bad_edits, ..SimConfig::default() });
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                eprintln!("tailor-eval: using the in-process LOCAL LLM SIMULATOR on {addr} (not a real model)");
                let server = tokio::spawn(async move {
                    let _ = axum::serve(listener, router).await;
                });
                (format!("http://{addr}/v1/"), Some(server))
            }
        };
        let key = SecretString::from(std::env::var("NEBIUS_API_KEY").unwrap_or_else(|_| "sim-key".into()));
        let target = Target::deepseek(&base, key, &model)?;
        let client = ChatClient::new(RetryPolicy::default())?;
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
