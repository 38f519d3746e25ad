//! `loadgen run`: set up users, submit AI jobs (closed or open loop), follow
//! them (poll, long-poll or SSE), and build the report. See the module
//! documentation of [`crate::loadgen`] for what is measured.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};
use bytes::Bytes;
use clap::{Args, ValueEnum};
use futures::{StreamExt as _, TryStreamExt as _, stream};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, ETAG, HeaderValue, IF_NONE_MATCH};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::http::{StatusCounter, client, excerpt, retry_after};
use super::report::{JobRecord, Outcome, Report, RunTotals, build_report, write_files};
use super::sse::{SseEvent, SseParser};
use super::stats::{LatencyRecorder, open_loop_offset};
use crate::token::{Minter, TokenSpec};

/// The default résumé (BASE version) and job description.
const DEFAULT_RESUME: &str = include_str!("../../../examples/resume.tex");
const DEFAULT_JD: &str = include_str!("../../../examples/jd.txt");

/// Time limit of an ordinary request (setup, submission, poll).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// `waitSeconds` of a long poll.
const LONG_POLL_WAIT_SECS: u64 = 20;
/// Extra time a long poll is given beyond its `waitSeconds`.
const LONG_POLL_GRACE: Duration = Duration::from_secs(10);
/// Retry-After assumed when a 429 has none (or an unreadable one).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Users set up at once.
const SETUP_PARALLELISM: usize = 16;
/// Lifetime of the minted tokens (a long run must not see them expire).
const TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// Longest error body excerpt kept.
const EXCERPT_CHARS: usize = 200;

/// `--mode`: the tailoring mode of every job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    #[value(name = "MINIMAL", alias = "minimal")]
    Minimal,
    #[value(name = "BALANCED", alias = "balanced")]
    Balanced,
    #[value(name = "AGGRESSIVE", alias = "aggressive")]
    Aggressive,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minimal => "MINIMAL",
            Self::Balanced => "BALANCED",
            Self::Aggressive => "AGGRESSIVE",
        }
    }
}

/// `--follow`: how jobs are followed to their end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Follow {
    /// `GET /v1/ai-jobs/{id}` every `--poll-interval-ms`.
    Poll,
    /// `GET /v1/ai-jobs/{id}?waitSeconds=20&ifStatus=<last seen>`.
    LongPoll,
    /// `GET /v1/ai-jobs/{id}/events` (Server-Sent Events).
    Sse,
}

/// Arguments of `loadgen run` (also written to the report as `config`).
#[derive(Debug, Clone, Args, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunArgs {
    /// Base URL of the API, e.g. http://127.0.0.1:8080
    #[arg(long)]
    pub api: String,
    /// RSA private key PEM that the API trusts (dev-token keygen writes one).
    #[arg(long, value_name = "FILE")]
    pub jwt_private_key: PathBuf,
    /// Key id put in the token headers.
    #[arg(long, default_value = "dev")]
    pub kid: String,
    /// Simulated users (each with its own token, project, version and JD).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub users: u32,
    /// Jobs to submit in total, spread round-robin over the users.
    #[arg(long)]
    pub jobs: u64,
    /// Jobs in flight at most (closed loop: exactly).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: u32,
    /// Open loop: submit this many jobs per second, on schedule.
    #[arg(long, value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Tailoring mode of the jobs.
    #[arg(long, value_enum, ignore_case = true, default_value = "BALANCED")]
    pub mode: Mode,
    /// How to follow jobs to their end.
    #[arg(long, value_enum, default_value = "poll")]
    pub follow: Follow,
    /// Polling interval (`--follow poll`; also the pause before an SSE reconnect).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub poll_interval_ms: u64,
    /// A job accepted but not final this long after its 202 is lost.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_secs: u64,
    /// Where to write the JSON report; FILE.md and FILE.svg are written beside it.
    #[arg(long, value_name = "FILE.json")]
    pub report: PathBuf,
    /// LaTeX résumé for the BASE versions (default: examples/resume.tex).
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// Job description text (default: examples/jd.txt).
    #[arg(long, value_name = "FILE")]
    pub jd: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("expected a positive number of jobs per second, got {text:?}")),
    }
}

