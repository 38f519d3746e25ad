//! The Tailor worker: dequeues AI jobs ([`shared::queue::QUEUE_NAME`]) and
//! compiles ([`shared::queue::COMPILE_QUEUE_NAME`]) from apalis-postgres,
//! runs them, and records the outcome. `WORKER_QUEUES` chooses the queues, so
//! compile workers (which need TeX) can run apart from tailoring workers. Any
//! number of replicas may run side by side.

pub mod admin;
pub mod base_readings;
pub mod compile;
pub mod compile_task;
pub mod config;
pub mod handler;
pub mod jobs;
pub mod proposal_compile;
pub mod wakeups;

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use shared::queue::{COMPILE_QUEUE_NAME, CompileTask, QUEUE_NAME, TailorTask};
use sqlx::PgPool;
use uuid::Uuid;

pub use config::Config;

/// Shared by every task this process runs.
pub struct WorkerState {
    pub pool: PgPool,
    /// AIJob transitions (and their status events).
    pub jobs: jobs::Jobs,
    pub client: shared::providers::ChatClient,
    /// DEEPSEEK on the operator's Nebius key; `None` when NEBIUS_API_KEY is unset.
    pub deepseek: Option<shared::providers::Target>,
    pub keyring: shared::crypto::KeyRing,
    pub allow_insecure_azure: bool,
    /// Requests per minute per user Azure credential (0: unlimited).
    pub azure_rpm: u32,
    /// The model's output limit per call, in tokens.
    pub max_output_tokens: u32,
    /// `PROVIDER_DEFER_OVER_SECS`: see `handler::defer_until_a_turn`.
    pub defer_over: std::time::Duration,
    /// AIJobs this process has moved to RUNNING and not yet finished; on a
    /// graceful stop whatever is left here goes back to QUEUED.
    pub in_flight: Mutex<HashSet<Uuid>>,
    /// Failed attempts of AI tasks not yet recorded in the queue (the
    /// database was away); the sweeper records them.
    pub unrecorded: Mutex<Vec<(Uuid, String)>>,
    /// Where PDFs and previews go.
    pub storage: shared::storage::Storage,
    /// The sandboxed TeX; `None` on a tailoring-only worker without TeX
    /// (proposals are then not compiled, which it logged at start).
    pub compiler: Option<compile::Compiler>,
    /// The facts of the base versions the last jobs ran on.
    pub base_readings: base_readings::BaseReadings,
}

/// The compiler, when this machine has TeX: required when the worker takes
/// the compile queue, optional otherwise.
async fn compiler_for(config: &Config) -> anyhow::Result<Option<compile::Compiler>> {
    let built = async {
        let sandbox = compile::Sandbox::new(config.compile_isolation, config.compile_limits.clone()).await?;
        compile::Compiler::new(sandbox).await
    }
    .await;
    match built {
        Ok(compiler) => {
            tracing::info!(isolation = ?compiler.isolation(), limits = ?compiler.limits(), "compiler ready");
            Ok(Some(compiler))
        }
        Err(e) if config.queues.compile => Err(e.context("the compile queue needs TeX")),
        Err(e) => {
            tracing::warn!(error = %e, "no TeX here: proposals of compiled versions will not be compiled by this worker");
            Ok(None)
        }
    }
}

