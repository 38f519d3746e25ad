//! Each test gets the real API on port 0, its own fresh PostgreSQL database
//! (copied from a migrated template) and the real Redis. Tokens are signed
//! with an RSA key pair generated once per test binary. Providers are faked
//! at the HTTP boundary by `llm-sim`'s router on port 0.

use std::sync::OnceLock;
use std::time::Duration;

use api::Application;
use api::auth::ClerkConfig;
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tools::token::{DevKeyPair, Minter, TokenSpec};
use uuid::Uuid;

/// The master key ring tests encrypt users' keys with.
pub fn keyring() -> shared::crypto::KeyRing {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);
    shared::crypto::KeyRing::new(&secrecy::SecretString::from(key), "test", None).expect("key ring")
}

/// A provider simulator on 127.0.0.1:0: its base URL and counters.
pub struct Sim {
    pub base: String,
    pub stats: std::sync::Arc<tools::sim::SimStats>,
    server: tokio::task::JoinHandle<()>,
}

impl Sim {
    pub async fn start(config: tools::sim::SimConfig) -> Sim {
        let (router, stats) = tools::sim::router(config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind sim");
        let addr = listener.local_addr().expect("sim addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Sim { base: format!("http://{addr}"), stats, server }
    }

    /// Chat requests served so far.
    pub fn chat_requests(&self) -> u64 {
        self.stats.chat_requests.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Admin connection for creating and dropping test databases.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// `admin_url` pointed at another database.
pub fn db_url(name: &str) -> String {
    let admin = admin_url();
    match admin.rfind('/') {
        Some(i) if admin[..i].contains("://") && admin[i..].len() > 1 => format!("{}/{name}", &admin[..i]),
        _ => format!("{admin}/{name}"),
    }
}

pub fn keys() -> &'static DevKeyPair {
    static KEYS: OnceLock<DevKeyPair> = OnceLock::new();
    KEYS.get_or_init(|| tools::token::generate_keypair("test").expect("generate test key pair"))
}

fn minter() -> &'static Minter {
    static MINTER: OnceLock<Minter> = OnceLock::new();
    MINTER.get_or_init(|| Minter::from_pem(&keys().private_pem).expect("parse test private key"))
}

/// A token for Clerk user `sub`, valid for an hour.
pub fn token_for(sub: &str) -> String {
    minter().mint(&TokenSpec::new(sub)).expect("mint")
}

/// A token from a custom spec.
pub fn token_with(spec: &TokenSpec) -> String {
    minter().mint(spec).expect("mint")
}

/// Run one dynamic statement (database names cannot be bind parameters).
async fn exec(conn: &mut PgConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(conn).await.map(|_| ())
}

/// A database that is dropped (even after a panic) when this is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A fresh database with every migration applied (copied from a template
    /// that is built once per migration set, under an advisory lock).
    pub async fn migrated() -> TestDb {
        let template = ensure_template().await;
        Self::create(Some(&template)).await
    }

    /// A fresh, empty database.
    pub async fn empty() -> TestDb {
        Self::create(None).await
    }

    async fn create(template: Option<&str>) -> TestDb {
        let name = format!("tailor_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url()).await.expect("connect to admin database");
        admin.execute("SELECT pg_advisory_lock(727274)").await.expect("lock");
        let sql = match template {
            Some(t) => format!(r#"CREATE DATABASE "{name}" TEMPLATE "{t}""#),
            None => format!(r#"CREATE DATABASE "{name}""#),
        };
        let created = exec(&mut admin, sql).await;
        admin.execute("SELECT pg_advisory_unlock(727274)").await.expect("unlock");
        created.expect("create test database");
        let url = db_url(&name);
        TestDb { name, url }
    }

    pub async fn pool(&self) -> PgPool {
        PgPool::connect(&self.url).await.expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime; use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let _ = exec(&mut admin, format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)).await;
                }
            });
        })
        .join();
    }
}

