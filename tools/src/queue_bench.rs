//! `queue-bench`: what the bare queue and a bare HTTP+SQL route can do on
//! this machine, the baseline the whole system is compared against.
//!
//! Three measurements, each a subcommand of the `queue-bench` binary; each
//! prints one JSON object on stdout (and `--report FILE` writes it too):
//!
//! * [`drain`] — **throughput of one worker process**. N no-op tasks are
//!   pre-pushed (with apalis-postgres's own `push_tasks`, 1,000 per
//!   statement), then ONE apalis worker (the production setup:
//!   `PostgresStorage` + `.with_pubsub()` + a poll interval,
//!   `Config::queue(..).batch_size(B)`, `.concurrency(C)`, results persisted
//!   and tasks locked as by default) is started, and the clock runs from its
//!   start until PostgreSQL says every task is `Done`. The handler does
//!   nothing but count, so this is the queue's own ceiling: fetch
//!   (`apalis.get_jobs`, `FOR UPDATE SKIP LOCKED`), lock and ack round trips.
//!   Output: `{tasks, batch, concurrency, secs, tasksPerSec, handledSecs}`
//!   (`handledSecs`: when the handler had seen all N; `secs` also waits for
//!   the last acks to reach the table, which are flushed on the worker's
//!   next wake-up, so a short poll interval keeps that tail small).
//!   Known on this kind of machine (2 cores, PostgreSQL 15 stock):
//!   batch 10 → 500–1,500 tasks/s; batch 100 → 6,000–7,400/s;
//!   batch 1,000 → about 13,500/s. The batch size dominates: every fetch and
//!   every ack is one transaction, whatever its size. Measured here (release
//!   build, quiet machine, 20,000 tasks, concurrency 64, three runs):
//!   batch 100 → 10,000–13,900/s, batch 1,000 → 9,900–10,800/s; with
//!   batch 1,000 nearly all the time is PostgreSQL's (each fetch + ack of
//!   1,000 rows takes 50–250 ms, the handler runs them in about 2 ms).
//!
//! * [`pickup`] — **latency from push to handler on an idle worker**. The
//!   worker listens (`.with_pubsub()`: PostgreSQL `LISTEN/NOTIFY`, fired by
//!   apalis's insert trigger); tasks are pushed at a steady R per second, each
//!   in its own transaction (as the API enqueues an AI job), each carrying
//!   its push time (µs since the UNIX epoch, taken just before the insert).
//!   The handler records `now - pushed_at`: insert + commit + notification +
//!   fetch + dispatch (and, as in production, the previous task's lock/ack
//!   events, which the worker flushes on this wake-up before fetching). The poll interval defaults to the worker's production
//!   one (1 s), so what is measured is the notification path, not polling.
//!   Output: `{rate, tasks, pickupMs: {p50, p90, p99, max}, pushMs: {..}}`
//!   (`pushMs`: the push transaction alone, the first part of every pickup;
//!   a pickup tail that shows here too is PostgreSQL's commit stalling, not
//!   the queue). Known: p50 ≈ 2.3 ms, p99 ≈ 4.2 ms, on a quiet machine
//!   (measured here: p50 2.2–2.4 ms, p99 3.8–4.4 ms, push p50 ≈ 1.3 ms);
//!   other I/O (another database being created, a build linking) shows up
//!   at once in p99 and max.
//!
//! * [`serve_select`] (`select-server`) — **a bare HTTP+SQL route**: axum
//!   0.8, `GET /bare/ai-jobs/{id}` doing one primary-key select on `"AIJob"`
//!   (plain `sqlx::query`, pool of 16) and answering 200 JSON or 404, plus
//!   `GET /bare/healthz`. It is what the API's poll route
//!   `GET /v1/ai-jobs/{id}` (authentication + ownership + the same select)
//!   is compared with under the same load generator: the difference is the
//!   cost of our middleware, auth and ownership checks. It runs until
//!   SIGINT/SIGTERM and prints `{"addr": "HOST:PORT", "poolSize": 16}` once
//!   it listens.
//!
//! The queue benchmarks work in their own queue (default `bench.noop`), apply
//! apalis's migrations, delete that queue's leftovers first and their own
//! rows last; run them on a scratch database, not on one serving traffic.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use apalis::prelude::{BackendExt, BoxDynError, Data, TaskBuilder, WorkerBuilder, WorkerBuilderExt, WorkerError};
use apalis_postgres::{PgTask, PostgresStorage};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::loadgen::stats::{LatencyRecorder, LatencySummary, round3};