/// Run the worker until `shutdown` resolves, then drain: stop taking tasks,
/// let in-flight ones finish up to the drain timeout, and return the rest
/// (AIJob rows and queue tasks) to the queue.
pub async fn run(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let settings = shared::db::PoolSettings {
        max_connections: config.db_max_connections,
        index_scans: true,
        ..Default::default()
    };
    let pool = shared::db::pool(&config.database_url, &settings).context("DATABASE_URL is invalid")?;
    shared::db::migrate(&pool).await.context("applying migrations")?;
    let admin = admin::Admin::new(pool.clone(), shared::metrics::install());
    let admin_listener = tokio::net::TcpListener::bind(config.admin_addr)
        .await
        .with_context(|| format!("binding WORKER_ADMIN_ADDR {}", config.admin_addr))?;
    tracing::info!(addr = %admin_listener.local_addr()?, "admin listening (/healthz, /readyz, /metrics)");
    let admin_server = admin.clone().serve(admin_listener);

    let name = config.unique_name();
    let redis = shared::redis_conn::RedisConn::new(&config.redis_url).context("REDIS_URL is invalid")?;
    let events = shared::events::EventPublisher::start(redis.clone());
    let deepseek = match &config.nebius_api_key {
        Some(key) => Some(
            shared::providers::Target::deepseek(&config.nebius_base_url, key.clone(), &config.deepseek_model)
                .context("NEBIUS_BASE_URL is not a URL")?
                .paced(config.deepseek_rpm),
        ),
        None => {
            tracing::warn!("NEBIUS_API_KEY is unset: DEEPSEEK jobs will fail with a clear message");
            None
        }
    };
    let storage = shared::storage::Storage::open(&config.storage).context("STORAGE_URL")?;
    let compiler = compiler_for(&config).await?;
    let state = Arc::new(WorkerState {
        pool: pool.clone(),
        jobs: jobs::Jobs::new(pool.clone(), events),
        client: shared::providers::ChatClient::new(config.retry.clone())
            .context("building the HTTP client")?
            .with_limiter(shared::ratelimit::RateLimiter::new(redis), config.provider_queue_wait),
        deepseek,
        keyring: config.keyring.clone(),
        allow_insecure_azure: config.allow_insecure_azure,
        azure_rpm: config.azure_rpm,
        max_output_tokens: config.max_output_tokens,
        defer_over: config.provider_defer_over,
        in_flight: Mutex::new(HashSet::new()),
        unrecorded: Mutex::new(Vec::new()),
        storage,
        compiler,
        base_readings: base_readings::BaseReadings::new(base_readings::CAPACITY),
    });
    let queue_config = apalis_postgres::Config::default()
        .queue(QUEUE_NAME)
        .heartbeat_interval(config.heartbeat)
        .missed_heartbeats(config.missed_heartbeats)
        // The fetch has already locked the task to this worker (status
        // Queued, lock_by); apalis' second write when the handler starts
        // (status Running) tells nobody anything: the orphan rescue, our
        // shutdown release and the sweeper treat Queued and Running alike.
        .lock_tasks(false);
    tracing::info!(
        worker = %name, queues = ?config.queues, concurrency = config.concurrency,
        compile_concurrency = config.compile_concurrency, storage = state.storage.url(),
        orphan_after_s = queue_config.orphaned_duration().as_secs(), "worker starting"
    );

    // One queue's worker: its payload type, queue, name, concurrency and
    // handler; the rest (storage, wake-ups, poll fallback, restart naming)
    // is the same for both queues.
    macro_rules! register_queue {
        ($monitor:expr, $task:ty, $queue:expr, $name:expr, $concurrency:expr, $handler:path, $acks:expr) => {{
            let (state, pool, name, concurrency) = (state.clone(), pool.clone(), $name, $concurrency);
            // A worker fetches no more than it can run at once (never more than
            // WORKER_BATCH_SIZE): tasks it holds in its buffer would wait there
            // while another replica sits idle.
            let queue_config = queue_config
                .clone()
                .queue($queue)
                .batch_size(config.batch_size.min(concurrency))
                .persist_results($acks);
            let poll_interval = config.poll_interval;
            $monitor.register(move |restarts| {
                let storage = PostgresStorage::<$task>::new(&pool).with_config(queue_config.clone());
                let wakeups = StreamStrategy::new(wakeups::QueueWakeups::new(pool.clone(), $queue));
                let backend = PollWith::new(storage, wakeups).poll_with_interval(poll_interval);
                let name = if restarts == 0 { name.clone() } else { format!("{name}-r{restarts}") };
                WorkerBuilder::new(name.as_str())
                    .backend(backend)
                    .concurrency(concurrency)
                    .data(state.clone())
                    .build($handler)
            })
        }};
    }
    let mut monitor = Monitor::new()
            .shutdown_timeout(config.drain_timeout)
            // A worker whose backend failed (the database went away, the pool
            // timed out) is started again, never left dead. It comes back
            // under a new name: the tasks the failed one held keep its old
            // name, whose heartbeat has stopped, so another replica (or this
            // one) rescues them after the orphan timeout.
            .should_restart(|worker, error| {
                tracing::warn!(worker = %worker.name(), restarts = worker.restarts(), error = %error, "queue worker failed; restarting it");
                true
            });
    if config.queues.ai_jobs {
        // No apalis acknowledgements on the AI queue: every ending of a job
        // removes its task in the job's own transaction (or re-queues it:
        // a deferral, a failed attempt), so an acknowledgement would only
        // search for a row that is gone, through the rows this worker holds.
        monitor =
            register_queue!(monitor, TailorTask, QUEUE_NAME, name.clone(), config.concurrency, handler::handle, false);
    }
    if config.queues.compile {
        let compile_name = format!("{name}-compile");
        monitor = register_queue!(
            monitor,
            CompileTask,
            COMPILE_QUEUE_NAME,
            compile_name,
            config.compile_concurrency,
            compile_task::handle,
            true
        );
    }
    // Sweeper, once per heartbeat: record failed attempts the handlers could
    // not, fail jobs whose queue task gave up, and prune finished queue tasks.
    let sweeper = {
        let state = state.clone();
        let jobs = state.jobs.clone();
        let every = config.heartbeat;
        let retention = config.queue_retention;
        let queues: Vec<&'static str> =
            [(config.queues.ai_jobs, QUEUE_NAME), (config.queues.compile, COMPILE_QUEUE_NAME)]
                .into_iter()
                .filter_map(|(taken, queue)| taken.then_some(queue))
                .collect();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                record_unrecorded(&state).await;
                match jobs.fail_abandoned().await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(jobs = n, "failed jobs whose queue task gave up"),
                    Err(e) => tracing::debug!(error = %e, "sweeper could not run"),
                }
                match shared::queue::fail_abandoned_compiles(&jobs.pool).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(compiles = n, "failed compiles whose queue task gave up"),
                    Err(e) => tracing::debug!(error = %e, "sweeper could not run"),
                }
                prune(&jobs.pool, retention).await;
                if let Err(e) = shared::metrics::record_queue(&jobs.pool, &queues).await {
                    tracing::debug!(error = %e, "could not read the queue depth");
                }
            }
        })
    };
    // The hot tables' upkeep, every second: a vacuum of the queue table or
    // AIJob when they are bloated (one replica at a time; the check is one
    // read of pg_stat).
    let vacuum = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(shared::queue::VACUUM_CHECK_EVERY);
            loop {
                tick.tick().await;
                match shared::queue::vacuum_if_bloated(&pool).await {
                    Ok(tables) if !tables.is_empty() => tracing::debug!(?tables, "vacuumed"),
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "could not vacuum"),
                }
            }
        })
    };
    let draining = admin.clone();
    // The monitor polls every queue worker, and each worker polls its
    // handlers, inside this one future. It runs as a task of the runtime,
    // not on the thread that called `run` (`#[tokio::main]`'s, which drives
    // no I/O): there each reply from PostgreSQL or the provider would have
    // to wake that thread from another one (perf, `bench.sh --queue`: a
    // thread switch per reply).
    let result = tokio::spawn(monitor.run_with_signal(async move {
        shutdown.await;
        draining.set_draining();
        tracing::info!("draining: no new tasks; waiting for in-flight ones");
        Ok(())
    }))
    .await
    .map_err(|e| anyhow::anyhow!("the queue monitor panicked: {e}"))
    .and_then(|stopped| stopped.map_err(|e| anyhow::anyhow!("worker stopped: {e}")));
    if let Err(e) = &result {
        tracing::error!(error = %e, "worker monitor stopped with an error");
    }
    sweeper.abort();
    vacuum.abort();
    release_unfinished(&state, &name).await;
    admin_server.abort();
    pool.close().await;
    result
}

