//! `loadgen heavy`: the cost of one heavy request, and what it does to
//! everyone else meanwhile.
//!
//! For each `--sections N`, as one user: create a BASE version of N
//! sections (`\section{S i}` and a line of text each; every other section
//! then locked through `PATCH /v1/sections/{id}`, which is not timed), then a
//! MANUAL child of it with the same sections (its locks are inherited from
//! the parent). While each of the two timed requests runs, another task
//! sends `GET /healthz` back to back and records its latency: a request
//! that blocks the api's async threads or its connections shows there.
//! Prints and writes (`--report`) one row per N: each request's status and
//! milliseconds, and `/healthz` p50/p99/max meanwhile.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::stats::{LatencyRecorder, LatencySummary};
use crate::token::{Minter, TokenSpec};

/// `loadgen heavy` arguments.
#[derive(Debug, Clone, clap::Args, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeavyArgs {
    /// Base URL of the API.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub api: String,
    /// RSA private key (PEM) whose public half the API trusts.
    #[arg(long, value_name = "PEM")]
    #[serde(skip)]
    pub jwt_private_key: PathBuf,
    /// Section counts to try, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    pub sections: Vec<usize>,
    /// Also write the result as JSON here.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
}

/// One timed request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timed {
    pub status: u16,
    pub ms: f64,
    /// `/healthz` while it ran.
    pub healthz_ms: LatencySummary,
    /// The problem's `detail` when refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The two requests for one section count.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeavyRow {
    pub sections: usize,
    pub body_bytes: usize,
    pub base: Timed,
    /// Absent when the BASE was refused.
    pub manual: Option<Timed>,
}

/// Run the scenario.
pub async fn heavy(args: HeavyArgs) -> Result<Vec<HeavyRow>> {
    let pem = std::fs::read_to_string(&args.jwt_private_key)
        .with_context(|| format!("reading {}", args.jwt_private_key.display()))?;
    let token = Minter::from_pem(&pem)?.mint(&TokenSpec::new("loadgen_heavy"))?;
    let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).context("token is not a header value")?;
    auth.set_sensitive(true);
    let client = super::http::client(8)?;
    let api = args.api.trim_end_matches('/').to_owned();
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut req = client.request(method, format!("{api}{path}")).header("authorization", auth.clone());
        if let Some(body) = body {
            req = req.json(&body);
        }
        async move {
            let res = req.send().await.context("request")?;
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            anyhow::Ok((status, body))
        }
    };
    let (status, project) = call(reqwest::Method::POST, "/v1/projects".into(), Some(json!({"name": "heavy"}))).await?;
    anyhow::ensure!(status == 201, "creating the project answered {status}: {project}");
    let project = project["id"].as_str().context("project id")?.to_owned();

    let mut rows = Vec::new();
    for &n in &args.sections {
        let latex = document(n);
        let body_bytes = latex.len();
        let body = json!({"type": "BASE", "latexContent": latex});
        let path = format!("/v1/projects/{project}/versions");
        let (base, created) = timed(&client, &api, call(reqwest::Method::POST, path.clone(), Some(body))).await?;
        let manual = match created.get("id").and_then(Value::as_str) {
            Some(parent) if base.status == 201 => {
                let sections = created["sections"].as_array().cloned().unwrap_or_default();
                for section in sections.iter().step_by(2) {
                    if let Some(id) = section["id"].as_str() {
                        call(reqwest::Method::PATCH, format!("/v1/sections/{id}"), Some(json!({"isLocked": true})))
                            .await?;
                    }
                }
                let body = json!({"type": "MANUAL", "parentVersionId": parent, "latexContent": document(n)});
                Some(timed(&client, &api, call(reqwest::Method::POST, path, Some(body))).await?.0)
            }
            _ => None,
        };
        let row = HeavyRow { sections: n, body_bytes, base, manual };
        println!("{}", serde_json::to_string(&row)?);
        rows.push(row);
    }
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec_pretty(&rows)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(rows)
}

/// A whole document of `n` sections.
fn document(n: usize) -> String {
    let mut latex = String::from("\\documentclass{article}\n\\begin{document}\n");
    for i in 0..n {
        latex.push_str(&format!("\\section{{S{i}}}\nItem {i}.\n"));
    }
    latex.push_str("\\end{document}\n");
    latex
}

/// Await `request` while probing `/healthz` back to back.
async fn timed(
    client: &reqwest::Client,
    api: &str,
    request: impl std::future::Future<Output = Result<(u16, Value)>>,
) -> Result<(Timed, Value)> {
    let done = Arc::new(AtomicBool::new(false));
    let probe = {
        let (client, url, done) = (client.clone(), format!("{api}/healthz"), done.clone());
        tokio::spawn(async move {
            let mut latencies = LatencyRecorder::new();
            while !done.load(Ordering::Relaxed) {
                let started = Instant::now();
                if client.get(&url).timeout(Duration::from_secs(30)).send().await.is_ok() {
                    latencies.record(started.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            latencies.summary()
        })
    };
    let started = Instant::now();
    let result = request.await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    done.store(true, Ordering::Relaxed);
    let healthz_ms = probe.await.unwrap_or_default();
    let (status, body) = result?;
    let detail = (status >= 400).then(|| body["detail"].as_str().unwrap_or_default().to_owned());
    Ok((Timed { status, ms: (ms * 10.0).round() / 10.0, healthz_ms, detail }, body))
}