/// Tasks per `push_tasks` statement when pre-pushing for [`drain`].
pub const PUSH_CHUNK: usize = 1_000;

/// How long a stopping worker may take to finish and flush its acks.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections for the queue benchmarks' pool: the worker's backend runs one
/// query at a time (fetch, ack, heartbeat), the listener holds its own, and
/// the benchmark itself pushes and counts.
const QUEUE_POOL_SIZE: u32 = 8;

/// `queue-bench`: baseline measurements of the bare queue and a bare
/// HTTP+SQL route on this machine.
#[derive(Debug, clap::Parser)]
#[command(
    name = "queue-bench",
    version,
    about = "Baseline measurements: the bare apalis-postgres queue (drain, pickup) and a bare HTTP+SQL route (select-server)."
)]
pub struct Cli {
    /// Also write the JSON result to this file.
    #[arg(long, global = true, value_name = "FILE")]
    pub report: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The measurements.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Throughput: pre-push N no-op tasks, time one worker draining them.
    Drain(DrainOptions),
    /// Latency: push R tasks/s to an idle listening worker, histogram of push→handler.
    Pickup(PickupOptions),
    /// A bare axum + sqlx server: GET /bare/ai-jobs/{id}, GET /bare/healthz.
    SelectServer(SelectServerOptions),
}

/// Options of [`drain`].
#[derive(Debug, Clone, clap::Args)]
pub struct DrainOptions {
    /// PostgreSQL URL (a scratch database).
    #[arg(long, value_name = "URL")]
    pub database_url: String,
    /// Tasks to pre-push and drain.
    #[arg(long, default_value_t = 20_000)]
    pub tasks: usize,
    /// Tasks fetched per queue poll (apalis `Config::batch_size`).
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Tasks run at once by the worker.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Queue (apalis `job_type`) used for the run.
    #[arg(long, default_value = "bench.noop")]
    pub queue: String,
    /// Fallback poll interval of the worker, in ms (also when the last acks are flushed).
    #[arg(long, default_value_t = 50)]
    pub poll_interval_ms: u64,
    /// Give up when the drain has not finished after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
    /// Keep the queue's rows after the run (for inspection) instead of deleting them.
    #[arg(long)]
    pub keep: bool,
}

impl DrainOptions {
    /// The defaults of the command line, on `database_url`.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            tasks: 20_000,
            batch: 100,
            concurrency: 64,
            queue: "bench.noop".into(),
            poll_interval_ms: 50,
            timeout_secs: 300,
            keep: false,
        }
    }
}

/// Options of [`pickup`].
#[derive(Debug, Clone, clap::Args)]
pub struct PickupOptions {
    /// PostgreSQL URL (a scratch database).
    #[arg(long, value_name = "URL")]
    pub database_url: String,
    /// Tasks pushed per second, one per transaction, on a fixed schedule.
    #[arg(long, default_value_t = 50)]
    pub rate: u32,
    /// How long to push, in seconds (rate × seconds tasks in all).
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Queue (apalis `job_type`) used for the run.
    #[arg(long, default_value = "bench.pickup")]
    pub queue: String,
    /// Tasks fetched per queue poll (the worker's production default).
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Tasks run at once by the worker (the worker's production default).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Fallback poll interval in ms (production default 1000, so the notification path is measured).
    #[arg(long, default_value_t = 1_000)]
    pub poll_interval_ms: u64,
}

impl PickupOptions {
    /// The defaults of the command line, on `database_url`.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            rate: 50,
            seconds: 20,
            queue: "bench.pickup".into(),
            batch: 32,
            concurrency: 16,
            poll_interval_ms: 1_000,
        }
    }
}