/// An AI job's status as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Queued,
    Running,
    Completed,
    Failed,
    #[serde(other)]
    Unknown,
}

impl JobStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued | Self::Unknown => "QUEUED",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }

    fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

/// The fields of the AIJob JSON that loadgen reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobView {
    id: String,
    status: JobStatus,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `{"id": …}` answers of the setup routes.
#[derive(Debug, Deserialize)]
struct Created {
    id: String,
}

/// What has been seen of one job.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracker {
    pub last: JobStatus,
    pub t_running: Option<Duration>,
    pub t_terminal: Option<Duration>,
    pub error_message: Option<String>,
}

impl Tracker {
    pub fn new(initial: JobStatus, at: Duration) -> Self {
        let mut tracker = Self { last: JobStatus::Queued, t_running: None, t_terminal: None, error_message: None };
        tracker.observe(initial, None, at);
        tracker
    }

    /// Records a status seen at `at`; true once the job is final. RUNNING
    /// or any later status sets the pickup time if it is not set yet.
    pub fn observe(&mut self, status: JobStatus, error_message: Option<String>, at: Duration) -> bool {
        if self.t_terminal.is_some() {
            return true;
        }
        if matches!(status, JobStatus::Running | JobStatus::Completed | JobStatus::Failed) && self.t_running.is_none() {
            self.t_running = Some(at);
        }
        if status != JobStatus::Unknown {
            self.last = status;
        }
        if status.is_final() {
            self.t_terminal = Some(at);
            self.error_message = error_message;
        }
        self.is_final()
    }

    pub fn is_final(&self) -> bool {
        self.t_terminal.is_some()
    }
}

/// A user ready to submit jobs.
struct User {
    auth: HeaderValue,
    jobs_url: String,
    /// The `POST …/ai-jobs` body, serialised once.
    job_body: Bytes,
}

/// State shared by every task of a run.
struct Ctx {
    client: reqwest::Client,
    api: String,
    users: Vec<User>,
    follow: Follow,
    poll_interval: Duration,
    timeout: Duration,
    /// Start of the measured phase.
    t0: Instant,
    statuses: StatusCounter,
    submit_retries: AtomicU64,
    follow_errors: AtomicU64,
    sse_reconnects: AtomicU64,
    sse_delay: Mutex<LatencyRecorder>,
    in_flight: AtomicU64,
    completed: AtomicU64,
    failed: AtomicU64,
    lost: AtomicU64,
    progress: ProgressBar,
    records: Mutex<Vec<JobRecord>>,
}

impl Ctx {
    fn now(&self) -> Duration {
        self.t0.elapsed()
    }

