//! `loadgen fairness`: does one user's backlog delay another user's job?
//!
//! User A submits `--backlog` jobs (as fast as the api takes them); then
//! user B submits one. Reports how long B's job waited to start (QUEUED →
//! RUNNING, followed by long-poll) and to finish, and how many of A's jobs
//! were still unfinished when B's started: with a fair queue B's job starts
//! as soon as a worker slot frees, whatever A's backlog.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use reqwest::header::HeaderValue;
use serde::Serialize;
use serde_json::{Value, json};

use crate::token::{Minter, TokenSpec};

const RESUME: &str = include_str!("../../../examples/resume.tex");
const JD: &str = include_str!("../../../examples/jd.txt");

/// `loadgen fairness` arguments.
#[derive(Debug, Clone, clap::Args, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FairnessArgs {
    /// Base URL of the API.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub api: String,
    /// RSA private key (PEM) whose public half the API trusts.
    #[arg(long, value_name = "PEM")]
    #[serde(skip)]
    pub jwt_private_key: PathBuf,
    /// How many jobs user A submits first.
    #[arg(long, default_value_t = 200)]
    pub backlog: usize,
    /// Also write the result as JSON here.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
}

/// What was measured.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FairnessReport {
    pub backlog: usize,
    /// Seconds A's submissions took.
    pub backlog_submit_s: f64,
    /// B's job: submission → RUNNING, and → COMPLETED or FAILED.
    pub b_to_running_s: f64,
    pub b_to_final_s: f64,
    pub b_status: String,
    /// A's jobs not yet finished when B's started.
    pub a_unfinished_when_b_started: usize,
}

/// One user of the api, with a project, a BASE version and a JD.
struct User {
    client: reqwest::Client,
    api: String,
    auth: HeaderValue,
    project: String,
    version: String,
    jd: String,
}

impl User {
    async fn new(client: &reqwest::Client, api: &str, minter: &Minter, sub: &str) -> Result<Self> {
        let token = minter.mint(&TokenSpec::new(sub))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).context("token is not a header value")?;
        auth.set_sensitive(true);
        let mut user = Self {
            client: client.clone(),
            api: api.to_owned(),
            auth,
            project: String::new(),
            version: String::new(),
            jd: String::new(),
        };
        user.project = user.create("/v1/projects".into(), json!({"name": "fairness"})).await?;
        let project = user.project.clone();
        user.version = user
            .create(format!("/v1/projects/{project}/versions"), json!({"type": "BASE", "latexContent": RESUME}))
            .await?;
        user.jd = user.create(format!("/v1/projects/{project}/job-descriptions"), json!({"rawText": JD})).await?;
        Ok(user)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<(u16, Value)> {
        let mut req =
            self.client.request(method, format!("{}{path}", self.api)).header("authorization", self.auth.clone());
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.with_context(|| path.to_owned())?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    async fn create(&self, path: String, body: Value) -> Result<String> {
        let (status, created) = self.call(reqwest::Method::POST, &path, Some(body)).await?;
        if !(200..300).contains(&status) {
            bail!("POST {path} answered {status}: {created}");
        }
        Ok(created["id"].as_str().context("id")?.to_owned())
    }

    async fn submit(&self) -> Result<String> {
        let body = json!({"baseVersionId": self.version, "jdId": self.jd, "mode": "BALANCED"});
        loop {
            let path = format!("/v1/projects/{}/ai-jobs", self.project);
            let (status, job) = self.call(reqwest::Method::POST, &path, Some(body.clone())).await?;
            match status {
                202 => return Ok(job["id"].as_str().context("job id")?.to_owned()),
                429 | 503 => tokio::time::sleep(Duration::from_millis(200)).await,
                _ => bail!("submitting answered {status}: {job}"),
            }
        }
    }

    /// The job's status once it differs from `seen` (long-poll).
    async fn next_status(&self, job: &str, seen: &str) -> Result<String> {
        loop {
            let path = format!("/v1/ai-jobs/{job}?waitSeconds=20&ifStatus={seen}");
            let (status, body) = self.call(reqwest::Method::GET, &path, None).await?;
            if status != 200 {
                bail!("polling answered {status}: {body}");
            }
            let now = body["status"].as_str().unwrap_or_default().to_owned();
            if now != seen {
                return Ok(now);
            }
        }
    }
}

/// Run the scenario.
pub async fn fairness(args: FairnessArgs) -> Result<FairnessReport> {
    let pem = std::fs::read_to_string(&args.jwt_private_key)
        .with_context(|| format!("reading {}", args.jwt_private_key.display()))?;
    let minter = Minter::from_pem(&pem)?;
    let client = super::http::client(64)?;
    let api = args.api.trim_end_matches('/');
    let a = User::new(&client, api, &minter, "fairness_a").await?;
    let b = User::new(&client, api, &minter, "fairness_b").await?;

    let started = Instant::now();
    let mut a_jobs = Vec::with_capacity(args.backlog);
    for chunk in (0..args.backlog).collect::<Vec<_>>().chunks(16) {
        let submitted = futures::future::join_all(chunk.iter().map(|_| a.submit())).await;
        for job in submitted {
            a_jobs.push(job?);
        }
    }
    let backlog_submit_s = started.elapsed().as_secs_f64();

    let b_started = Instant::now();
    let job = b.submit().await?;
    let mut status = b.next_status(&job, "QUEUED").await?;
    let b_to_running_s = b_started.elapsed().as_secs_f64();
    let a_unfinished_when_b_started = count_unfinished(&a, &a_jobs).await?;
    while status == "RUNNING" {
        status = b.next_status(&job, "RUNNING").await?;
    }
    let report = FairnessReport {
        backlog: args.backlog,
        backlog_submit_s: round(backlog_submit_s),
        b_to_running_s: round(b_to_running_s),
        b_to_final_s: round(b_started.elapsed().as_secs_f64()),
        b_status: status,
        a_unfinished_when_b_started,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(report)
}

async fn count_unfinished(user: &User, jobs: &[String]) -> Result<usize> {
    let mut unfinished = 0;
    for chunk in jobs.chunks(32) {
        let polls = chunk.iter().map(|job| async move {
            let path = format!("/v1/ai-jobs/{job}");
            user.call(reqwest::Method::GET, &path, None).await
        });
        for polled in futures::future::join_all(polls).await {
            let (_, body) = polled?;
            if matches!(body["status"].as_str(), Some("QUEUED" | "RUNNING")) {
                unfinished += 1;
            }
        }
    }
    Ok(unfinished)
}

fn round(secs: f64) -> f64 {
    (secs * 100.0).round() / 100.0
}