/// Options of `select-server`.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectServerOptions {
    /// PostgreSQL URL (a database with our schema, e.g. the API's).
    #[arg(long, value_name = "URL")]
    pub database_url: String,
    /// Listen address (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8099")]
    pub addr: SocketAddr,
    /// Connection pool size.
    #[arg(long, default_value_t = 16)]
    pub pool_size: u32,
    /// Apply our and apalis's migrations first (for a fresh database).
    #[arg(long)]
    pub migrate: bool,
}

/// The result of [`drain`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DrainReport {
    pub tasks: usize,
    pub batch: usize,
    pub concurrency: usize,
    /// From the worker's start until PostgreSQL shows all tasks `Done`.
    pub secs: f64,
    /// `tasks / secs`.
    pub tasks_per_sec: f64,
    /// From the worker's start until the handler had run all tasks.
    pub handled_secs: f64,
}

/// The result of [`pickup`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PickupReport {
    pub rate: u32,
    /// Tasks whose pickup was recorded (normally rate × seconds).
    pub tasks: usize,
    pub pickup_ms: LatencySummary,
    /// The push transaction alone (insert + commit), part of every pickup:
    /// when the pickup tail is here, PostgreSQL's commits (fsync) stalled.
    pub push_ms: LatencySummary,
}

/// The payload of every benchmark task.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenchTask {
    /// When the task was pushed, µs since the UNIX epoch.
    pub pushed_at_us: u64,
    /// A warm-up task for [`pickup`]: handled, not recorded.
    #[serde(default)]
    pub warmup: bool,
}

/// Run one command: print its JSON object on stdout, write `--report`.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Drain(opts) => emit(&serde_json::to_value(drain(&opts).await?)?, cli.report.as_deref()),
        Command::Pickup(opts) => emit(&serde_json::to_value(pickup(&opts).await?)?, cli.report.as_deref()),
        Command::SelectServer(opts) => {
            let pool = PgPoolOptions::new()
                .max_connections(opts.pool_size)
                .connect(&opts.database_url)
                .await
                .context("connecting to PostgreSQL")?;
            if opts.migrate {
                shared::db::migrate(&pool).await.context("applying migrations")?;
            }
            let listener =
                tokio::net::TcpListener::bind(opts.addr).await.with_context(|| format!("binding {}", opts.addr))?;
            let addr = listener.local_addr()?;
            emit(&json!({"addr": addr.to_string(), "poolSize": opts.pool_size}), cli.report.as_deref())?;
            serve_select(listener, pool, shutdown_signal()).await.context("serving")
        }
    }
}

/// Print `value` as one line on stdout; also write it to `report` if given.
fn emit(value: &Value, report: Option<&std::path::Path>) -> anyhow::Result<()> {
    let line = serde_json::to_string(value)?;
    println!("{line}");
    if let Some(path) = report {
        std::fs::write(path, format!("{line}\n")).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

// ---------------------------------------------------------------- queue ---

async fn queue_pool(url: &str) -> anyhow::Result<PgPool> {
    let pool =
        PgPoolOptions::new().max_connections(QUEUE_POOL_SIZE).connect(url).await.context("connecting to PostgreSQL")?;
    apalis_postgres::PostgresStorage::setup(&pool).await.context("applying apalis's migrations")?;
    Ok(pool)
}

/// Delete every task of `queue` and the workers registered on it.
pub async fn clear_queue(pool: &PgPool, queue: &str) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM apalis.jobs WHERE job_type = $1").bind(queue).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM apalis.workers WHERE worker_type = $1").bind(queue).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// `(done, total)`: tasks of `queue` in status `Done`, and all of them.
pub async fn count_tasks(pool: &PgPool, queue: &str) -> anyhow::Result<(usize, usize)> {
    let row = sqlx::query(
        "SELECT count(*) FILTER (WHERE status = 'Done') AS done, count(*) AS total FROM apalis.jobs WHERE job_type = $1",
    )
    .bind(queue)
    .fetch_one(pool)
    .await?;
    let done: i64 = row.try_get("done")?;
    let total: i64 = row.try_get("total")?;
    Ok((usize::try_from(done).unwrap_or(0), usize::try_from(total).unwrap_or(0)))
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)).unwrap_or(0)
}