    fn push(&self, record: JobRecord) {
        let counter = match record.outcome {
            Outcome::Completed => &self.completed,
            Outcome::Failed => &self.failed,
            Outcome::Lost | Outcome::SubmitError => &self.lost,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.progress.inc(1);
        // A poisoned lock means a task panicked; the panic is reported by
        // the join, so keep the records regardless.
        let mut records = self.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        records.push(record);
    }
}

/// Runs the whole benchmark and writes the report files. Returns the report.
pub async fn run(args: RunArgs) -> Result<Report> {
    ensure!(args.jobs > 0, "--jobs must be at least 1");
    let api = args.api.trim_end_matches('/').to_owned();
    ensure!(api.starts_with("http://") || api.starts_with("https://"), "--api must be an http(s) URL, got {api:?}");
    let pem = std::fs::read_to_string(&args.jwt_private_key)
        .with_context(|| format!("reading {}", args.jwt_private_key.display()))?;
    let minter = Minter::from_pem(&pem).with_context(|| format!("loading {}", args.jwt_private_key.display()))?;
    let resume = read_or(&args.resume, DEFAULT_RESUME)?;
    let jd = read_or(&args.jd, DEFAULT_JD)?;
    let concurrency = args.concurrency as usize;
    let config = serde_json::to_value(&args).context("serialising the arguments")?;

    // Each in-flight job may hold a connection (SSE holds one for its whole
    // life), plus the submissions and setup.
    let client = client(concurrency + SETUP_PARALLELISM)?;
    let statuses = StatusCounter::new();

    let setup_started = Instant::now();
    let users = setup_users(&client, &statuses, &api, &minter, &args, &resume, &jd).await?;
    let setup = setup_started.elapsed();

    let progress = progress_bar(args.jobs, args.quiet);
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let ctx = Arc::new(Ctx {
        client,
        api,
        users,
        follow: args.follow,
        poll_interval: Duration::from_millis(args.poll_interval_ms),
        timeout: Duration::from_secs(args.timeout_secs),
        t0: Instant::now(),
        statuses,
        submit_retries: AtomicU64::new(0),
        follow_errors: AtomicU64::new(0),
        sse_reconnects: AtomicU64::new(0),
        sse_delay: Mutex::new(LatencyRecorder::new()),
        in_flight: AtomicU64::new(0),
        completed: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        lost: AtomicU64::new(0),
        progress,
        records: Mutex::new(Vec::with_capacity(usize::try_from(args.jobs).unwrap_or(0).min(1 << 20))),
    });
    let ticker = (!ctx.progress.is_hidden()).then(|| tokio::spawn(tick_progress(Arc::clone(&ctx))));

    let mut in_flight_cap_hits = 0;
    let mut schedule_lag = None;
    match args.rate {
        None => closed_loop(&ctx, args.jobs, concurrency).await?,
        Some(rate) => {
            let (hits, lag) = open_loop(&ctx, args.jobs, rate, concurrency).await?;
            in_flight_cap_hits = hits;
            schedule_lag = Some(lag);
        }
    }
    let wall = ctx.now();
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    ctx.progress.finish_and_clear();

    let totals = RunTotals {
        started_at,
        setup,
        wall,
        submit_retries: ctx.submit_retries.load(Ordering::Relaxed),
        in_flight_cap_hits,
        follow_errors: ctx.follow_errors.load(Ordering::Relaxed),
        sse_reconnects: ctx.sse_reconnects.load(Ordering::Relaxed),
        transport_errors: ctx.statuses.transport_errors(),
        http_statuses: ctx.statuses.snapshot(),
        schedule_lag,
        sse_delay: {
            let delay = std::mem::take(&mut *ctx.sse_delay.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            (!delay.is_empty()).then_some(delay)
        },
    };
    let records = std::mem::take(&mut *ctx.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    let report = build_report(&records, totals, config);
    write_files(&report, &args.report)?;
    Ok(report)
}

fn read_or(path: &Option<PathBuf>, default: &str) -> Result<String> {
    match path {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display())),
        None => Ok(default.to_owned()),
    }
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr_with_hz(4));
    if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:25}] {pos}/{len} final, {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Refreshes the progress message a few times a second (not per job).
async fn tick_progress(ctx: Arc<Ctx>) {
    let mut interval = tokio::time::interval(Duration::from_millis(250));
    loop {
        interval.tick().await;
        ctx.progress.set_message(format!(
            "{} in flight, {} ok, {} failed, {} lost/rejected",
            ctx.in_flight.load(Ordering::Relaxed),
            ctx.completed.load(Ordering::Relaxed),
            ctx.failed.load(Ordering::Relaxed),
            ctx.lost.load(Ordering::Relaxed),
        ));
    }
}

/// Creates every user's project, BASE version and JD, a few users at a
/// time; the users come back in order.
async fn setup_users(
    client: &reqwest::Client,
    statuses: &StatusCounter,
    api: &str,
    minter: &Minter,
    args: &RunArgs,
    resume: &str,
    jd: &str,
) -> Result<Vec<User>> {
    let version_body = Bytes::from(serde_json::to_vec(&json!({"type": "BASE", "latexContent": resume}))?);
    let jd_body = Bytes::from(serde_json::to_vec(&json!({"rawText": jd}))?);
    let setup_one = |n: u32| {
        let (version_body, jd_body) = (version_body.clone(), jd_body.clone());
        async move {
            let mut spec = TokenSpec::new(format!("loadgen_user_{n}"));
            spec.kid = Some(args.kid.clone());
            spec.ttl = TOKEN_TTL;
            let token = minter.mint(&spec)?;
            let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).context("token is not a header value")?;
            auth.set_sensitive(true);

            let project_body = Bytes::from(serde_json::to_vec(&json!({"name": format!("loadgen {n}")}))?);
            let project = create(client, statuses, &auth, format!("{api}/v1/projects"), project_body).await?;
            let version =
                create(client, statuses, &auth, format!("{api}/v1/projects/{project}/versions"), version_body).await?;
            let jd = create(client, statuses, &auth, format!("{api}/v1/projects/{project}/job-descriptions"), jd_body)
                .await?;
            let job_body =
                serde_json::to_vec(&json!({"baseVersionId": version, "jdId": jd, "mode": args.mode.as_str()}))?;
            anyhow::Ok(User {
                auth,
                jobs_url: format!("{api}/v1/projects/{project}/ai-jobs"),
                job_body: job_body.into(),
            })
        }
    };
    stream::iter(0..args.users)
        .map(|n| {
            let user = setup_one(n);
            async move { user.await.with_context(|| format!("setting up loadgen_user_{n}")) }
        })
        .buffered(SETUP_PARALLELISM)
        .try_collect()
        .await
}

