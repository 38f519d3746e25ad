//! `loadgen`: a load generator for Tailor's AI-job API, and a wrk-like GET
//! hammer.
//!
//! # `loadgen run`: the AI-job pipeline under load
//!
//! **Setup** (not measured): for each of `--users` simulated users, mint an
//! RS256 token for `sub = loadgen_user_<n>` (the API creates the user on
//! first sight), create a project, a BASE version (`examples/resume.tex` or
//! `--resume`) and a job description (`examples/jd.txt` or `--jd`), in
//! parallel. Each user's `POST …/ai-jobs` body is serialised once here.
//!
//! **Measured phase**: `--jobs` submissions, job *i* going to user
//! *i mod users*. Without `--rate` the loop is *closed*: `--concurrency`
//! workers each submit a job and follow it to its end before the next. With
//! `--rate R` the loop is *open*: job *i* is due at `i / R` seconds and is
//! sent then, whatever earlier jobs are doing, except that at most
//! `--concurrency` jobs are in flight (to bound memory); each time the cap
//! delays a submission it is counted (`inFlightCapHits`) and the delay shows
//! in `scheduleLagMs`. A `429` to a submission is retried after its
//! `Retry-After` (counted in `submitRetries`).
//!
//! Each accepted job is followed until COMPLETED or FAILED with
//! `--follow`:
//! * `poll`: `GET /v1/ai-jobs/{id}` every `--poll-interval-ms`. Cheap to
//!   implement, but every observed time is late by up to one interval.
//! * `long-poll`: `GET /v1/ai-jobs/{id}?waitSeconds=20&ifStatus=<last seen>`,
//!   which the API answers as soon as the status changes.
//! * `sse`: `GET /v1/ai-jobs/{id}/events`, a Server-Sent Events stream of
//!   `status` events (reconnected if it ends before a final status).
//!
//! A job accepted but not final `--timeout-secs` after its 202 is *lost*.
//!
//! Per job the tool records, on one monotonic clock started just before the
//! first submission: `t_submit` (first attempt), the start of the accepted
//! attempt, `t_202` (its answer read), `t_running` (first observation of
//! RUNNING *or a later status*: a job seen COMPLETED without RUNNING ever
//! being seen gets its pickup time then) and `t_terminal`. From them:
//! * `enqueueMs`: accepted `POST` → 202 (the API's enqueue latency; any
//!   429 back-off is excluded);
//! * `pickupMs`: 202 → RUNNING observed (queue wait plus worker pickup);
//! * `e2eMs`: 202 → COMPLETED observed (FAILED jobs are excluded);
//! * `throughputJobsPerSec`: final jobs (completed + failed) ÷ the time
//!   from the first submission to the last final status;
//! * `timeline`: per second, jobs accepted, completed and failed, and the
//!   p50/p99 end-to-end latency of the jobs completed in that second.
//!
//! Percentiles come from an HDR histogram of microseconds (3 significant
//! digits). The report is written as JSON (`--report FILE.json`), as a
//! Markdown summary (`FILE.md`) and as an SVG chart (`FILE.svg`: completed,
//! accepted and failed jobs per second on top, end-to-end p50/p99 per second
//! below). The JSON ([`Report`], camelCase):
//!
//! ```text
//! { startedAt, jobs, completed, failed, lost, submitErrors, submitRetries,
//!   inFlightCapHits, followErrors, sseReconnects, transportErrors,
//!   setupSecs, durationSecs, wallSecs, throughputJobsPerSec, completedPerSec,
//!   enqueueMs, pickupMs, e2eMs, [scheduleLagMs]   each {p50,p90,p99,max,mean,count}
//!   httpStatuses: {"200": n, …}   every request, setup included
//!   errorSamples: {message: n}    at most 20 distinct messages
//!   config: {the arguments}
//!   timeline: [{t, submitted, completed, failed, e2eP50Ms, e2eP99Ms}] }
//! ```
//!
//! With `--follow poll` every observed time is up to one poll interval late,
//! so pickup and end-to-end latencies are overestimated by up to that much
//! (the Markdown says so).
//!
//! # `loadgen hammer`: raw request rate of one GET route
//!
//! `--connections` tasks loop `GET --url` (with `--header`s) for
//! `--seconds`, each request reading its whole body, like `wrk`. Meant to
//! compare `GET /v1/ai-jobs/{id}` with a bare axum+sqlx route.
//!
//! # `loadgen heavy`: one heavy request and everyone else
//!
//! Versions of many sections (a BASE, then a MANUAL child inheriting its
//! locks), one at a time, with `/healthz` latency measured while each runs:
//! see [`heavy`].
//!
//! # `loadgen fairness`: one user's backlog, another user's one job
//!
//! How long the one job waits to start behind the backlog: see [`fairness`].
//!
//! # Cost
//!
//! loadgen usually shares the machine with the system under test, so it is
//! frugal: one HTTP/1.1 connection pool, request bodies built once, small
//! JSON views, progress redrawn a few times a second. For big runs prefer
//! `--follow long-poll` or `sse` over short polling.

pub mod chart;
pub mod fairness;
pub mod hammer;
pub mod heavy;
mod http;
pub mod report;
pub mod run;
pub mod sse;
pub mod stats;

use anyhow::Result;
use clap::{Parser, Subcommand};

pub use fairness::{FairnessArgs, fairness};
pub use hammer::{HammerArgs, HammerReport, hammer};
pub use heavy::{HeavyArgs, heavy};
pub use report::Report;
pub use run::{Follow, Mode, RunArgs, run};

/// The `loadgen` command line.
#[derive(Debug, Parser)]
#[command(name = "loadgen", version, about = "Load generator for Tailor's AI-job API, and a wrk-like GET hammer.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `loadgen` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Submit AI jobs as simulated users, follow them to the end, report
    /// latencies and throughput (JSON, Markdown, SVG).
    Run(RunArgs),
    /// Closed-loop GET load on one URL, like wrk.
    Hammer(HammerArgs),
    /// Versions of many sections, one at a time, with `/healthz` latency
    /// measured meanwhile.
    Heavy(HeavyArgs),
    /// One user's backlog and another user's one job: how long the latter waits.
    Fairness(FairnessArgs),
}

/// Runs a parsed command line.
pub async fn main(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => {
            let report = run(args).await?;
            println!("{}", report::summary_line(&report));
            Ok(())
        }
        Command::Hammer(args) => {
            let report = hammer(args).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Heavy(args) => heavy(args).await.map(|_| ()),
        Command::Fairness(args) => fairness(args).await.map(|_| ()),
    }
}