fn encode(task: &BenchTask) -> anyhow::Result<PgTask> {
    Ok(TaskBuilder::new(serde_json::to_vec(task)?).build())
}

/// Push `tasks` in one transaction, with apalis-postgres's `push_tasks`.
async fn push(pool: &PgPool, queue: &str, tasks: Vec<PgTask>) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    apalis_postgres::queries::push_tasks(&mut *tx, queue, tasks).await?;
    tx.commit().await?;
    Ok(())
}

fn storage(pool: &PgPool, queue: &str, batch: usize, poll_interval_ms: u64) -> anyhow::Result<StorageT> {
    anyhow::ensure!(batch > 0, "--batch must be at least 1");
    let config = apalis_postgres::Config::default().queue(queue).batch_size(batch);
    Ok(PostgresStorage::<BenchTask>::new(pool)
        .with_config(config)
        .with_pubsub()
        .poll_with_interval(Duration::from_millis(poll_interval_ms.max(1))))
}

type StorageT = apalis::prelude::PollWith<
    apalis::prelude::PollWith<PostgresStorage<BenchTask>, apalis::prelude::StreamStrategy<apalis_postgres::Pubsub>>,
    apalis::prelude::IntervalStrategy,
>;

fn worker_name(what: &str) -> String {
    format!("queue-bench-{what}-{}", Uuid::new_v4().simple())
}

/// A worker running on its own task, stopped by [`Running::stop`].
struct Running {
    stop: oneshot::Sender<()>,
    handle: JoinHandle<Result<(), WorkerError>>,
}

impl Running {
    /// Stop taking tasks, let in-flight ones finish and their acks be flushed.
    async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        match tokio::time::timeout(STOP_TIMEOUT, self.handle).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(anyhow::anyhow!("the worker stopped with an error: {e}")),
            Ok(Err(e)) => Err(anyhow::anyhow!("the worker task failed: {e}")),
            Err(_) => Err(anyhow::anyhow!("the worker did not stop within {STOP_TIMEOUT:?}")),
        }
    }
}

fn stop_signal() -> (oneshot::Sender<()>, impl Future<Output = Result<(), WorkerError>> + Send + 'static) {
    let (tx, rx) = oneshot::channel::<()>();
    (tx, async move {
        let _ = rx.await;
        Ok(())
    })
}

/// Counts handled tasks; wakes [`Counter::reached`] at the target.
struct Counter {
    handled: AtomicUsize,
    target: usize,
    reached: Notify,
}

impl Counter {
    fn new(target: usize) -> Self {
        Self { handled: AtomicUsize::new(0), target, reached: Notify::new() }
    }

    fn hit(&self) {
        if self.handled.fetch_add(1, Ordering::AcqRel) + 1 >= self.target {
            self.reached.notify_waiters();
        }
    }

    async fn wait(&self) {
        loop {
            let notified = self.reached.notified();
            if self.handled.load(Ordering::Acquire) >= self.target {
                return;
            }
            notified.await;
        }
    }
}

async fn count_task(_task: BenchTask, counter: Data<Arc<Counter>>) -> Result<(), BoxDynError> {
    counter.hit();
    Ok(())
}

/// Measure one worker draining pre-pushed no-op tasks; see the module docs.
///
/// The queue's rows are deleted at the end (kept with `keep`), also when the
/// run fails.
pub async fn drain(opts: &DrainOptions) -> anyhow::Result<DrainReport> {
    anyhow::ensure!(opts.tasks > 0, "--tasks must be at least 1");
    anyhow::ensure!(opts.batch > 0, "--batch must be at least 1");
    anyhow::ensure!(opts.concurrency > 0, "--concurrency must be at least 1");
    let pool = queue_pool(&opts.database_url).await?;
    clear_queue(&pool, &opts.queue).await.context("deleting the queue's leftovers")?;
    let result = drain_on(&pool, opts).await;
    if !opts.keep
        && let Err(e) = clear_queue(&pool, &opts.queue).await
    {
        tracing::warn!(error = %e, queue = %opts.queue, "could not delete the queue's rows");
    }
    pool.close().await;
    result
}