/// `POST url` with a JSON `body`, its status counted; a transport error as
/// a short message.
async fn post_json(
    client: &reqwest::Client,
    statuses: &StatusCounter,
    auth: &HeaderValue,
    url: &str,
    body: Bytes,
) -> Result<reqwest::Response, String> {
    let sent = client
        .post(url)
        .header(AUTHORIZATION, auth.clone())
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await;
    match sent {
        Ok(response) => {
            statuses.record(response.status().as_u16());
            Ok(response)
        }
        Err(error) => {
            statuses.record_error();
            Err(transport_error(&error))
        }
    }
}

/// `POST url body` expecting 201 `{"id": …}`; retries 429s.
async fn create(
    client: &reqwest::Client,
    statuses: &StatusCounter,
    auth: &HeaderValue,
    url: String,
    body: Bytes,
) -> Result<String> {
    loop {
        let response =
            post_json(client, statuses, auth, &url, body.clone()).await.map_err(|e| anyhow!("POST {url}: {e}"))?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(response.headers()).unwrap_or(DEFAULT_RETRY_AFTER);
            drop(response.bytes().await);
            tokio::time::sleep(wait).await;
            continue;
        }
        let bytes = response.bytes().await.with_context(|| format!("POST {url}: reading the answer"))?;
        if !status.is_success() {
            bail!("POST {url}: {status}: {}", excerpt(&String::from_utf8_lossy(&bytes), EXCERPT_CHARS));
        }
        let created: Created =
            serde_json::from_slice(&bytes).with_context(|| format!("POST {url}: unexpected answer"))?;
        return Ok(created.id);
    }
}

/// `concurrency` workers, each submitting and following one job at a time.
async fn closed_loop(ctx: &Arc<Ctx>, jobs: u64, concurrency: usize) -> Result<()> {
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.min(usize::try_from(jobs).unwrap_or(usize::MAX)) {
        let (ctx, next) = (Arc::clone(ctx), Arc::clone(&next));
        workers.spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= jobs {
                    break;
                }
                let t_submit = ctx.now();
                let record = run_job(&ctx, index, t_submit).await;
                ctx.push(record);
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined.context("a load worker panicked")?;
    }
    Ok(())
}