async fn ensure_template() -> String {
    // Named after the migrations' checksums: a changed migration gets a new template.
    let mut fingerprint = String::new();
    for m in shared::db::migrator().iter().chain(shared::db::queue_migrator().iter()) {
        fingerprint.push_str(&format!("{}:{:x?};", m.version, &m.checksum[..4.min(m.checksum.len())]));
    }
    let digest = fingerprint.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
    let name = format!("tailor_tpl_{digest:016x}");
    let mut admin = PgConnection::connect(&admin_url()).await.expect("connect to admin database");
    admin.execute("SELECT pg_advisory_lock(727274)").await.expect("lock");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .expect("query pg_database");
    if !exists {
        let building = format!("{name}_building");
        exec(&mut admin, format!(r#"DROP DATABASE IF EXISTS "{building}" WITH (FORCE)"#)).await.expect("drop");
        exec(&mut admin, format!(r#"CREATE DATABASE "{building}""#)).await.expect("create template");
        let pool = PgPool::connect(&db_url(&building)).await.expect("connect template");
        shared::db::migrate(&pool).await.expect("migrate template");
        pool.close().await;
        exec(&mut admin, format!(r#"ALTER DATABASE "{building}" RENAME TO "{name}""#)).await.expect("rename");
    }
    admin.execute("SELECT pg_advisory_unlock(727274)").await.expect("unlock");
    name
}

/// The real API on 127.0.0.1:0 over its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    /// Dropped with the app: the database goes with it.
    pub db: TestDb,
    /// The configuration it was started with (replicas start from it).
    pub config: api::Config,
    /// The object store's directory (`STORAGE_URL`), removed with the app.
    pub storage_dir: tempfile::TempDir,
    /// The app's job followers (to count their reads).
    pub watcher: api::job_watch::JobWatcher,
    server: tokio::task::JoinHandle<()>,
}

/// Another API process's worth of app on the same database (a replica).
pub struct ApiReplica {
    pub base: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for ApiReplica {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(config: api::Config) -> (String, PgPool, api::job_watch::JobWatcher, tokio::task::JoinHandle<()>) {
    let app = Application::build(config).await.expect("build application");
    let addr = app.local_addr().expect("addr");
    let pool = app.state().pool.clone();
    let watcher = app.state().watcher.clone();
    let server = tokio::spawn(async move {
        let _ = app.run_until(std::future::pending()).await;
    });
    (format!("http://{addr}"), pool, watcher, server)
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut api::Config)) -> TestApp {
        // Logs of the app under test, shown for failing tests (RUST_LOG filters).
        shared::telemetry::init_for_tests();
        let db = TestDb::migrated().await;
        let storage_dir = tempfile::Builder::new().prefix("tailor-test-storage-").tempdir().expect("storage dir");
        let mut config = api::Config {
            database_url: db.url.clone(),
            redis_url: redis_url(),
            addr: "127.0.0.1:0".parse().expect("addr"),
            clerk: ClerkConfig {
                jwt_key_pem: Some(keys().public_pem.clone()),
                jwks_url: None,
                issuer: None,
                authorized_parties: vec![],
                leeway_secs: 5,
                jwks_min_refresh_interval: Duration::from_secs(0),
                jwks_max_age: Duration::from_secs(300),
                http_timeout: Duration::from_secs(2),
            },
            db_max_connections: 8,
            max_body_bytes: 2 * 1024 * 1024,
            run_migrations: false,
            keyring: keyring(),
            // Tests point Azure endpoints at a local fake.
            allow_insecure_azure: true,
            // Unlimited unless a test is about the limit.
            submissions_per_minute: 0,
            submission_burst: 1,
            storage: shared::storage::Settings::local(storage_dir.path()),
            presign_ttl: Duration::from_secs(300),
            metrics_addr: "127.0.0.1:0".parse().expect("addr"),
            cors_allowed_origins: vec![],
            max_in_flight: 512,
            request_timeout: Duration::from_secs(75),
            header_read_timeout: Duration::from_secs(10),
            max_waits_per_user: 10,
            jobs_per_day: None,
            // Tests script the provider call by call: no reuse, no limit,
            // except in the tests of those (api/limits.rs).
            key_checks_per_minute: 1000,
            key_check_cache_ttl: Duration::ZERO,
        };
        tweak(&mut config);
        let (base, pool, watcher, server) = serve(config.clone()).await;
        TestApp {
            base,
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client"),
            pool,
            db,
            config,
            storage_dir,
            watcher,
            server,
        }
    }

    /// A second API on the same database and Redis, as another replica.
    pub async fn replica(&self, tweak: impl FnOnce(&mut api::Config)) -> ApiReplica {
        let mut config = self.config.clone();
        tweak(&mut config);
        let (base, _pool, _watcher, server) = serve(config).await;
        ApiReplica { base, server }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request as Clerk user `sub`.
    pub fn req(&self, method: reqwest::Method, path: &str, sub: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(token_for(sub))
    }

    pub async fn get(&self, path: &str, sub: &str) -> (u16, Value) {
        send(self.req(reqwest::Method::GET, path, sub)).await
    }

    pub async fn post(&self, path: &str, sub: &str, body: Value) -> (u16, Value) {
        send(self.req(reqwest::Method::POST, path, sub).json(&body)).await
    }

    pub async fn delete(&self, path: &str, sub: &str) -> (u16, Value) {
        send(self.req(reqwest::Method::DELETE, path, sub)).await
    }

    pub async fn put(&self, path: &str, sub: &str, body: Value) -> (u16, Value) {
        send(self.req(reqwest::Method::PUT, path, sub).json(&body)).await
    }

    /// The test database's URL (for workers).
    pub fn db_url(&self) -> String {
        self.db.url.clone()
    }

    /// A worker configuration for this app: its database and object store,
    /// DEEPSEEK on `sim` when given (see [`worker_config`]).
    pub fn worker_config(&self, sim: Option<&Sim>) -> worker::Config {
        worker::Config { storage: self.config.storage.clone(), ..worker_config(&self.db.url, sim) }
    }

    pub async fn patch(&self, path: &str, sub: &str, body: Value) -> (u16, Value) {
        send(self.req(reqwest::Method::PATCH, path, sub).json(&body)).await
    }

    /// Create a project and return its id.
    pub async fn project(&self, sub: &str) -> String {
        let (status, body) = self.post("/v1/projects", sub, serde_json::json!({"name": "Backend résumé"})).await;
        assert_eq!(status, 201, "{body}");
        id_of(&body)
    }

    /// Create a BASE version of `latex` and return the whole answer.
    pub async fn base_version(&self, sub: &str, project: &str, latex: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/v1/projects/{project}/versions"),
                sub,
                serde_json::json!({"latexContent": latex, "type": "BASE"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Create a JD and return its id.
    pub async fn jd(&self, sub: &str, project: &str) -> String {
        let (status, body) = self
            .post(&format!("/v1/projects/{project}/job-descriptions"), sub, serde_json::json!({"rawText": SAMPLE_JD}))
            .await;
        assert_eq!(status, 201, "{body}");
        id_of(&body)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Send and decode (status, JSON body or Null).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap_or_else(|| panic!("no id in {body}")).to_owned()
}

/// Asserts a problem+json answer with this status.
pub fn assert_problem(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["status"].as_u64(), Some(u64::from(expected)), "{body}");
    assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
}

pub const SAMPLE_RESUME: &str = r"\documentclass[11pt]{article}
\usepackage[margin=1in]{geometry}
\begin{document}
\textbf{Ada Example} \\ ada@example.com \\ +1 555 0100

\section{Experience}
\begin{itemize}
  \item Built a Go payments service on PostgreSQL handling 2,000 requests/s.
  \item Cut p99 latency by 35\% with connection pooling.
\end{itemize}

\section{Education}
B.Sc. Computer Science, Example University, 2018

\section{Skills}
Go, Rust, PostgreSQL, Docker, Kubernetes
\end{document}
";

pub const SAMPLE_JD: &str = "Senior Backend Engineer\n\nWe are looking for a backend engineer with Go and Postgres experience.\nRequirements:\n- 5+ years building distributed systems in Go\n- Experience with k8s and Docker\n- Strong SQL skills\n";

/// A worker configuration for tests: `database_url`, DEEPSEEK on `sim`
/// (when given), fast heartbeats, a short provider budget, both queues,
/// compiles with short limits (bubblewrap where it works), and an object
/// store that nothing reads (use [`TestApp::worker_config`] to share the app's).
pub fn worker_config(database_url: &str, sim: Option<&Sim>) -> worker::Config {
    worker::Config {
        database_url: database_url.to_owned(),
        concurrency: 4,
        batch_size: 8,
        db_max_connections: 8,
        heartbeat: Duration::from_secs(2),
        missed_heartbeats: 3,
        poll_interval: Duration::from_millis(200),
        drain_timeout: Duration::from_secs(5),
        name_prefix: "test-worker".into(),
        nebius_api_key: sim.map(|_| secrecy::SecretString::from("sim-key".to_owned())),
        nebius_base_url: sim.map(|s| format!("{}/v1/", s.base)).unwrap_or_default(),
        deepseek_model: "sim-model".into(),
        keyring: keyring(),
        retry: shared::providers::RetryPolicy {
            budget: Duration::from_secs(8),
            request_timeout: Duration::from_secs(3),
            min_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(500),
            ..Default::default()
        },
        allow_insecure_azure: true,
        redis_url: redis_url(),
        max_output_tokens: 8192,
        deepseek_rpm: 0,
        azure_rpm: 0,
        provider_queue_wait: Duration::from_secs(10),
        provider_defer_over: Duration::from_secs(10),
        queue_retention: Duration::from_secs(600),
        queues: worker::config::Queues::default(),
        compile_concurrency: 2,
        compile_limits: worker::compile::Limits {
            timeout: Duration::from_secs(30),
            cpu: Duration::from_secs(20),
            ..worker::compile::Limits::default()
        },
        compile_isolation: None,
        storage: shared::storage::Settings::local(&std::env::temp_dir().join("tailor-test-storage-unshared")),
        admin_addr: "127.0.0.1:0".parse().expect("addr"),
    }
}

/// The worker's job store on `pool`, publishing status events to the test Redis.
pub fn worker_jobs(pool: &PgPool) -> worker::jobs::Jobs {
    let redis = shared::redis_conn::RedisConn::new(&redis_url()).expect("redis url");
    worker::jobs::Jobs::new(pool.clone(), shared::events::EventPublisher::start(redis))
}

/// A worker running in this process until stopped.
pub struct TestWorker {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestWorker {
    pub fn start(config: worker::Config) -> TestWorker {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(worker::run(config, async move {
            let _ = rx.await;
        }));
        TestWorker { stop: Some(tx), handle: Some(handle) }
    }

    /// Graceful stop (as on SIGTERM), waiting for the drain.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.handle.take() {
            Some(h) => h.await?,
            None => Ok(()),
        }
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        if let Some(h) = &self.handle {
            h.abort();
        }
    }
}

impl TestApp {
    /// Project + BASE version of `latex` + sample JD: (project, version JSON, jd id).
    pub async fn tailoring_setup(&self, sub: &str, latex: &str) -> (String, Value, String) {
        let project = self.project(sub).await;
        let version = self.base_version(sub, &project, latex).await;
        let jd = self.jd(sub, &project).await;
        (project, version, jd)
    }

    /// Submit a job and return its id.
    pub async fn submit(
        &self,
        sub: &str,
        project: &str,
        version: &str,
        jd: &str,
        mode: &str,
        provider: &str,
    ) -> String {
        let (status, job) = self
            .post(
                &format!("/v1/projects/{project}/ai-jobs"),
                sub,
                serde_json::json!({"baseVersionId": version, "jdId": jd, "mode": mode, "provider": provider}),
            )
            .await;
        assert_eq!(status, 202, "{job}");
        id_of(&job)
    }

    /// Poll the job until it is COMPLETED or FAILED (panics after `timeout`).
    pub async fn wait_final(&self, sub: &str, job: &str, timeout: Duration) -> Value {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let (status, body) = self.get(&format!("/v1/ai-jobs/{job}"), sub).await;
            assert_eq!(status, 200, "{body}");
            if body["status"] == "COMPLETED" || body["status"] == "FAILED" {
                return body;
            }
            assert!(std::time::Instant::now() < deadline, "job {job} not final after {timeout:?}: {body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