async fn drain_on(pool: &PgPool, opts: &DrainOptions) -> anyhow::Result<DrainReport> {
    let payload = BenchTask { pushed_at_us: now_us(), warmup: false };
    let mut left = opts.tasks;
    while left > 0 {
        let n = left.min(PUSH_CHUNK);
        let tasks = (0..n).map(|_| encode(&payload)).collect::<anyhow::Result<Vec<_>>>()?;
        push(pool, &opts.queue, tasks).await.context("pushing tasks")?;
        left -= n;
    }

    let counter = Arc::new(Counter::new(opts.tasks));
    let worker = WorkerBuilder::new(worker_name("drain").as_str())
        .backend(storage(pool, &opts.queue, opts.batch, opts.poll_interval_ms)?)
        .concurrency(opts.concurrency)
        .data(counter.clone())
        .build(count_task);
    let (stop, signal) = stop_signal();
    let started = Instant::now();
    let running = Running { stop, handle: tokio::spawn(worker.run_until(signal)) };
    let deadline = tokio::time::Instant::from_std(started + Duration::from_secs(opts.timeout_secs));

    let measured = async {
        tokio::time::timeout_at(deadline, counter.wait()).await.map_err(|_| {
            anyhow::anyhow!(
                "timed out: the handler ran {} of {} tasks in {} s",
                counter.handled.load(Ordering::Acquire),
                opts.tasks,
                opts.timeout_secs
            )
        })?;
        let handled_secs = started.elapsed().as_secs_f64();
        loop {
            let (done, _) = count_tasks(pool, &opts.queue).await?;
            if done >= opts.tasks {
                break;
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "timed out: {done} of {} tasks Done in PostgreSQL",
                opts.tasks
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok((started.elapsed().as_secs_f64(), handled_secs))
    }
    .await;
    let stopped = running.stop().await;
    let (secs, handled_secs) = measured?;
    stopped?;

    let (done, total) = count_tasks(pool, &opts.queue).await?;
    anyhow::ensure!(
        done == opts.tasks && total == opts.tasks,
        "after the stop: {done} Done of {total} tasks, expected {}",
        opts.tasks
    );
    Ok(DrainReport {
        tasks: opts.tasks,
        batch: opts.batch,
        concurrency: opts.concurrency,
        secs: round3(secs),
        tasks_per_sec: round3(opts.tasks as f64 / secs),
        handled_secs: round3(handled_secs),
    })
}

/// What the pickup handler records into.
struct Pickups {
    /// Push → handler.
    histogram: Mutex<LatencyRecorder>,
    recorded: Counter,
    warmups: Counter,
}

async fn record_pickup(task: BenchTask, pickups: Data<Arc<Pickups>>) -> Result<(), BoxDynError> {
    let latency = now_us().saturating_sub(task.pushed_at_us);
    if task.warmup {
        pickups.warmups.hit();
        return Ok(());
    }
    if let Ok(mut h) = pickups.histogram.lock() {
        h.record(Duration::from_micros(latency));
    }
    pickups.recorded.hit();
    Ok(())
}

/// Measure push → handler latency on an idle listening worker; see the
/// module docs. The queue's rows are deleted at the end.
pub async fn pickup(opts: &PickupOptions) -> anyhow::Result<PickupReport> {
    anyhow::ensure!(opts.rate > 0, "--rate must be at least 1");
    anyhow::ensure!(opts.seconds > 0, "--seconds must be at least 1");
    anyhow::ensure!(opts.concurrency > 0, "--concurrency must be at least 1");
    let pool = queue_pool(&opts.database_url).await?;
    clear_queue(&pool, &opts.queue).await.context("deleting the queue's leftovers")?;
    let result = pickup_on(&pool, opts).await;
    if let Err(e) = clear_queue(&pool, &opts.queue).await {
        tracing::warn!(error = %e, queue = %opts.queue, "could not delete the queue's rows");
    }
    pool.close().await;
    result
}

async fn pickup_on(pool: &PgPool, opts: &PickupOptions) -> anyhow::Result<PickupReport> {
    let total = usize::try_from(u64::from(opts.rate).saturating_mul(opts.seconds)).unwrap_or(usize::MAX);
    let pickups = Arc::new(Pickups {
        histogram: Mutex::new(LatencyRecorder::new()),
        recorded: Counter::new(total),
        warmups: Counter::new(1),
    });
    let worker = WorkerBuilder::new(worker_name("pickup").as_str())
        .backend(storage(pool, &opts.queue, opts.batch, opts.poll_interval_ms)?)
        .concurrency(opts.concurrency)
        .data(pickups.clone())
        .build(record_pickup);
    let (stop, signal) = stop_signal();
    let running = Running { stop, handle: tokio::spawn(worker.run_until(signal)) };

    let measured = async {
        // Warm-up: one task proves the worker runs; then give its LISTEN
        // connection time to settle before the clock matters.
        push(pool, &opts.queue, vec![encode(&BenchTask { pushed_at_us: now_us(), warmup: true })?]).await?;
        tokio::time::timeout(Duration::from_secs(10), pickups.warmups.wait())
            .await
            .map_err(|_| anyhow::anyhow!("the worker did not pick up the warm-up task within 10 s"))?;
        tokio::time::sleep(Duration::from_millis(300)).await;

        let period = Duration::from_secs_f64(1.0 / f64::from(opts.rate));
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut pushes = LatencyRecorder::new();
        for _ in 0..total {
            ticks.tick().await;
            let start = Instant::now();
            let task = encode(&BenchTask { pushed_at_us: now_us(), warmup: false })?;
            push(pool, &opts.queue, vec![task]).await.context("pushing a task")?;
            pushes.record(start.elapsed());
        }
        // The last tasks are normally handled within milliseconds.
        let _ = tokio::time::timeout(Duration::from_secs(10), pickups.recorded.wait()).await;
        Ok::<_, anyhow::Error>(pushes)
    }
    .await;
    let stopped = running.stop().await;
    let pushes = measured?;
    stopped?;

    let h = pickups.histogram.lock().map_err(|_| anyhow::anyhow!("histogram lock poisoned"))?;
    Ok(PickupReport {
        rate: opts.rate,
        tasks: usize::try_from(h.len()).unwrap_or(usize::MAX),
        pickup_ms: h.summary(),
        push_ms: pushes.summary(),
    })
}

// -------------------------------------------------------- select-server ---

/// The bare routes: `GET /bare/ai-jobs/{id}` and `GET /bare/healthz`.
pub fn select_router(pool: PgPool) -> axum::Router {
    axum::Router::new()
        .route("/bare/healthz", get(|| async { "ok" }))
        .route("/bare/ai-jobs/{id}", get(get_ai_job))
        .with_state(pool)
}

/// Serve [`select_router`] on `listener` until `shutdown` resolves.
pub async fn serve_select(
    listener: tokio::net::TcpListener,
    pool: PgPool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // TCP_NODELAY like the api, so the two routes are compared on equal terms.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, select_router(pool)).with_graceful_shutdown(shutdown).await
}

async fn get_ai_job(State(pool): State<PgPool>, Path(id): Path<Uuid>) -> Response {
    let row = sqlx::query(r#"SELECT id, status::text, "errorMessage", "updatedAt" FROM "AIJob" WHERE id = $1"#)
        .bind(id)
        .fetch_optional(&pool)
        .await;
    let row = match row {
        Ok(Some(row)) => row,
        Ok(None) => return (StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response(),
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": e.to_string()}))).into_response(),
    };
    let fields = (|| {
        Ok::<_, sqlx::Error>(json!({
            "id": row.try_get::<Uuid, _>("id")?,
            "status": row.try_get::<String, _>("status")?,
            "errorMessage": row.try_get::<Option<String>, _>("errorMessage")?,
            "updatedAt": row.try_get::<chrono::DateTime<chrono::Utc>, _>("updatedAt")?,
        }))
    })();
    match fields {
        Ok(body) => (StatusCode::OK, Json(body)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": e.to_string()}))).into_response(),
    }
}