/// Submits job `i` at `i / rate` seconds, at most `concurrency` in flight.
/// Returns how often the cap delayed a submission, and the schedule lag.
async fn open_loop(ctx: &Arc<Ctx>, jobs: u64, rate: f64, concurrency: usize) -> Result<(u64, LatencyRecorder)> {
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    let mut cap_hits = 0;
    let mut lag = LatencyRecorder::new();
    for index in 0..jobs {
        let due = open_loop_offset(index, rate);
        tokio::time::sleep_until(ctx.t0 + due).await;
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                cap_hits += 1;
                Arc::clone(&permits).acquire_owned().await.context("in-flight semaphore closed")?
            }
        };
        let t_submit = ctx.now();
        lag.record(t_submit.saturating_sub(due));
        let ctx = Arc::clone(ctx);
        tasks.spawn(async move {
            let record = run_job(&ctx, index, t_submit).await;
            drop(permit);
            ctx.push(record);
        });
        // Reap finished tasks so that the set stays small.
        while let Some(joined) = tasks.try_join_next() {
            joined.context("a job task panicked")?;
        }
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("a job task panicked")?;
    }
    Ok((cap_hits, lag))
}

/// Submits job `index` and follows it to its end.
async fn run_job(ctx: &Ctx, index: u64, t_submit: Duration) -> JobRecord {
    ctx.in_flight.fetch_add(1, Ordering::Relaxed);
    let record = submit_and_follow(ctx, index, t_submit).await;
    ctx.in_flight.fetch_sub(1, Ordering::Relaxed);
    record
}

async fn submit_and_follow(ctx: &Ctx, index: u64, t_submit: Duration) -> JobRecord {
    let mut record = JobRecord::submitted_at(t_submit);
    // `users` is never empty (`--users` ≥ 1), and the index is reduced modulo its length.
    let user = &ctx.users[usize::try_from(index % ctx.users.len() as u64).unwrap_or(0)];
    let accepted = match submit(ctx, user, t_submit).await {
        Ok(accepted) => accepted,
        Err(error) => {
            record.error = Some(error);
            return record;
        }
    };
    record.t_post = Some(accepted.t_post);
    record.t_accepted = Some(accepted.t_accepted);
    let mut tracker = Tracker::new(accepted.job.status, accepted.t_accepted);
    let deadline = ctx.t0 + accepted.t_accepted + ctx.timeout;
    let job_url = format!("{}/v1/ai-jobs/{}", ctx.api, accepted.job.id);
    let give_up = if tracker.is_final() {
        None
    } else {
        match ctx.follow {
            Follow::Poll | Follow::LongPoll => {
                follow_by_polling(ctx, user, &job_url, accepted.etag, &mut tracker, deadline).await
            }
            Follow::Sse => follow_events(ctx, user, &job_url, &mut tracker, deadline).await,
        }
    };
    record.t_running = tracker.t_running;
    record.t_terminal = tracker.t_terminal;
    match tracker.last {
        JobStatus::Completed => record.outcome = Outcome::Completed,
        JobStatus::Failed => {
            record.outcome = Outcome::Failed;
            record.error = Some(format!(
                "job FAILED: {}",
                excerpt(tracker.error_message.as_deref().unwrap_or("(no errorMessage)"), EXCERPT_CHARS)
            ));
        }
        _ => {
            record.outcome = Outcome::Lost;
            record.error = Some(give_up.unwrap_or_else(|| {
                format!("not final {} s after its 202 (last seen {})", ctx.timeout.as_secs(), tracker.last.as_str())
            }));
        }
    }
    record
}

struct Accepted {
    job: JobView,
    /// The job's ETag, as the 202 gives it (the body is the job's
    /// representation, `Content-Location`).
    etag: Option<HeaderValue>,
    t_post: Duration,
    t_accepted: Duration,
}