/// Record the failed attempts the handler could not (see
/// `WorkerState::unrecorded`); those that still cannot be wait for the next
/// sweep.
async fn record_unrecorded(state: &WorkerState) {
    let pending: Vec<(Uuid, String)> = state.unrecorded.lock().map(|mut u| std::mem::take(&mut *u)).unwrap_or_default();
    for (job_id, error) in pending {
        if let Err(e) = shared::queue::fail_ai_task_attempt(&state.pool, job_id, &error).await {
            tracing::debug!(ai_job.id = %job_id, error = %e, "failed attempt still not recorded");
            if let Ok(mut unrecorded) = state.unrecorded.lock() {
                unrecorded.push((job_id, error));
            }
        }
    }
}

/// Delete finished queue tasks past their retention, in bounded batches.
async fn prune(pool: &PgPool, retention: std::time::Duration) {
    const BATCH: i64 = 5_000;
    let mut total = 0;
    for _ in 0..20 {
        match shared::queue::prune_finished_tasks(pool, retention, BATCH).await {
            Ok(n) => {
                total += n;
                if n < BATCH as u64 {
                    break;
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "could not prune finished queue tasks");
                break;
            }
        }
    }
    if total > 0 {
        tracing::debug!(tasks = total, "pruned finished queue tasks");
    }
}

/// After a stop: jobs still RUNNING here go back to QUEUED, and the queue
/// tasks this worker had locked (on either queue; their lock names all start
/// with this process's unique name) go back to Pending, so another replica
/// picks them up at once rather than after the orphan timeout.
async fn release_unfinished(state: &WorkerState, worker_name: &str) {
    let unfinished: Vec<Uuid> = state.in_flight.lock().map(|s| s.iter().copied().collect()).unwrap_or_default();
    for job_id in &unfinished {
        match state.jobs.requeue(*job_id).await {
            Ok(true) => tracing::warn!(ai_job.id = %job_id, "job returned to the queue at shutdown"),
            Ok(false) => {}
            Err(e) => tracing::error!(ai_job.id = %job_id, error = %e, "could not requeue job at shutdown"),
        }
    }
    let released = shared::queue::release_tasks(&state.pool, worker_name).await;
    match released {
        Ok(n) if n > 0 => tracing::warn!(tasks = n, "queue tasks released at shutdown"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not release queue tasks at shutdown"),
    }
}