/// `POST …/ai-jobs` until accepted, honouring 429 Retry-After, for at most
/// the timeout. The error is a short message (kept in the report).
async fn submit(ctx: &Ctx, user: &User, t_submit: Duration) -> Result<Accepted, String> {
    let give_up = ctx.t0 + t_submit + ctx.timeout;
    loop {
        let t_post = ctx.now();
        let response = post_json(&ctx.client, &ctx.statuses, &user.auth, &user.jobs_url, user.job_body.clone())
            .await
            .map_err(|e| format!("POST ai-jobs: {e}"))?;
        let status = response.status();
        let etag = response.headers().get(ETAG).cloned();
        if status == StatusCode::TOO_MANY_REQUESTS {
            ctx.submit_retries.fetch_add(1, Ordering::Relaxed);
            let wait = retry_after(response.headers()).unwrap_or(DEFAULT_RETRY_AFTER);
            // Read the body so that the connection can be reused.
            drop(response.bytes().await);
            if Instant::now() + wait > give_up {
                return Err(format!("POST ai-jobs: still 429 after {} s", ctx.timeout.as_secs()));
            }
            tokio::time::sleep(wait).await;
            continue;
        }
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => return Err(format!("POST ai-jobs: reading the answer: {}", transport_error(&error))),
        };
        let t_accepted = ctx.now();
        if status != StatusCode::ACCEPTED {
            return Err(format!(
                "POST ai-jobs: {status}: {}",
                excerpt(&String::from_utf8_lossy(&bytes), EXCERPT_CHARS)
            ));
        }
        return match serde_json::from_slice::<JobView>(&bytes) {
            Ok(job) => Ok(Accepted { job, etag, t_post, t_accepted }),
            Err(error) => Err(format!("POST ai-jobs: 202 with an unexpected body: {error}")),
        };
    }
}

/// A transport error without the URL (which holds ids, making every
/// message distinct).
fn transport_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "body error"
    } else {
        "request failed"
    };
    let mut message = kind.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// What a follow request told.
enum Answer {
    /// A readable AIJob.
    Job(JobView),
    /// Try again after this pause (429, 5xx, transport error).
    Retry(Duration),
    /// Stop following: the API will not answer usefully (4xx other than 429).
    GiveUp(String),
}

/// Classifies a failed or non-200 follow answer.
fn unexpected(ctx: &Ctx, status: Option<StatusCode>, retry: Option<Duration>, what: &str) -> Answer {
    ctx.follow_errors.fetch_add(1, Ordering::Relaxed);
    match status {
        Some(StatusCode::TOO_MANY_REQUESTS) => Answer::Retry(retry.unwrap_or(DEFAULT_RETRY_AFTER)),
        Some(status) if status.is_client_error() => Answer::GiveUp(format!("{what}: {status}, gave up following")),
        _ => Answer::Retry(ctx.poll_interval),
    }
}

/// `--follow poll` and `--follow long-poll`.
async fn follow_by_polling(
    ctx: &Ctx,
    user: &User,
    job_url: &str,
    mut etag: Option<HeaderValue>,
    tracker: &mut Tracker,
    deadline: Instant,
) -> Option<String> {
    let long = ctx.follow == Follow::LongPoll;
    // `etag` (first the 202's) is sent back as `If-None-Match`, as a
    // browser's cache does: while the job has not changed the API answers
    // 304 with no body. The 202 was the first look at the job: a poller
    // asks again one interval later, as a front end's timer would.
    if !long {
        tokio::time::sleep_until((Instant::now() + ctx.poll_interval).min(deadline)).await;
    }
    loop {
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        let (request, timeout) = if long {
            let wait = deadline.saturating_duration_since(now).as_secs().clamp(1, LONG_POLL_WAIT_SECS);
            let url = format!("{job_url}?waitSeconds={wait}&ifStatus={}", tracker.last.as_str());
            (ctx.client.get(url), Duration::from_secs(wait) + LONG_POLL_GRACE)
        } else {
            let request = ctx.client.get(job_url);
            (if let Some(tag) = &etag { request.header(IF_NONE_MATCH, tag.clone()) } else { request }, REQUEST_TIMEOUT)
        };
        let sent = Instant::now();
        let answer = match tokio::time::timeout_at(
            deadline,
            request.header(AUTHORIZATION, user.auth.clone()).timeout(timeout).send(),
        )
        .await
        {
            Err(_) => return None,
            Ok(Err(_)) => {
                ctx.statuses.record_error();
                unexpected(ctx, None, None, "GET ai-job")
            }
            Ok(Ok(response)) => {
                let status = response.status();
                ctx.statuses.record(status.as_u16());
                let retry = retry_after(response.headers());
                if let Some(tag) = response.headers().get(ETAG).filter(|_| !long) {
                    etag = Some(tag.clone());
                }
                match response.bytes().await {
                    Ok(_) if status == StatusCode::NOT_MODIFIED => Answer::Retry(ctx.poll_interval),
                    Ok(bytes) if status == StatusCode::OK => match serde_json::from_slice::<JobView>(&bytes) {
                        Ok(job) => Answer::Job(job),
                        Err(_) => unexpected(ctx, None, None, "GET ai-job"),
                    },
                    Ok(_) => unexpected(ctx, Some(status), retry, "GET ai-job"),
                    Err(_) => unexpected(ctx, None, None, "GET ai-job"),
                }
            }
        };
        let pause = match answer {
            Answer::Job(job) => {
                let before = tracker.last;
                if tracker.observe(job.status, job.error_message, ctx.now()) {
                    return None;
                }
                // A long poll that came back at once with no change means
                // the API ignores waitSeconds: pace it like a poll.
                let ignored = long && job.status == before && sent.elapsed() < Duration::from_secs(1);
                if long && !ignored { Duration::ZERO } else { ctx.poll_interval }
            }
            Answer::Retry(pause) => pause,
            Answer::GiveUp(why) => return Some(why),
        };
        if !pause.is_zero() {
            tokio::time::sleep_until((Instant::now() + pause).min(deadline)).await;
        }
    }
}

/// `--follow sse`: reads `status` events until a final one, reopening the
/// stream if it ends early.
async fn follow_events(
    ctx: &Ctx,
    user: &User,
    job_url: &str,
    tracker: &mut Tracker,
    deadline: Instant,
) -> Option<String> {
    let url = format!("{job_url}/events");
    let mut events: Vec<SseEvent> = Vec::new();
    let mut first = true;
    loop {
        if !first {
            ctx.sse_reconnects.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep_until((Instant::now() + ctx.poll_interval).min(deadline)).await;
        }
        first = false;
        if Instant::now() >= deadline {
            return None;
        }
        let request =
            ctx.client.get(&url).header(AUTHORIZATION, user.auth.clone()).header(ACCEPT, "text/event-stream").send();
        let mut response = match tokio::time::timeout_at(deadline, request).await {
            Err(_) => return None,
            Ok(Err(_)) => {
                ctx.statuses.record_error();
                ctx.follow_errors.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        ctx.statuses.record(status.as_u16());
        if status != StatusCode::OK {
            let retry = retry_after(response.headers());
            drop(response.bytes().await);
            match unexpected(ctx, Some(status), retry, "GET ai-job events") {
                Answer::GiveUp(why) => return Some(why),
                Answer::Retry(pause) => {
                    tokio::time::sleep_until((Instant::now() + pause).min(deadline)).await;
                    continue;
                }
                Answer::Job(_) => continue,
            }
        }
        let mut parser = SseParser::new();
        let mut first_event = true;
        loop {
            match tokio::time::timeout_at(deadline, response.chunk()).await {
                Err(_) => return None,
                Ok(Err(_)) => {
                    ctx.follow_errors.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    parser.feed(&chunk, &mut events);
                    let at = ctx.now();
                    for event in events.drain(..) {
                        if event.event != "status" {
                            continue;
                        }
                        match serde_json::from_str::<JobView>(&event.data) {
                            Ok(job) => {
                                if !std::mem::take(&mut first_event)
                                    && let Some(updated) = job.updated_at
                                    && let Ok(delay) = (chrono::Utc::now() - updated).to_std()
                                {
                                    ctx.sse_delay
                                        .lock()
                                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                                        .record(delay);
                                }
                                tracker.observe(job.status, job.error_message, at);
                            }
                            Err(_) => {
                                ctx.follow_errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    if tracker.is_final() {
                        return None;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn tracker_records_first_running_and_final() {
        let mut t = Tracker::new(JobStatus::Queued, s(1));
        assert_eq!((t.t_running, t.t_terminal), (None, None));
        assert!(!t.observe(JobStatus::Queued, None, s(2)));
        assert!(!t.observe(JobStatus::Running, None, s(3)));
        assert!(!t.observe(JobStatus::Running, None, s(4)));
        assert!(t.observe(JobStatus::Failed, Some("boom".to_owned()), s(5)));
        assert_eq!((t.t_running, t.t_terminal), (Some(s(3)), Some(s(5))));
        assert_eq!(t.error_message.as_deref(), Some("boom"));
        // Nothing changes after the end.
        assert!(t.observe(JobStatus::Completed, None, s(6)));
        assert_eq!(t.last, JobStatus::Failed);
        assert_eq!(t.t_terminal, Some(s(5)));
    }

    #[test]
    fn tracker_counts_a_skipped_running_as_pickup() {
        let mut t = Tracker::new(JobStatus::Queued, s(1));
        assert!(t.observe(JobStatus::Completed, None, s(9)));
        assert_eq!((t.t_running, t.t_terminal), (Some(s(9)), Some(s(9))));
        let mut t = Tracker::new(JobStatus::Unknown, s(1));
        assert!(!t.observe(JobStatus::Unknown, None, s(2)));
        assert_eq!(t.last, JobStatus::Queued);
    }

    #[test]
    fn job_view_reads_the_api_json() {
        let job: JobView = serde_json::from_str(
            r#"{"id":"0190","projectId":"p","baseVersionId":"b","jdId":"j","mode":"BALANCED","status":"FAILED",
                "errorMessage":"model timed out","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}"#,
        )
        .expect("AIJob JSON");
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(job.error_message.as_deref(), Some("model timed out"));
        let job: JobView = serde_json::from_str(r#"{"id":"x","status":"PAUSED","errorMessage":null}"#).expect("json");
        assert_eq!(job.status, JobStatus::Unknown);
    }

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: RunArgs,
    }

    #[test]
    fn parses_the_command_line() {
        let w = Wrapper::try_parse_from([
            "loadgen",
            "--api",
            "http://127.0.0.1:8080",
            "--jwt-private-key",
            "k.pem",
            "--users",
            "3",
            "--jobs",
            "50",
            "--concurrency",
            "8",
            "--rate",
            "2.5",
            "--mode",
            "aggressive",
            "--follow",
            "long-poll",
            "--report",
            "out.json",
        ])
        .expect("valid");
        let a = w.args;
        assert_eq!((a.users, a.jobs, a.concurrency, a.rate), (3, 50, 8, Some(2.5)));
        assert_eq!((a.mode, a.follow), (Mode::Aggressive, Follow::LongPoll));
        assert_eq!((a.poll_interval_ms, a.timeout_secs, a.kid.as_str(), a.quiet), (200, 300, "dev", false));
        let config = serde_json::to_value(&a).expect("config");
        assert_eq!(config["follow"], "long-poll");
        assert_eq!(config["mode"], "AGGRESSIVE");
        assert_eq!(config["pollIntervalMs"], 200);

        let base = [
            "loadgen",
            "--api",
            "http://x",
            "--jwt-private-key",
            "k",
            "--users",
            "1",
            "--jobs",
            "1",
            "--concurrency",
            "1",
            "--report",
            "r.json",
        ];
        assert!(Wrapper::try_parse_from(base).is_ok());
        for (flag, bad) in
            [("--rate", "0"), ("--rate", "-1"), ("--concurrency", "0"), ("--users", "0"), ("--follow", "push")]
        {
            let mut argv = base.to_vec();
            match argv.iter().position(|arg| *arg == flag) {
                Some(i) => argv[i + 1] = bad,
                None => argv.extend([flag, bad]),
            }
            assert!(Wrapper::try_parse_from(argv).is_err(), "{flag} {bad} accepted");
        }
    }
}
